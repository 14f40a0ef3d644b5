"""The ``Worklist``, ``Promises`` and ``Disputes`` sheets (declarative
:class:`~xl_collections.book.SheetOutput` records from plain data), and the round trip of the
user's columns on ``Disputes``.

* ``Worklist``: one line per collector (customers, past due, escalated, actions due today,
  promises kept %), then the ranked worklist as the Excel table ``tblWorklist`` — each
  specialist filters the ``collector`` column to open their own list — then the weekly
  large-balance report (``tblLargeBalances``).
* ``Promises``: promises kept % per collector, then every promise (``tblPromises``).
* ``Disputes``: open cases by root cause, then one row per case (``tblDisputes``): the
  program's columns, then the user's — ``resolution`` (credit issued / rebilled / collected /
  written off), ``resolved_on``, ``resolution_note`` and any column the user adds to the
  header row.  Those cells travel with their ``case_id`` across runs, re-sorting and inserted
  rows; a case whose item is no longer open stays on the sheet as ``CLOSED`` while the user
  wrote anything on it, so no note is ever lost.

Money columns are integer minor units of the reporting currency.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..book.outputs import ColorScale, Highlight, SheetOutput, TableBlock
from ..core.money import parse_amount, to_decimal
from .disputes import CSV_COLUMNS as DISPUTE_COLUMNS

WORKLIST_SHEET, PROMISES_SHEET, DISPUTES_SHEET = "Worklist", "Promises", "Disputes"
USER_COLUMNS = ("resolution", "resolved_on", "resolution_note")
RESOLUTIONS = ("credit issued", "rebilled", "collected", "written off")
CLOSED = "CLOSED"
DISPUTE_PROGRAM = (*DISPUTE_COLUMNS, "kind", "category", "check", "check_detail", "last_activity", "currency",
                   "open_amount")
SHOWN = ["case_id", "customer_id", "document_no", "kind", "amount", "reason_code", "category", "check", "status",
         "owner", "opened", "age_days", "response_due", "sla_breached"]
TAIL = ["check_detail", "last_activity"]


def _day(d) -> str:
    return pd.Timestamp(d).date().isoformat()


def _pct(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


# ------------------------------------------------------------------ Worklist


def by_collector(result, as_of: dt.date) -> pd.DataFrame:
    """One row per collector: customers, past due, escalated, actions due by today, promises kept %."""
    w = result.worklist
    asof = pd.Timestamp(as_of)
    if w.empty:
        out = pd.DataFrame({"collector": [], "customers": [], "past_due": [], "escalated": [], "due_today": [],
                            "promises_kept_pct": []})
    else:
        key = w["collector"].replace("", "(none)")
        g = w.groupby(key, sort=True)
        out = pd.DataFrame({"customers": g.size(), "past_due": g["past_due"].sum(),
                            "escalated": g["escalate"].sum().astype(int),
                            "due_today": g["next_action_date"].apply(lambda s: int((s <= asof).sum()))})
        out.index.name = "collector"
        out = out.reset_index()
        kept = result.kept_by_collector.set_index("collector")["kept_pct"] if len(result.kept_by_collector) else {}
        out["promises_kept_pct"] = [_pct(kept.get(c)) if hasattr(kept, "get") else None for c in out["collector"]]
    out.attrs = {"money": ["past_due"], "currency": result.currency}
    return out


def worklist_output(result, as_of: dt.date, settings) -> SheetOutput:
    cur = result.currency
    work = result.worklist.copy()
    work.attrs = {"money": ["past_due"], "currency": cur}
    big = result.large_balances.copy()
    big.attrs = dict(result.large_balances.attrs)
    kept = "n/a" if result.promises_kept_pct is None else f"{result.promises_kept_pct:.0%}"
    notes = (
        f"Collections worklist as of {_day(as_of)} ({cur})",
        "Filter the collector column for your list.",
        "Ranked by priority_score (README: Priority score). "
        f"Escalated: over {settings.escalation_days} days past due with at least the escalation amount, or two "
        f"broken promises. Promises kept: {kept}.",
    )
    widths = {"customer_name": 30, "collector": 16, "reasons": 70, "next_action": 22, "last_note": 50, "promises": 30}
    heat = ("FFFFFF", "F8696B")
    blocks = (
        TableBlock(by_collector(result, as_of), table_name="tblWorklistByCollector", title="Per collector",
                   percent_columns=("promises_kept_pct",), column_widths=widths),
        TableBlock(work.reset_index(drop=True), table_name="tblWorklist", title="Today's worklist",
                   column_widths=widths, number_formats={"priority_score": "0.0"}, wrap_columns=("reasons",),
                   conditional=(ColorScale(("priority_score",), heat, low=0), Highlight(("escalate",), "TRUE"),
                                Highlight(("next_action",), "CALL_RETURNED_PAYMENT"))),
        TableBlock(big.reset_index(drop=True), table_name="tblLargeBalances", column_widths=widths,
                   title=f"Large balances (total open at least {to_decimal(settings.large_balance_threshold, cur):,}): "
                         "this week's change, promises, disputes, last note"),
    )
    return SheetOutput(WORKLIST_SHEET, blocks=blocks, notes=notes, freeze=False, print_fit_width=True, freeze_columns=2)


# ------------------------------------------------------------------ Promises


def promises_output(result, as_of: dt.date) -> SheetOutput:
    cur = result.currency
    kept = result.kept_by_collector.copy()
    prom = result.promises.copy()
    prom.attrs = {"money": ["promised_amount", "paid_amount"], "currency": cur}
    notes = (f"Promises to pay as of {_day(as_of)} ({cur})",
             "Met by applied cash or cleared items.",
             "A promise is met by cash applied (AUTO, this and earlier runs) or documents cleared between the day it "
             "was made and the promised date plus the grace days; KEPT / PENDING / PARTIAL / BROKEN.")
    blocks = (
        TableBlock(kept, table_name="tblPromisesKept", title="Promises kept per collector (judged = kept + partial + broken)",
                   percent_columns=("kept_pct",)),
        TableBlock(prom.reset_index(drop=True), table_name="tblPromises", title="Every promise",
                   column_widths={"note": 40, "collector": 16},
                   conditional=(Highlight(("status",), "BROKEN"), Highlight(("status",), "PARTIAL", "FFEB9C", "9C5700"),
                                Highlight(("status",), "KEPT", "C6EFCE", "006100"))),
    )
    return SheetOutput(PROMISES_SHEET, blocks=blocks, notes=notes, freeze=False)


# ------------------------------------------------------------------ Disputes and the user's columns


def read_disputes(grid: pd.DataFrame | None) -> pd.DataFrame | None:
    """The case rows of a ``Disputes`` sheet grid: every row below the header row that starts
    with ``case_id`` (blank rows skipped, so rows the user inserted do not cut the table),
    with every header of that row, the user's columns right of the table included."""
    if grid is None or grid.empty:
        return None
    firsts = grid.iloc[:, 0].tolist()          # the first column's cells, read once (not .at per row)
    heads = [r for r, v in zip(grid.index, firsts) if str(v or "").strip() == "case_id"]
    if not heads:
        return None
    h = heads[-1]
    header = grid.loc[h]
    cols = [c for c in grid.columns if header[c] is not None and str(header[c]).strip()]
    body = grid.loc[h + 1:, cols].dropna(how="all")
    body.columns = [str(header[c]).strip() for c in cols]
    return body.reset_index(drop=True).astype(object)


