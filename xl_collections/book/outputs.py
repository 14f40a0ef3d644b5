"""Declarative sheet outputs: what an owned sheet should show, independent of the backend.

A ``SheetOutput`` is a sheet made of optional note lines (text above the tables) and one or
more ``TableBlock``s, each an Excel table (ListObject) or a plain range with a bold header,
plus native charts.  Money columns in a block's DataFrame are **integer minor units** of the
row's currency (``currency`` column, else ``df.attrs["currency"]``, else USD; a column named
in ``df.attrs["money_currency"]`` is in that one currency), named in
``money_columns`` or ``df.attrs["money"]``; they are written as numbers in major units with
an accounting format.  Dates are written as Excel dates; text is always written as text
(``=SUM(A1)`` from data never becomes a formula).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ..core.headers import HEADERS, human_header

DEFAULT_TABLE_STYLE = "TableStyleMedium2"


@dataclass(frozen=True)
class ColorScale:
    """Three-colour scale (low red -> mid yellow -> high green unless colours are given; two
    colours make a two-colour scale).  ``low`` pins the low colour to that number (e.g. 0:
    everything at or below zero gets the low colour) instead of the column's minimum."""
    columns: tuple[str, ...]
    colors: tuple[str, ...] = ("F8696B", "FFEB84", "63BE7B")
    low: float | None = None


@dataclass(frozen=True)
class Highlight:
    """Cells of ``columns`` equal to ``value`` (text, case-insensitive as Excel compares) get a
    solid ``fill`` and ``font`` colour (RRGGBB; default Excel's light red fill, dark red text)."""
    columns: tuple[str, ...]
    value: str
    fill: str = "FFC7CE"
    font: str = "9C0006"


@dataclass(frozen=True)
class DataBar:
    columns: tuple[str, ...]
    color: str = "638EC6"


@dataclass(frozen=True)
class TableBlock:
    """One table on a sheet.  ``start_row`` is the 1-based Excel row of its header (None: below
    the notes / previous block, one blank row apart, plus a row for its ``title``);
    ``start_col`` is 1-based (1 = column A)."""
    df: pd.DataFrame
    money_columns: tuple[str, ...] | None = None     # None: df.attrs["money"]
    date_columns: tuple[str, ...] | None = None      # None: datetime64 columns
    percent_columns: tuple[str, ...] = ()            # fractions: 0.25 shows as 25.0%
    number_formats: dict = field(default_factory=dict)  # column -> Excel number format
    table_name: str | None = None                    # Excel table (ListObject) name; None: plain range
    style: str = DEFAULT_TABLE_STYLE
    column_widths: dict = field(default_factory=dict)   # column -> width in characters
    conditional: tuple = ()                          # ColorScale / DataBar / Highlight
    start_row: int | None = None
    start_col: int = 1
    title: str = ""                                  # bold line just above the header row
    wrap_columns: tuple[str, ...] = ()               # wrapped text; the block's cells align top
    total_row: bool = False                          # last row is a total: bold, outside conditional formats
    key: str | tuple[str, ...] | None = None         # row key: the user's columns travel with it (book.usercols)
    program_columns: tuple[str, ...] = ()            # columns the program writes in other runs: never user columns
    links: dict = field(default_factory=dict)        # column -> {cell text: location} (e.g. "'Aging Detail'!A12"): in-book hyperlinks
    screen_only_from: str = ""                       # this column and those right of it are not printed (a wide sheet's detail)

    def __post_init__(self):
        n = self.table_name
        if n is not None and (not re.fullmatch(r"[A-Za-z_\\][A-Za-z0-9_.]{0,254}", n)
                              or re.fullmatch(r"[A-Za-z]{1,3}\d+|[RrCc]", n)):
            raise ValueError(f"invalid Excel table name {n!r}: letters, digits, _ and . only, "
                             f"starting with a letter, and not a cell reference")

    def printed_columns(self, shown: int) -> int:
        """How many of the block's ``shown`` columns (from its left) print: those before
        ``screen_only_from`` when the block has that column, else all."""
        cols = list(self.df.columns)
        return cols.index(self.screen_only_from) if self.screen_only_from in cols else shown

    def money(self) -> list[str]:
        cols = self.money_columns if self.money_columns is not None else self.df.attrs.get("money", ())
        return [c for c in cols if c in self.df.columns]

    def shown_headers(self) -> list[str]:
        """The header row as people read it (:func:`xl_collections.core.headers.human_header`); the
        user's own columns (``df.attrs["user_columns"]``) as typed, or a listed contract name's words."""
        user = set(self.df.attrs.get("user_columns", ()))
        return [HEADERS.get(c, c) if c in user else human_header(c) for c in map(str, self.df.columns)]

    def dates(self) -> list[str]:
        if self.date_columns is not None:
            return [c for c in self.date_columns if c in self.df.columns]
        return [c for c in self.df.columns if pd.api.types.is_datetime64_any_dtype(self.df[c].dtype)]


