"""The program's own record of applied cash (CONTRACT §6 "Cash across runs", ``PRIOR_ROW_DELETED``).

The ``Cash App`` sheet is the user's view of every application and the user may delete its
rows; the close therefore keeps its own copy of every application it made (status ``AUTO``,
and ``REVERSED`` rows), one row per payment and document, on the hidden program sheet
``Cash Record``.  It is rewritten whole by every close whose cash step is done (so a failed
run, which writes no result sheet, never adds to it) and read back by the next close:

* :func:`restore_deleted` — record rows whose ``(payment_id, document_no)`` is no longer on
  ``Cash App`` are put back among the earlier applications (judged as every earlier
  application is: never applied again, deducted again while the ledger has not posted them)
  and each such payment is reported once as ``PRIOR_ROW_DELETED``;
* :func:`applied_rows` — what this run's record holds (:mod:`.step` lays out the sheet);
* :func:`counted` — the record rows of runs the ``Audit Log`` does not record as failed.

Money is integer minor units of each row's ``currency`` (as in :mod:`.prior`).  Pure: no
book access here; :mod:`.step` reads and writes the sheet.
"""
from __future__ import annotations

import pandas as pd

from ..core.money import to_decimal
from .prior import APPLIED, PRIOR_MONEY
from .result import APPLICATION_COLUMNS

RECORD_SHEET = "Cash Record"
RECORD_TABLE = "tblCashRecord"
# an application row without its evidence text (the record is for the program, not for reading)
RECORD_COLUMNS = [c for c in APPLICATION_COLUMNS if c != "evidence"]
KEPT = APPLIED | {"REVERSED"}


def applied_rows(apps: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``apps`` (an applications table) the record keeps: every ``AUTO`` and
    ``REVERSED`` row, in the record's columns."""
    if apps is None or not len(apps) or "status" not in apps.columns:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in RECORD_COLUMNS})
    keep = apps[apps["status"].astype(str).str.upper().isin(KEPT - {""})]
    out = keep.reindex(columns=RECORD_COLUMNS).reset_index(drop=True)
    out.attrs = {**apps.attrs, "money": [c for c in apps.attrs.get("money", PRIOR_MONEY) if c in RECORD_COLUMNS]}
    return out


def counted(record: pd.DataFrame | None, failed_runs: set[str]) -> pd.DataFrame | None:
    """``record`` (read by :func:`.prior.read_prior`) without rows of runs recorded as failed."""
    if record is None or not len(record):
        return None
    if failed_runs:
        record = record[~record["run_id"].isin(failed_runs)]
    return record if len(record) else None


def restore_deleted(prior: pd.DataFrame | None, record: pd.DataFrame | None) -> tuple[pd.DataFrame | None, list[tuple]]:
    """Earlier applications with the rows deleted from ``Cash App`` put back from ``record``.

    ``prior`` and ``record``: tables as :func:`.prior.read_prior` returns them.  A record row
    counts as deleted when no ``AUTO``/``REVERSED`` row of ``prior`` has its ``(payment_id,
    document_no)``.  Returns ``(prior with those rows appended, exceptions)``: one
    ``PRIOR_ROW_DELETED`` per payment, in the engine's EXCEPTION column order plus the
    customer and documents."""
    if record is None or not len(record):
        return prior, []
    if prior is not None and len(prior):
        kept = prior[prior["status"].isin(KEPT)]
        there = set(zip(kept["payment_id"], kept["document_no"]))
    else:
        there = set()
    gone = record[[(p, d) not in there for p, d in zip(record["payment_id"], record["document_no"])]]
    gone = gone.drop_duplicates(["payment_id", "document_no", "status"])
    if not len(gone):
        return prior, []
    back = gone.copy()
    back["evidence"] = "restored from the program's Cash Record: the row was deleted from Cash App"
    back["decision"] = ""
    exceptions = []
    for pid, rows in back.groupby("payment_id", sort=True):
        cur = rows["currency"].iat[0]
        auto = rows[rows["status"].isin(APPLIED)]
        what = ", ".join(f"{d} {cur} {to_decimal(int(a), cur):,}"
                         for d, a in zip(auto["document_no"], auto["applied_amount"]))
        docs = ", ".join(rows["document_no"])
        runs = ", ".join(sorted({r for r in rows["run_id"] if r}))
        exceptions.append((pid, "PRIOR_ROW_DELETED",
                           f"the rows of payment {pid} ({what or docs}) were deleted from Cash App, but run "
                           f"{runs or '(earlier)'} applied it: the rows are back and the payment is not applied again "
                           f"- to withdraw an application type REJECT in its decision column instead",
                           next((c for c in rows["customer_id"] if c), ""), docs))
    cols = list(prior.columns) if prior is not None and len(prior.columns) else list(back.columns)
    back = back.reindex(columns=cols)
    out = back if prior is None or not len(prior) else pd.concat([prior, back], ignore_index=True)
    out = out.reset_index(drop=True)
    out.attrs = dict(prior.attrs) if prior is not None and prior.attrs else dict(record.attrs)
    return out, exceptions
