"""Pre-flight check of a workbook file before calamine, openpyxl or lxml touch it
(CONTRACT §6 "Files on disk").

``check_workbook(path)`` reads the package once, part by part in chunks, and raises
:class:`HostileWorkbook` (exit 1, one line naming the file and the part) when the file is

- not a workbook: empty, encrypted (an OLE container), another format renamed (a CSV as
  ``.xlsm``), truncated, or a part whose data fails its CRC;
- a part with a DTD or an entity declaration (XXE, billion laughs) — never legitimate in OOXML;
- a part whose uncompressed size passes ``max_part_mb`` [1,024 MB], or, over 100 MB, whose
  compression ratio passes ``max_zip_ratio`` [200] (a zip bomb);
- a sheet whose used range (its ``<dimension>`` and its cell references) passes Excel's grid of
  1,048,576 rows × 16,384 columns, or covers more than ``MAX_CELLS`` cells — one stray value at
  ``XFD1048576`` makes the reader try to allocate half a terabyte; the message names that cell.

Only the package is read, never a cell value, so the check costs one decompression pass (ISA-L's
inflate where installed, :mod:`~xl_collections.io.inflate`; a big
part inflated by a thread beside the scan, :mod:`~xl_collections.io.readahead`).  The same pass
tells the readers, per worksheet, whether it may hold an Excel error cell and which ranges are
merged (``check_workbook(..., sheets=...)``, :class:`SheetMarks`).
The limits a workbook sets for itself (its ``MaxPartMB`` and ``MaxZipRatio`` named cells) are
read first by :func:`book_limits`: the package's relationships, the workbook part and the
sheet the names point to are checked under the defaults, then those two cells are read —
the only cells read before the rest of the package is checked under the limits they set.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from ..core.a1 import col_index, col_letter
from ..core.errors import Refused
from .inflate import open_member
from .readahead import read_ahead

GRID_ROWS, GRID_COLS = 1_048_576, 16_384
MAX_CELLS = 50_000_000          # rows × columns of a used range the readers can hold
BIG_PART = 100 * 2**20          # parts above this size are checked for their compression ratio
CHUNK = 1 << 20
READ_AHEAD_FROM = 16 * CHUNK    # parts bigger than this are read ahead in a thread
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
WIDE_REF = re.compile(rb' r="([A-Z]{2,4})(\d{1,9})"')            # cells right of column Z (few in most books)
FAR_ROW = re.compile(rb' r="([A-Z]{0,4}+)(\d{7,})"')    # cells or rows from row 1,000,000 down (possessive: faster)
ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*? r="(\d+)"')
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]+)\"")
REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,4})(\d{1,9})\"")
REF = re.compile(r"\$?([A-Z]{1,4})\$?(\d{1,9})")
MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=[\"']([^\"']+)[\"']")


DEFAULT_LIMITS = {"max_part_mb": 1024, "max_zip_ratio": 200}
LIMIT_CELLS = {"MaxPartMB": "max_part_mb", "MaxZipRatio": "max_zip_ratio"}      # named cell -> keyword


class HostileWorkbook(Refused):
    """The file is not a workbook the program can read safely: exit 1."""


def check_workbook(path: str | Path, *, max_part_mb: int = 1024, max_zip_ratio: int = 200,
                   sheets: dict | None = None) -> None:
    """Refuse ``path`` (:class:`HostileWorkbook`) unless it is a workbook package safe to read.
    ``sheets``: a dict that receives, for each worksheet part, what the same pass saw of it
    (:class:`SheetMarks`: whether it may hold an Excel error cell, its merged ranges)."""
    p = Path(path)
    name = p.name
    if p.is_dir():
        raise HostileWorkbook(f"{p} is a folder, not a workbook")
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise HostileWorkbook(f"{name}: cannot read the file ({e.strerror})") from None
    if size == 0:
        raise HostileWorkbook(f"{name} is empty (0 bytes), not a workbook")
    if head.startswith(OLE_MAGIC):
        raise HostileWorkbook(f"{name} is password-protected (encrypted) or an old-style .xls file: open it in "
                              f"Excel and save it as .xlsx/.xlsm without a password")
    if not head.startswith(b"PK"):
        kind = "text (a CSV or another file renamed?)" if _looks_like_text(head) else "not a zip package"
        raise HostileWorkbook(f"{name} is not an Excel workbook: its content is {kind}")
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
        raise HostileWorkbook(f"{name} is damaged or truncated: not a complete workbook package ({e})") from None
    with zf:
        limit = max_part_mb * 2**20
        for info in zf.infolist():
            _check_declared(name, info, limit, max_zip_ratio)
        for info in zf.infolist():
            if not info.is_dir():
                _check_part(name, zf, info, limit, max_zip_ratio, sheets)


def limits_of(settings) -> dict[str, int]:
    """The guard's keywords from a :class:`~xl_collections.core.settings.Settings` (``--settings FILE``)."""
    return {k: int(getattr(settings, k)) for k in DEFAULT_LIMITS if isinstance(getattr(settings, k, None), int)}


