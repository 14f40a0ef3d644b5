"""The month-end close over a collections workbook (live Excel or headless file).

``run_close(book, steps=…)`` reads the settings and every input table (all problems at
once: :class:`~xl_collections.core.errors.InputErrors`), then runs the registered steps
(:data:`xl_collections.close.steps.CLOSE_STEPS`) in order:

    validate -> cashapp -> aging -> kpis -> recon -> commentary

Each step is a function ``state -> StepResult`` that fills ``state`` (the canonical inputs,
results of earlier steps) and hands back the sheets it writes as declarative
:class:`~xl_collections.book.SheetOutput` records.  ``run_close`` keeps them until every
step succeeded and then writes them all; the ``Close`` checklist (one row per step: status,
rows, amount, seconds, message) is updated after every step, and one ``Audit Log`` row per
step run is appended (time, user, step, sha256 of every audited input table, counts and
amounts).  A step that fails stops the close and no result sheet changes: only ``Close``
(the step FAILED and why) and ``Audit Log`` (the failed run) are written (CONTRACT §6).
Money inside is integer minor units; ``StepResult.amount`` is in minor units of the
reporting currency (positive).

Cash already applied (``AUTO`` rows on the existing ``Cash App`` sheet) is handed to the cash
application as ``prior``: judged as CONTRACT §6 "Cash across runs" says (posted, deducted
again, or an exception), never applied again; a book whose Audit Log records applied cash
but has no ``Cash App`` sheet is refused.
"""
from __future__ import annotations

import datetime as dt
import getpass
import time
from dataclasses import dataclass

import pandas as pd

from . import steps as registry
from ..ar.aging_history import other_periods
from ..book import BookError, OwnedSheetsOnly
from ..book.owner import check_sheets_are_ours
from ..cashapp.step import cash_app_is_gone, cash_settings_fingerprint, last_cash_inputs, prior_applications  # noqa: F401
from ..core import schema
from ..core.errors import InputErrors
from ..core.money import money_text
from .checklist import AUDIT_HEADER, AUDIT_SHEET, CHECKLIST_HEADER, audit_log_rows, close_sheet
from .inputs import read_workbook_inputs
from .state import (DONE, FAILED, NOT_RUN, SKIPPED, CloseState, StepResult,  # noqa: F401  (re-exported)
                    settings_fingerprint, table_fingerprint)
from .steps import CLOSE_SHEET, OWNED_SHEETS, STEP_SHEETS, STEP_TITLES
from ..report.navigation import dress

STEPS = registry.STEP_NAMES            # the step names in close order (kept for callers of close.STEPS)
STEP_ALIASES = registry.ALIASES


@dataclass
class CloseReport:
    state: CloseState
    run_id: str
    failed: StepResult | None = None

    @property
    def steps(self) -> list[StepResult]:
        return [s for s in self.state.steps.values()]


class StepFailed(Exception):
    """A step raised: the close stopped there (its message is on the Close sheet)."""

    def __init__(self, step: str, error: BaseException, report: "CloseReport | None" = None):
        self.step, self.error, self.report = step, error, report
        super().__init__(f"step {step!r} failed: {error}")


# ------------------------------------------------------------------ steps selection


def parse_steps(text: str | None) -> tuple[str, ...]:
    """``"aging,recon"`` -> ("validate", "aging", "recon") in close order; None: all."""
    if not text:
        return STEPS
    wanted = set()
    for part in str(text).replace(";", ",").split(","):
        p = part.strip().lower().replace("-", "_").replace(" ", "_")
        if not p:
            continue
        p = STEP_ALIASES.get(p, p)
        if p not in STEPS:
            raise ValueError(f"unknown step {part.strip()!r}: expected some of {', '.join(STEPS)}")
        if not registry.BY_NAME[p].user_run:
            raise ValueError(f"step {p!r} runs only within the whole close (run it without --steps)")
        wanted.add(p)
    wanted.add("validate")
    return tuple(s for s in STEPS if s in wanted)


# ------------------------------------------------------------------ the audit log and the close


def audit_rows(report: "CloseReport", *, user: str, now: dt.datetime) -> pd.DataFrame:
    """The ``Audit Log`` rows of this run (:func:`~xl_collections.close.checklist.audit_log_rows`)."""
    st = report.state
    return audit_log_rows(st.steps.values(), run_id=report.run_id, fingerprints=st.fingerprints,
                          settings_sha256=settings_fingerprint(st.settings), currency=st.settings.reporting_currency,
                          user=user, now=now, step_settings_sha256={"cashapp": cash_settings_fingerprint(st.settings)})


