"""Headless workbook: read with python-calamine, write only the sheets we own.

On ``save`` the package is rebuilt part by part: every part we do not write is copied as
its original compressed bytes; owned sheets are rendered fresh (inline strings, styles
appended to ``styles.xml``), keep their ``sheetPr`` (VBA code name) and their buttons
(drawing, legacy VML drawing, form controls), and replace their old tables and our own old
charts.  New sheets are registered in ``workbook.xml``, its relationships and the content
types, by inserting text so everything else in those parts keeps its bytes.

Safe save (``ondisk``): refused when Excel or LibreOffice holds the workbook, when it is
read-only or when the file changed since it was read; otherwise written to a temporary file
in the same folder (beside the real file when the book is a symbolic link), flushed, given
the old file's permissions, the previous versions kept as ``<name>.bak1`` (newest) …
``.bak<backup_generations>``, and renamed over the original in one step, so a crash leaves
either the old or the new file, never half of one.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr, unescape

import pandas as pd
from lxml import etree

from ..io import fastsheet
from ..io.guard import check_workbook, book_limits
from ..io.progress import say
from ..io.sources import ErrorScan, cells_from_rows, no_gc
from . import ondisk, package as pk, parallel, usercells as uc
from .base import BookError, contract_headers, table_from_sheet
from ..core.headers import contract_name
from .outputs import SheetOutput, TableBlock
from .chartxml import chart_xml
from .drawingxml import CHART_NAME_PREFIX, anchor_xml, drawing_xml
from .sheetxml import NS_MAIN, NS_R, parse_cell, print_names, render, sheet_chunks
from .styles import StyleBook
from .usercols import keep_user_columns

KEEP_TAGS = {"drawing", "legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
             "AlternateContent"}
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"


def fingerprint(path: Path) -> tuple[int, int, str]:
    st = path.stat()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return st.st_mtime_ns, st.st_size, h.hexdigest()


def grid_from_calamine(rows: list[list], errors: dict[tuple[int, int], str] | None = None) -> pd.DataFrame:
    """calamine's rows (from A1) -> the ``read_sheet`` grid: object values, None for an empty
    cell, columns 0..n-1, index = Excel row from 1; ``errors`` ({(excel_row, col0): "#N/A"})
    are put into the cells inside the grid.  Same result as ``frame_from_rows`` + the
    patches, built with C-level loops."""
    arr = cells_from_rows(rows)
    width = arr.shape[1]
    if arr.size:
        arr[arr == ""] = None
    for (row, col), text in (errors or {}).items():
        if 1 <= row <= len(rows) and 0 <= col < width:
            arr[row - 1, col] = text
    df = pd.DataFrame(arr, columns=range(width), dtype=object, copy=False)
    df.index = pd.RangeIndex(1, 1 + len(df))
    return df


class HeadlessBook:
    """A workbook file.  ``write_sheet`` buffers; ``save`` writes and keeps
    ``backup_generations`` backups (the ``BackupGenerations`` setting)."""

    backup_generations = 3
    open_at: str | None = None      # the sheet the saved book opens on, when it now opens on a sheet this save rewrites

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise BookError(f"{self.path}: no such workbook")
        # not a workbook, DTDs, zip bombs, huge used ranges: refused, under the limits its own Settings set
        marks: dict = {}
        check_workbook(self.path, **book_limits(self.path), sheets=marks)
        self._adopted: dict[str, list] = {}      # sheet -> boxes taken as the program's (:meth:`adopt`)
        self._open()
        self._guard_marks: dict | None = marks   # what the guard saw of each sheet of the file (fast_sheet)

    # ---- reading ------------------------------------------------------------------------
    def _open(self) -> None:
        self._fingerprint = fingerprint(self.path)
        self._cal = None
        self._fx = None                 # fastexcel's reader of the file (fast_sheet)
        self._heads: dict = {}          # rows -> python-calamine's reading of every sheet's first rows (fast_sheet)
        self._guard_marks = None        # the file saved by us since the guard ran: fast_sheet reads nothing
        self._grids: dict[str, pd.DataFrame] = {}
        self._table_index: dict[str, tuple[str, uc.Box]] | None = None    # table (lower case) -> sheet, range
        self._table_plain: dict[str, dict] = {}    # sheet -> {range: its column names, or None} (_table_parts)
        self.pending: dict[str, SheetOutput] = {}
        self._carried: dict[str, set[tuple[int, int]]] = {}    # sheet -> cells carried as user columns
        self.binary = self.path.suffix.lower() == ".xlsb"
        self.pkg = pk.Package(self.path)
        rels = pk.parse_rels(self.pkg.read("_rels/.rels"))
        wb = [r for r in rels if r.get("Type", "").endswith("/officeDocument")]
        if not wb:
            raise BookError(f"{self.path}: not an Excel workbook (no officeDocument part)")
        self.wb_part = pk.resolve("", wb[0]["Target"])
        self.wb_rels_part = pk.rels_path(self.wb_part)
        self.wb_rels = pk.parse_rels(self.pkg.read(self.wb_rels_part))
        self._sheets: list[dict] = []
        self._names: list[tuple[str, int | None, str]] = []
        if not self.binary:
            self._parse_workbook()

    def _parse_workbook(self) -> None:
        root = etree.fromstring(self.pkg.read(self.wb_part))
        by_id = {r["Id"]: r for r in self.wb_rels}
        for s in root.iter(f"{{{NS_MAIN}}}sheet"):
            rel = by_id.get(s.get(f"{{{NS_R}}}id"), {})
            self._sheets.append({"name": s.get("name"), "sheetId": int(s.get("sheetId")),
                                 "part": pk.resolve(self.wb_part, rel["Target"]) if rel else None,
                                 "type": rel.get("Type", "")})
        for d in root.iter(f"{{{NS_MAIN}}}definedName"):
            local = d.get("localSheetId")
            self._names.append((d.get("name"), int(local) if local is not None else None, d.text or ""))

    @property
    def calamine(self):
        if self._cal is None:
            import python_calamine as pc
            self._unchanged("while it was being read")
            self._cal = pc.CalamineWorkbook.from_path(str(self.path), load_tables=not self.binary)
        return self._cal

    def _unchanged(self, when: str) -> None:
        """Refuse to go on when the file is no longer the one read first (saved by someone else)."""
        try:
            st = self.path.stat()
        except OSError:
            st = None
        if st is None or (st.st_mtime_ns, st.st_size) != self._fingerprint[:2]:
            raise ondisk.BookRefused(f"{self.path.name} changed on disk {when}: open it again and re-run; "
                                     f"nothing was written")

    def sheet_names(self) -> list[str]:
        names = list(self.calamine.sheet_names)
        return names + [n for n in self.pending if n.lower() not in {x.lower() for x in names}]

    def read_sheet(self, name: str) -> pd.DataFrame:
        if name not in self._grids:
            # calamine gives Excel error cells (#N/A, #DIV/0! …) as blanks: their text is found
            # in the sheet XML by a scan that runs beside calamine's parse, and put back so an
            # input with an error value is reported, never read as empty
            cal = self.calamine
            with ErrorScan(self.path, name, self.binary, swallow=False) as scan:
                try:
                    sheet = cal.get_sheet_by_name(name)
                except Exception as e:  # calamine raises its own WorksheetNotFound
                    raise BookError(f"{self.path.name}: no sheet named {name!r}") from e
                with no_gc():
                    rows = sheet.to_python(skip_empty_area=False)
                    del sheet
                errors = scan.result()
            with no_gc():
                grid = grid_from_calamine(rows, errors)
            del rows
            # the header rows the program wrote (its tables, ``xlc_owned``) read as contract names
            boxes = [b for b in self.owned_ranges(name) or () if b.r1 > b.r0]
            self._grids[name] = contract_headers(grid, [(b.r0 + 1, b.c0, b.c1) for b in boxes])
        return self._grids[name].copy()

    @contextlib.contextmanager
    def fast_sheet(self, name: str, head_rows: int):
        """``name`` opened by the fast sheet reader (:class:`~xl_collections.io.fastsheet.FastSheet`):
        its first ``head_rows`` rows with the header rows the program wrote read as contract names,
        as :meth:`read_sheet` gives them (``fs.contract_rows``: those Excel rows), and its typed
        columns below a header row; None (or ``fs.head`` None) where only :meth:`read_sheet` reads it
        (.xlsb, a sheet it has read already, the file saved since it was opened, no fastexcel)."""
        if (self.binary or fastsheet.fastexcel is None or self._guard_marks is None or name in self._grids
                or name not in self.calamine.sheet_names):
            yield None
            return
        self._unchanged("while it was being read")
        if self._fx is None:
            self._fx = fastsheet.fastexcel.read_excel(str(self.path))
        if head_rows not in self._heads:     # every sheet's first rows, cut and read once
            self._heads[head_rows] = fastsheet.book_heads(self.path, list(self.calamine.sheet_names), head_rows)
        with fastsheet.FastSheet(self.path, name, label=self.path.name, head_rows=head_rows, reader=self._fx,
                                 guard_marks=self._guard_marks, heads=self._heads[head_rows]) as fs:
            fs.contract_rows = set()
            if fs.head is not None:
                for b in self.owned_ranges(name) or ():
                    if b.r1 > b.r0:
                        fs.contract_rows.add(b.r0 + 1)
                        _contract_cells(fs.head, b.r0, b.c0 - fs.col_offset, b.c1 - fs.col_offset)
            yield fs

    def forget_cells(self, sheets) -> None:
        """Let go of the cells :meth:`read_sheet` keeps for ``sheets`` (a later read reads the
        file again), and of what :meth:`fast_sheet` keeps (fastexcel's reader, every sheet's
        first rows: made again when asked): the close's input sheets, once they are tables, need
        not stay in memory."""
        for name in sheets:
            self._grids.pop(name, None)
        self._drop_fast_readers()

    def _drop_fast_readers(self) -> None:
        self._fx = None
        for heads in self._heads.values():
            if heads is not None:
                with contextlib.suppress(Exception):
                    heads.close()
        self._heads = {}

    def read_table(self, table_name: str) -> pd.DataFrame:
        if self.binary:
            raise BookError(f"{self.path.name}: Excel tables cannot be read from .xlsb files")
        part = self._table_part(table_name)
        if part is not None and part[1].r1 == part[1].r0:        # its header row alone: calamine panics on it
            return self._table_from_grid(table_name)
        if part is not None and self._grid_holds(*part):         # the sheet's cells are at hand: not parsed again
            return self._table_from_grid(table_name)
        try:
            t = self.calamine.get_table_by_name(table_name)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:     # noqa: BLE001 - calamine panics (a BaseException) on some ranges
            found = self._table_from_grid(table_name)
            if found is None:
                raise BookError(f"{self.path.name}: no Excel table named {table_name!r}") from e
            return found
        columns = [contract_name(str(c)) for c in t.columns]
        with no_gc():
            rows = t.to_python()
            cells = cells_from_rows(rows) if rows else None
            del rows
        if cells is not None and cells.shape[1] == len(columns):
            cells[cells == ""] = None           # an empty cell: None, as read_sheet gives it
            df = pd.DataFrame(cells, columns=columns, dtype=object, copy=False)
        else:
            df = pd.DataFrame([[None if v == "" else v for v in r] for r in t.to_python()], columns=columns,
                              dtype=object)
        df.index = pd.RangeIndex(t.start[0] + 1, t.start[0] + 1 + len(df))
        df.attrs["sheet"] = t.sheet
        return df

    def _table_parts(self, sheet: str | None = None) -> list[tuple[str, str, uc.Box]]:
        """(sheet, table name, range) of every Excel table in the file as it is on disk (what
        calamine reads), or of those on ``sheet``."""
        out = []
        for sh in self._sheets:
            if sheet is not None and sh["name"].lower() != sheet.lower():
                continue
            if not sh["part"] or not self.pkg.has(pk.rels_path(sh["part"])):
                continue
            for r in pk.parse_rels(self.pkg.read(pk.rels_path(sh["part"]))):
                if r.get("Type") == pk.RT_TABLE:
                    xml = self.pkg.read(pk.resolve(sh["part"], r["Target"]))
                    name, box = _table_box(xml)
                    out.append((sh["name"], name, box))
                    self._table_plain.setdefault(sh["name"], {})[box] = _plain_table_columns(xml)
        return out

    def _table_part(self, table_name: str) -> tuple[str, uc.Box] | None:
        """The sheet and range of the Excel table ``table_name`` (any case)."""
        if self._table_index is None:
            self._table_index = {name.lower(): (sheet, box) for sheet, name, box in self._table_parts()}
        return self._table_index.get(table_name.lower())

    def _grid_holds(self, sheet: str, box: uc.Box) -> bool:
        """Whether the cells :meth:`read_sheet` keeps for ``sheet`` give the table in ``box`` as
        calamine's table reader gives it: the grid is cached and covers the range, its header cells
        are the table part's column names (as contract names), the sheet has no Excel error cell (the grid holds its
        text, calamine's table a blank) and the part declares no totals row and a header row."""
        grid = self._grids.get(sheet)
        if grid is None or box.r1 >= len(grid) or box.c1 >= grid.shape[1] or box.r0 < 0 or box.c0 < 0:
            return False
        info = next((s for s in self._sheets if s["name"] == sheet), None)
        marks = (self._guard_marks or {}).get(info["part"]) if info else None
        names = self._table_plain.get(sheet, {}).get(box)
        if marks is None or marks.error_cells or names is None:
            return False
        head = grid.iloc[box.r0, box.c0:box.c1 + 1].tolist()       # read_sheet gave the program's as contract names
        return (all(isinstance(v, str) for v in head)
                and [contract_name(v) for v in head] == [contract_name(n) for n in names])

    def _table_from_grid(self, table_name: str) -> pd.DataFrame | None:
        """An Excel table read from its sheet's cells and its part's range (what calamine cannot
        read: a table a person shrank to its header row); None when there is no such table."""
        part = self._table_part(table_name)
        if part is None:
            return None
        sheet, box = part
        cells = self.read_sheet(sheet).iloc[box.r0:box.r1 + 1, box.c0:box.c1 + 1]
        head = [contract_name(str(v)) if v is not None else "" for v in (cells.iloc[0].tolist() if len(cells) else [])]
        df = pd.DataFrame(cells.iloc[1:].to_numpy(), columns=head, dtype=object)
        df.index = pd.RangeIndex(box.r0 + 2, box.r0 + 2 + len(df))
        df.attrs["sheet"] = sheet
        return df

    def named_values(self) -> dict[str, object]:
        names = [s["name"] for s in self._sheets]
        out: dict[str, object] = {}
        bare: dict[str, object] = {}
        for name, local, ref in self._names:
            if name.startswith("_xlnm.") or name == uc.OWNED_NAME or local is not None and local >= len(names):
                continue
            cell = _single_cell(ref)
            if cell is None:
                continue
            sheet, (r, c) = cell
            try:
                grid = self.read_sheet(sheet)
                v = grid.iat[r, c] if r < len(grid) and c < grid.shape[1] else None
            except BookError:
                continue
            if local is None:
                out[name] = v
            else:
                out[f"{names[local]}!{name}"] = v
                bare.setdefault(name, v)
        for k, v in bare.items():
            out.setdefault(k, v)
        return out

    def table_sheets(self) -> dict[str, str]:
        """Every Excel table of the book (lower-case name) -> the sheet it is on."""
        return {name.lower(): sheet for sheet, name, _ in self._table_parts()}

    def owned_ranges(self, sheet: str) -> list | None:
        """The ranges the program wrote on ``sheet`` last time (its ``xlc_owned`` name and what
        :meth:`adopt` was told), or None when they were not recorded."""
        names = [s["name"].lower() for s in self._sheets]
        adopted = self._adopted.get(sheet.lower())
        for name, local, ref in self._names:
            if name == uc.OWNED_NAME and local is not None and local < len(names) and names[local] == sheet.lower():
                return uc.owned_boxes(ref) + (adopted or [])
        return adopted

    def is_marked(self, sheet: str) -> bool:
        """Whether ``sheet`` carries the program's ``xlc_owned`` name."""
        names = [s["name"].lower() for s in self._sheets]
        return any(name == uc.OWNED_NAME and local is not None and local < len(names) and names[local] == sheet.lower()
                   for name, local, _ in self._names)

    def adopt(self, sheet: str, boxes: list | None = None) -> None:
        """Take ``boxes`` (:class:`~.usercells.Box`; None: the whole sheet) of ``sheet`` as the
        program's, as if it had written them last time (a book from before the marker: the
        template's layout; the user's rows of a sheet the program adopts); the next save marks
        the sheet.  Without it an unmarked sheet's cells outside its tables are the user's."""
        self._adopted[sheet.lower()] = list(boxes) if boxes is not None else [uc.Box(0, 0, 1048575, 16383)]

    def sheet_tables(self, sheet: str) -> list[str]:
        """The names of the Excel tables on ``sheet``."""
        return [name for _, name, _ in self._table_parts(sheet)]

    def status(self, message: str) -> None:
        say(message, sys.stderr)        # above a terminal progress bar, when one is showing

    # ---- writing ------------------------------------------------------------------------
    def write_sheet(self, output: SheetOutput) -> None:
        if self.binary:
            raise BookError(f"{self.path.name}: .xlsb workbooks are read-only here; save the workbook as .xlsm")
        for s in self._sheets:
            if s["name"].lower() == output.name.lower() and s["type"] != pk.RT_WORKSHEET:
                raise BookError(f"{self.path.name}: {output.name!r} is not a worksheet (chart sheet?)")
        if any(b.key for b in output.blocks):       # user columns travel with their row's key
            name = next((n for n in self.calamine.sheet_names if n.lower() == output.name.lower()), None)
            output, carried = keep_user_columns(output, self.read_sheet(name) if name else None)
            self._carried[output.name.lower()] = carried     # not kept a second time as notes
        self.pending[output.name] = output

    def append_rows(self, sheet: str, df: pd.DataFrame, *, table_name: str | None = None) -> None:
        if sheet in self.pending:
            old = self.pending[sheet].blocks[0].df if self.pending[sheet].blocks else pd.DataFrame()
        elif sheet.lower() in {n.lower() for n in self.calamine.sheet_names}:
            old = table_from_sheet(self.read_sheet(sheet))
        else:
            old = pd.DataFrame()
        new = df.copy()
        if not old.empty:
            money = list(dict.fromkeys([*old.attrs.get("money", ()), *df.attrs.get("money", ())]))
            new = pd.concat([old.reset_index(drop=True), df.reset_index(drop=True)], ignore_index=True)
            new.attrs = {**df.attrs, "money": money}
        name = table_name or "tbl" + re.sub(r"\W", "", sheet)
        self.write_sheet(SheetOutput(sheet, [TableBlock(new, table_name=name)]))

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write pending sheets (to ``path``, default the workbook itself) and return the path."""
        target = Path(path) if path is not None else self.path
        if self.binary:
            raise BookError(f"{self.path.name}: .xlsb workbooks are read-only here")
        if target.suffix.lower() != self.path.suffix.lower():
            raise BookError(f"{target}: save as {self.path.suffix} (the same kind as {self.path.name})")
        for p in dict.fromkeys([self.path, target]):
            ondisk.check_not_held(p)
        if not self.path.exists() or fingerprint(self.path) != self._fingerprint:
            raise ondisk.BookRefused(f"{self.path.name} changed on disk since it was read: open it again and re-run; "
                                     f"nothing was written")
        if not self.pending and target == self.path:
            return target
        if target.exists() or target.is_symlink():
            ondisk.check_replaceable(target)
        real = ondisk.real_target(target)         # through a symbolic link: the link stays a link
        real.parent.mkdir(parents=True, exist_ok=True)
        old_stat = real.stat() if real.exists() else None
        tmp = ondisk.temp_path(real)
        released = False
        try:
            with open(tmp, "wb") as f, no_gc():
                self._write_package(f, real)
                f.flush()
                os.fsync(f.fileno())
            ondisk.copy_permissions(old_stat, tmp)
            st = self.path.stat()
            if (st.st_mtime_ns, st.st_size) != self._fingerprint[:2]:
                raise ondisk.BookRefused(f"{self.path.name} changed on disk while saving: nothing was written")
            self.close()                 # Windows cannot replace a file we hold open
            released = True
            ondisk.rotate_backups(real, self.backup_generations)
            os.replace(tmp, real)
            _fsync_dir(real.parent)
        except BaseException:
            if released:                 # reopen the (unchanged) original, keep the pending sheets
                pending, carried = self.pending, self._carried
                self._open()
                self.pending, self._carried = pending, carried
            raise
        finally:
            if tmp.exists():
                tmp.unlink()
        self.path = target
        self._open()
        return target

    def close(self) -> None:
        self.pkg.close()
        self._drop_fast_readers()
        if self._cal is not None:
            with contextlib.suppress(Exception):
                self._cal.close()
            self._cal = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- the package ----------------------------------------------------------------------
    def _write_package(self, f, target: Path | None = None) -> None:
        """Write the new package to ``f``.  With ``target`` (the file the save replaces: its
        folder stages a worker's file) and big sheets, they are rendered and deflated on two
        cores first (:mod:`.parallel`); the bytes are the same either way."""
        plan = _Plan(self)
        for out in self.pending.values():
            plan.sheet(out)
        plan.finish()
        plan.check_xml()
        costs = {p: n for p, n in plan.cells.items() if p in plan.parts}
        if target is not None and parallel.worth_it(costs):
            deflater = parallel.Deflater(plan.parts, {p: plan.level(p) for p in costs}, costs, target, self.path.name)
        else:
            deflater = contextlib.nullcontext({})
        with deflater as done:
            w = pk.ZipWriter(f)

            def put(name, date_time):
                d = done.get(name)
                if d is not None:
                    plan.parts.pop(name)
                    w.copy_deflated(name, d.crc, d.usize, d.csize, lambda out: parallel.copy_stream(d, out), date_time)
                else:
                    w.write(name, plan.parts.pop(name), date_time, level=plan.level(name))

            for name in self.pkg.names:
                if name in plan.deleted:
                    continue
                if name in plan.parts:
                    put(name, self.pkg.infos[name].date_time)
                else:
                    w.copy_raw(*self.pkg.raw(name))
            now = dt.datetime.now().timetuple()[:6]
            for name in list(plan.parts):
                put(name, now)
            w.close()


class _Plan:
    """What a save changes: new/replaced parts, deleted parts, content-type edits."""

    def __init__(self, book: HeadlessBook):
        self.book, self.pkg = book, book.pkg
        self.sheets = [dict(s) for s in book._sheets]     # a failed save must leave the book as it was
        self.parts: dict[str, object] = {}
        self.deleted: set[str] = set()
        self.ct_add: dict[str, str] = {}
        self.big: set[str] = set()
        self.cells: dict[str, int] = {}         # sheet part -> cells of its blocks (the work of writing it)
        styles_rel = [r for r in book.wb_rels if r.get("Type", "").endswith("/styles")]
        if not styles_rel:
            raise BookError(f"{book.path.name}: workbook has no styles part")
        self.styles_part = pk.resolve(book.wb_part, styles_rel[0]["Target"])
        self.styles = StyleBook(self.pkg.read(self.styles_part))
        self.wb_xml = self.pkg.read(book.wb_part)
        self.wb_rels_xml = self.pkg.read(book.wb_rels_part)
        self.new_wb_rels: list[dict] = []
        self.names = {n.lower() for n in self.pkg.names}
        self.cleared_sheet_ids: set[int] = set()
        self.owned: dict[str, str] = {}          # sheet -> xlc_owned value (what the program wrote)
        self.print: dict[str, dict[str, str]] = {}   # sheet -> its print area and titles (defined names)
        self.tables = self._existing_tables()

    def level(self, name: str) -> int:
        return 1 if name in self.big else 6

    def _free(self, pattern: str) -> str:
        i = 1
        while (pattern % i).lower() in self.names:
            i += 1
        self.names.add((pattern % i).lower())
        return pattern % i

    def _existing_tables(self) -> dict[str, tuple[int, str]]:
        """part -> (id, name) of every table part in the package."""
        out = {}
        for n in self.pkg.names:
            if re.match(r"xl/tables/[^/]+\.xml$", n, re.I) or n.lower().endswith(".xml") and "/tables/" in n.lower():
                head = self.pkg.read(n)[:2000].decode("utf-8", "replace")
                mid = re.search(r'\bid="(\d+)"', head)
                nm = re.search(r'\bname="([^"]*)"', head)
                out[n] = (int(mid.group(1)) if mid else 0, nm.group(1) if nm else "")
        return out

    def sheet(self, out: SheetOutput) -> None:
        book = self.book
        existing = next((s for s in self.sheets if s["name"].lower() == out.name.lower()), None)
        if existing:
            part = existing["part"]
            self.cleared_sheet_ids.add(existing["sheetId"])
        else:
            part = self._free("xl/worksheets/sheet%d.xml")
            sheet_id = max([s["sheetId"] for s in self.sheets] + [0]) + 1
            rid = self._free_rid()
            after = next((i for i, s in enumerate(self.sheets) if out.after and s["name"].lower() == out.after.lower()),
                         None)
            at = len(self.sheets) if after is None else after + 1
            self.sheets.insert(at, {"name": out.name, "sheetId": sheet_id, "part": part, "type": pk.RT_WORKSHEET})
            self.wb_xml = _insert_sheet(self.wb_xml, out.name, sheet_id, rid, at, hidden=out.hidden)
            self.new_wb_rels.append({"Id": rid, "Type": pk.RT_WORKSHEET, "Target": pk.relative(book.wb_part, part)})
            self.ct_add[part] = pk.CT_WORKSHEET
        rels_part = pk.rels_path(part)
        old_rels_xml = self.pkg.read(rels_part) if existing else None
        old_rels = pk.parse_rels(old_rels_xml)
        previous = self.pkg.read(part) if existing else None       # the sheet's XML as it is now
        sheet_pr, kept, drawing_rid, protection = (_kept_elements(previous) if existing else (b"", [], None, b""))

        # old tables of this sheet go; their names may be reused
        drop = set()
        old_tables: list[tuple[str, uc.Box]] = []
        for r in old_rels:
            if r.get("Type") == pk.RT_TABLE:
                tpart = pk.resolve(part, r["Target"])
                old_tables.append(_table_box(self.pkg.read(tpart)))
                self._delete(tpart)
                self.tables.pop(tpart, None)
                drop.add(r["Id"])
        rendered, blocks = render(out, self.styles)
        self.print[out.name] = print_names(out, rendered, blocks) if out.print_fit_width else {}
        extra = self._user_cells(previous, out, rendered, blocks, old_tables)
        del previous
        taken = {name.lower(): p for p, (_, name) in self.tables.items()}
        next_id = max([i for i, _ in self.tables.values()] + [0]) + 1
        new_rels, table_rids = [], []
        for t in rendered.tables:
            if t.name.lower() in taken:
                raise BookError(f"{book.path.name}: a table named {t.name!r} already exists ({taken[t.name.lower()]}); "
                                f"rename it in Excel")
            tpart = self._free("xl/tables/table%d.xml")
            self.parts[tpart] = t.xml(next_id)
            self.tables[tpart] = (next_id, t.name)
            taken[t.name.lower()] = tpart
            next_id += 1
            self.ct_add[tpart] = pk.CT_TABLE
            rid = _free_id(old_rels + new_rels, "rIdXlcT")
            new_rels.append({"Id": rid, "Type": pk.RT_TABLE, "Target": pk.relative(part, tpart)})
            table_rids.append(rid)

        # charts: into the sheet's drawing (kept buttons/shapes stay; our old charts go)
        old_drawing = next((r for r in old_rels if r["Id"] == drawing_rid), None)
        if old_drawing is not None:
            self._merge_drawing(pk.resolve(part, old_drawing["Target"]), rendered.charts)
        elif rendered.charts:
            dpart = self._free("xl/drawings/drawing%d.xml")
            anchors, drels = [], []
            for i, ch in enumerate(rendered.charts, 1):
                cpart = self._chart_part(ch)
                rid = f"rId{i}"
                drels.append({"Id": rid, "Type": pk.RT_CHART, "Target": pk.relative(dpart, cpart)})
                anchors.append(anchor_xml(ch, rid, i + 1))
            self.parts[dpart] = drawing_xml(anchors)
            self.parts[pk.rels_path(dpart)] = pk.rels_xml(drels)
            self.ct_add[dpart] = pk.CT_DRAWING
            drawing_rid = _free_id(old_rels + new_rels, "rIdXlcD")
            new_rels.append({"Id": drawing_rid, "Type": pk.RT_DRAWING, "Target": pk.relative(part, dpart)})

        self.parts[part] = sheet_chunks(out, rendered, blocks, sheet_pr=sheet_pr, kept=kept,
                                        drawing_rid=drawing_rid, table_rids=table_rids, protection=protection,
                                        extra_cells=extra)
        self.big.add(part)
        self.cells[part] = sum(len(b.df) * max(len(b.df.columns), 1) for b in out.blocks)
        if drop or new_rels:
            rels = pk.remove_rels(old_rels_xml, drop) if old_rels_xml else None
            self.parts[rels_part] = pk.add_rels(rels, new_rels) if new_rels else rels

    def _user_cells(self, previous: bytes | None, out: SheetOutput, rendered, blocks, old_tables
                    ) -> list[tuple[int, int, str]]:
        """The user's cells on the previous version of this sheet (its XML ``previous``; None:
        a new sheet), placed for the new one
        (:mod:`.usercells`); refuses when one would land inside the program's new table.
        Records what the program writes now (``xlc_owned``)."""
        now = []
        for blk in blocks:
            last = max(blk.last_row, blk.row0 + 1) - 1
            now.append(uc.Box(blk.row0 - 1, blk.col0, last, blk.col0 + max(len(blk.headers), 1) - 1))
            if blk.b.title:
                now.append(uc.Box(blk.row0 - 2, blk.col0, blk.row0 - 2, blk.col0))
        if out.notes:
            now.append(uc.Box(0, 0, (out.link_row() or len(out.notes)) - 1, 0))
        self.owned[out.name] = uc.owned_formula(out.name, now)
        if previous is None:
            return []
        recorded = self.book.owned_ranges(out.name)
        if recorded is not None:
            program = recorded
        else:                # not recorded (a version before the marker): its tables, titles, note lines
            program = uc.program_boxes([b for _, b in old_tables], len(out.notes))
        carried = self.book._carried.get(out.name.lower(), set())
        cells = [c for c in uc.user_cells(previous, program) if (c.row + 1, c.col) not in carried]
        cells = self._not_user_columns(cells, old_tables, blocks, out.name)
        cells = uc.beyond_table_rows(cells, [b for _, b in old_tables])
        if not cells:
            return []
        new_by_name = {t.name.lower(): uc.Box.parse(t.ref) for t in rendered.tables}
        olds = [b for _, b in old_tables]
        news = [new_by_name.get(name.lower(), b) for name, b in old_tables]
        placed, moved = uc.place(cells, olds, news, now, out.name)
        if moved:
            self.book.status(f"kept your cells beside the table on {out.name!r}; moved as the table grew: "
                             + ", ".join(moved[:10]) + (f" and {len(moved) - 10} more" if len(moved) > 10 else ""))
        return [(c.row, c.col, c.cell_xml()) for c in placed]

    def _not_user_columns(self, cells: list, old_tables, blocks, sheet: str) -> list:
        """``cells`` without the user columns the new output carries inside its table (a header
        right of an old table, up to the first blank header, that the new table has): those
        travel with their row's key and are not kept a second time where they were."""
        heads = {blk.b.table_name.lower(): set(map(str, blk.df.columns)) for blk in blocks if blk.b.table_name}
        carried, grid = [], None
        for name, o in old_tables:
            new = heads.get(name.lower())
            if not new or not any(c.row == o.r0 and c.col > o.c1 for c in cells):
                continue
            grid = self.book.read_sheet(sheet) if grid is None else grid
            col = o.c1 + 1
            while o.r0 < len(grid) and col < grid.shape[1] and grid.iat[o.r0, col] is not None \
                    and str(grid.iat[o.r0, col]).strip():
                if str(grid.iat[o.r0, col]).strip() in new:
                    carried.append(uc.Box(o.r0, col, o.r1, col))
                col += 1
        return [c for c in cells if not any(b.has(c.row, c.col) for b in carried)] if carried else cells

    def _chart_part(self, ch) -> str:
        cpart = self._free("xl/charts/chart%d.xml")
        self.parts[cpart] = chart_xml(ch)
        self.ct_add[cpart] = pk.CT_CHART
        return cpart

    def _merge_drawing(self, dpart: str, charts) -> None:
        root = etree.fromstring(self.pkg.read(dpart))
        drels_part = pk.rels_path(dpart)
        drels_xml = self.pkg.read(drels_part)
        drels = pk.parse_rels(drels_xml)
        gone = set()
        for anchor in list(root):
            names = [e.get("name", "") for e in anchor.iter(f"{{{NS_XDR}}}cNvPr")]
            if any(n.startswith(CHART_NAME_PREFIX) for n in names):
                for c in anchor.iter(f"{{{NS_C}}}chart"):
                    gone.add(c.get(f"{{{NS_R}}}id"))
                root.remove(anchor)
        if not gone and not charts:
            return
        for r in drels:
            if r["Id"] in gone:
                self._delete(pk.resolve(dpart, r["Target"]))
        ids = [int(e.get("id")) for e in root.iter(f"{{{NS_XDR}}}cNvPr") if (e.get("id") or "").isdigit()]
        next_shape = max(ids + [1]) + 1
        new = []
        for ch in charts:
            cpart = self._chart_part(ch)
            rid = _free_id(drels + new, "rIdXlcC")
            new.append({"Id": rid, "Type": pk.RT_CHART, "Target": pk.relative(dpart, cpart)})
            root.append(etree.fromstring(anchor_xml(ch, rid, next_shape)))
            next_shape += 1
        self.parts[dpart] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        rels = pk.remove_rels(drels_xml, gone) if drels_xml else None
        self.parts[drels_part] = pk.add_rels(rels, new) if new else rels

    def _delete(self, part: str) -> None:
        real = next((n for n in self.pkg.names if n.lower() == part.lower()), None)
        if real:
            self.deleted.add(real)
            rp = pk.rels_path(real)
            if self.pkg.has(rp):
                self.deleted.add(next(n for n in self.pkg.names if n.lower() == rp.lower()))

    def _free_rid(self) -> str:
        return _free_id(pk.parse_rels(self.wb_rels_xml) + self.new_wb_rels, "rId")

    def finish(self) -> None:
        book = self.book
        if book.open_at:
            self.wb_xml = _open_at(self.wb_xml, [s["name"] for s in self.sheets], book.open_at,
                                   {n.lower() for n in book.pending})
            self.parts[book.wb_part] = self.wb_xml
        if self.owned:
            index = {s["name"].lower(): i for i, s in enumerate(self.sheets)}
            self.wb_xml = uc.set_owned_names(self.wb_xml, {index[n.lower()]: f for n, f in self.owned.items()})
            for name in ("_xlnm.Print_Area", "_xlnm.Print_Titles"):
                self.wb_xml = uc.set_sheet_names(self.wb_xml, name, {index[n.lower()]: p.get(name) for n, p in self.print.items()},
                                                 hidden=False)
            self.parts[book.wb_part] = self.wb_xml
        if self.new_wb_rels:
            self.parts[book.wb_part] = self.wb_xml
            self.parts[book.wb_rels_part] = pk.add_rels(self.wb_rels_xml, self.new_wb_rels)
        if self.styles.changed:
            self.parts[self.styles_part] = self.styles.to_bytes()
        self._calc_chain()
        ct = self.pkg.read("[Content_Types].xml")
        ct2 = ct
        if self.deleted:
            ct2 = pk.content_types_remove(ct2, {n for n in self.deleted})
        if self.ct_add:
            ct2 = pk.content_types_add(ct2, self.ct_add)
        if ct2 != ct:
            self.parts["[Content_Types].xml"] = ct2
        core = self._core_part()
        if core:
            xml = self.pkg.read(core)
            now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            new = re.sub(rb"(<dcterms:modified\b[^>]*>)[^<]*(</dcterms:modified>)",
                         lambda m: m.group(1) + now.encode() + m.group(2), xml)
            if new != xml:
                self.parts[core] = new

    def check_xml(self) -> None:
        """Every small XML part about to be written parses (charts, tables, drawings, workbook,
        relationships): a value that slipped through unescaped stops the save, nothing written."""
        for name, data in self.parts.items():
            if isinstance(data, bytes) and len(data) < 8 << 20 and name.lower().endswith((".xml", ".rels")):
                try:
                    etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
                except etree.XMLSyntaxError as e:
                    raise BookError(f"{self.book.path.name}: the part {name} would not be valid XML ({e}); "
                                    f"nothing was written — please report it") from None

    def _core_part(self) -> str | None:
        for r in pk.parse_rels(self.pkg.read("_rels/.rels")):
            if r.get("Type", "").endswith("/core-properties"):
                return pk.resolve("", r["Target"])
        return None

    def _calc_chain(self) -> None:
        """Drop calculation-chain entries of the sheets we rewrite (their formulas are gone)."""
        rel = next((r for r in self.book.wb_rels if r.get("Type") == pk.RT_CALCCHAIN), None)
        if rel is None or not self.cleared_sheet_ids:
            return
        part = pk.resolve(self.book.wb_part, rel["Target"])
        xml = self.pkg.read(part)
        if xml is None:
            return
        root = etree.fromstring(xml)
        current, removed = None, False
        for c in list(root):
            if c.get("i") is not None:
                current = int(c.get("i"))
            elif current is None:
                current = 0
            if current in self.cleared_sheet_ids:
                root.remove(c)
                removed = True
            elif c.get("i") is None:
                c.set("i", str(current))   # its predecessor may be gone: make the sheet explicit
        if not removed:
            return
        if len(root):
            self.parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        else:
            self._delete(part)
            self.parts[self.book.wb_rels_part] = pk.remove_rels(
                self.parts.get(self.book.wb_rels_part, self.wb_rels_xml), {rel["Id"]})


