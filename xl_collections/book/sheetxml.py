"""Render a ``SheetOutput`` as SpreadsheetML: the worksheet XML (streamed in chunks), its
Excel tables and its chart/drawing parts.

Every text cell is an inline string (``t="inlineStr"``), so the workbook's shared-string
table is never touched and no text can become a formula.  Money (integer minor units) is
written in major units with an accounting format chosen by the row's currency.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from itertools import chain, repeat
import re
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from ..core.a1 import col_letter, parse_cell  # noqa: F401  (sheetxml.col_letter/parse_cell: the writers' names)
from ..core.money import MINOR_UNITS
from .outputs import ChartSpec, ColorScale, DataBar, Highlight, SheetOutput, TableBlock
from .styles import DATE_FORMAT, PERCENT_FORMAT, StyleBook, accounting

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT_NS = (f'xmlns="{NS_MAIN}" xmlns:r="{NS_R}" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
           'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
           'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
           'mc:Ignorable="x14ac"')
CHUNK_ROWS = 20000
_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                      **{c: f"_x{c:04X}_" for c in (*range(0, 9), 11, 12, *range(13, 32), 0xFFFE, 0xFFFF)}})
_XESC = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def text_xml(s: str) -> str:
    if "_x" in s:
        s = _XESC.sub(r"_x005F_\1", s)
    return s.translate(_ESC)


_NEEDS_ESC = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_CTRL = re.compile("[\x01-\x08\x0b-\x1f\ufffe\uffff]")
_CTRL_ALL = re.compile("[\x00-\x08\x0a-\x1f\ufffe\uffff]")   # a tab stays (quoteattr)


def texts_xml(values: list[str]) -> list[str]:
    """``text_xml`` for a whole column at C speed: escape the joined column, split it again."""
    if not values:
        return []
    joined = "\x00".join(values)
    if not _NEEDS_ESC.search(joined):
        return values
    if joined.count("\x00") != len(values) - 1:      # NUL inside the data: one by one
        return [text_xml(v) for v in values]
    if "_x" in joined:
        joined = _XESC.sub(r"_x005F_\1", joined)
    joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    joined = _CTRL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", joined)
    return joined.split("\x00")


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@dataclass
class TablePart:
    name: str
    ref: str
    columns: list[str]
    style: str

    def xml(self, table_id: int) -> bytes:
        cols = "".join(f'<tableColumn id="{i}" name={quoteattr(_table_col(c))}/>' for i, c in enumerate(self.columns, 1))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<table xmlns="{NS_MAIN}" id="{table_id}" name={quoteattr(self.name)} '
                f'displayName={quoteattr(self.name)} ref="{self.ref}" totalsRowShown="0">'
                f'<autoFilter ref="{self.ref}"/><tableColumns count="{len(self.columns)}">{cols}</tableColumns>'
                f'<tableStyleInfo name={quoteattr(self.style)} showFirstColumn="0" showLastColumn="0" '
                f'showRowStripes="1" showColumnStripes="0"/></table>').encode()


def _table_col(name: str) -> str:
    """A table column name as an XML attribute value: line breaks and other control
    characters as _xHHHH_ (Excel's own escape), never raw."""
    return _CTRL_ALL.sub(lambda m: f"_x{ord(m.group(0)):04x}_", name)


@dataclass
class ChartPart:
    spec: ChartSpec
    sheet: str
    cat_ref: str
    series: list[tuple[str, str, str, list]]    # (name, name_ref, values_ref, values)
    categories: list[str]
    anchor: tuple[int, int, int, int]           # from col,row to col,row (0-based)
    date_serials: list | None = None            # date categories: their Excel serials (a date axis)


@dataclass
class Rendered:
    tables: list[TablePart] = field(default_factory=list)
    charts: list[ChartPart] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    max_row: int = 1
    max_col: int = 1
    note_style: int = 0
    link_style: int = 0          # the back link under the notes
    dxfs: dict = field(default_factory=dict)    # Highlight -> dxf index


class _Block:
    """One table block prepared for streaming: per-column encoders and the header row."""

    def __init__(self, block: TableBlock, header_row: int, styles: StyleBook):
        self.b = block
        self.df = block.df
        self.row0 = header_row
        self.col0 = block.start_col - 1
        self.headers = _unique_headers(block.shown_headers())
        self.letters = [col_letter(self.col0 + j) for j in range(len(self.headers))]
        self.encoders = self._encoders(styles, bold=False)
        # the total row (last row) is encoded again in bold
        self.total_encoders = self._encoders(styles, bold=True) if block.total_row else None
        self.header_style = 0 if block.table_name else styles.xf(bold=True)
        self.title_style = styles.xf(bold=True) if block.title else 0

    def _encoders(self, styles: StyleBook, bold: bool) -> list:
        block = self.b
        money, dates = set(block.money()), set(block.dates())
        wraps = set(block.wrap_columns)
        curs = _currencies(self.df) if money else None
        exps = _exponents(curs) if money else None       # once per block, not per money column
        out = []
        for j, c in enumerate(self.df.columns):
            fmt = block.number_formats.get(c)
            align = "wrap" if c in wraps else ("top" if wraps else None)

            def xf(f, align=align):
                return styles.xf(f, bold, align)
            if c in money:
                fixed = (self.df.attrs.get("money_currency") or {}).get(c)   # e.g. reporting_amount
                col_exps = np.full(len(self.df), MINOR_UNITS[fixed], dtype=np.int64) if fixed in MINOR_UNITS else exps
                out.append(_money_encoder(self.letters[j], col_exps, xf, fmt))
            elif c in dates:
                out.append(_date_encoder(self.letters[j], xf(fmt or DATE_FORMAT)))
            elif c in block.percent_columns:
                out.append(_number_encoder(self.letters[j], xf(fmt or PERCENT_FORMAT)))
            else:
                ds = xf(fmt or DATE_FORMAT) if self.df[c].dtype == object else 0
                enc = _generic_encoder(self.letters[j], xf(fmt) if (fmt or bold or align) else 0, ds)
                if block.links.get(c) and not bold:     # a cell that links looks like a link
                    enc = _link_encoder(enc, block.links[c], xf(fmt) if (fmt or align) else 0,
                                        styles.xf(fmt, False, align, link=True))
                out.append(enc)
        return out

    def row_attrs(self, start: int, stop: int, widths: dict[int, float]) -> list[str]:
        """Per data row: ``' ht=".." customHeight="1"'`` when a wrapped cell needs more than one
        line (estimated from the text length and the column width), else ``""``.  Explicit
        heights, because LibreOffice does not grow rows for wrapped text on its own."""
        lines = np.ones(stop - start, dtype=np.int64)
        for c in self.b.wrap_columns:
            if c not in self.df.columns:
                continue
            j = list(self.df.columns).index(c)
            per_line = max(1.0, widths.get(self.col0 + j, 10.0) * 1.05 - 1)
            texts = self._columns()[j].iloc[start:stop].tolist()
            seen: dict[str, int] = {}          # a column's texts repeat (reasons, evidence): each counted once
            for k, v in enumerate(texts):
                if isinstance(v, str) and (len(v) > per_line or "\n" in v):
                    n = seen.get(v)
                    if n is None:
                        n = seen[v] = wrapped_lines(v, per_line)
                    if n > lines[k]:
                        lines[k] = n
        return [f' ht="{15 * min(int(n), 20)}" customHeight="1"' if n > 1 else "" for n in lines.tolist()]

    @property
    def data_last_row(self) -> int:
        """Last Excel row of the data, the total row excluded."""
        return self.last_row - (1 if self.b.total_row and len(self.df) else 0)

    @property
    def last_row(self) -> int:
        return self.row0 + len(self.df)

    def header_cells(self) -> str:
        s = f' s="{self.header_style}"' if self.header_style else ""
        return "".join(f'<c r="{L}{self.row0}"{s} t="inlineStr"><is><t xml:space="preserve">{text_xml(h)}</t></is></c>'
                       for L, h in zip(self.letters, self.headers))

    def rows(self, start: int, stop: int) -> list[str]:
        """Cell XML of data rows start..stop-1 (0-based within the frame), one string per row."""
        cols = self.cell_columns(start, stop)
        return ["".join(cells) for cells in zip(*cols)] if cols else [""] * max(stop - start, 0)

    def cell_columns(self, start: int, stop: int) -> list[list[str]]:
        """Cell XML of data rows start..stop-1, one list per column (``""``: no cell); no
        list when the block has no columns.  :meth:`rows` joins them per row."""
        if self.total_encoders is not None and stop == len(self.df) and stop > start:
            body, total = self._cell_columns(start, stop - 1, self.encoders), \
                self._cell_columns(stop - 1, stop, self.total_encoders)
            return [b + t for b, t in zip(body, total)]
        return self._cell_columns(start, stop, self.encoders)

    def _cell_columns(self, start: int, stop: int, encoders) -> list[list[str]]:
        rownums = [str(r) for r in range(self.row0 + 1 + start, self.row0 + 1 + stop)]
        if stop <= start:
            return [[] for _ in encoders]
        return [enc(col.iloc[start:stop], rownums, start) for col, enc in zip(self._columns(), encoders)]

    def _columns(self) -> list[pd.Series]:
        """The frame's columns, taken once and without the frame's attrs (slicing a column that
        carries them deep-copies them every time)."""
        if getattr(self, "_cols", None) is None:
            cols = []
            for j in range(self.df.shape[1]):
                s = self.df.iloc[:, j]
                s.attrs = {}
                cols.append(s)
            self._cols = cols
        return self._cols


def wrapped_lines(text: str, per_line: float) -> int:
    """Lines a wrapped cell needs: words filled greedily into lines of ``per_line`` characters
    (a longer word takes the lines its length needs).  A paragraph of words no longer than a
    line, one space between them, is filled by a regular expression (each match a line: the
    most words that fit); any other by :func:`_paragraph_lines`."""
    most = int(per_line)           # a line holds whole characters: used + 1 + w > per_line <=> > int(per_line)
    line, long_word = _line_patterns(most)
    n = 0
    for para in text.split("\n"):
        if para and para[0] != " " and para[-1] != " " and "  " not in para and not long_word.search(para):
            n += len(line.findall(para))
        else:
            n += _paragraph_lines(para, per_line)
    return n


@lru_cache(maxsize=64)
def _line_patterns(most: int) -> tuple[re.Pattern, re.Pattern]:
    """(one line of at most ``most`` characters: whole words, from a word's start to a word's
    end; a word longer than ``most``)."""
    return re.compile(f"[^ ].{{0,{most - 1}}}(?= |$)"), re.compile(f"[^ ]{{{most + 1},}}")


def _paragraph_lines(para: str, per_line: float) -> int:
    """:func:`wrapped_lines` of one paragraph, word by word."""
    used, n = 0.0, 1
    for word in para.split(" "):
        w = len(word)
        if used and used + 1 + w > per_line:
            n, used = n + 1, 0.0
        if w > per_line:
            extra = math.ceil(w / per_line) - 1
            n, used = n + extra, w - extra * per_line
        else:
            used += (1 if used else 0) + w
    return n


def _unique_headers(names: list[str]) -> list[str]:
    out, seen = [], set()
    for i, n in enumerate(names):
        n = n.strip() or f"Column{i + 1}"
        base, k = n, 2
        while n.lower() in seen:
            n, k = f"{base}{k}", k + 1
        seen.add(n.lower())
        out.append(n)
    return out


def _currencies(df: pd.DataFrame) -> np.ndarray:
    default = df.attrs.get("currency", "USD")
    if "currency" in df.columns:        # a few distinct codes: each judged once
        codes, uniques = pd.factorize(df["currency"].astype(object).to_numpy(), use_na_sentinel=False)
        known = np.array([c if isinstance(c, str) and c in MINOR_UNITS else default for c in uniques] + [default],
                         dtype=object)
        return known[codes]
    return np.array([default] * len(df), dtype=object)


def _attr(style: int) -> str:
    return f' s="{style}"' if style else ""


def _number_encoder(L: str, style: int):
    sa = _attr(style)

    def enc(s: pd.Series, rows, start):
        arr = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return _floats(L, sa, arr, rows)
    return enc


def _floats(L: str, sa: str, arr: np.ndarray, rows) -> list[str]:
    if np.isfinite(arr).all():
        return [f'<c r="{L}{r}"{sa}><v>{v}</v></c>' for v, r in zip(arr.tolist(), rows)]
    return ["" if v != v or v in (math.inf, -math.inf) else f'<c r="{L}{r}"{sa}><v>{v}</v></c>'
            for v, r in zip(arr.tolist(), rows)]


def _num(v: float) -> str:
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _exponents(curs: np.ndarray) -> np.ndarray:
    """Each row's currency's minor-unit exponent (int64); a few distinct codes, each looked up once."""
    if not len(curs):
        return np.zeros(0, np.int64)
    codes, uniques = pd.factorize(curs, use_na_sentinel=False)
    return np.array([MINOR_UNITS[c] for c in uniques], dtype=np.int64)[codes]


def _money_encoder(L: str, exps: np.ndarray, xf, fmt: str | None):
    """``exps``: each row's minor-unit exponent; ``xf(number_format) -> style index``."""
    by_exp = {int(e): xf(fmt or accounting(int(e))) for e in (set(exps.tolist()) or {2})}

    def enc(s: pd.Series, rows, start):
        e = exps[start:start + len(s)]
        if s.dtype.kind in "iu" or str(s.dtype) == "Int64":
            ints = s.to_numpy(dtype="float64", na_value=np.nan)
            if np.nanmax(np.abs(ints), initial=0) < 2 ** 53:
                major = ints / np.power(10.0, e)       # correctly rounded: the exact decimal's double
                if len(by_exp) == 1:
                    return _floats(L, _attr(next(iter(by_exp.values()))), major, rows)
                attr = {x: _attr(st) for x, st in by_exp.items()}
                return ["" if v != v else f'<c r="{L}{r}"{attr[x]}><v>{v}</v></c>'
                        for v, x, r in zip(major.tolist(), e.tolist(), rows)]
        raw = s.to_numpy(dtype=object)
        out = []
        for v, x, r in zip(raw.tolist(), e.tolist(), rows):
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                out.append("")
                continue
            if isinstance(v, Decimal):
                txt = str(v)
            else:
                iv = int(v)
                txt = str(iv) if x == 0 else repr(iv / 10 ** x) if abs(iv) < 2 ** 53 else str(Decimal(iv).scaleb(-x))
            out.append(f'<c r="{L}{r}"{_attr(by_exp[x])}><v>{txt}</v></c>')
        return out
    return enc


def _date_encoder(L: str, style: int):
    sa = _attr(style)

    def enc(s: pd.Series, rows, start):
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            arr = s.to_numpy(dtype="datetime64[ns]")
            nat = np.isnat(arr)
            days = (arr - _EPOCH) / np.timedelta64(1, "D")
            whole = np.floor(days) == days
            if (whole | nat).all() and np.nanmax(np.abs(days), initial=0) < 1e15:
                # whole days (the usual case): the integers themselves, as _num would write them
                ints = np.where(nat, 0, days).astype(np.int64).tolist()
                return ["" if n else f'<c r="{L}{r}"{sa}><v>{v}</v></c>' for v, n, r in zip(ints, nat.tolist(), rows)]
            serial = days.tolist()
        else:
            serial, nat = [], []
            for v in s.tolist():
                t = _serial(v)
                serial.append(t if t is not None else 0.0)
                nat.append(t is None)
        return ["" if n else f'<c r="{L}{r}"{sa}><v>{_num(v)}</v></c>' for v, n, r in zip(serial, nat, rows)]
    return enc


def _serial(v) -> float | None:
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dt.datetime | pd.Timestamp):
        return (pd.Timestamp(v).to_datetime64() - _EPOCH) / np.timedelta64(1, "D")
    if isinstance(v, dt.date):
        return float((v - dt.date(1899, 12, 30)).days)
    return None