def read_state(book, *, as_of=None, on_refused=None) -> CloseState:
    """The close's starting point without running a step or writing anything: the settings and
    every input table (refused: :class:`InputErrors`, after ``on_refused(problems, settings)``),
    their fingerprints and the earlier runs' cash (``Cash App``, ``Audit Log``).  A user-run
    action outside the close (statements of account) starts here too."""
    file = book.path.name if getattr(book, "path", None) else ""
    settings, tables, problems = read_workbook_inputs(book, as_of=as_of)
    if hasattr(book, "forget_cells"):       # the sheets read as tables are tables now: their cells may go
        read = {schema.TABLES[t].sheet.lower() for t in tables}
        book.forget_cells([s for s in book.sheet_names() if s.lower() in read])
    if problems:
        if on_refused is not None:
            on_refused(problems, settings)
        raise InputErrors(problems)
    # Aging History is also this close's output: its own month's rows are not an input
    fps = {k: table_fingerprint(other_periods(v, settings.as_of) if k == "aging_history" else v, k) for k, v in tables.items()}
    state = CloseState(settings, tables, fps, file=file, book=book)
    refused = cash_app_is_gone(book)       # CONTRACT §6: never apply the earlier cash again
    if not refused:
        try:
            state.prior_applications = prior_applications(book, settings)
        except InputErrors as e:
            refused = e.errors
    if refused:
        if on_refused is not None:
            on_refused(refused, settings)
        raise InputErrors(refused)
    state.last_cash_inputs = last_cash_inputs(book) if state.prior_applications is not None else None
    return state


def run_close(book, *, steps=None, as_of=None, now: dt.datetime | None = None, user: str | None = None,
              on_refused=None, progress=None) -> CloseReport:
    """Run the selected steps (``parse_steps``; validate always runs) on ``book`` (a
    :class:`~xl_collections.book.Workbook`).  Raises :class:`InputErrors` when the inputs are
    refused (nothing written; ``on_refused(problems, settings)`` is called first, so a live
    workbook can show them) and :class:`StepFailed` when a step raised (then only ``Close``
    and ``Audit Log`` are written: no result sheet changes).  ``progress(done, total, what)``,
    when given, hears before each step how many are done and which runs now, and once at the
    end (:mod:`xl_collections.io.progress`).  The caller saves a headless book."""
    book = book if isinstance(book, OwnedSheetsOnly) else OwnedSheetsOnly(book, OWNED_SHEETS)
    wanted = parse_steps(steps) if isinstance(steps, str) or steps is None else parse_steps(",".join(steps))
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    user = user or _user()
    run_id = new_run_id(book, now)
    checked = [CLOSE_SHEET, *(sh for s in wanted for sh in STEP_SHEETS.get(s, ())), AUDIT_SHEET]
    check_ours(book, checked)
    checked = {s.lower() for s in checked} & {s.lower() for s in book.sheet_names()}    # judged on the file as it is
    book.status("Close: reading inputs…")
    t0 = time.perf_counter()
    state = read_state(book, as_of=as_of, on_refused=on_refused)
    settings = state.settings
    state.run_id = run_id
    report = CloseReport(state, run_id)
    outputs = []           # every step's sheets, written once all steps succeeded
    for i, s in enumerate(wanted, 1):
        book.status(f"Close step {i}/{len(wanted)}: {STEP_TITLES[s]}…")
        if progress is not None:
            progress(i - 1, len(wanted), STEP_TITLES[s])
        start = t0 if i == 1 else time.perf_counter()     # the first step's time includes reading the inputs
        try:
            res = registry.BY_NAME[s].run(state)
            for out in res.outputs:
                book.check_owned(out.name)
        except InputErrors:
            raise
        except Exception as e:  # noqa: BLE001 - a failing step is reported on the Close sheet
            res = StepResult(s, FAILED, message=f"{type(e).__name__}: {e}")
            res.seconds = time.perf_counter() - start
            res.finished = now + dt.timedelta(seconds=time.perf_counter() - t0)
            for done in state.steps.values():
                done.sheets = ()
                done.message = f"not written (step {s!r} failed): {done.message}"
            state.steps[s] = res
            report.failed = res
            book.write_sheet(dress([close_sheet(state.steps, settings)], settings.as_of, book.sheet_names())[0])
            book.append_rows(AUDIT_SHEET, audit_rows(report, user=user, now=now), table_name="tblAuditLog")
            raise StepFailed(s, e, report) from e
        res.seconds = time.perf_counter() - start
        res.finished = now + dt.timedelta(seconds=time.perf_counter() - t0)
        if res.outputs:
            res.sheets = tuple(o.name for o in res.outputs if not o.hidden)     # what a person can open
        outputs += res.outputs
        res.outputs = []
        state.steps[s] = res
        book.status(f"Close step {i}/{len(wanted)}: {STEP_TITLES[s]} — {res.status} ({res.seconds:.1f} s)")
        book.write_sheet(dress([close_sheet(state.steps, settings)], settings.as_of, book.sheet_names())[0])
    # a step that wrote more than it declares, or a sheet that is new since (the file did not change)
    check_ours(book, [out.name for out in outputs if out.name.lower() not in checked])
    for out in dress(outputs, settings.as_of, book.sheet_names()):    # footer, back link, drill-down
        book.write_sheet(out)
    book.append_rows(AUDIT_SHEET, audit_rows(report, user=user, now=now), table_name="tblAuditLog")
    if progress is not None:
        progress(len(wanted), len(wanted), "")
    book.status("Close: done")
    return report


