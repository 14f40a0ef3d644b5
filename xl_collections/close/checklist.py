"""The ``Close`` checklist (one row per registered step: status, rows, amount, time, sheets,
message; the input problems below it) and the ``Audit Log`` rows of a run, as layouts of
plain data.  The steps, their titles and sheets come from :mod:`xl_collections.close.steps`;
amounts are minor units of the reporting currency, shown in major units."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..book.outputs import SheetOutput, TableBlock
from .sheets import ACCOUNTING, BAD, GOOD, NEUTRAL, _highlights
from .state import DONE, FAILED, NOT_RUN, SKIPPED
from ..core.errors import InputError
from ..core.money import to_decimal
from ..core.settings import Settings
from .steps import AUDIT_SHEET, AUDITED_TABLES, CLOSE_SHEET, STEP_NAMES, STEP_SHEETS, STEP_TITLES

CHECKLIST_HEADER = ["step", "task", "status", "rows", "amount", "seconds", "finished_utc", "sheets", "message"]
CLOSE_NOTES = (
    "Month-end close",
    "1. Paste your exports into the input sheets (Open Items, Customers, Payments, ...), header in row 1.",
    "    Your headers differ from ours? Map them once on Column Map.",
    "2. Check the yellow cells on Settings: the as-of date first.",
    "3. Click 'Run month-end close' (the button on the right). Each result sheet has a button for its step;",
    "    the xlwings ribbon's 'Run main' runs the active sheet's step (on this sheet: the whole close).",
    "4. Read the checklist below: every step should say done. FAILED: the message says why;",
    "    refused inputs are listed under the checklist with sheet, row and column. Cash is never applied twice.",
    "Command line / CI: xl-collections close BOOK.xlsm (same steps and sheets; every run is kept on Audit Log).",
)
CLOSE_BUTTON_CELL = "H2"     # the template's "Run month-end close" button: right of the notes
CHECKLIST_WIDTHS = {"step": 12, "task": 32, "status": 10, "rows": 9, "amount": 16, "seconds": 9,
                    "finished_utc": 19, "sheets": 26, "message": 70}
AUDIT_HEADER = ["run_id", "time_utc", "user", "step", "status", "rows", "amount", "currency", "seconds",
                "message", *[f"sha256_{t}" for t in AUDITED_TABLES], "sha256_settings"]


def close_sheet_rows(steps: dict, currency: str = "USD") -> list[list]:
    """One checklist row per registered step, in close order.  ``steps``: step -> its result
    (any object with ``status``, ``rows``, ``amount`` in minor units of ``currency``,
    ``seconds``, ``finished``, ``sheets``, ``message``, as :class:`~xl_collections.close.state.StepResult`);
    a step not in it is "not run"."""
    rows = []
    for s in STEP_NAMES:
        r = steps.get(s)
        if r is None:
            rows.append([s, STEP_TITLES[s], NOT_RUN, None, None, None, "", ", ".join(STEP_SHEETS.get(s, ())), "-"])
            continue
        rows.append([s, STEP_TITLES[s], r.status, r.rows,
                     None if r.amount is None else float(to_decimal(r.amount, currency)),
                     None if r.seconds is None else round(r.seconds, 2),
                     r.finished.strftime("%Y-%m-%d %H:%M:%S") if r.finished else "",
                     ", ".join(r.sheets) or ", ".join(STEP_SHEETS.get(s, ())),
                     r.message or "-"])
    return rows


def close_sheet(steps: dict, settings: Settings | None, problems: list[InputError] = ()) -> SheetOutput:
    """The ``Close`` sheet: the notes, the checklist and the input problems (if any)."""
    cur = settings.reporting_currency if settings else "USD"
    rows = close_sheet_rows(steps, cur)
    df = pd.DataFrame(rows, columns=CHECKLIST_HEADER)
    df["rows"] = pd.Series([r[3] for r in rows], dtype=object)
    blocks = [TableBlock(df, money_columns=(), table_name="tblClose",
                         title=f"Checklist (amounts in {cur}; times UTC)",
                         number_formats={"amount": ACCOUNTING, "seconds": "0.00", "rows": "#,##0"},
                         column_widths=CHECKLIST_WIDTHS, wrap_columns=("message", "sheets"),
                         conditional=_highlights("status", {DONE: GOOD, FAILED: BAD, SKIPPED: NEUTRAL}))]
    if problems:
        p = pd.DataFrame([{"sheet": e.sheet, "row": e.row, "column": e.column, "value": e.value,
                           "problem": e.message, "expected": e.expected} for e in problems])
        p["row"] = pd.Series([None if v is None else int(v) for v in p["row"]], dtype=object)
        blocks.append(TableBlock(p, table_name="tblInputProblems", style="TableStyleMedium3",
                                 title=f"Input problems ({len(p):,}): fix them on their sheets, then run the close again",
                                 wrap_columns=("problem", "expected"),
                                 column_widths={"problem": 50, "expected": 40}))
    notes = CLOSE_NOTES + ((f"As of {settings.as_of}  ·  reporting currency {cur}",) if settings and settings.as_of else ())
    return SheetOutput(CLOSE_SHEET, blocks, notes=notes, print_fit_width=True)


def audit_log_rows(steps, *, run_id: str, fingerprints: dict[str, str], settings_sha256: str, currency: str,
                   user: str, now: dt.datetime, step_settings_sha256: dict[str, str] | None = None) -> pd.DataFrame:
    """The ``Audit Log`` rows of one run: one per step run (``steps``: results as for
    :func:`close_sheet_rows`, in run order), amounts in ``currency`` (the reporting currency),
    the sha256 of every audited input table (``fingerprints``: table -> hex) and of the settings
    (``step_settings_sha256``: step -> hex of the settings that step reads, where it says so)."""
    cur = currency
    rows = []
    for r in steps:
        if r.status == NOT_RUN:
            continue
        row = {"run_id": run_id, "time_utc": now.strftime("%Y-%m-%d %H:%M:%S"), "user": user, "step": r.step,
               "status": r.status, "rows": r.rows, "amount": None if r.amount is None else float(to_decimal(r.amount, cur)),
               "currency": cur, "seconds": None if r.seconds is None else round(r.seconds, 3), "message": r.message}
        for t in AUDITED_TABLES:
            row[f"sha256_{t}"] = fingerprints.get(t, "")
        row["sha256_settings"] = (step_settings_sha256 or {}).get(r.step, settings_sha256)
        rows.append(row)
    return pd.DataFrame(rows, columns=AUDIT_HEADER)


__all__ = ["AUDIT_HEADER", "AUDIT_SHEET", "CHECKLIST_HEADER", "CLOSE_NOTES", "audit_log_rows", "close_sheet",
           "close_sheet_rows"]