def book_limits(path: str | Path) -> dict[str, int]:
    """The limits ``path`` sets on its own ``Settings`` sheet (named cells ``MaxPartMB``,
    ``MaxZipRatio``), as :func:`check_workbook` keywords; the default for each one not found or
    not a whole number from 1 up (the settings reader names a bad value later).  The parts it
    reads are checked under the default limits first (:class:`HostileWorkbook`); a file that is
    not a zip package gets the defaults, for :func:`check_workbook` to refuse."""
    limits = dict(DEFAULT_LIMITS)
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return limits
    with zf:
        def part(name: str) -> zipfile.ZipInfo | None:
            info = next((i for i in zf.infolist() if i.filename.lower() == name.lower()), None)
            if info is not None:
                _check_declared(p.name, info, limits["max_part_mb"] * 2**20, limits["max_zip_ratio"])
                _check_part(p.name, zf, info, limits["max_part_mb"] * 2**20, limits["max_zip_ratio"])
            return info

        def xml(name: str):
            info = part(name)
            return None if info is None else etree.fromstring(zf.read(info), _PARSER)

        try:
            rels = xml("_rels/.rels")
            target = next((r.get("Target") for r in _children(rels, "Relationship")
                           if (r.get("Type") or "").endswith("/officeDocument")), None) if rels is not None else None
            if not target:
                return limits
            wb_part = _resolve("", target)
            wb = xml(wb_part)
            refs = {d.get("name"): (d.text or "") for d in _children(wb, "definedName")
                    if d.get("name") in LIMIT_CELLS and d.get("localSheetId") is None} if wb is not None else {}
            if not refs:
                return limits
            folder, file = posixpath.split(wb_part)
            wb_rels = xml(posixpath.join(folder, "_rels", file + ".rels"))
            by_id = {r.get("Id"): r.get("Target") for r in _children(wb_rels, "Relationship")} if wb_rels is not None else {}
            sheets = {s.get("name"): by_id.get(s.get(f"{{{NS_R}}}id")) for s in _children(wb, "sheet")}
            for cell_name, ref in refs.items():
                m = re.fullmatch(r"=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)", ref.strip())
                sheet_target = sheets.get((m.group(1) or "").replace("''", "'") or m.group(2)) if m else None
                if not sheet_target:
                    continue
                sheet_part = _resolve(wb_part, sheet_target)
                if part(sheet_part) is None:
                    continue
                value = _number_in(zf, sheet_part, f"{m.group(3)}{m.group(4)}")
                if value is not None and value >= 1 and value == int(value):
                    limits[LIMIT_CELLS[cell_name]] = int(value)
        except etree.XMLSyntaxError:
            return limits         # damaged: check_workbook names it
    return limits


NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _children(root, tag: str):
    return (e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == tag)


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _number_in(zf: zipfile.ZipFile, part: str, ref: str) -> float | None:
    """The number in cell ``ref`` of a sheet part (a number, or inline text of one), streamed."""
    info = next(i for i in zf.infolist() if i.filename.lower() == part.lower())
    with zf.open(info) as f:
        for _, c in etree.iterparse(f, events=("end",), resolve_entities=False, no_network=True):
            if not isinstance(c.tag, str) or etree.QName(c).localname != "c":
                continue
            if c.get("r") != ref:
                c.clear()
                continue
            if c.get("t") not in (None, "n", "str", "inlineStr"):
                return None           # a shared string, a boolean, an error: not a number typed in
            kids = {etree.QName(e).localname: e for e in c if isinstance(e.tag, str)}
            if "v" in kids:
                text = kids["v"].text or ""
            else:
                text = "".join(t.text or "" for t in kids.get("is", c).iter() if isinstance(t.tag, str)
                               and etree.QName(t).localname == "t")
            try:
                return float(text.strip())
            except ValueError:
                return None
    return None


def _looks_like_text(head: bytes) -> bool:
    return all(b in b"\t\r\n" or 32 <= b < 127 or b >= 0x80 for b in head)


def _check_declared(name: str, info: zipfile.ZipInfo, limit: int, ratio: int) -> None:
    part = info.filename
    if info.file_size > limit:
        raise HostileWorkbook(f"{name}, part {part}: {info.file_size / 2**20:,.0f} MB uncompressed, over the "
                              f"limit of {limit / 2**20:,.0f} MB (setting MaxPartMB)")
    if info.file_size > BIG_PART and info.file_size > ratio * max(info.compress_size, 1):
        raise HostileWorkbook(f"{name}, part {part}: compressed {info.file_size / max(info.compress_size, 1):,.0f} "
                              f"to 1, over the limit of {ratio} (setting MaxZipRatio): refused as a zip bomb")