def _link_encoder(enc, targets: dict, style: int, link_style: int):
    """``enc``'s cells, those whose text has a target in ``targets`` in ``link_style``
    (``enc`` writes ``<c r="A5"`` then ``style``'s attribute)."""
    plain, link = _attr(style), _attr(link_style)

    def linked(s: pd.Series, rows, start):
        cells = enc(s, rows, start)
        for k, v in enumerate(s.tolist()):
            c = cells[k]
            if c and (v if isinstance(v, str) else str(v)) in targets:
                at = c.index('"', 6) + 1                 # after r="A5"
                if c.startswith(plain, at):              # (a date in a text column has its own style)
                    cells[k] = c[:at] + link + c[at + len(plain):]
        return cells
    return linked


def _generic_encoder(L: str, style: int, date_style):
    sa = _attr(style)

    def cell(v, r):
        if v is None or v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, str):
            return f'<c r="{L}{r}"{sa} t="inlineStr"><is><t xml:space="preserve">{text_xml(v)}</t></is></c>' if v else ""
        if isinstance(v, bool | np.bool_):
            return f'<c r="{L}{r}"{sa} t="b"><v>{int(v)}</v></c>'
        if isinstance(v, int | np.integer):
            return f'<c r="{L}{r}"{sa}><v>{int(v)}</v></c>'
        if isinstance(v, float | np.floating):
            v = float(v)
            return "" if v != v or v in (math.inf, -math.inf) else f'<c r="{L}{r}"{sa}><v>{_num(v)}</v></c>'
        if isinstance(v, Decimal):
            return "" if not v.is_finite() else f'<c r="{L}{r}"{sa}><v>{v}</v></c>'
        if isinstance(v, dt.date | pd.Timestamp | np.datetime64):
            t = _serial(pd.Timestamp(v) if isinstance(v, np.datetime64) else v)
            return "" if t is None else f'<c r="{L}{r}"{_attr(date_style or style)}><v>{_num(t)}</v></c>'
        return cell(str(v), r)

    def enc(s: pd.Series, rows, start):
        vals = s.tolist()
        if s.dtype == object or str(s.dtype) in ("str", "string"):
            if not set(map(type, vals)) - {str}:       # all str (or none at all)
                return [f'<c r="{L}{r}"{sa} t="inlineStr"><is><t xml:space="preserve">{v}</t></is></c>' if v else ""
                        for v, r in zip(texts_xml(vals), rows)]
        if s.dtype.kind in "iu":   # nullable Int64 holds <NA>: an empty cell, never the text "<NA>"
            return [f'<c r="{L}{r}"{sa}><v>{v}</v></c>' if v is not pd.NA else "" for v, r in zip(s.tolist(), rows)]
        if s.dtype.kind == "f":
            return _number_encoder(L, style)(s, rows, start)
        if s.dtype.kind == "b":
            return [f'<c r="{L}{r}"{sa} t="b"><v>{int(v)}</v></c>' for v, r in zip(s.tolist(), rows)]
        return [cell(v, r) for v, r in zip(s.tolist(), rows)]
    return enc