_TABLE_COLUMN = re.compile(rb'<tableColumn\b[^>]*?\bname="([^"]*)"')


def _plain_table_columns(xml: bytes | None) -> list[str] | None:
    """A table part's column names, when it declares no totals row and a header row and no name
    holds an escaped character (``_x000a_``); else None."""
    xml = xml or b""
    if b"totalsRowCount=" in xml or b'headerRowCount="0"' in xml:
        return None
    names = [unescape(m.group(1).decode("utf-8"), {"&quot;": '"', "&apos;": "'"}) for m in _TABLE_COLUMN.finditer(xml)]
    if not names or any("_x" in n or not n.strip() for n in names):
        return None
    return names


def _contract_cells(head: list[list], r: int, c0: int, c1: int) -> None:
    """Text cells of ``head[r]`` (a row of the sheet's first rows, from its first used column)
    between columns ``c0`` and ``c1`` read as contract names, as :func:`contract_headers` does."""
    if r >= len(head):
        return
    row = head[r]
    for c in range(max(c0, 0), min(c1, len(row) - 1) + 1):
        if isinstance(row[c], str):
            row[c] = contract_name(row[c])


def _open_at(wb_xml: bytes, names: list[str], sheet: str, rewritten: set[str]) -> bytes:
    """``workbook.xml`` opening on ``sheet`` (``activeTab``) when the sheet it opens on now is
    one of ``rewritten`` (lower case; the program's, rewritten without a selected tab); a sheet
    the user chose stays, and so does everything else."""
    lower = [n.lower() for n in names]
    if sheet.lower() not in lower:
        return wb_xml
    text = wb_xml.decode("utf-8")
    view = re.search(r"<(\w+:)?workbookView\b[^>]*?/?>", text)
    if view is None:
        return wb_xml
    now = re.search(r'\bactiveTab="(\d+)"', view.group(0))
    active = int(now.group(1)) if now else 0
    if active >= len(lower) or lower[active] not in rewritten:
        return wb_xml
    at = lower.index(sheet.lower())
    el = (re.sub(r'\bactiveTab="\d+"', f'activeTab="{at}"', view.group(0)) if now else
          re.sub(r"^<((\w+:)?workbookView)\b", lambda m: f'<{m.group(1)} activeTab="{at}"', view.group(0)))
    return (text[:view.start()] + el + text[view.end():]).encode("utf-8")


