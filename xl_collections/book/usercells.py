"""Notes beside program tables (CONTRACT §6 "Notes beside program tables").

On a program sheet, the cells outside what the program wrote last time belong to the user:
its tables (their ``ref`` ranges), a block's title above each table, and the note lines at the
top.  When the sheet is written again those cells are kept: a cell below a table moves down by
the rows the table grew, a cell right of it moves right by the columns it grew, every other
cell stays where it is.  A kept cell that would land inside what the program writes now makes
the save refuse (:class:`UserCellsInTheWay`), naming the cells, before anything is written.

What the program wrote is recorded on each write in the sheet-scoped hidden defined name
``xlc_owned`` (its ranges, :func:`owned_formula`), so the next write knows it exactly; the
template records what it lays out too.  On a sheet without it (written by a version before
the marker) the program's cells were its tables, the title above each and the note lines in
column A; every other cell is the user's, kept or — in the way of the new table — refused
like on a marked sheet.  Rows typed right below a table with a value in its first column are
the table's (Excel grows a table over them).

Kept cells keep their value and style (``styles.xml`` only grows); a formula is kept as
written (its references are not moved), a shared or array formula keeps only its value.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
from lxml import etree

from .ondisk import BookRefused
from .sheetxml import col_letter, parse_cell

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_C, _F, _V, _IS = (f"{{{NS_MAIN}}}{t}" for t in ("c", "f", "v", "is"))


class UserCellsInTheWay(BookRefused):
    """User cells sit where the program now writes its table: exit 1, nothing written."""


@dataclass(frozen=True)
class Box:
    """A cell range, 0-based and inclusive."""
    r0: int
    c0: int
    r1: int
    c1: int

    @classmethod
    def parse(cls, ref: str) -> Box:
        a, _, b = ref.replace("$", "").partition(":")
        (r0, c0), (r1, c1) = parse_cell(a), parse_cell(b or a)
        return cls(min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1))

    def has(self, r: int, c: int) -> bool:
        return self.r0 <= r <= self.r1 and self.c0 <= c <= self.c1

    def a1(self) -> str:
        a = f"${col_letter(self.c0)}${self.r0 + 1}"
        return a if (self.r0, self.c0) == (self.r1, self.c1) else f"{a}:${col_letter(self.c1)}${self.r1 + 1}"


OWNED_NAME = "xlc_owned"


def owned_formula(sheet: str, boxes: list[Box]) -> str:
    """The ``xlc_owned`` name's value: the ranges the program wrote on ``sheet``."""
    q = "'" + sheet.replace("'", "''") + "'"
    return ",".join(f"{q}!{b.a1()}" for b in boxes) or f"{q}!$A$1"


def owned_boxes(formula: str) -> list[Box]:
    """The ranges of an ``xlc_owned`` value (sheet names dropped)."""
    refs = re.findall(r"!(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)", formula)
    return [Box.parse(r) for r in refs]


def set_owned_names(wb_xml: bytes, formulas: dict[int, str]) -> bytes:
    """``workbook.xml`` with the sheet-scoped hidden name ``xlc_owned`` set for each sheet index
    in ``formulas`` (replacing an earlier one); everything else keeps its bytes."""
    return set_sheet_names(wb_xml, OWNED_NAME, formulas)


def set_sheet_names(wb_xml: bytes, name: str, formulas: dict[int, str | None], hidden: bool = True) -> bytes:
    """``workbook.xml`` with the sheet-scoped defined name ``name`` set for each sheet index in
    ``formulas`` (replacing an earlier one; None: removed); everything else keeps its bytes."""
    text = wb_xml.decode("utf-8")
    m = re.search(r"</(\w+:)?sheets>", text)
    p = m.group(1) or "" if m else ""

    def drop(d):
        local = re.search(r'\blocalSheetId="(\d+)"', d.group(0))
        return "" if local and int(local.group(1)) in formulas else d.group(0)
    text = re.sub(rf'<{p}definedName\b[^>]*\bname="{re.escape(name)}"[^>]*>[^<]*</{p}definedName>', drop, text)
    flag = ' hidden="1"' if hidden else ""
    new = "".join(f'<{p}definedName name="{name}" localSheetId="{i}"{flag}>{escape(f)}</{p}definedName>'
                  for i, f in sorted(formulas.items()) if f)
    if not new:
        return text.encode("utf-8")
    end = re.search(rf"</{p}definedNames>", text)
    if end:
        return (text[:end.start()] + new + text[end.start():]).encode("utf-8")
    empty = re.search(rf"<{p}definedNames\s*/>", text)
    if empty:
        return (text[:empty.start()] + f"<{p}definedNames>{new}</{p}definedNames>" + text[empty.end():]).encode("utf-8")
    if m is None:
        raise BookRefused("workbook.xml has no <sheets>: not a workbook Excel can open")
    after = re.search(rf"</{p}externalReferences>", text) or re.search(rf"</{p}functionGroups>|<{p}functionGroups\b[^>]*/>", text) or m
    return (text[:after.end()] + f"<{p}definedNames>{new}</{p}definedNames>" + text[after.end():]).encode("utf-8")