def render(out: SheetOutput, styles: StyleBook) -> tuple[Rendered, list[_Block]]:
    """Prepare an output: lays out blocks, registers styles, collects tables and charts."""
    rendered = Rendered(note_style=styles.xf(bold=True) if out.notes else 0,
                        link_style=styles.xf(link=True) if out.link_row() else 0)
    blocks = [_Block(b, r, styles) for b, r in zip(out.blocks, out.layout())]
    for blk in blocks:
        for cf in blk.b.conditional:
            if isinstance(cf, Highlight) and cf not in rendered.dxfs:
                rendered.dxfs[cf] = styles.dxf(cf.fill, cf.font)
        ncols = len(blk.headers)
        rendered.max_row = max(rendered.max_row, blk.last_row)
        rendered.max_col = max(rendered.max_col, blk.col0 + ncols)
        if blk.b.table_name and ncols:
            ref = f"{blk.letters[0]}{blk.row0}:{blk.letters[-1]}{max(blk.last_row, blk.row0 + 1)}"
            rendered.tables.append(TablePart(blk.b.table_name, ref, blk.headers, blk.b.style))
        for j, c in enumerate(blk.df.columns):
            w = blk.b.column_widths.get(c) or _auto_width(blk, j)
            rendered.widths[blk.col0 + j] = max(rendered.widths.get(blk.col0 + j, 0), w)
    if out.notes:
        rendered.max_row = max(rendered.max_row, len(out.notes), out.link_row() or 0)
    for spec in out.charts:
        rendered.charts.append(_chart(out.name, blocks[spec.block], spec))
    return rendered, blocks


