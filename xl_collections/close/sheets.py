"""The result sheets of the close's steps, as layouts of plain data (no close state).

Each function turns results (DataFrames, :class:`~xl_collections.core.settings.Settings`, numbers
in minor units) into declarative :class:`~xl_collections.book.SheetOutput` records: the
``Cash App``/``Unapplied``/``Exceptions``, ``Aging``/``Aging Detail``, ``KPIs`` and ``Recon``
sheets.  The steps hand their results here; nothing here reads the workbook or the clock.
The ``Close`` checklist and the ``Audit Log`` rows are :mod:`xl_collections.close.checklist`'s.
Money columns are integer minor units of each row's ``currency`` unless a docstring says
the reporting currency.
"""
from __future__ import annotations

import pandas as pd

from ..book.outputs import ChartSpec, ColorScale, Highlight, SheetOutput, TableBlock
from ..book.sheetxml import col_letter
from .state import row_currencies
from ..core.money import money_text
from ..core.settings import Settings


# ------------------------------------------------------------------ helpers

# the old name of money.money_text ("1,234.56 USD"), for modules written against it


def _is_auto(applications: pd.DataFrame) -> pd.Series:
    """Which application rows were applied (status ``AUTO``, any case) rather than proposed."""
    return applications["status"].astype(str).str.upper() == "AUTO"


# ------------------------------------------------------------------ sheet layouts: the Cash App, Aging, KPIs and Recon sheets


GOOD, BAD, NEUTRAL = ("C6EFCE", "006100"), ("FFC7CE", "9C0006"), ("FFEB9C", "9C5700")   # Excel's fills


def _highlights(column: str, colours: dict) -> tuple:
    return tuple(Highlight((column,), v, *c) for v, c in colours.items())


ACCOUNTING = '_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)'
CHART_TOP = 15


def _order(df: pd.DataFrame, first: list[str], last: list[str] = ()) -> pd.DataFrame:
    """The same frame with ``first`` columns first and ``last`` columns last (those present)."""
    head = [c for c in first if c in df.columns]
    tail = [c for c in last if c in df.columns and c not in head]
    out = df[head + [c for c in df.columns if c not in head and c not in tail] + tail]
    out.attrs = dict(df.attrs)
    return out


def _next_step(df: pd.DataFrame, actions: dict) -> pd.DataFrame:
    """Add ``next_step`` (what the specialist does about each row) after ``reason``."""
    if not len(df.columns) or "reason" not in df.columns:
        return df
    out = df.copy()
    out.insert(list(out.columns).index("reason") + 1, "next_step",
               [actions.get(str(r), "Review the detail and decide by hand") for r in out["reason"]])
    out.attrs = dict(df.attrs)
    return out


def _totals_by_currency(df: pd.DataFrame, col: str, default: str) -> str:
    """``"USD 1,234.56 · GBP 12.00"``: a money column (minor units of each row's currency) summed per currency."""
    if df is None or col not in df.columns or not len(df):
        return money_text(0, default)
    amounts = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("int64")
    cur = row_currencies(df, default)
    sums = amounts.groupby(cur).sum()
    order = sorted(sums.index, key=lambda c: (c != default, c))
    return " · ".join(money_text(int(sums[c]), c) for c in order)


UNAPPLIED_NEXT = {
    "UNKNOWN_PAYER": "Find the payer (bank statement, remittance); add its bank account or name to Customers and run again",
    "ON_ACCOUNT": "Overpayment left on account: apply it to the next invoice or refund it, as agreed with the customer",
    "CURRENCY_DIFFERS": "Paid in another currency than the invoices: agree the rate, then apply by hand",
    "NO_CANDIDATE": "Customer known, no open item fits: ask for the remittance advice",
}
EXCEPTION_NEXT = {
    "CURRENCY_DIFFERS": "Paid in another currency than the invoice named: agree the rate, then apply by hand",
    "POSSIBLE_DUPLICATE_PAYMENT": "Document already paid: confirm with the customer, then refund or keep on account",
    "REMITTANCE_DIFFERS": "Remittance advice and payment disagree: check the remittance lines before applying",
    "CUSTOMER_MISMATCH": "Payer is not the invoice's customer: confirm who pays (parent, third party)",
    "DISCOUNT_NOT_EARNED": "Discount taken after its date: bill it back or approve a write-off",
    "RETURN_UNMATCHED": "Returned item whose payment was not found: find it (bank, customer) and add original_ref; "
                        "it is tried again next run",
    "RETURN_AMOUNT_MISMATCH": "Returned item of another amount than its payment: check with the bank; nothing was "
                              "reversed",
    "PRIOR_ROW_DELETED": "Rows deleted from Cash App are back (the cash stays applied once); to undo one, type "
                         "REJECT in decision",
}


