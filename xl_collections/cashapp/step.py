"""The close's cash-application step (``cashapp``): apply the payments on the ``Payments``
sheet to the open items, judging the earlier runs' applications (the ``AUTO`` rows on the
existing ``Cash App`` sheet) as CONTRACT §6 "Cash across runs" says — never applied again,
deducted again while the ledger has not posted them — and lay out ``Cash App``,
``Unapplied`` and ``Exceptions``.

Money is integer minor units of each row's ``currency``; ``StepResult.amount`` is the cash
applied this run in minor units of the reporting currency.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..book import SheetOutput, TableBlock, table_from_sheet
from ..book.usercols import keep_user_columns
from ..close.sheets import _is_auto, cash_outputs
from ..close.state import DONE, FAILED, SKIPPED, CloseState, StepResult, reporting_sum, settings_fingerprint
from ..core.errors import InputError, InputErrors
from ..core.schema import TABLES
from ..core.settings import Settings
from .engine import apply_cash
from .prior import in_set, read_prior
from .record import KEPT, RECORD_SHEET, RECORD_TABLE, applied_rows, counted

CASH_INPUTS = ("open_items", "payments", "customers", "remittance")
CASH_APP_KEY = ("payment_id", "document_no")      # the row key the user's ``decision`` travels with
# the settings cash application reads (apply_cash, the earlier applications it judges): the Audit Log's
# cash rows fingerprint only these, so a re-run after another setting changed recomputes the latest run
CASH_SETTINGS = ("as_of", "reporting_currency", "match_tolerance", "match_tolerance_pct", "auto_apply_min_confidence",
                 "day_first", "decimal_comma", "return_match_days", "returned_item_fee")
CROSS_RUN = ("PRIOR_MISMATCH", "PAYMENT_CHANGED", "PAYMENT_REMOVED", "DUPLICATE_PAYMENT", "PRIOR_ROW_DELETED")


def cash_settings_fingerprint(s: Settings) -> str:
    """sha256 (hex) of the settings cash application reads (:data:`CASH_SETTINGS`)."""
    return settings_fingerprint(s, CASH_SETTINGS)


def _same_inputs(state: CloseState, run: dict | None) -> bool:
    """Whether ``run`` (an Audit Log cash row's fingerprints) had this close's cash inputs.  Its
    settings fingerprint is of :data:`CASH_SETTINGS`, or - a book closed by an earlier version -
    of the whole Settings record: equal means every setting is, so cash's are too."""
    if run is None or any(run.get(t) != state.fingerprints.get(t, "") for t in CASH_INPUTS):
        return False
    return run.get("settings") in (cash_settings_fingerprint(state.settings), settings_fingerprint(state.settings))


def _audit_log(book) -> pd.DataFrame | None:
    if "audit log" not in {n.lower() for n in book.sheet_names()}:
        return None
    try:
        log = book.read_table("tblAuditLog")
    except Exception:  # noqa: BLE001 - an Audit Log without our table: no history
        return None
    if log is None or log.empty or "step" not in log.columns:
        return None
    return log


def _cash_runs(log: pd.DataFrame | None) -> pd.DataFrame:
    """The Audit Log rows of cash applications done by runs that did not fail (a failed run
    wrote no result sheet, so its cash was never applied)."""
    if log is None:
        return pd.DataFrame()
    if "run_id" in log.columns and "status" in log.columns:
        failed_runs = set(log.loc[log["status"] == FAILED, "run_id"].astype(str))
        log = log[~log["run_id"].astype(str).isin(failed_runs)]
    return log[(log["step"] == "cashapp") & (log["status"] == DONE)]


def last_cash_inputs(book) -> dict[str, dict] | None:
    """Input fingerprints of every run whose cash application is done (Audit Log), by run_id."""
    done = _cash_runs(_audit_log(book))
    if done.empty or "run_id" not in done.columns:
        return None
    return {str(r.get("run_id") or ""): {t: str(r.get(f"sha256_{t}") or "") for t in (*CASH_INPUTS, "settings")}
            for _, r in done.iterrows()}


def cash_app_is_gone(book) -> list[InputError]:
    """CONTRACT §6: a book whose Audit Log records applied cash but has no ``Cash App`` sheet
    is refused rather than apply that cash again."""
    if "cash app" in {s.lower() for s in book.sheet_names()}:
        return []
    done = _cash_runs(_audit_log(book))
    if "amount" in done.columns:
        done = done[pd.to_numeric(done["amount"], errors="coerce").fillna(0) != 0]
    if done.empty:
        return []
    runs = ", ".join(str(r) for r in done["run_id"].tail(3)) if "run_id" in done.columns else ""
    return [InputError(f"the Audit Log records cash applied by earlier closes (run {runs}) but the Cash App sheet "
                       f"is gone: the close would apply that cash again", sheet="Cash App",
                       expected="the Cash App sheet back (undo the deletion, or copy it from a backup "
                                "BOOK.xlsm.bak1) before closing again")]


def prior_applications(book, settings: Settings) -> pd.DataFrame | None:
    """Applications already on the ``Cash App`` sheet (from earlier runs), read by
    :func:`xl_collections.cashapp.prior.read_prior` (money in minor units of each row's
    ``currency``); raises :class:`InputErrors` when they lack ``open_before``."""
    if "cash app" not in {s.lower() for s in book.sheet_names()}:
        return None
    grid = book.read_sheet("Cash App")
    try:
        df = book.read_table("tblCashApp")
    except Exception:
        df = table_from_sheet(grid)
    if df is None or df.empty or "payment_id" not in df.columns:
        return None
    # the user's columns (``decision``) typed right of the table travel with their row's key
    mine, _ = keep_user_columns(SheetOutput("Cash App", [TableBlock(df.reset_index(drop=True), key=CASH_APP_KEY)]), grid)
    out, errors = read_prior(mine.blocks[0].df, reporting_currency=settings.reporting_currency, sheet="Cash App")
    if errors:
        raise InputErrors(errors)
    return out


def cash_prior(state: CloseState, record: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, str]:
    """The earlier applications this close judges (CONTRACT §6) and the run id this close's
    new rows get.  When the latest rows on ``Cash App`` were made by a run on these very inputs
    (Audit Log fingerprints), those rows are left out and recomputed under that run's id — the
    same result, nothing applied twice — so a re-run gives identical sheets; rows of the runs
    before it are judged as always.  Not when a person deleted rows the ``record`` (the Cash
    Record) holds: the latest rows left on the sheet may then be an older run's, and recomputing
    them would count that run's cash as this close's."""
    prior = state.prior_applications
    if prior is None or prior.empty:
        return None, state.run_id
    if record is not None and len(record) and _rows_deleted(prior, record):
        return prior, state.run_id
    runs = state.last_cash_inputs or {}
    ids = [r for r in prior["run_id"] if r]
    latest = max(ids) if ids else ""
    if not latest or not _same_inputs(state, runs.get(latest)) or (prior["decision"] != "").any():
        return prior, state.run_id
    older = prior[prior["run_id"] != latest].reset_index(drop=True)
    older.attrs = dict(prior.attrs)
    return (older if len(older) else None), latest


def _rows_deleted(prior: pd.DataFrame, record: pd.DataFrame) -> bool:
    """Whether an applied row of the record is missing from the sheet's rows."""
    key = ["payment_id", "document_no", "run_id"]
    if not set(key) <= set(record.columns) or not set(key) <= set(prior.columns):
        return False
    have = set(map(tuple, prior[key].astype(str).to_numpy()))
    return any(k not in have for k in map(tuple, record[key].astype(str).to_numpy()))


def cash_record(book, settings: Settings) -> pd.DataFrame | None:
    """The program's record of applied cash (the hidden ``Cash Record`` sheet, :mod:`.record`)
    without rows of runs the ``Audit Log`` records as failed; None when there is none."""
    if book is None or RECORD_SHEET.lower() not in {s.lower() for s in book.sheet_names()}:
        return None
    try:
        df = book.read_table(RECORD_TABLE)
    except Exception:  # noqa: BLE001 - a record without our table: no record
        return None
    if df is None or df.empty or "payment_id" not in df.columns:
        return None
    rec, errors = read_prior(df, reporting_currency=settings.reporting_currency, sheet=RECORD_SHEET)
    if errors:
        raise InputErrors(errors)
    log = _audit_log(book)
    failed = set()
    if log is not None and {"run_id", "status"} <= set(log.columns):
        failed = set(log.loc[log["status"] == FAILED, "run_id"].astype(str))
    return counted(rec, failed)


def record_output(apps: pd.DataFrame) -> SheetOutput:
    """The hidden ``Cash Record`` sheet: every AUTO and REVERSED application after this run."""
    return SheetOutput(RECORD_SHEET, [TableBlock(applied_rows(apps), table_name=RECORD_TABLE,
                                                 title="Applied cash: the program's record")],
                       notes=("The program's record of every application it made: it keeps cash from being applied "
                              "twice when rows are deleted from Cash App. Do not edit.",), freeze=False, hidden=True)


def _no_payments() -> pd.DataFrame:
    cols = {c.name: pd.Series([], dtype="datetime64[ns]" if c.name == "value_date" else object)
            for c in TABLES["payments"].columns if c.required}
    df = pd.DataFrame(cols)
    df["amount"] = df["amount"].astype("int64")
    return df


def cash_result(state: CloseState):
    """The cash application of this close (memoised; ``None`` without payments and without
    earlier applications)."""
    if "cashapp" not in state.results:
        payments = state.tables.get("payments")
        cards = state.tables.get("card_settlements")
        cards = cards if cards is not None and len(cards) else None
        record = cash_record(state.book, state.settings)
        prior, run_id = cash_prior(state, record)
        given = state.prior_applications
        recomputed = given is not None and len(given) and (prior is None or len(prior) < len(given))
        if record is not None and recomputed:       # the latest run's rows are recomputed: not deleted ones
            record = record[record["run_id"] != run_id]
        nothing = (payments is None or payments.empty) and prior is None and cards is None
        if nothing and (record is None or record.empty):
            return None
        if payments is None or payments.empty:
            payments = _no_payments()
        state.results["cash_prior"] = prior
        state.results["cash_run_id"] = run_id
        state.results["cashapp"] = apply_cash(
            state.tables["open_items"], payments,
            customers=state.tables.get("customers"), remittance=state.tables.get("remittance"),
            prior_applications=prior, settings=state.settings, fx_rates=state.tables.get("fx_rates"),
            run_id=run_id, card_settlements=cards, record=record)
    return state.results["cashapp"]


def open_items_after(state: CloseState) -> pd.DataFrame:
    """The open items after cash application (this close's, with earlier runs' judged as
    CONTRACT §6 says); the input open items when there is no cash at all."""
    cash = cash_result(state)
    if cash is not None:
        return cash.open_items_after
    return state.tables["open_items"]


def _merge_prior(prior: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Applications to show: earlier runs' AUTO rows not already among ``new`` (the engine
    carries the rows it judged), then ``new``."""
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
    res = cash_result(state)
    payments = state.tables.get("payments")
    if res is None or ((payments is None or payments.empty) and res.card_batches is None):
        return StepResult("cashapp", SKIPPED, rows=0, message="no payments on the Payments sheet")
    if payments is None:
        payments = _no_payments()
    s = state.settings
    apps = res.applications
    apps.attrs.setdefault("currency", s.reporting_currency)
    outs = cash_outputs(apps, res.unapplied, res.exceptions, res.posting, res.deductions, s)
    if res.card_batches is not None:      # the card batches under the applications: fees, net, bank deposit
        cash_app = outs[0]
        block = TableBlock(res.card_batches, table_name="tblCardBatches", style="TableStyleLight9",
                           title="Card batches: each sale applied at its gross amount; the fees are the merchant's "
                                 "cost; the net is the bank deposit (bank_payment_id), never applied as a payment")
        outs[0] = replace(cash_app, blocks=[*cash_app.blocks, block])
    if "record_type" in payments.columns:        # returned items and other debits are not payments to apply
        payments = payments[~payments["record_type"].isin(("RETURN", "DEBIT"))]
    # this close's rows are the ones stamped with its run id: earlier runs' rows (carried, or put back
    # from the Cash Record) and a proposal of an earlier run a person accepted are told apart by it
    run_id = state.results.get("cash_run_id", state.run_id)
    mine = (apps["run_id"].astype(str) == str(run_id)).to_numpy()
    prior_ids = set(apps.loc[~mine & apps["status"].isin(KEPT).to_numpy(), "payment_id"])
    new = apps[mine]
    is_auto = _is_auto(new)
    auto = new[is_auto]
    is_review = new["status"] == "REVIEW"
    applied = reporting_sum(auto, "applied_amount", state)
    n_prior = int(in_set(payments["payment_id"].drop_duplicates(), prior_ids).sum())
    n_new = int(payments["payment_id"].nunique()) - n_prior
    if res.card_batches is not None:
        n_new += int(res.card_batches["transactions"].sum())
        n_new -= int((res.card_batches["bank_payment_id"] != "").sum())
    n_auto = int(auto["payment_id"].nunique())
    rate = n_auto / n_new if n_new else 0.0
    problems = int(res.exceptions["reason"].isin(CROSS_RUN).sum()) if len(res.exceptions) else 0
    state.results["cash_summary"] = {"applied": applied, "auto_payments": n_auto, "payments": n_new,
                                     "auto_rate": rate, "prior_payments": n_prior,
                                     "review": int(is_review.sum()), "unapplied": len(res.unapplied),
                                     "exceptions": len(res.exceptions)}
    msg = (f"{n_auto:,} of {n_new:,} payments auto-applied ({rate:.0%}); {int(is_review.sum()):,} to review; "
           f"{len(res.unapplied):,} unapplied; {len(res.exceptions):,} exceptions"
           + (f"; {n_prior:,} applied in earlier runs, not again" if n_prior else "")
           + (f"; {problems:,} about earlier runs' cash (see Exceptions)" if problems else ""))
    return StepResult("cashapp", DONE, rows=len(apps), amount=applied, message=msg,
                      outputs=[*outs, record_output(apps)])
