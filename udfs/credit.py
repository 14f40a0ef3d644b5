"""Excel functions for credit management (xlwings UDFs).

Thin shells over :mod:`xl_collections.credit`: a cell gives the same answer as the ``Credit
Review`` and ``Order Decisions`` sheets and the ``credit`` command.  Money arguments are
amounts as the cells hold them (major units of the reporting currency); a blank or error cell
gives a ``#XLC! …`` text saying what is wrong.
"""
from __future__ import annotations

from decimal import Decimal

import xlwings as xw

from xl_collections.credit.exposure import exposure
from xl_collections.credit.orders import CustomerCredit, decide
from xl_collections.credit.ratios import altman_z, shown, zone
from xl_collections.credit.scoring import DEFAULT_POLICY, Policy, policy, score
from xl_collections.core.money import decimal_to_minor, is_currency, to_float
from xl_collections.core.settings import BY_CELL, Settings, from_named_values

from ._convert import UdfError, as_date, as_decimal, check_cell, guard, is_blank, is_error, to_table

EXPOSURE_FIGURES = ("exposure", "open_ar", "open_orders", "utilisation", "past_due", "max_days_past_due",
                    "group_exposure")


def _optional(value, name: str) -> Decimal | None:
    if is_error(value):
        raise UdfError(f"{name} is an Excel error ({value})")
    return None if is_blank(value) else as_decimal(value, name)


def _policy(settings) -> Policy:
    """The credit policy of a ``Settings`` range (rows of named cell, value; other rows and
    blank values ignored), or the defaults."""
    if is_blank(settings):
        return DEFAULT_POLICY
    values = {str(row[0]).strip(): row[1] for row in settings
              if isinstance(row, list | tuple) and len(row) >= 2 and isinstance(row[0], str) and row[0].strip() in BY_CELL}
    values = {k: v for k, v in values.items() if BY_CELL[k].group == "Credit scoring" or k == "ReportingCurrency"}
    if not values:
        raise UdfError("settings: expected the Settings sheet's name and value columns (Settings!A:B)")
    parsed, errors = from_named_values({k: v for k, v in values.items() if not is_error(v)})
    if errors:
        e = errors[0]
        raise UdfError(f"setting {e.column} {e.value!r}: expected {e.expected}")
    return policy(parsed)


def _currency(value) -> str:
    cur = "USD" if is_blank(value) else str(check_cell(value, "currency")).strip().upper()
    if not is_currency(cur):
        raise UdfError(f"currency {value!r}: expected an ISO 4217 code such as USD")
    return cur


@xw.func
@xw.arg("current_assets", err_to_str=True, doc="Current assets.")
@xw.arg("current_liabilities", err_to_str=True, doc="Current liabilities.")
@xw.arg("total_assets", err_to_str=True, doc="Total assets (above zero).")
@xw.arg("total_liabilities", err_to_str=True, doc="Total liabilities (above zero).")
@xw.arg("retained_earnings", err_to_str=True, doc="Retained earnings.")
@xw.arg("ebit", err_to_str=True, doc="Earnings before interest and taxes.")
@xw.arg("equity", err_to_str=True, doc="Book value of equity.")
@xw.arg("result", err_to_str=True, doc="\"score\" (default): Z'' to two decimals; \"zone\": SAFE, GREY or DISTRESS.")
@guard
def XLC_ALTMAN_Z(current_assets, current_liabilities, total_assets, total_liabilities, retained_earnings, ebit, equity,
                 result="score"):
    """Altman Z'' (private and non-manufacturing firms): 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4; or its zone (SAFE > 2.60, GREY 1.10–2.60, DISTRESS < 1.10)."""
    names = ("current_assets", "current_liabilities", "total_assets", "total_liabilities", "retained_earnings", "ebit",
             "equity")
    vals = [as_decimal(v, n) for v, n in zip((current_assets, current_liabilities, total_assets, total_liabilities,
                                               retained_earnings, ebit, equity), names)]
    z = altman_z(*vals)
    if z is None:
        raise UdfError("total_assets and total_liabilities must be above zero")
    what = "score" if is_blank(result) else str(check_cell(result, "result")).strip().lower()
    if what == "zone":
        return zone(z)
    if what != "score":
        raise UdfError(f"result {result!r}: expected score or zone")
    return float(shown(z))