def cash_outputs(apps, unapplied, exceptions, posting, deductions, s: Settings) -> list:
    """The ``Cash App``, ``Unapplied`` and ``Exceptions`` sheets (layout only)."""
    apps = _order(apps, ["payment_id", "value_date", "customer_id", "document_no", "currency", "applied_amount",
                         "status", "rule", "confidence", "evidence"])
    blocks = [TableBlock(apps, table_name="tblCashApp", title="Applications", key=("payment_id", "document_no"),
                         number_formats={"confidence": "0.00"}, column_widths={"evidence": 60, "rule": 20},
                         wrap_columns=("evidence",),
                         conditional=_highlights("status", {"REVIEW": NEUTRAL, "REVERSED": BAD}))]
    if posting is not None and len(posting):
        # text is the last column and overflows to the right: narrow, so the applications keep their widths
        blocks.append(TableBlock(_order(posting, [], ["text"]), table_name="tblCashPosting", style="TableStyleLight9",
                                 title="Postings for the ledger (the journal lines of the AUTO applications)",
                                 column_widths={"text": 12}))
    n_auto = int(_is_auto(apps).sum()) if "status" in apps.columns else len(apps)
    n_rev = int((apps["status"].astype(str).str.upper() == "REVERSED").sum()) if "status" in apps.columns else 0
    notes = (f"Cash application as of {s.as_of}: {n_auto:,} AUTO rows applied, {len(apps) - n_auto - n_rev:,} REVIEW "
             f"rows proposed" + (f", {n_rev:,} REVERSED (returned payments, rejected rows)" if n_rev else ""),
             "REVIEW rows (yellow): check and apply by hand. Rows of earlier runs stay, never applied again.",
             f"rule: how the payment was matched; confidence 0-1 (AUTO at {s.auto_apply_min_confidence} and above); "
             f"evidence: why.")
    outs = [SheetOutput("Cash App", blocks, notes=notes, print_fit_width=True, freeze_columns=1)]
    un = _order(_next_step(unapplied, UNAPPLIED_NEXT),
                ["payment_id", "customer_id", "payer_name", "currency", "amount_unapplied", "reason", "next_step",
                 "reference"], ["detail"])
    outs.append(SheetOutput("Unapplied", [TableBlock(un, table_name="tblUnapplied", wrap_columns=("next_step",),
                                                     column_widths={"next_step": 50, "detail": 70, "payer_name": 30})],
                            notes=(f"Cash not applied: {len(un):,} payments, "
                                   f"{_totals_by_currency(un, 'amount_unapplied', s.reporting_currency)}",
                                   "Next Step says what to do; after fixing the inputs, run the close again."),
                            print_fit_width=True))
    exc = _order(_next_step(exceptions, EXCEPTION_NEXT), ["payment_id", "customer_id", "document_no", "reason",
                                                          "next_step", "detail"])
    exc_blocks = [TableBlock(exc, table_name="tblExceptions", wrap_columns=("next_step", "detail"),
                             title=f"Payments to review ({len(exc):,})",
                             column_widths={"next_step": 36, "detail": 40})]
    if deductions is not None and len(deductions):
        ded = _order(deductions, ["customer_id", "document_no", "related_document_no", "reason_code", "payment_id",
                                  "amount", "currency", "value_date"])
        exc_blocks.append(TableBlock(ded, table_name="tblDeductions", style="TableStyleLight9",
                                     title=f"Deductions taken ({len(ded):,}, "
                                           f"{_totals_by_currency(ded, 'amount', s.reporting_currency)}): short "
                                           f"payments now open as their own items; resolve each (credit note, "
                                           f"dispute or bill back)"))
    outs.append(SheetOutput("Exceptions", exc_blocks,
                            notes=("Items that need a decision: payments the program would not apply alone, and the "
                                   "deductions customers took.",), print_fit_width=True))
    return outs