def _auto_width(blk: _Block, j: int) -> float:
    head = len(blk.headers[j]) + 4   # room for the filter button
    c = blk.df.columns[j]
    if c in blk.b.wrap_columns:
        sample = blk._columns()[j].iloc[:200].tolist()
        longest = max((len(str(v)) for v in sample if v is not None), default=0)
        return float(min(50, max(head, longest + 2, 12)))
    if getattr(blk, "_money_dates", None) is None:     # once per block, not once per column
        blk._money_dates = (set(blk.b.money()), set(blk.b.dates()))
    if c in blk._money_dates[0]:
        return max(head, 16)
    if c in blk._money_dates[1]:
        return max(head, 12)
    sample = blk._columns()[j].iloc[:200].tolist()
    longest = max((len(str(v)) for v in sample if v is not None), default=0)
    return float(min(60, max(head, longest + 2, 8)))


def _chart(sheet: str, blk: _Block, spec: ChartSpec) -> ChartPart:
    skip = max(len(blk.df) - spec.max_points, 0) if spec.tail else 0
    df = blk.df.iloc[skip:skip + spec.max_points]
    n = max(len(df), 1)
    cols = list(blk.df.columns)
    ci = cols.index(spec.categories_column)
    q = quote_sheet(sheet)
    first, last = blk.row0 + 1 + skip, blk.row0 + skip + n

    def ref(j):
        L = blk.letters[j]
        return f"{q}!${L}${first}:${L}${last}"
    money = set(blk.b.money())
    curs = _currencies(df)
    series = []
    for c in spec.series_columns:
        j = cols.index(c)
        vals = df[c].tolist()
        if c in money:
            vals = [None if pd.isna(v) else int(v) / 10 ** MINOR_UNITS[k] for v, k in zip(vals, curs)]
        series.append((blk.headers[j], f"{q}!${blk.letters[j]}${blk.row0}", ref(j), vals))
    row, col = parse_cell(spec.anchor)
    cats = df[spec.categories_column].tolist()
    serials = [_serial(v) for v in cats] if spec.categories_column in blk.b.dates() else None
    return ChartPart(spec, sheet, ref(ci), series, [_category(v) for v in cats],
                     (col, row, col + spec.width_cols, row + spec.height_rows), serials)