@xw.func
@xw.arg("altman_z", err_to_str=True, doc="Altman Z'' (blank: not known).")
@xw.arg("current_ratio", err_to_str=True, doc="Current assets / current liabilities (blank: not known).")
@xw.arg("equity_ratio", err_to_str=True, doc="Equity / total assets, 0.40 = 40% (blank: not known).")
@xw.arg("interest_cover", err_to_str=True, doc="EBIT / interest expense (blank: not known).")
@xw.arg("add_days", err_to_str=True, doc="Average days late paying (blank: no payment history).")
@xw.arg("pct_paid_late", err_to_str=True, doc="Share of billing paid late, 0.25 = 25% (blank: no history).")
@xw.arg("max_days_past_due", err_to_str=True, doc="Days past due of the oldest undisputed item now (blank: none).")
@xw.arg("paydex", err_to_str=True, doc="Agency PAYDEX 0-100 (blank: no report).")
@xw.arg("failure_score", err_to_str=True, doc="Agency failure score 1-100 (blank: no report).")
@xw.arg("result", err_to_str=True, doc="\"class\" (default): A-E; \"score\": the weighted score 0-100.")
@xw.arg("settings", ndim=2, err_to_str=True, doc="Optional: the Settings sheet's name and value columns (Settings!A:B): its Credit scoring weights and thresholds instead of the defaults.")
@guard
def XLC_CREDIT_CLASS(altman_z=None, current_ratio=None, equity_ratio=None, interest_cover=None, add_days=None,
                     pct_paid_late=None, max_days_past_due=None, paydex=None, failure_score=None, result="class",
                     settings=None):
    """Credit class A-E (or the score 0-100) from the inputs given, with the weights of the Credit Review sheet (the defaults, or those of the Settings range given); blanks are left out of the score."""
    args = dict(altman_z=altman_z, current_ratio=current_ratio, equity_ratio=equity_ratio,
                interest_cover=interest_cover, add_days=add_days, pct_paid_late=pct_paid_late,
                max_days_past_due=max_days_past_due, paydex=paydex, failure_score=failure_score)
    s = score({k: _optional(v, k) for k, v in args.items()}, _policy(settings))
    what = "class" if is_blank(result) else str(check_cell(result, "result")).strip().lower()
    if what == "score":
        if s.score is None:
            raise UdfError("no inputs: give at least one figure")
        return float(s.score)
    if what != "class":
        raise UdfError(f"result {result!r}: expected class or score")
    if not s.credit_class:
        raise UdfError("too little to go on: add financial, agency or payment figures")
    return s.credit_class


@xw.func
@xw.arg("open_items", ndim=2, err_to_str=True, doc="The open items with their headers (customer_id, document_no, document_date, due_date, open_amount, status …).")
@xw.arg("customer_id", err_to_str=True, doc="The customer.")
@xw.arg("as_of", err_to_str=True, doc="The as-of date.")
@xw.arg("orders", ndim=2, err_to_str=True, doc="Optional orders with headers (order_no, customer_id, order_date, amount, status).")
@xw.arg("customers", ndim=2, err_to_str=True, doc="Optional customer master with headers (customer_id, customer_name, credit_limit …).")
@xw.arg("figure", err_to_str=True, doc="exposure (default), open_ar, open_orders, utilisation, past_due, max_days_past_due or group_exposure.")
@xw.arg("fx_rates", ndim=2, err_to_str=True, doc="Optional FX rates with headers currency, rate[, date].")
@xw.arg("currency", err_to_str=True, doc="Reporting currency (default USD).")
@guard
def XLC_EXPOSURE(open_items, customer_id, as_of, orders=None, customers=None, figure="exposure", fx_rates=None,
                 currency="USD"):
    """A customer's exposure (open AR + open orders, reporting currency) or another figure of the Credit Review: open_ar, open_orders, utilisation, past_due, max_days_past_due, group_exposure."""
    cur = _currency(currency)
    a = as_date(as_of, "as_of")
    cid = str(check_cell(customer_id, "customer_id")).strip()
    if isinstance(customer_id, float) and customer_id.is_integer():
        cid = str(int(customer_id))
    what = "exposure" if is_blank(figure) else str(check_cell(figure, "figure")).strip().lower()
    if what not in EXPOSURE_FIGURES:
        raise UdfError(f"figure {figure!r}: expected one of {', '.join(EXPOSURE_FIGURES)}")
    oi = to_table(open_items, "open_items", reporting_currency=cur, name="open_items")
    od = None if is_blank(orders) else to_table(orders, "orders", reporting_currency=cur, name="orders")
    cu = None if is_blank(customers) else to_table(customers, "customers", reporting_currency=cur, name="customers")
    fx = None if is_blank(fx_rates) else to_table(fx_rates, "fx_rates", reporting_currency=cur, name="fx_rates")
    exp = exposure(oi, a, customers=cu, orders=od, fx_rates=fx, reporting_currency=cur, extra_ids=[cid])
    row = exp.set_index("customer_id").loc[cid]
    v = row[what]
    if what == "utilisation":
        if v is None:
            raise UdfError("no credit limit: utilisation is undefined")
        return float(v)
    if what == "max_days_past_due":
        return int(v)
    return to_float(int(v), cur)


