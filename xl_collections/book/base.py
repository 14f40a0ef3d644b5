"""The workbook interface the macros and the CLI use; ``HeadlessBook`` (the file) and
``LiveBook`` (Excel through xlwings) both implement it.

Sheet contents come back raw: ``read_sheet`` gives a DataFrame of object values (``None``
for an empty cell) whose columns are the 0-based Excel column positions (0 = A) and whose
index is the Excel row number, from row 1 to the last used row, so a reader can find a
header below a title block and name the Excel row of every problem.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..core.headers import contract_name
from .outputs import SheetOutput


class BookError(Exception):
    """The workbook cannot be read or written as asked; the message says why and what to do."""


@runtime_checkable
class Workbook(Protocol):
    path: Path

    def sheet_names(self) -> list[str]: ...

    def named_values(self) -> dict[str, object]:
        """Defined names that point at one cell -> the cell's value.  Workbook-scoped names
        by their name; sheet-scoped ones as ``Sheet!Name`` and also by their bare name when no
        workbook-scoped name has it."""

    def read_sheet(self, name: str) -> pd.DataFrame: ...

    def read_table(self, table_name: str) -> pd.DataFrame:
        """An Excel table (ListObject): its header as columns, index = Excel row number."""

    def write_sheet(self, output: SheetOutput) -> None:
        """Replace an owned sheet whole (or add it).  Headless: takes effect on ``save``."""

    def append_rows(self, sheet: str, df: pd.DataFrame, *, table_name: str | None = None) -> None:
        """Append-only sheets (``Audit Log``): the existing rows, then ``df``'s."""

    def status(self, message: str) -> None: ...

    def save(self, path: str | Path | None = None) -> Path: ...


def frame_from_rows(rows: list[list], first_row: int = 1) -> pd.DataFrame:
    """Raw cell grid -> DataFrame (object values, None for empty, index = Excel row)."""
    width = max((len(r) for r in rows), default=0)
    if rows and all(len(r) == width for r in rows):
        arr = np.empty((len(rows), width), dtype=object)
        arr[:] = rows
        arr[arr == ""] = None
    else:
        arr = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows]
    df = pd.DataFrame(arr, columns=range(width), dtype=object)
    df.index = pd.RangeIndex(first_row, first_row + len(df))
    return df


def contract_headers(grid: pd.DataFrame, header_rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    """``grid`` (as ``read_sheet`` gives it) with the human headers the program wrote read back as
    the contract's names (:func:`xl_collections.core.headers.contract_name`), in place: only in the
    header rows given as (Excel row, first column, last column; 0-based columns), so data cells
    and the user's own headers stay as they are."""
    for row, c0, c1 in header_rows:
        if row not in grid.index:
            continue
        for c in range(max(c0, 0), min(c1, grid.shape[1] - 1) + 1):
            v = grid.at[row, c]
            if isinstance(v, str):
                grid.at[row, c] = contract_name(v)
    return grid


def table_from_sheet(raw: pd.DataFrame) -> pd.DataFrame:
    """A sheet we wrote (header in its first non-empty row) -> DataFrame with that header."""
    nonempty = raw.dropna(how="all")
    if nonempty.empty:
        return pd.DataFrame()
    head_row = nonempty.index[0]
    header = raw.loc[head_row]
    cols = [c for c in raw.columns if header[c] is not None]
    body = raw.loc[head_row + 1:, cols].dropna(how="all")
    body.columns = [str(header[c]) for c in cols]
    return body