def _category(v) -> str:
    """A category as the chart's cache shows it: a date as ``yyyy-mm-dd`` (the cell's format)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, dt.datetime | pd.Timestamp) and v == pd.Timestamp(v).normalize():
        return pd.Timestamp(v).date().isoformat()
    return str(v)


def sheet_chunks(out: SheetOutput, rendered: Rendered, blocks: list[_Block], *, sheet_pr: bytes = b"",
                 kept: list[bytes] = (), drawing_rid: str | None = None, table_rids: list[str] = (),
                 protection: bytes = b"", extra_cells: list[tuple[int, int, str]] = ()):
    """Yield the worksheet XML in byte chunks.  ``kept`` are elements carried over from the
    previous version of the sheet (legacy drawing, controls, ...), already serialised;
    ``protection`` is the user's ``sheetProtection`` of the previous version, kept as it was;
    ``extra_cells`` (0-based row, column, ``<c>`` XML) are the user's cells kept beside the tables."""
    max_row = max([rendered.max_row] + [r + 1 for r, _, _ in extra_cells])
    max_col = max([rendered.max_col] + [c + 1 for _, c, _ in extra_cells])
    dim = f"A1:{col_letter(max_col - 1)}{max_row}"
    views = '<sheetView workbookViewId="0">'
    top = blocks[0].row0 + 1 if out.freeze and blocks else 1
    left = max(0, out.freeze_columns)
    if top > 1 or left:
        cell = f"{col_letter(left)}{top}"
        pane = {(True, False): "bottomLeft", (False, True): "topRight", (True, True): "bottomRight"}[(top > 1, left > 0)]
        split = (f'xSplit="{left}" ' if left else "") + (f'ySplit="{top - 1}" ' if top > 1 else "")
        views += (f'<pane {split}topLeftCell="{cell}" activePane="{pane}" state="frozen"/>'
                  f'<selection pane="{pane}" activeCell="{cell}" sqref="{cell}"/>')
    views += "</sheetView>"
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.2f}" customWidth="1"/>'
                   for i, w in sorted(rendered.widths.items()))
    if out.print_fit_width:
        sheet_pr = fit_to_page(sheet_pr)
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ROOT_NS}>'
            + sheet_pr.decode() + f'<dimension ref="{dim}"/><sheetViews>{views}</sheetViews>'
            + '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
            + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")
    yield head.encode()
    # rows: notes first, then each block's title, header and data; blocks may sit side by
    # side: a row's parts are (first column, cells) and are written in column order
    row_parts: dict[int, list[tuple[int, str]]] = {}
    for i, line in enumerate(out.notes, 1):
        row_parts.setdefault(i, []).append((0,
            f'<c r="A{i}"{_attr(rendered.note_style if i == 1 else 0)} t="inlineStr">'
            f'<is><t xml:space="preserve">{text_xml(line)}</t></is></c>'))
    for blk in blocks:
        if blk.b.title:
            r = blk.row0 - 1
            row_parts.setdefault(r, []).append((blk.col0,
                f'<c r="{col_letter(blk.col0)}{r}"{_attr(blk.title_style)} t="inlineStr">'
                f'<is><t xml:space="preserve">{text_xml(blk.b.title)}</t></is></c>'))
        row_parts.setdefault(blk.row0, []).append((blk.col0, blk.header_cells()))
    link_row = out.link_row()
    if link_row:
        row_parts.setdefault(link_row, []).append((0,
            f'<c r="A{link_row}"{_attr(rendered.link_style)} t="inlineStr">'
            f'<is><t xml:space="preserve">{text_xml(out.back_link[0])}</t></is></c>'))
    for r, c, xml in extra_cells:
        row_parts.setdefault(r + 1, []).append((c, xml))

    def row_xml(r, parts, attrs=""):
        return f'<row r="{r}"{attrs}>{"".join(x for _, x in sorted(parts, key=lambda p: p[0]))}</row>'
    simple = _non_overlapping(blocks) and not extra_cells
    if simple:
        # fast path: blocks stacked vertically, stream each one's rows in chunks
        pending = sorted(row_parts.items())
        for blk in sorted(blocks, key=lambda b: b.row0):
            while pending and pending[0][0] <= blk.row0:
                r, parts = pending.pop(0)
                yield row_xml(r, parts).encode()
            for start in range(0, len(blk.df), CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, len(blk.df))
                cols = blk.cell_columns(start, stop)
                attrs = blk.row_attrs(start, stop, rendered.widths) if blk.b.wrap_columns else [""] * (stop - start)
                base = blk.row0 + 1 + start
                opens = [f'<row r="{base + k}"{a}>' for k, a in enumerate(attrs)]
                # each row: its start tag, its cells column by column, its end tag (one join per chunk)
                yield "".join(chain.from_iterable(zip(opens, *cols, repeat("</row>", len(opens))))).encode()
        for r, parts in pending:
            yield row_xml(r, parts).encode()
    else:
        heights: dict[int, str] = {}
        for blk in blocks:
            if blk.b.wrap_columns:
                for k, a in enumerate(blk.row_attrs(0, len(blk.df), rendered.widths)):
                    if a:
                        heights[blk.row0 + 1 + k] = a
            for k, cells in enumerate(blk.rows(0, len(blk.df))):
                row_parts.setdefault(blk.row0 + 1 + k, []).append((blk.col0, cells))
        for r in sorted(row_parts):
            yield row_xml(r, row_parts[r], heights.get(r, "")).encode()
    tail = "</sheetData>" + protection.decode()
    prio = 1
    for blk in blocks:
        for cf in blk.b.conditional:
            for c in cf.columns:
                if c not in blk.df.columns or blk.data_last_row <= blk.row0:
                    continue
                L = blk.letters[list(blk.df.columns).index(c)]
                sq = f"{L}{blk.row0 + 1}:{L}{blk.data_last_row}"
                dxf = rendered.dxfs.get(cf)
                tail += f'<conditionalFormatting sqref="{sq}">{_cf_rule(cf, prio, dxf)}</conditionalFormatting>'
                prio += 1
    tail += hyperlinks_xml(out, blocks)
    tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    if out.print_fit_width:
        tail += '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>' + footer_xml(out.footer)
    if drawing_rid:
        tail += f'<drawing r:id="{drawing_rid}"/>'
    tail += "".join(k.decode() for k in kept)
    if table_rids:
        tail += f'<tableParts count="{len(table_rids)}">' + "".join(f'<tablePart r:id="{r}"/>' for r in table_rids) + "</tableParts>"
    tail += "</worksheet>"
    yield tail.encode()