def _blank(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or \
        (isinstance(v, str) and not v.strip())


def user_columns(previous: pd.DataFrame | None) -> list[str]:
    """The default user columns, then every other column the user added."""
    extra = [c for c in (previous.columns if previous is not None else []) if c not in DISPUTE_PROGRAM
             and c not in USER_COLUMNS and c not in SHOWN]
    return list(USER_COLUMNS) + extra


def resolutions(previous: pd.DataFrame | None) -> dict:
    """case_id -> the resolution the user recorded (non-blank ``resolution`` cells)."""
    if previous is None or "resolution" not in previous.columns or "case_id" not in previous.columns:
        return {}
    return {str(c).strip(): str(r).strip() for c, r in zip(previous["case_id"], previous["resolution"])
            if not _blank(c) and not _blank(r)}


def merge_disputes(cases: pd.DataFrame, previous: pd.DataFrame | None, currency: str) -> pd.DataFrame:
    """This run's cases with the user's cells carried over by ``case_id``; earlier cases whose
    item is no longer open stay as ``CLOSED`` rows while they carry any user cell; a user's row
    without a case id is kept too (at the end)."""
    ucols = user_columns(previous)
    rows = cases.copy()
    prev = previous if previous is not None else pd.DataFrame(columns=["case_id"])
    prev = prev.copy()
    prev["case_id"] = ["" if _blank(v) else str(v).strip() for v in prev["case_id"]]
    keyed = prev[prev["case_id"] != ""].drop_duplicates("case_id", keep="first").set_index("case_id")
    for c in ucols:
        cell = dict(zip(keyed.index, keyed[c])) if c in keyed.columns else {}      # case_id -> the user's cell
        rows[c] = [cell[k] if k in cell and not _blank(cell[k]) else None for k in rows["case_id"]]
    has_user = _any_user_cell(prev, ucols)
    gone = prev[has_user & ~prev["case_id"].isin(set(rows["case_id"]))].copy()
    if len(gone):
        gone["status"] = np.where(gone["case_id"] != "", CLOSED, "")
        if "amount" in gone.columns:
            gone["amount"] = [None if _blank(v) else parse_amount(v, currency) for v in gone["amount"]]
        for c in ("opened", "response_due", "last_activity"):
            if c in gone.columns:
                gone[c] = pd.to_datetime(gone[c], errors="coerce")
        gone["sla_breached"] = False
        gone = gone[[c for c in rows.columns if c in gone.columns]]
        rows = pd.concat([rows, gone], ignore_index=True)
    rows.attrs = {"money": ["amount"], "currency": currency}
    return rows


def _any_user_cell(prev: pd.DataFrame, ucols: list[str]) -> pd.Series:
    """Per row of ``prev``: does any of its ``ucols`` cells hold something?  Column by column
    over plain lists (every column of a repeated name included), not a row-wise apply."""
    present = {c for c in ucols if c in prev.columns}
    if not present:
        return pd.Series(False, index=prev.index)
    if not len(prev):        # (the row-wise apply's own result on no rows)
        return prev[[c for c in ucols if c in prev.columns]].apply(lambda r: any(not _blank(v) for v in r), axis=1)
    flags = np.zeros(len(prev), dtype=bool)
    for j, name in enumerate(prev.columns):
        if name in present:
            flags |= np.fromiter((not _blank(v) for v in prev.iloc[:, j].tolist()), dtype=bool, count=len(prev))
    return pd.Series(flags, index=prev.index)


def disputes_output(rows: pd.DataFrame, as_of: dt.date, currency: str, response_days: int) -> SheetOutput:
    ucols = [c for c in rows.columns if c not in DISPUTE_PROGRAM]
    body = rows[[c for c in SHOWN if c in rows.columns] + ucols + [c for c in TAIL if c in rows.columns]].copy()
    body["sla_breached"] = body["sla_breached"].map(lambda v: "TRUE" if v is True or v == "TRUE" else "FALSE")
    body.attrs = {"money": ["amount"], "currency": currency}
    open_ = rows[rows["status"] == "OPEN"]
    summary = (open_.groupby(["category", "kind"], sort=True)
               .agg(cases=("case_id", "size"), amount=("amount", "sum"),
                    sla_breached=("sla_breached", lambda s: int(s.astype(bool).sum())),
                    oldest_days=("age_days", "max")).reset_index()) if len(open_) else \
        pd.DataFrame({"category": [], "kind": [], "cases": [], "amount": [], "sla_breached": [], "oldest_days": []})
    summary.attrs = {"money": ["amount"], "currency": currency}
    notes = (f"Disputes and deductions as of {_day(as_of)} ({currency})",
             "Record your resolution beside each case.",
             f"One case per disputed item or deduction; response due {response_days} day(s) after it was opened. "
             "Record the outcome in resolution (" + ", ".join(RESOLUTIONS) + "), resolved_on and resolution_note, or add "
             "your own columns right of the table: they stay with their case_id on every refresh.")
    widths = {"case_id": 18, "category": 20, "check": 22, "check_detail": 50, "resolution": 16,
              "resolution_note": 40, "owner": 16, **{u: 20 for u in ucols if u not in USER_COLUMNS}}
    blocks = (
        TableBlock(summary, table_name="tblDisputesByCause", title="Open cases by root cause"),
        TableBlock(body.reset_index(drop=True), table_name="tblDisputes", title="Cases",
                   column_widths=widths, wrap_columns=("check_detail", "resolution_note"),
                   date_columns=("opened", "response_due", "last_activity"),
                   conditional=(Highlight(("sla_breached",), "TRUE"), Highlight(("status",), "RESOLVED", "C6EFCE", "006100"))),
    )
    return SheetOutput(DISPUTES_SHEET, blocks=blocks, notes=notes, freeze=False, print_fit_width=True, freeze_columns=1)