def _table_box(xml: bytes | None) -> tuple[str, uc.Box]:
    """A table part's name and range."""
    head = (xml or b"")[:4000].decode("utf-8", "replace")
    ref = re.search(r'\bref="([^"]+)"', head)
    name = re.search(r'\bname="([^"]*)"', head)
    return (name.group(1) if name else ""), uc.Box.parse(ref.group(1) if ref else "A1")


def _free_id(rels: list[dict], prefix: str) -> str:
    ids = {r["Id"] for r in rels}
    i = 1
    while f"{prefix}{i}" in ids:
        i += 1
    return f"{prefix}{i}"


def _insert_sheet(wb_xml: bytes, name: str, sheet_id: int, rid: str, at: int | None = None,
                  hidden: bool = False) -> bytes:
    """``workbook.xml`` with a ``<sheet>`` added at position ``at`` (0-based; None or past the
    end: last), hidden (``state="hidden"``) when asked.  A sheet put before others moves them one
    place on: the sheet-scoped names (``localSheetId``) and the active and first visible tab that
    point at them follow."""
    root = etree.fromstring(wb_xml)
    rprefix = next((p for p, u in root.nsmap.items() if u == NS_R and p), None)
    text = wb_xml.decode("utf-8")
    m = re.search(r"</(\w+:)?sheets>", text)
    if m is None:
        raise BookError("workbook.xml has no <sheets>")
    p = m.group(1) or ""
    rattr = f'{rprefix}:id' if rprefix else f'xmlns:xlcr="{NS_R}" xlcr:id'
    state = ' state="hidden"' if hidden else ""
    el = f'<{p}sheet name={quoteattr(name)} sheetId="{sheet_id}"{state} {rattr}="{rid}"/>'
    existing = list(re.finditer(rf"<{p}sheet\b[^>]*?/>", text[:m.start()]))
    if at is None or at >= len(existing):
        return (text[:m.start()] + el + text[m.start():]).encode("utf-8")
    pos = existing[at].start()
    text = text[:pos] + el + text[pos:]

    def shift(attr: str):
        def bump(mm):
            n = int(mm.group(2))
            return f'{mm.group(1)}"{n + 1 if n >= at else n}"'
        return lambda t: re.sub(rf'(\b{attr}=)"(\d+)"', bump, t)
    head, rest = text[:pos + len(el)], text[pos + len(el):]
    head = re.sub(rf"<{p}workbookView\b[^>]*>", lambda mm: shift("firstSheet")(shift("activeTab")(mm.group(0))), head)
    rest = re.sub(rf"<{p}definedName\b[^>]*>", lambda mm: shift("localSheetId")(mm.group(0)), rest)
    return (head + rest).encode("utf-8")