def hyperlinks_xml(out: SheetOutput, blocks: list[_Block]) -> str:
    """``<hyperlinks>``: the back link under the notes and each block's ``links`` (a cell whose
    text is a key of its column's mapping jumps to that location in the book)."""
    links = []
    row = out.link_row()
    if row:
        links.append((f"A{row}", out.back_link[1]))
    for blk in blocks:
        for col, targets in blk.b.links.items():
            if col not in blk.df.columns or not targets:
                continue
            j = list(blk.df.columns).index(col)
            for k, v in enumerate(blk._columns()[j].tolist()):
                where = targets.get(v if isinstance(v, str) else str(v))
                if where:
                    links.append((f"{blk.letters[j]}{blk.row0 + 1 + k}", where))
    if not links:
        return ""
    return "<hyperlinks>" + "".join(f'<hyperlink ref="{ref}" location={quoteattr(loc)}/>'
                                    for ref, loc in links) + "</hyperlinks>"


def footer_xml(text: str) -> str:
    """The printed footer: ``text`` left (as-of date), the sheet's name centre, page x of n right."""
    left = "&L" + text.replace("&", "&&") if text else ""
    return f"<headerFooter><oddFooter>{escape(left + '&C&A&RPage &P of &N')}</oddFooter></headerFooter>"