def new_run_id(book, now: dt.datetime) -> str:
    """The run's id: its start time to the second (``20261031T183000``), one second on while the
    book's ``Audit Log`` already has that id — two closes in one second (a script, a double click)
    must not share an id, since a close tells its own cash rows from earlier runs' by it."""
    taken: set[str] = set()
    try:
        if AUDIT_SHEET.lower() in {s.lower() for s in book.sheet_names()}:
            log = book.read_table("tblAuditLog")
            if "run_id" in log.columns:
                taken = {str(v) for v in log["run_id"] if v is not None}
    except (BookError, KeyError):    # no Audit Log table yet (headless: BookError, live: KeyError)
        pass
    run_id = now.strftime("%Y%m%dT%H%M%S")
    while run_id in taken:
        now += dt.timedelta(seconds=1)
        run_id = now.strftime("%Y%m%dT%H%M%S")
    return run_id


def check_ours(book, sheets) -> None:
    """Refuse before anything is written when one of ``sheets`` in the book is the user's own
    (:mod:`xl_collections.book.owner`): ``Aging History`` is adopted, the sheets of an earlier
    close the ``Audit Log`` records are the program's, and so are ``Close`` and ``Audit Log``
    laid out as the template lays them out."""
    check_sheets_are_ours(book, sheets, adopted=(schema.AGING_HISTORY.sheet,), earlier=earlier_close_sheets(book),
                          layouts={CLOSE_SHEET: CHECKLIST_HEADER, AUDIT_SHEET: AUDIT_HEADER})


def earlier_close_sheets(book) -> set[str]:
    """The sheets an earlier close wrote, as the book's ``Audit Log`` records it: ``Close`` and
    ``Audit Log`` once it has a run, and each step's sheets once that step was done."""
    try:
        if AUDIT_SHEET.lower() not in {s.lower() for s in book.sheet_names()}:
            return set()
        grid = book.read_sheet(AUDIT_SHEET)
    except BookError:           # an unreadable log proves nothing: the sheets are judged without it
        return set()
    for r in range(min(len(grid), 50)):
        head = [str(v).strip().lower() if v is not None else "" for v in grid.iloc[r].tolist()]
        if "step" in head and "status" in head:
            step, status = head.index("step"), head.index("status")
            rows = grid.iloc[r + 1:]
            done = {str(a).strip().lower() for a, b in zip(rows.iloc[:, step], rows.iloc[:, status])
                    if a is not None and str(b).strip().lower() == DONE}
            out = {sh for s in done for sh in STEP_SHEETS.get(s, ())}
            return out | {CLOSE_SHEET, AUDIT_SHEET} if len(rows.dropna(how="all")) else out
    return set()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001
        return ""


def summary_lines(report: CloseReport) -> list[str]:
    """One line per step, for the terminal."""
    cur = report.state.settings.reporting_currency
    out = []
    for r in report.steps:
        amt = f"  {money_text(r.amount, cur)}" if r.amount is not None else ""
        rows = f"  {r.rows:,} rows" if r.rows is not None else ""
        secs = f"  {r.seconds:.2f} s" if r.seconds is not None else ""
        out.append(f"{r.step:<11} {r.status:<13}{rows}{amt}{secs}  {r.message}".rstrip())
    return out


__all__ = ["STEPS", "StepResult", "CloseState", "CloseReport", "StepFailed", "run_close", "read_workbook_inputs",
           "parse_steps", "read_state", "table_fingerprint", "close_sheet", "summary_lines", "prior_applications", "DONE", "FAILED",
           "SKIPPED", "NOT_RUN"]