@dataclass
class UserCell:
    row: int          # 0-based, where it is now
    col: int
    xml: bytes        # the <c> element, as it was
    ref: str          # where it was, as the user sees it (A1)

    def moved_to(self, row: int, col: int) -> UserCell:
        return UserCell(row, col, self.xml, self.ref)

    def cell_xml(self) -> str:
        el = etree.fromstring(self.xml)
        el.set("r", f"{col_letter(self.col)}{self.row + 1}")
        for f in el.findall(_F):
            if f.get("t") in ("shared", "array") or f.get("ref"):
                el.remove(f)           # a shared/array formula cannot travel alone: keep its value
        return etree.tostring(el).decode()


def user_cells(sheet_xml: bytes, program: list[Box]) -> list[UserCell]:
    """The cells of a sheet's previous XML that hold something (a value, text or formula)
    outside ``program``.  Rows that lie inside a table from its first to its last column
    (most of a big sheet) are passed over without looking at their cells: on a sheet as the
    program and Excel write it they are cut out of the XML before it is parsed
    (:func:`rows_that_may_hold_user_cells`); the parse then sees the same result."""
    return _user_cells_parsed(rows_that_may_hold_user_cells(sheet_xml, program), program)


def rows_that_may_hold_user_cells(sheet_xml: bytes, program: list[Box]) -> bytes:
    """``sheet_xml`` without the rows that :func:`_user_cells_parsed` passes over anyway: rows
    inside a tall box of ``program`` (1,000 rows or more) whose every cell is written
    ``<c r="..."`` with a column of that box.  Found with byte searches, not a parse; the rows
    stay whole elements and everything outside ``<sheetData>`` keeps its bytes.  Returns
    ``sheet_xml`` as it is when the XML is not laid out so (a prefix for the main namespace or a
    namespace declared among the rows, another encoding, comments or CDATA, rows out of order,
    a box wider than 100 columns), so the parse looks at
    every row as before.  The rows cut out are trusted to be well-formed XML (a broken one would
    have stopped the parse)."""
    for box in sorted(program, key=lambda b: b.r0 - b.r1):
        if box.r1 - box.r0 < _TALL_ROWS:
            break
        sheet_xml = _without_rows_inside(sheet_xml, box)
    return sheet_xml


_ROW_NUMBER = re.compile(rb"<row\b[^>]*?\sr=\"(\d+)\"")
_MARKUP = re.compile(rb"<[!?]")          # a comment, CDATA or a processing instruction
# a prefix bound to the main namespace: its elements (``<x:c>``) would be cells the byte search does not see
_MAIN_PREFIX = re.compile(rb"xmlns:[\w.-]+\s*=\s*[\"']" + re.escape(NS_MAIN.encode()) + rb"[\"']")
_MAX_FLAGGED = 2000         # more rows with cells beside the box than this: parse them all
_TALL_ROWS = 1000           # a shorter box is parsed row by row: cutting would save little


def _without_rows_inside(sheet_xml: bytes, tall: Box) -> bytes:
    """One box of :func:`rows_that_may_hold_user_cells`."""
    if tall.c1 - tall.c0 >= 100:
        return sheet_xml
    decl = sheet_xml[:200].split(b"?>")[0].lower() if sheet_xml.startswith(b"<?xml") else b""
    if not sheet_xml.startswith(b"<") or b"encoding" in decl and not re.search(rb"encoding=[\"']utf-8[\"']", decl):
        return sheet_xml
    start = sheet_xml.find(b"<sheetData>")
    end = sheet_xml.rfind(b"</sheetData>")
    if start < 0 or end < start or sheet_xml.find(b"<sheetData", start + 1) >= 0:
        return sheet_xml
    start += len(b"<sheetData>")
    if sheet_xml.find(b"<row", 0, start) >= 0 or sheet_xml.find(b"<row", end) >= 0:
        return sheet_xml
    if sheet_xml.find(b"xmlns", start, end) >= 0 or _MAIN_PREFIX.search(sheet_xml, 0, start):
        return sheet_xml
    if (sheet_xml.find(b"!", start, end) >= 0 or sheet_xml.find(b"?", start, end) >= 0) \
            and _MARKUP.search(sheet_xml, start, end):         # (one byte is found fast; most sheets have neither)
        return sheet_xml
    numbers = _ROW_NUMBER.findall(sheet_xml, start, end)
    if not numbers or len(numbers) != sheet_xml.count(b"<row", start, end):
        return sheet_xml
    rows = np.array(numbers, dtype=np.int64)
    del numbers
    if not (np.diff(rows) > 0).all():
        return sheet_xml
    where = np.flatnonzero((rows - 1 >= tall.r0) & (rows - 1 <= tall.r1))
    if len(where) < _TALL_ROWS:
        return sheet_xml
    first, last = int(where[0]), int(where[-1])
    # where the first row inside the box and the first row after it begin: every "<row" here
    # starts a row (counted above), so step over the rows before / after them
    a = sheet_xml.find(b"<row", start, end)
    for _ in range(first):
        a = sheet_xml.find(b"<row", a + 1, end)
    b = end
    for _ in range(len(rows) - 1 - last):
        b = sheet_xml.rfind(b"<row", start, b)
    letters = b"|".join(col_letter(c).encode() for c in range(tall.c0, tall.c1 + 1))
    beside = re.compile(rb"<c(?=[\s>/])(?! r=\"(?:" + letters + rb")\d+\")")
    keep, covered = [], a          # the rows kept, in order; where the last one ends
    for m in beside.finditer(sheet_xml, a, b):
        if m.start() < covered:
            continue
        row = sheet_xml.rfind(b"<row", covered, m.start())
        stop = sheet_xml.find(b"</row>", m.start(), b)
        if row < 0 or stop < 0 or len(keep) >= _MAX_FLAGGED:
            return sheet_xml
        covered = stop + len(b"</row>")
        keep.append(sheet_xml[row:covered])
    return b"".join([sheet_xml[:a], *keep, sheet_xml[b:]])