@dataclass(frozen=True)
class ChartSpec:
    """A native chart of one block's columns (``block`` indexes ``SheetOutput.blocks``).
    ``kind`` is ``bar`` (horizontal, first row at the top), ``column`` (vertical) or ``line``."""
    categories_column: str
    series_columns: tuple[str, ...]
    kind: str = "column"
    stacked: bool = True
    title: str = ""
    anchor: str = "K2"            # top-left cell
    width_cols: int = 9
    height_rows: int = 18
    block: int = 0
    max_points: int = 50          # the chart plots at most this many rows of the block
    colors: tuple[str, ...] = ()  # fill colour (RRGGBB) per series; () = the theme's
    value_format: str = "#,##0"   # the value axis' number format
    tail: bool = False            # plot the block's last max_points rows (a trend, oldest first) instead of the first


@dataclass(frozen=True)
class SheetOutput:
    """An owned sheet, replaced whole on every write."""
    name: str
    blocks: tuple[TableBlock, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    notes: tuple[str, ...] = ()   # text lines above the first block; the first is bold
    freeze: bool = True           # freeze panes below the first block's header
    print_fit_width: bool = True  # print landscape, one page wide (as many pages down as needed), page x of n
    freeze_columns: int = 0       # also keep this many columns from A in view when scrolling right
    footer: str = ""              # left part of the printed footer (e.g. "As of 2026-10-31")
    back_link: tuple[str, str] | None = None   # (text, location): a link in the blank row under the notes
    after: str = ""               # a new sheet goes right after this one (when the book has it); else last
    hidden: bool = False          # a program record the user need not see (the sheet tab is hidden)

    def print_titles_block(self) -> int | None:
        """Index of the block whose header row repeats on every printed page: the first block, when
        it is the sheet's longest and runs over a page (30 rows or more); None: no repeated rows
        (a header further down would be printed above the tables before it)."""
        if not self.blocks:
            return None
        i = max(range(len(self.blocks)), key=lambda k: len(self.blocks[k].df))
        return 0 if i == 0 and len(self.blocks[0].df) >= 30 else None

    def link_row(self) -> int | None:
        """1-based row of ``back_link``: the blank row under the notes, when no block uses it."""
        if not (self.back_link and self.notes):
            return None
        r = len(self.notes) + 1
        used = any(b.start_col == 1 and r in (h, h - 1 if b.title else h) for b, h in zip(self.blocks, self.layout()))
        return None if used else r

    def __post_init__(self):
        # accept lists for convenience; keep the record hashable-ish and immutable
        for name in ("blocks", "charts", "notes"):
            v = getattr(self, name)
            if not isinstance(v, tuple):
                object.__setattr__(self, name, tuple(v))
        if not self.name or len(self.name) > 31 or any(ch in self.name for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name {self.name!r}")

    def layout(self) -> list[int]:
        """1-based header row of each block."""
        rows, nxt = [], (len(self.notes) + 2 if self.notes else 1)
        for b in self.blocks:
            r = b.start_row or (nxt + 1 if b.title else nxt)
            if b.title and r < 2:
                raise ValueError(f"block titled {b.title!r} needs its header below row 1")
            rows.append(r)
            nxt = r + len(b.df) + 2
        return rows


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in "=+-@"