def _check_part(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, ratio: int,
                sheets: dict | None = None) -> None:
    """Read one part in chunks: its CRC, its real size, any DTD, a sheet's used range."""
    part = info.filename
    is_xml = part.lower().endswith((".xml", ".rels", ".vml")) or part.startswith("[Content_Types]")
    used = _UsedRange() if is_xml and "worksheets/" in part.lower() else None
    total, tail, utf16 = 0, b"", None
    try:
        with open_member(zf, info) as f:
            # a big part is inflated by a thread while the previous chunk is scanned (readahead)
            chunks = read_ahead(f, CHUNK) if info.file_size > READ_AHEAD_FROM else iter(lambda: f.read(CHUNK), b"")
            for chunk in chunks:
                total += len(chunk)
                if total > limit or total > BIG_PART and total > ratio * max(info.compress_size, 1):
                    _check_declared(name, _Sized(info, total), limit, ratio)
                if not is_xml:
                    continue
                if utf16 is None:
                    utf16 = chunk[:2] in (b"\xff\xfe", b"\xfe\xff")
                text = tail + chunk
                if utf16:
                    text = text.decode("utf-16", "ignore").encode("utf-8")
                if DTD.search(text):
                    raise HostileWorkbook(f"{name}, part {part}: has a DTD or entity declaration (<!DOCTYPE/<!ENTITY), "
                                          f"which a workbook never needs: refused as unsafe")
                if used is not None:
                    used.scan(text, first=total == len(chunk))
                tail = b"" if utf16 else chunk[-64:]
    except HostileWorkbook:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        raise HostileWorkbook(f"{name}, part {part}: damaged ({e}); the file is not a complete workbook") from None
    if used is not None:
        used.check(name, part)
        if utf16:                              # read through a re-encoding: no promise
            used.error_cells = True
        if sheets is not None:
            sheets[part] = SheetMarks(used.error_cells, sorted(used.merges), used.rows, total)


class _UsedRange:
    """How far a sheet's cells reach, found without parsing each cell: its ``<dimension>``,
    the last ``<row>`` (rows come in order), any cell right of column Z and any row from
    1,000,000 down.  Columns A–Z count as 26: with at most 1,048,576 rows that stays under
    ``MAX_CELLS``, so only real outliers are refused."""

    def __init__(self):
        self.rows = self.cols = 0
        self.row_cell = self.col_cell = ""        # the cells that reach furthest down / right
        self.any = False
        self.error_cells = False                  # a cell typed t="e" (or that text elsewhere)
        self.merges: set[bytes] = set()

    def _see(self, letters: str, row: int, cell: bool = True) -> None:
        col = col_index(letters) + 1 if letters else 0
        name = f"{letters}{row}" if letters and cell else ""
        if row > self.rows or row == self.rows and name and not self.row_cell:
            self.rows, self.row_cell = row, name
        if col > self.cols or col == self.cols and name and not self.col_cell:
            self.cols, self.col_cell = col, name

    def scan(self, text: bytes, first: bool) -> None:
        if first:
            m = DIMENSION.search(text)
            if m:
                for c, r in REF.findall(m.group(1).decode("ascii", "replace")):
                    self._see(c, int(r), cell=False)
        if b" r=" in text:
            self.any = True
        if b't="e"' in text or b"t='e'" in text:
            self.error_cells = True
        if b"mergeCell" in text:
            self.merges.update(MERGE_REF.findall(text))
        for c, r in set(WIDE_REF.findall(text)):
            self._see(c.decode(), int(r))
        for c, r in FAR_ROW.findall(text):
            self._see(c.decode(), int(r))
        last = text.rfind(b"row ")
        while last > 0 and text[last - 1:last] not in (b"<", b":"):
            last = text.rfind(b"row ", 0, last)
        if last > 0:
            m = ROW_TAG.match(text, text.rfind(b"<", 0, last))
            if m:
                self._see("", int(m.group(1)))

    def check(self, name: str, part: str) -> None:
        cols = max(self.cols, 26 if self.any else 0)
        if self.rows > GRID_ROWS or self.cols > GRID_COLS or self.rows * cols > MAX_CELLS:
            what = ("passes Excel's grid of 1,048,576 rows × 16,384 columns" if self.rows > GRID_ROWS or self.cols > GRID_COLS
                    else f"reaches row {self.rows:,} and column {col_letter(self.cols - 1)}: more cells than can be read")
            cells = dict.fromkeys(c for c in (self.col_cell, self.row_cell) if c and c[0].isalpha())
            far = " and ".join(cells) or col_letter(self.cols - 1) + str(self.rows)
            raise HostileWorkbook(f"{name}, part {part}: the sheet's used range {what} — a stray value at "
                                  f"{far}? Delete it and save again")


class SheetMarks:
    """What :func:`check_workbook`'s pass saw of one worksheet part: ``error_cells`` — the text
    ``t="e"`` (an Excel error cell) occurs in it; ``merges`` — the ``ref`` of each merged range
    (bytes, ``b"A1:J1"``); ``rows`` — the last row it reaches; ``size`` — its bytes."""

    def __init__(self, error_cells: bool, merges: list[bytes], rows: int = 0, size: int = 0):
        self.error_cells, self.merges, self.rows, self.size = error_cells, merges, rows, size


class _Sized:
    """A part's ZipInfo with its size as actually read (a header may lie)."""

    def __init__(self, info: zipfile.ZipInfo, size: int):
        self.filename, self.compress_size, self.file_size = info.filename, info.compress_size, size