def print_names(out: SheetOutput, rendered: Rendered, blocks: list[_Block]) -> dict[str, str]:
    """The sheet-scoped ``_xlnm.Print_Area`` and ``_xlnm.Print_Titles`` of an owned sheet.  The
    print area is one range per band of blocks side by side (the blocks from column A with the
    notes; each block further right with the charts anchored over it), so a side table or chart
    prints on its own page instead of shrinking the main table; a block's columns from its
    ``screen_only_from`` on are left out; the titles are the header row of
    :meth:`SheetOutput.print_titles_block`."""
    q = quote_sheet(out.name)
    bands: dict[int, list[int]] = {0: [0, 0, max(len(out.notes), out.link_row() or 0, 1)]}   # first col: [c0, c1, r1]
    for blk in blocks:
        band = bands.setdefault(blk.col0, [blk.col0, blk.col0, 1])
        band[1] = max(band[1], blk.col0 + max(blk.b.printed_columns(len(blk.headers)), 1) - 1)
        band[2] = max(band[2], blk.last_row)
    for ch in rendered.charts:
        c0, _, c1, r1 = ch.anchor
        key = max((k for k in bands if k <= c0), default=0)
        band = bands[key]
        band[1], band[2] = max(band[1], c1), max(band[2], r1 + 1)
    areas = [f"{q}!$A$1:${col_letter(c1)}${r1}" if c0 == 0 else f"{q}!${col_letter(c0)}$1:${col_letter(c1)}${r1}"
             for c0, c1, r1 in (bands[k] for k in sorted(bands))]
    names = {"_xlnm.Print_Area": ",".join(areas)}
    i = out.print_titles_block()
    if i is not None:
        r = out.layout()[i]
        names["_xlnm.Print_Titles"] = f"{q}!${r}:${r}"
    return names