PAST_DUE_SCALE = ("FFFFFF", "F8696B")             # 0 and below white -> the column's largest red
BUCKET_COLORS = ("A9D08E", "FFE699", "F4B183", "ED7D31", "C55A11", "843C0C", "5B2A0C", "3B1A07")  # not due green, then warmer


def aging_outputs(res, settings: Settings) -> list:
    cur = settings.reporting_currency
    summary = res.summary
    labels = list(res.labels)
    money = [c for c in summary.columns if c in (*labels, "total_open", "past_due", "disputed", "credits",
                                                 "collectable_past_due")]
    summ = summary.copy()
    summ.attrs = {**summary.attrs, "money": money, "currency": cur}
    body = summ[summ["customer_id"] != "TOTAL"] if "customer_id" in summ.columns else summ.iloc[:-1]
    top = body.sort_values(["past_due", "total_open"], ascending=False).head(CHART_TOP)
    name = top["customer_name"].where(top["customer_name"].astype(str) != "", top["customer_id"]) \
        if "customer_name" in top.columns else top.iloc[:, 0]
    chart_df = pd.DataFrame({"customer": [str(v)[:40] for v in name]})
    past = [c for c in labels if c != "not_due" and c in summ.columns]
    series = [c for c in ("not_due", *past) if c in top.columns]
    for c in series:
        chart_df[c] = top[c].to_numpy()
    chart_df.attrs = {"money": series, "currency": cur}
    # the first two lines stay short: the sheet's button sits at J1
    notes = (f"Aging as of {res.as_of} in {cur}: pro-forma, after this close's cash application; aged by {res.basis} date",
             "Sorted by past due, largest first; TOTAL is the bold last row.",
             f"Past-due buckets shade white to red within each column. The chart right of the table shows the "
             f"{CHART_TOP} customers with most past due.")
    widths = {"customer_name": 34, **{c: 14 for c in money}}
    block0 = TableBlock(summ, money_columns=tuple(money), table_name="tblAging", total_row=True, column_widths=widths,
                        conditional=(ColorScale(tuple(past + ["past_due"]), PAST_DUE_SCALE, low=0),))
    col = len(summ.columns) + 2                     # one empty column between the table and the chart
    header = len(notes) + 2
    chart_rows = 24
    chart = ChartSpec("customer", tuple(series), kind="bar", stacked=True, block=1,
                      anchor=f"{col_letter(col - 1)}{header}",
                      title=f"Aging by bucket ({cur}), top {CHART_TOP} past-due customers", width_cols=9,
                      height_rows=chart_rows, colors=BUCKET_COLORS[:len(series)])
    block1 = TableBlock(chart_df, money_columns=tuple(series), table_name="tblAgingTop", start_row=header + chart_rows + 2,
                        start_col=col, style="TableStyleLight9", title="Chart data", column_widths={"customer": 30})
    aging_sheet = SheetOutput("Aging", [block0, block1], charts=[chart], notes=notes, print_fit_width=True,
                              freeze_columns=2)
    detail, fmts = res.detail.copy(), {}   # reporting_amount renders in the reporting currency (attrs money_currency)
    detail.attrs = dict(res.detail.attrs)
    if "fx_rate" in detail.columns:
        detail["fx_rate"] = [None if v is None else float(v) for v in detail["fx_rate"]]
        fmts["fx_rate"] = "0.000000"
    if "days_past_due" in detail.columns:
        fmts["days_past_due"] = "#,##0"
    detail_sheet = SheetOutput("Aging Detail", [TableBlock(detail, table_name="tblAgingDetail", number_formats=fmts,
                                                           conditional=(ColorScale(("days_past_due",), PAST_DUE_SCALE, low=0),))],
                               print_fit_width=True, freeze_columns=2)
    return [aging_sheet, detail_sheet]