@xw.func
@xw.arg("amount", err_to_str=True, doc="The order amount (reporting currency).")
@xw.arg("exposure_before", err_to_str=True, doc="Open AR + shipped-not-billed + orders released before this one.")
@xw.arg("credit_limit", err_to_str=True, doc="The customer's credit limit (blank: none, the order holds).")
@xw.arg("max_days_past_due", err_to_str=True, doc="Days past due of the oldest undisputed item (0: none).")
@xw.arg("past_due", err_to_str=True, doc="Undisputed past-due amount (default 0).")
@xw.arg("risk_class", err_to_str=True, doc="The customer's class A-E (E holds).")
@xw.arg("flex_pct", err_to_str=True, doc="CreditFlexPct (default 10%).")
@xw.arg("grace_days", err_to_str=True, doc="CreditGraceDays (default 15).")
@xw.arg("hold_days", err_to_str=True, doc="CreditHoldDaysPastDue (default 60).")
@xw.arg("hold_min_past_due", err_to_str=True, doc="CreditHoldMinPastDue (default 0).")
@xw.arg("returned_payments", err_to_str=True, doc="Payments returned in the last twelve months (default 0).")
@xw.arg("currency", err_to_str=True, doc="Reporting currency (default USD).")
@guard
def XLC_ORDER_DECISION(amount, exposure_before, credit_limit=None, max_days_past_due=0, past_due=0, risk_class=None,
                       flex_pct=None, grace_days=None, hold_days=None, hold_min_past_due=None, returned_payments=0,
                       currency="USD"):
    """RELEASE, FLEX or HOLD for one order, by the rules of the Order Decisions sheet (HOLD: no limit, class E, too long past due, over limit x (1 + flex), returned payments; FLEX: over limit or past the grace days)."""
    cur = _currency(currency)
    base = Settings(reporting_currency=cur)

    def money(v, name):
        return decimal_to_minor(as_decimal(v, name), cur)

    def days(v, name, default):
        d = _optional(v, name)
        if d is None:
            return default
        if d != d.to_integral_value() or d < 0:
            raise UdfError(f"{name} {v!r}: expected whole days")
        return int(d)
    flex = _optional(flex_pct, "flex_pct")
    s = base.with_(credit_flex_pct=base.credit_flex_pct if flex is None else (flex / 100 if flex > 1 else flex),
                   credit_grace_days=days(grace_days, "grace_days", base.credit_grace_days),
                   credit_hold_days_past_due=days(hold_days, "hold_days", base.credit_hold_days_past_due),
                   credit_hold_min_past_due=base.credit_hold_min_past_due if is_blank(hold_min_past_due)
                   else money(hold_min_past_due, "hold_min_past_due"))
    cls = "" if is_blank(risk_class) else str(check_cell(risk_class, "risk_class")).strip().upper()
    c = CustomerCredit(None if is_blank(credit_limit) else money(credit_limit, "credit_limit"), cls,
                       days(max_days_past_due, "max_days_past_due", 0),
                       0 if is_blank(past_due) else money(past_due, "past_due"),
                       returned_payments=days(returned_payments, "returned_payments", 0))
    decision, _ = decide(money(amount, "amount"), money(exposure_before, "exposure_before"), c, s)
    return decision


__all__ = ["XLC_ALTMAN_Z", "XLC_CREDIT_CLASS", "XLC_EXPOSURE", "XLC_ORDER_DECISION"]