def _user_cells_parsed(sheet_xml: bytes, program: list[Box]) -> list[UserCell]:
    """:func:`user_cells` by parsing every row of ``sheet_xml`` (the careful path)."""
    found = []
    for _, row in etree.iterparse(io.BytesIO(sheet_xml), events=("end",), tag=f"{{{NS_MAIN}}}row", huge_tree=True,
                                  resolve_entities=False, no_network=True):
        cells = row.findall(_C)
        if cells and row.get("r", "").isdigit():
            r = int(row.get("r")) - 1
            first, last = (parse_cell(cells[0].get("r") or "A1")[1], parse_cell(cells[-1].get("r") or "A1")[1])
            if not any(b.r0 <= r <= b.r1 and b.c0 <= first and last <= b.c1 for b in program):
                for el in cells:
                    ref = el.get("r")
                    if ref and (el.find(_V) is not None or el.find(_IS) is not None or el.find(_F) is not None):
                        rr, cc = parse_cell(ref)
                        if not any(b.has(rr, cc) for b in program):
                            found.append(UserCell(rr, cc, etree.tostring(el), ref))
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]
    return found


def beyond_table_rows(cells: list[UserCell], tables: list[Box]) -> list[UserCell]:
    """``cells`` without the rows right below a table that carry a value in its first column:
    Excel grows a table over a row typed just below it, so they are the table's rows (a
    table part whose range was not grown, as openpyxl leaves it, would otherwise lose them)."""
    at = {(c.row, c.col) for c in cells}
    grown = []
    for t in tables:
        r = t.r1
        while (r + 1, t.c0) in at:
            r += 1
        if r > t.r1:
            grown.append(Box(t.r1 + 1, t.c0, r, t.c1))
    return [c for c in cells if not any(b.has(c.row, c.col) for b in grown)] if grown else cells


def program_boxes(tables: list[Box], notes: int) -> list[Box]:
    """What the program wrote last time on a sheet that did not record it: each table, the title
    cell above it, the note lines (``notes`` of them, or column A down to the first table's
    title, as many as an earlier version wrote)."""
    boxes = list(tables)
    boxes += [Box(t.r0 - 1, t.c0, t.r0 - 1, t.c0) for t in tables if t.r0 > 0]
    notes = max([notes] + [t.r0 - 1 for t in tables if t.c0 == 0])
    if notes:
        boxes.append(Box(0, 0, notes - 1, 0))
    return boxes


def place(cells: list[UserCell], old: list[Box], new: list[Box], now: list[Box],
          sheet: str) -> tuple[list[UserCell], list[str]]:
    """Where each user cell goes: ``old``/``new`` are the tables before and after (paired in
    order), ``now`` everything the program writes.  Returns the placed cells and a line per
    moved cell; raises :class:`UserCellsInTheWay` for cells that would land in ``now``."""
    placed, moved, blocked = [], [], []
    for cell in cells:
        dr = dc = 0
        for o, n in zip(old, new):
            grow_r, grow_c = max(0, n.r1 - o.r1), max(0, n.c1 - o.c1)
            below = cell.row > o.r1 and o.c0 <= cell.col <= o.c1
            right = cell.col > o.c1 and o.r0 <= cell.row <= o.r1
            corner = cell.row > o.r1 and cell.col > o.c1 and n.has(cell.row, cell.col)
            if below or corner:
                dr = max(dr, grow_r)
            if right:
                dc = max(dc, grow_c)
        r, c = cell.row + dr, cell.col + dc
        if any(b.has(r, c) for b in now):
            blocked.append(cell.ref)
            continue
        placed.append(cell.moved_to(r, c))
        if (dr, dc) != (0, 0):
            moved.append(f"{sheet}!{cell.ref} -> {col_letter(c)}{r + 1}")
    if blocked:
        shown = ", ".join(blocked[:10]) + (f" and {len(blocked) - 10} more" if len(blocked) > 10 else "")
        raise UserCellsInTheWay(f"sheet {sheet!r}: your cells {shown} sit where the program now writes its table; "
                                f"move them away from the table (or delete them) and run again. Nothing was written")
    return placed, moved