def fit_to_page(sheet_pr: bytes) -> bytes:
    """``sheetPr`` (the previous sheet's, with its code name) with ``pageSetUpPr fitToPage="1"``."""
    from lxml import etree

    if not sheet_pr:
        return b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    el = etree.fromstring(sheet_pr)
    tag = f"{{{NS_MAIN}}}pageSetUpPr"
    psp = el.find(tag)
    if psp is None:
        psp = etree.SubElement(el, tag)     # last child, as the schema orders it
    psp.set("fitToPage", "1")
    return etree.tostring(el)


def _non_overlapping(blocks: list[_Block]) -> bool:
    spans = sorted((b.row0 - (1 if b.b.title else 0), b.last_row) for b in blocks)
    return all(a[1] < b[0] for a, b in zip(spans, spans[1:]))


def _cf_rule(cf, prio: int, dxf: int | None = None) -> str:
    if isinstance(cf, ColorScale):
        low = '<cfvo type="min"/>' if cf.low is None else f'<cfvo type="num" val="{_num(float(cf.low))}"/>'
        cfvo = low + ('<cfvo type="percentile" val="50"/><cfvo type="max"/>' if len(cf.colors) == 3 else '<cfvo type="max"/>')
        colors = "".join(f'<color rgb="FF{c}"/>' for c in cf.colors)
        return f'<cfRule type="colorScale" priority="{prio}"><colorScale>{cfvo}{colors}</colorScale></cfRule>'
    if isinstance(cf, DataBar):
        return (f'<cfRule type="dataBar" priority="{prio}"><dataBar><cfvo type="min"/><cfvo type="max"/>'
                f'<color rgb="FF{cf.color}"/></dataBar></cfRule>')
    if isinstance(cf, Highlight):
        value = '"' + cf.value.replace('"', '""') + '"'
        return (f'<cfRule type="cellIs" dxfId="{dxf}" priority="{prio}" operator="equal">'
                f'<formula>{escape(value)}</formula></cfRule>')
    raise TypeError(f"unknown conditional format {cf!r}")
