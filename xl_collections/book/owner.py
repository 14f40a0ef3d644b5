"""Whose sheet is it: a user's own sheet that carries a name the program writes is never
overwritten (CONTRACT §6 "Notes beside program tables", last rule).

A sheet the run is about to write is the program's when it carries the hidden sheet-scoped
name ``xlc_owned`` (every write and the template set it), or — a book written before the
marker — when it holds the program's Excel table (``tbl`` + the sheet's name without spaces,
as :func:`.ondisk.check_not_renamed` knows it), when the book's ``Audit Log`` records an
earlier close that wrote it (the caller passes those sheets), when it shows the program's own
layout (a header row the caller names: the template's ``Close`` checklist and ``Audit Log``),
or when it holds no value at all (nothing of the user's to lose).  A sheet the program adopts
(``Aging History``: the user's earlier months) is always the program's, its rows included.
Any other sheet of such a name is the user's: the run is refused before anything is written,
naming it.  This layer knows no sheet by name; the close passes them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from .ondisk import BookRefused
from .usercells import Box


class UsersOwnSheet(BookRefused):
    """A sheet of the user's carries the name of a sheet the run writes: exit 1, nothing written."""


def program_table(sheet: str) -> str:
    """The name of the program's table on ``sheet`` (``tbl`` + its name without spaces)."""
    return "tbl" + re.sub(r"\W", "", sheet)


def check_sheets_are_ours(book, sheets: Iterable[str], *, adopted: Iterable[str] = (), earlier: Iterable[str] = (),
                          layouts: dict[str, list[str]] | None = None) -> None:
    """Refuse (:class:`UsersOwnSheet`) when one of ``sheets`` exists in ``book`` and is the
    user's (module doc).  Sheets taken without a marker are told to the book
    (``book.adopt``) with what the program wrote there, so the save keeps the user's cells
    beside them and marks the sheet.  A book without markers at all (live Excel) is not checked."""
    if not hasattr(book, "is_marked"):
        return
    present = {s.lower(): s for s in book.sheet_names()}
    adopted = {s.lower() for s in adopted}
    earlier = {s.lower() for s in earlier}
    layouts = {k.lower(): v for k, v in (layouts or {}).items()}
    foreign = []
    for sheet in dict.fromkeys(s for s in sheets if s.lower() in present):
        name = present[sheet.lower()]
        marked = book.is_marked(name)
        if sheet.lower() in adopted:
            box = _data_box(book.read_sheet(name))
            if box is not None:
                book.adopt(name, [box])
            continue
        if marked or any(t.lower().startswith(program_table(sheet).lower()) for t in book.sheet_tables(name)) \
                or sheet.lower() in earlier:
            continue
        grid = book.read_sheet(name)
        header = layouts.get(sheet.lower())
        box = _layout_box(grid, header) if header else None
        if box is not None:
            book.adopt(name, [box])
        elif _holds_values(grid):
            foreign.append(name)
    if foreign:
        shown = ", ".join(repr(s) for s in foreign)
        one = len(foreign) == 1
        raise UsersOwnSheet(
            f"{book.path.name}: {'the sheet' if one else 'the sheets'} {shown} {'is' if one else 'are'} your own "
            f"(the program did not make {'it' if one else 'them'}) and the run writes {'a sheet' if one else 'sheets'} "
            f"of that name: rename yours (or move what {'it holds' if one else 'they hold'}) and run again. "
            f"Nothing was written")


def _holds_values(grid: pd.DataFrame) -> bool:
    return bool(grid.size) and bool(grid.notna().to_numpy().any())


def _data_box(grid: pd.DataFrame) -> Box | None:
    """The table a sheet holds from A1: its header's columns, down to its last row with a value."""
    if not len(grid) or not grid.shape[1]:
        return None
    head = grid.iloc[0].tolist()
    width = next((j for j, v in enumerate(head) if v is None or str(v).strip() == ""), len(head))
    if not width:
        return None
    filled = grid.iloc[:, :width].notna().to_numpy().any(axis=1).nonzero()[0]
    return Box(0, 0, int(filled[-1]), width - 1)


def _layout_box(grid: pd.DataFrame, header: list[str], match: int = 3) -> Box | None:
    """When a row of ``grid`` starts with ``header``'s first ``match`` cells (the program's
    layout): everything from A1 to that table's last row, over its header's width."""
    want = [h.lower() for h in header[:match]]
    for r in range(min(len(grid), 200)):
        row = grid.iloc[r, :len(want)].tolist()
        if [str(v).strip().lower() if v is not None else "" for v in row] == want:
            head = grid.iloc[r].tolist()
            width = next((j for j, v in enumerate(head) if v is None or str(v).strip() == ""), len(head))
            last = r
            while last + 1 < len(grid) and grid.iloc[last + 1, :width].notna().any():
                last += 1
            return Box(0, 0, last, width - 1)
    return None
