"""The close's cash-application step (``cashapp``): apply the payments on the ``Payments``
sheet to the open items, never again those an earlier run applied (the ``AUTO`` rows on
the existing ``Cash App`` sheet), and lay out ``Cash App``, ``Unapplied`` and ``Exceptions``.

Money is integer minor units of each row's ``currency``; ``StepResult.amount`` is the cash
applied this run in minor units of the reporting currency.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..book import table_from_sheet
from ..close_sheets import _is_auto, cash_outputs
from ..close_state import DONE, SKIPPED, CloseState, StepResult, reporting_sum, row_currencies, settings_fingerprint
from ..money import parse_amount
from ..settings import Settings
from .engine import apply_cash

CASH_INPUTS = ("open_items", "payments", "customers", "remittance")


def last_cash_inputs(book) -> dict | None:
    """Input fingerprints of the last run whose cash application is done (Audit Log).  A run
    with a FAILED step wrote no result sheet, so its cash was never applied: it does not count."""
    if "audit log" not in {n.lower() for n in book.sheet_names()}:
        return None
    try:
        log = book.read_table("tblAuditLog")
    except Exception:  # noqa: BLE001 - an Audit Log without our table: no history
        return None
    if log is None or log.empty or "step" not in log.columns:
        return None
    if "run_id" in log.columns and "status" in log.columns:
        failed_runs = set(log.loc[log["status"] == "FAILED", "run_id"].astype(str))
        log = log[~log["run_id"].astype(str).isin(failed_runs)]
    done = log[(log["step"] == "cashapp") & (log["status"] == DONE)]
    if done.empty:
        return None
    last = done.iloc[-1]
    return {t: str(last.get(f"sha256_{t}") or "") for t in (*CASH_INPUTS, "settings")}


def prior_applications(book, settings: Settings) -> pd.DataFrame | None:
    """Applications already on the ``Cash App`` sheet (from earlier runs), money back to minor
    units of their ``currency`` column (else the reporting currency)."""
    if "cash app" not in {s.lower() for s in book.sheet_names()}:
        return None
    try:
        df = book.read_table("tblCashApp")
    except Exception:
        df = table_from_sheet(book.read_sheet("Cash App"))
    if df is None or df.empty or "payment_id" not in df.columns:
        return None
    out = df.reset_index(drop=True)
    for c in ("payment_id", "document_no", "customer_id", "rule", "status", "currency"):
        if c in out.columns:
            out[c] = [("" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))) for v in out[c]]
    cur = row_currencies(out, settings.reporting_currency)
    money = [c for c in ("applied_amount", "write_off_amount", "discount_amount", "deduction_amount") if c in out.columns]
    for c in money:
        out[c] = pd.array([parse_amount(v, k) if v not in (None, "") else 0 for v, k in zip(out[c], cur)], dtype="int64")
    if "confidence" in out.columns:
        out["confidence"] = [Decimal(str(v)) if v not in (None, "") else Decimal(0) for v in out["confidence"]]
    if "value_date" in out.columns:
        out["value_date"] = pd.to_datetime(out["value_date"], errors="coerce").astype("datetime64[ns]")
    out.attrs = {"money": money, "currency": settings.reporting_currency}
    return out


def net_of_prior(open_items: pd.DataFrame, prior: pd.DataFrame | None) -> pd.DataFrame:
    """Open items less what earlier runs' AUTO applications cleared from them (applied +
    discount + write-off + deduction, minor units of the item's currency)."""
    if prior is None or prior.empty or "status" not in prior.columns:
        return open_items
    auto = prior[_is_auto(prior)]
    if auto.empty:
        return open_items
    cleared = sum(auto[c] for c in ("applied_amount", "discount_amount", "write_off_amount", "deduction_amount")
                  if c in auto.columns)
    by_doc = cleared.groupby(auto["document_no"]).sum()
    out = open_items.copy()
    take = out["document_no"].map(by_doc).fillna(0).astype("int64")
    out["open_amount"] = (out["open_amount"] - take).astype("int64")
    out = out[out["open_amount"] != 0]
    out.attrs = dict(open_items.attrs)
    return out


