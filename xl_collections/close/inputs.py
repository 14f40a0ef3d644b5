"""The close's inputs: the settings and every input table of the workbook, read at once with
all their problems, and the ``validate`` step that reports them.

Every table declared in :data:`xl_collections.core.schema.BOOK_TABLES` and
:data:`~xl_collections.core.schema.WORKFLOW_TABLES` whose sheet exists and holds rows is read
(money as integer minor units of each row's currency); ``Open Items`` is required.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from ..core import schema
from .state import DONE, CloseState, StepResult
from ..core.dates import DateError, parse_date
from ..core.errors import InputError
from ..io.readers import HEADER_SCAN_ROWS, load_column_map, read_warnings, table_from_fast_sheet, table_from_grid
from ..core.settings import Settings, from_named_values

# the program's own earlier layout of Aging History (as_of, customer_id, total_open, ...): the
# commentary step reads it itself; it is not the aging_history input table (period, customer_id, ...)
_OWN_HISTORY_HEADER = "as_of"
HEAD_ROWS = HEADER_SCAN_ROWS * 4     # the first rows the careful reader looks for the header in
WARNINGS_SHOWN = 10       # read warnings written out in the validate step's message (the rest counted)


def _column_maps(book, file: str) -> tuple[dict[str, dict], list[InputError]]:
    """The ``Column Map`` sheet: ``{table: {source header: canonical column}}`` and its problems."""
    sheet = next((s for s in book.sheet_names() if s.lower() == "column map"), None)
    if sheet is None:
        return {}, []
    grid = book.read_sheet(sheet)
    if grid.dropna(how="all").empty:
        return {}, []
    maps, errors = load_column_map(grid, sheet=sheet)
    return maps, [replace(e, file=file) for e in errors]


def _first_cell(grid: pd.DataFrame) -> str:
    rows = grid.dropna(how="all")
    if rows.empty:
        return ""
    first = rows.iloc[0].dropna()
    return str(first.iloc[0]).strip().lower() if len(first) else ""


def read_workbook_inputs(book, *, as_of=None, base: Settings | None = None) -> tuple[Settings, dict, list[InputError]]:
    """Settings from the named cells and every input table of the workbook; all problems."""
    file = book.path.name if getattr(book, "path", None) else ""
    named = {k: v for k, v in book.named_values().items() if "!" not in k}
    settings, errors = from_named_values(named, base, file=file)
    if as_of not in (None, ""):
        try:
            d = parse_date(as_of, day_first=settings.day_first)
            settings = settings.with_(as_of=d if isinstance(d, dt.date) else None)
        except (DateError, ValueError):
            errors.append(InputError("--as-of is not a date", "settings", file, "", None, "AsOfDate", str(as_of),
                                     "a date such as 2026-10-31"))
    if settings.as_of is None and not any(e.column == "AsOfDate" for e in errors):
        errors.append(InputError("the as-of date is blank", "settings", file, "Settings", None, "AsOfDate", "",
                                 "a date on Settings (named cell AsOfDate) or --as-of"))
    maps, map_errors = _column_maps(book, file)
    errors += map_errors
    sheets = {s.lower(): s for s in book.sheet_names()}
    tables: dict[str, pd.DataFrame] = {}
    for t in (*schema.BOOK_TABLES.values(), *schema.WORKFLOW_TABLES.values()):
        sheet = sheets.get(t.sheet.lower())
        if sheet is None:
            if t.name == "open_items":
                errors.append(InputError("the Open Items sheet is missing", t.name, file, t.sheet, None, "", "",
                                         "a sheet 'Open Items' with the open-item list"))
            continue
        kw = dict(file=file, sheet=sheet, column_map=maps.get(t.name), reporting_currency=settings.reporting_currency,
                  day_first=settings.day_first, decimal_comma=settings.decimal_comma, amount_sign=settings.amount_sign)
        got = _fast_table(book, t.name, kw)
        if got is None:
            got = _careful_table(book, t.name, kw)
        if got is _NOT_GIVEN:
            continue
        df, errs = got
        errors += errs
        if df is not None:
            tables[t.name] = df
    return settings, tables, errors


_NOT_GIVEN = object()      # the sheet holds no input table (a header alone, the program's own history)


def _careful_table(book, table_name: str, kw: dict):
    """The input table on ``kw["sheet"]`` from its grid of cells (``book.read_sheet``):
    ``(canonical_df, errors)``, or :data:`_NOT_GIVEN`."""
    grid = book.read_sheet(kw["sheet"])
    if grid.dropna(how="all").shape[0] <= 1 and table_name != "open_items":
        return _NOT_GIVEN    # only a header (or nothing): the table is not given
    if table_name == "aging_history" and _first_cell(grid) == _OWN_HISTORY_HEADER:
        return _NOT_GIVEN
    return table_from_grid(grid, table_name, **kw)


def _fast_table(book, table_name: str, kw: dict):
    """The input table on ``kw["sheet"]`` through the fast sheet reader of a workbook file
    (``book.fast_sheet``: fastexcel's typed columns, :mod:`xl_collections.io.fastsheet`), the
    result :func:`_careful_table` gives; None where that is not certain (the careful reader runs):
    a sheet whose first rows hold fewer than two rows, a header row the program wrote below the
    table's header, and whatever :class:`~xl_collections.io.fastsheet.FastSheet` refuses."""
    opener = getattr(book, "fast_sheet", None)
    if opener is None:
        return None
    with opener(kw["sheet"], HEAD_ROWS) as fs:
        if fs is None or not fs.head:
            return None
        filled = [r for r in fs.head if any(v is not None and v != "" for v in r)]
        if len(filled) <= 1:
            return None     # a header alone, or a table further down: as the careful reader judges it
        if table_name == "aging_history":
            first = next(v for v in filled[0] if v is not None and v != "")
            if str(first).strip().lower() == _OWN_HISTORY_HEADER:
                return _NOT_GIVEN
        kw = {k: v for k, v in kw.items() if k != "sheet"}       # the sheet's name: the one opened
        return table_from_fast_sheet(fs, table_name, accept=lambda header_row: not any(
            r > header_row for r in fs.contract_rows), **kw)


def step_validate(state: CloseState) -> StepResult:
    """The inputs were accepted (``read_workbook_inputs`` found no problem): say what was read."""
    n = sum(len(df) for df in state.tables.values())
    given = ", ".join(f"{schema.TABLES[k].sheet} {len(v):,}" for k, v in state.tables.items())
    message = f"as of {state.settings.as_of}; {given}"
    warnings = read_warnings(state.tables)      # accepted with a remark: said on Close and in the Audit Log
    if warnings:
        shown = WARNINGS_SHOWN
        message += (f"; {len(warnings):,} warning{'s' if len(warnings) != 1 else ''}: "
                    + "; ".join(w.render() for w in warnings[:shown])
                    + (f"; … and {len(warnings) - shown:,} more" if len(warnings) > shown else ""))
    return StepResult("validate", DONE, rows=n, message=message)
