"""The ``Commentary`` sheet; "change since last month" from the aging history.

Layout of ``Commentary`` (all written by the program; the specialist's columns ride along):

1. a title line and notes;
2. ``Totals`` (bucket totals this close, prior close, change) and ``Ratios`` (% past due,
   % over 90 days, DSO, CEI);
3. ``Largest past due`` — the ten largest past-due customers (the bucket split as one line
   of text, so the block fits the columns of the customer rows);
4. the customer rows (Excel table ``tblCommentary``): who and how much (``customer_id`` …
   ``past_due``), the drafted ``comment`` and ``comment_status``, then every column the
   program does not own — the specialist's (``Analyst comment``, ``Next action``, ``Owner``
   or any they add; wrapped) — then the figures (buckets, ``oldest_days`` …) and
   ``latest_draft``;
5. ``Resolved`` (``tblResolved``): customers that dropped below the threshold, with the date
   they left and their notes.

The blocks are found again on the next refresh by their header rows, not by position, so
re-sorting rows or adding columns on the sheet is safe.

Month-over-month figures take both months from ``Aging History`` (CONTRACT §6; the aging step
writes it: :mod:`xl_collections.ar.aging_history`): receivables per customer and bucket.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..book.outputs import ColorScale, Highlight, SheetOutput, TableBlock
from .drafts import PROGRAM_COLUMNS, CommentaryResult, build_commentary, fmt_money, merge_with_previous
from ..ar.aging_history import month_summary, period_of, previous_period
from ..core.money import parse_amount

COMMENTARY_SHEET = "Commentary"

# ---------------------------------------------------------------- reading the previous sheet
def _blocks(grid: pd.DataFrame) -> list[pd.DataFrame]:
    """Every block of ``grid`` whose header row starts with ``customer_id``: a DataFrame with
    that header, down to the first fully blank row."""
    out = []
    if grid is None or grid.empty:
        return out
    first = grid.columns[0]
    rows = list(grid.index)
    for pos, v in enumerate(grid[first].tolist()):
        if str(v or "").strip() != "customer_id":
            continue
        header = grid.loc[rows[pos]]
        cols = [c for c in grid.columns if header[c] is not None and str(header[c]).strip()]
        cells = grid.loc[rows[pos + 1:], cols].to_numpy(dtype=object)        # the rows below, as values
        blank = pd.isna(cells).all(axis=1)
        end = int(blank.argmax()) if blank.any() else len(cells)           # down to the first blank row
        out.append(pd.DataFrame(cells[:end].tolist(), columns=[str(header[c]).strip() for c in cols], dtype=object))
    return out


def _money_back(values, currency: str) -> list:
    """Numbers read back from a money column (major units) -> int minor units."""
    out = []
    for v in values:
        try:
            out.append(parse_amount(v, currency))
        except ValueError:
            out.append(None)
    return out


def read_commentary(grid: pd.DataFrame | None, currency: str = "USD") -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The previous customer rows and ``Resolved`` entries of a ``Commentary`` sheet grid
    (as :meth:`Workbook.read_sheet` returns it); ``(None, None)`` when there is none."""
    rows = resolved = None
    for b in _blocks(grid):
        b["customer_id"] = b["customer_id"].map(lambda v: "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
        b = b[b["customer_id"].str.strip() != ""].reset_index(drop=True)
        if "comment_status" in b.columns and rows is None:
            if "past_due" in b:
                b["past_due"] = _money_back(b["past_due"], currency)
            rows = b
        elif "resolved_on" in b.columns and resolved is None:
            if "last_past_due" in b:
                b["last_past_due"] = _money_back(b["last_past_due"], currency)
            resolved = b
    return rows, resolved


# ---------------------------------------------------------------- the sheet
def commentary_output(result: CommentaryResult, rows: pd.DataFrame, resolved: pd.DataFrame,
                      as_of: dt.date, threshold: int):
    """The ``Commentary`` sheet as a declarative :class:`~xl_collections.book.SheetOutput`."""
    cur = result.currency
    s = result.summary
    money = s[s["kind"] == "money"][["measure", "value", "prior", "change"]].copy()
    for c in ("value", "prior", "change"):
        money[c] = pd.array([None if v is None or pd.isna(v) else int(v) for v in money[c]], dtype="Int64")
    money.columns = ["measure", "this_close", "prior_close", "change"]
    money.attrs = {"money": ["this_close", "prior_close", "change"], "currency": cur}
    ratios = s[s["kind"] != "money"][["measure", "value", "prior", "change", "kind"]].copy()
    for c in ("value", "prior", "change"):
        ratios[c] = [None if v is None or pd.isna(v) else float(v) for v in ratios[c]]
    ratios.columns = ["measure", "this_close", "prior_close", "change", "unit"]
    ratios["unit"] = ratios["unit"].map({"percent": "%", "days": "days"}).fillna("")
    labels = list(result.buckets)
    first = ["customer_id", "customer_name", "collector", "past_due", "comment", "comment_status"]
    later = [*labels, "oldest_days", "change_vs_prior", "disputed", "deductions", "offsets"]
    program = [c for c in first + later + ["latest_draft"] if c in rows.columns]
    user = [c for c in rows.columns if c not in program and c not in PROGRAM_COLUMNS]
    head = [c for c in first if c in rows.columns]
    # the customer's words first (comment, status, the specialist's columns), then the figures
    body = rows[head + user + [c for c in program if c not in head]].copy()
    body.attrs = {"money": ["past_due", *labels, "change_vs_prior", "disputed", "deductions", "offsets"], "currency": cur}
    res_first = [c for c in ("customer_id", "customer_name", "resolved_on", "last_past_due", "comment")
                 if c in resolved.columns]
    res_last = [c for c in ("latest_draft",) if c in resolved.columns]
    res = resolved[res_first + [c for c in resolved.columns if c not in res_first + res_last] + res_last].copy()
    res.attrs = {"money": ["last_past_due"], "currency": cur}
    # the ten largest: the bucket split as one line of text, so the block fits the columns of the
    # customer rows below it (their fifth column is the wide comment)
    top = result.top10.copy()
    split = [c for c in labels if c in top.columns and c != "not_due"]
    if len(top) and split:
        top.insert(list(top.columns).index("past_due") + 1, "past_due_by_bucket",
                   ["   ".join(f"{c}: {fmt_money(int(r[c]), cur)[len(cur) + 1:]}" for c in split if int(r[c]) != 0)
                    for _, r in top.iterrows()])
        top = top.drop(columns=split)
    top.attrs = {**result.top10.attrs, "money": [c for c in result.top10.attrs.get("money", ()) if c in top.columns]}
    notes = (    # the first two lines stay short: the sheet's button sits at E1
        f"Past-due commentary as of {pd.Timestamp(as_of).date().isoformat()} ({cur})",
        "Figures tie to the Aging sheet.",
        f"One row per customer with past due of at least {fmt_money(threshold, cur)}; "
        "comments are drafted from the data only.",
        "Your columns (Analyst comment, Next action, Owner, or any you add) stay on their customer across refreshes. "
        "An edited comment is kept (comment_status 'edited (kept)'); latest_draft shows the program's current draft.",
    )
    heat = ("FFFFFF", "F8696B")
    widths = {"measure": 16, "customer_id": 12, "customer_name": 30, "collector": 14, "comment": 60,
              "comment_status": 16, "latest_draft": 40, **{u: 28 for u in user}}
    blocks = [
        TableBlock(money, table_name="tblCommentaryTotals", column_widths=widths,
                   title=(f"Receivables by bucket, both months from Aging History ({cur})"
                          if s.attrs.get("from_history") else f"Aging totals ({cur})")),
        TableBlock(ratios.reset_index(drop=True), number_formats={"this_close": "0.0", "prior_close": "0.0", "change": "0.0"},
                   table_name="tblCommentaryRatios", title="Ratios", column_widths=widths),
        TableBlock(top, table_name="tblLargestPastDue", title="Largest past-due customers",
                   conditional=(ColorScale(("past_due",), heat, low=0),),
                   wrap_columns=("past_due_by_bucket",), column_widths=widths),
        TableBlock(body.reset_index(drop=True), table_name="tblCommentary",
                   title="Customers: the drafted comment, your columns, then the figures",
                   wrap_columns=("comment", *user), column_widths=widths,
                   # printed (the management pack): the comment and your columns; the figures are on screen
                   screen_only_from=next((c for c in labels if c in body.columns and c != "not_due"), ""),
                   conditional=(ColorScale(tuple(c for c in labels if c in body.columns) + ("oldest_days",), heat, low=0),
                                Highlight(("comment_status",), "edited (kept)", "FFEB9C", "9C5700"))),
        TableBlock(res, table_name="tblResolved",     # its notes fall one column left of the rows' ones
                   column_widths={k: v for k, v in widths.items() if k not in user and k != "latest_draft"},
                   title="Resolved: customers now below the threshold, with the date they left and your notes"),
    ]
    return SheetOutput(COMMENTARY_SHEET, blocks=tuple(blocks), notes=notes, freeze=False, print_fit_width=True,
                       freeze_columns=2)


def commentary_outputs(commentary_grid: pd.DataFrame | None, history: pd.DataFrame | None, aging, *,
                       as_of: dt.date, threshold: int, customers=None, activity=None, payments=None, kpis=None,
                       currency: str = "USD", promises=None, returns=None) -> tuple[list, dict]:
    """The ``Commentary`` sheet of this close, from the previous one (its grid as
    :meth:`Workbook.read_sheet` returns it; None: none yet), the aging history with this month
    (:func:`xl_collections.ar.aging_step.aging_history`; None: no history) and the aging: draft,
    carry the specialist's work over.  Returns the :class:`~xl_collections.book.SheetOutput`
    records and counts for the Close checklist (``past_due`` in minor units of ``currency``)."""
    prev_rows, prev_resolved = read_commentary(commentary_grid, currency)
    period = period_of(as_of)
    previous = month_summary(history, previous_period(history, period), aging.labels)
    current = month_summary(history, period, aging.labels) if previous is not None else None
    result = build_commentary(aging, as_of=as_of, threshold=threshold, customers=customers, activity=activity,
                              payments=payments, previous=previous, current=current, kpis=kpis, currency=currency,
                              promises=promises, returns=returns)
    rows, resolved = merge_with_previous(result.rows, prev_rows, prev_resolved, as_of)
    outputs = [commentary_output(result, rows, resolved, as_of, threshold)]
    return outputs, {"rows": len(rows), "resolved": len(resolved),
                     "edited_kept": int((rows["comment_status"] == "edited (kept)").sum()),
                     "past_due": int(rows["past_due"].sum()) if len(rows) else 0}