def kpis_output(k: pd.DataFrame, settings: Settings):
    """The ``KPIs`` sheet: one row per KPI (``value`` a Decimal or None; shown as a number)."""
    disp = k.copy()
    disp["value"] = [None if v is None else float(v) for v in disp["value"]]
    return SheetOutput("KPIs", [TableBlock(disp, table_name="tblKPIs", number_formats={"value": "#,##0.0"},
                                           column_widths={"kpi": 20, "value": 10, "unit": 8, "formula": 45, "inputs": 80},
                                           wrap_columns=("formula", "inputs"))],
                       notes=(f"Receivables KPIs as of {settings.as_of} ({settings.reporting_currency})",
                              "Days: lower is better (DSO, ADD); percent: CEI higher is better, past due lower. "
                              "formula and inputs show how each figure was computed."), print_fit_width=True)


BREAK_NEXT = {
    "MISSING_IN_LEDGER": "Invoiced, not in the AR ledger: post it, or cancel the register entry",
    "MISSING_IN_REGISTER": "In the ledger without an invoice: find the invoice or reverse the posting",
    "AMOUNT_MISMATCH": "Amounts differ: correct the posting or issue a credit / debit note",
    "CUSTOMER_MISMATCH": "Posted to another customer: move it to the invoiced customer",
    "PERIOD_MISMATCH": "Posted in another period: check the cut-off, repost or accrue",
    "CURRENCY_MISMATCH": "Currencies differ: correct the posting's currency",
    "DUPLICATE_IN_REGISTER": "Invoice number twice in the register: cancel the duplicate",
    "DUPLICATE_IN_LEDGER": "Posted twice: reverse the duplicate posting",
    "POSSIBLE_DUPLICATE_BILLING": "Same customer, amount and date as another invoice: confirm before collecting",
}


def recon_output(res, notes: list[str], currency: str, differences: dict[str, int]):
    """The ``Recon`` sheet: roll-forward, GL tie-out, breaks by type (what to do), the breaks.
    ``differences``: break type -> absolute difference in minor units of ``currency`` (the
    reporting currency)."""
    cur = currency
    # source is the last column and overflows to the right: the column stays narrow for the breaks below
    blocks = [TableBlock(res.rollforward, table_name="tblRollforward", style="TableStyleLight9",
                         title=f"Roll-forward of the AR balance ({cur}): opening to closing",
                         column_widths={"line": 28, "source": 16}),
              TableBlock(res.gl_tieout, table_name="tblGLTieout", style="TableStyleLight9",
                         title=f"GL tie-out ({cur}): unexplained should be zero")]
    breaks = res.breaks
    if len(breaks):
        kinds = list(dict.fromkeys(breaks["break_type"].astype(str)))
        by = pd.DataFrame({"break_type": kinds,
                           "breaks": [int((breaks["break_type"] == k).sum()) for k in kinds],
                           "difference": [differences[k] for k in kinds],
                           "next_step": [BREAK_NEXT.get(k, "Review the detail") for k in kinds]})
        by.attrs = {"money": ["difference"], "currency": cur}
        blocks.append(TableBlock(by, table_name="tblBreakTypes", style="TableStyleLight9",
                                 title=f"Breaks by type (difference: absolute, {cur}) and what to do",
                                 number_formats={"breaks": "#,##0"}, column_widths={"next_step": 12}))
    shown = _order(breaks, ["break_type", "document_no", "customer_id", "currency", "register_amount",
                            "ledger_amount", "difference"], ["detail"])
    blocks.append(TableBlock(shown, table_name="tblBreaks", style="TableStyleMedium2",
                             title=f"Breaks ({len(breaks):,}): one row per document", column_widths={"detail": 70}))
    return SheetOutput("Recon", blocks, notes=tuple(notes), freeze=False, print_fit_width=True)