def _kept_elements(previous: bytes) -> tuple[bytes, list[bytes], str | None, bytes]:
    """From an owned sheet's previous XML: its sheetPr, the elements that carry buttons and
    shapes, the drawing's relationship id and the sheet protection a user set."""
    sheet_pr, kept, drawing_rid, protection = b"", [], None, b""
    data = _without_cells(previous)
    depth = 0
    for event, el in etree.iterparse(_BytesReader(data), events=("start", "end"), huge_tree=True):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 1:
            tag = etree.QName(el).localname
            if tag == "sheetPr":
                sheet_pr = etree.tostring(el)
            elif tag == "drawing":
                drawing_rid = el.get(f"{{{NS_R}}}id")
            elif tag in KEEP_TAGS:
                kept.append(etree.tostring(el))
            elif tag == "sheetProtection":
                protection = etree.tostring(el)
            el.clear()
        elif depth == 2 and etree.QName(el).localname == "row":
            el.clear()
    return sheet_pr, kept, drawing_rid, protection


_SHEET_DATA_OPEN = re.compile(rb"<(?:\w+:)?sheetData(?=[\s>/])")
_SHEET_DATA_CLOSE = re.compile(rb"</(?:\w+:)?sheetData\s*>")


def _without_cells(data: bytes) -> bytes:
    """A worksheet's XML with the content of ``<sheetData>`` cut out: what :func:`_kept_elements`
    looks for lies outside it, and a 100k-row sheet's cells are most of the bytes.  Unchanged
    when the element is not found as expected."""
    start = _SHEET_DATA_OPEN.search(data)
    if start is None:
        return data
    open_end = data.find(b">", start.end())
    if open_end < 0 or data[open_end - 1:open_end] == b"/":      # <sheetData/>: nothing inside
        return data
    close = _last_close(data, open_end)
    if close is None:
        return data
    return data[:open_end + 1] + data[close:]


def _last_close(data: bytes, after: int) -> int | None:
    """Where the last ``</sheetData>`` (any prefix) after ``after`` starts: looked for from the
    end (the closing tags cannot overlap, so the last one found is the last of them all)."""
    i = len(data)
    while (i := data.rfind(b"sheetData", after, i)) >= 0:
        lt = data.rfind(b"</", after, i)
        m = _SHEET_DATA_CLOSE.match(data, lt) if lt >= 0 else None
        if m is not None and m.start() + 2 <= i < m.end():
            return m.start()
    return None


class _BytesReader:
    def __init__(self, data: bytes):
        import io
        self._f = io.BytesIO(data)

    def read(self, n=-1):
        return self._f.read(n)


def _single_cell(ref: str) -> tuple[str, tuple[int, int]] | None:
    ref = ref.strip().lstrip("=")
    m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^'!:]+))!(\$?[A-Za-z]{1,3}\$?\d+)(?::(\$?[A-Za-z]{1,3}\$?\d+))?", ref)
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    a = parse_cell(m.group(3))
    if m.group(4) and parse_cell(m.group(4)) != a:
        return None
    return sheet, a


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