def cash_prior(state: CloseState) -> pd.DataFrame | None:
    """The applications the cash engine must not repeat.  None when the Cash App sheet was
    made by a run on these very inputs (Audit Log fingerprints): then the application is
    recomputed whole — the same result, nothing applied twice — so a re-run gives identical
    sheets.  Otherwise the earlier AUTO rows: their payments are skipped and the open items
    are taken net of what they cleared."""
    prior = state.prior_applications
    if prior is None or prior.empty:
        return None
    last = state.last_cash_inputs
    now = {t: state.fingerprints.get(t, "") for t in CASH_INPUTS} | {"settings": settings_fingerprint(state.settings)}
    return None if last == now else prior


def cash_result(state: CloseState):
    """The cash application of this close (memoised; ``None`` without payments)."""
    if "cashapp" not in state.results:
        payments = state.tables.get("payments")
        if payments is None or payments.empty:
            return None
        prior = cash_prior(state)
        state.results["cash_prior"] = prior
        state.results["cashapp"] = apply_cash(
            net_of_prior(state.tables["open_items"], prior), payments,
            customers=state.tables.get("customers"), remittance=state.tables.get("remittance"),
            prior_applications=prior, settings=state.settings, fx_rates=state.tables.get("fx_rates"))
    return state.results["cashapp"]


def open_items_after(state: CloseState) -> pd.DataFrame:
    """The open items after cash application (this close's, with earlier runs' taken into
    account); the input open items when there is no cash to apply."""
    cash = cash_result(state)
    if cash is not None:
        return cash.open_items_after
    return net_of_prior(state.tables["open_items"], state.prior_applications)


def _merge_prior(prior: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Applications to show: earlier runs' AUTO rows the engine did not repeat, then this
    run's rows (the engine returns only new work for payments not applied before)."""
    if prior is None or prior.empty or "status" not in prior.columns:
        return new
    keep = prior[_is_auto(prior)]
    if len(new) and {"payment_id", "document_no"} <= set(new.columns):
        seen = set(zip(new["payment_id"].astype(str), new["document_no"].astype(str)))
        keep = keep[[(p, d) not in seen for p, d in zip(keep["payment_id"], keep["document_no"])]]
    if keep.empty:
        return new
    cols = list(new.columns) if len(new.columns) else list(keep.columns)
    keep = keep[[c for c in cols if c in keep.columns]]
    out = pd.concat([keep, new], ignore_index=True) if len(new) else keep.reset_index(drop=True)
    out.attrs = dict(new.attrs) or dict(prior.attrs)
    return out


def step_cashapp(state: CloseState) -> StepResult:
    payments = state.tables.get("payments")
    if payments is None or payments.empty:
        return StepResult("cashapp", SKIPPED, rows=0, message="no payments on the Payments sheet")
    res = cash_result(state)
    s = state.settings
    prior = state.results.get("cash_prior")
    apps = _merge_prior(prior, res.applications)
    apps.attrs.setdefault("currency", s.reporting_currency)
    unapplied = res.unapplied
    if len(unapplied) and "reason" in unapplied.columns:
        unapplied = unapplied[unapplied["reason"] != "ALREADY_APPLIED"].reset_index(drop=True)
        unapplied.attrs = dict(res.unapplied.attrs)
    outs = cash_outputs(apps, unapplied, res.exceptions, res.posting, res.deductions, s)
    new = res.applications
    is_auto = _is_auto(new) if "status" in new.columns else pd.Series(True, index=new.index)
    auto = new[is_auto]
    applied = reporting_sum(auto, "applied_amount", state)
    prior_ids = set()
    if prior is not None and not prior.empty:
        prior_ids = set(prior.loc[_is_auto(prior), "payment_id"])
    n_new = int((~payments["payment_id"].isin(prior_ids)).sum())
    n_auto = int(auto["payment_id"].nunique()) if "payment_id" in auto.columns else 0
    rate = n_auto / n_new if n_new else 0.0
    state.results["cash_summary"] = {"applied": applied, "auto_payments": n_auto, "payments": n_new,
                                     "auto_rate": rate, "prior_payments": len(prior_ids),
                                     "review": int((~is_auto).sum()), "unapplied": len(unapplied),
                                     "exceptions": len(res.exceptions)}
    msg = (f"{n_auto:,} of {n_new:,} payments auto-applied ({rate:.0%}); {int((~is_auto).sum()):,} to review; "
           f"{len(unapplied):,} unapplied; {len(res.exceptions):,} exceptions"
           + (f"; {len(prior_ids):,} applied in earlier runs, not again" if prior_ids else ""))
    return StepResult("cashapp", DONE, rows=len(apps), amount=applied, message=msg, outputs=outs)
