"""xlwings Lite: the pasted ``main.py`` registers one ``@script`` per ribbon button, and a
close run through it on a book object shaped like Lite's (an ``xlwings.Book`` whose app has
no status bar, which cannot save and has no folder) writes what the headless close writes."""
from __future__ import annotations

import importlib.util
import shutil
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import xlwings

from xl_collections import macros
from xl_collections.workbook import lite
from xl_collections.close import steps as registry
from xl_collections.book import open_book
from xl_collections.book.live import LiveBook
from xl_collections.cli.dispatch import main as cli
from xl_collections.cli.demo import build_demo_book

ROOT = Path(__file__).resolve().parents[1]
KEPT = ROOT / "workbooks" / "lite"


# ------------------------------------------------------------------ a fake of the part of Lite's API the macros use


def _rc(address: str) -> tuple[int, int]:
    col = "".join(ch for ch in address if ch.isalpha())
    n = 0
    for ch in col.upper():
        n = n * 26 + ord(ch) - 64
    return int("".join(ch for ch in address if ch.isdigit())), n


class Range:
    def __init__(self, sheet, a, b=None):
        if isinstance(a, str):                              # "A1" or "A1:B9" (one area is enough here)
            first = a.split(",")[0]
            parts = first.replace("$", "").split(":")
            a = _rc(parts[0])
            b = _rc(parts[1]) if len(parts) > 1 else None
        self.sheet, (self.row, self.column) = sheet, a
        self.last_row, self.last_column = b or a
        self.ndim = None
        self.left = self.top = 0
        self.font = type("Font", (), {})()

    def options(self, ndim=None):
        self.ndim = ndim
        return self

    @property
    def count(self) -> int:
        return (self.last_row - self.row + 1) * (self.last_column - self.column + 1)

    @property
    def last_cell(self):
        return Range(self.sheet, (self.last_row, self.last_column))

    @property
    def address(self) -> str:
        return f"R{self.row}C{self.column}:R{self.last_row}C{self.last_column}"

    @property
    def value(self):
        grid = [[self.sheet.cells_.get((r, c)) for c in range(self.column, self.last_column + 1)]
                for r in range(self.row, self.last_row + 1)]
        if self.ndim == 2:
            return grid
        if self.count == 1:
            return grid[0][0]
        if len(grid) == 1:                                  # as xlwings: one row or column is a list
            return grid[0]
        return [row[0] for row in grid] if self.column == self.last_column else grid

    @value.setter
    def value(self, v):
        rows = v if isinstance(v, list) else [[v]]
        for i, row in enumerate(rows):
            for j, x in enumerate(row if isinstance(row, list) else [row]):
                if x is None:
                    self.sheet.cells_.pop((self.row + i, self.column + j), None)
                else:
                    self.sheet.cells_[(self.row + i, self.column + j)] = x

    def autofit(self):
        pass

    def clear(self):
        for key in [k for k in self.sheet.cells_ if self.row <= k[0] <= self.last_row
                    and self.column <= k[1] <= self.last_column]:
            del self.sheet.cells_[key]


class Table:
    def __init__(self, source: Range, name: str):
        self.sheet, self.name, self.source = source.sheet, name, source

    @property
    def range(self):
        return self.source

    @property
    def header_row_range(self):
        s = self.source
        return Range(s.sheet, (s.row, s.column), (s.row, s.last_column))

    @property
    def data_body_range(self):
        s = self.source
        return None if s.last_row == s.row else Range(s.sheet, (s.row + 1, s.column), (s.last_row, s.last_column))

    def delete(self):
        self.sheet.tables.remove(self)


class Tables(list):
    def __init__(self, sheet):
        super().__init__()
        self.sheet = sheet

    def add(self, source, name, table_style_name=None):
        t = Table(source, name)
        self.append(t)
        return t


class Charts(list):
    def add(self, left=0, top=0, width=0, height=0):
        chart = type("Chart", (), {"set_source_data": lambda s, r: setattr(s, "source", r),
                                   "delete": lambda s: charts.remove(s), "api": None})()
        charts = self
        self.append(chart)
        return chart


class Sheet:
    def __init__(self, book, name):
        self.book, self.name, self.cells_ = book, name, {}
        self.tables, self.charts = Tables(self), Charts()

    def range(self, a, b=None):
        return Range(self, a, b)

    @property
    def used_range(self):
        if not self.cells_:
            return Range(self, (1, 1))
        return Range(self, (1, 1), (max(r for r, _ in self.cells_), max(c for _, c in self.cells_)))

    @property
    def cells(self):
        sheet = self
        return type("Cells", (), {"clear": lambda s: sheet.cells_.clear()})()

    def activate(self):
        self.book.actions.append(("activate", self.name))


class Sheets(list):
    def __init__(self, book):
        super().__init__()
        self.book = book

    def __getitem__(self, k):
        if isinstance(k, str):
            return next(s for s in self if s.name.lower() == k.lower())
        return super().__getitem__(k)

    def add(self, name, after=None):
        s = Sheet(self.book, name)
        self.append(s)
        return s


class App:
    """Lite's app: no status bar (Office.js has none); screen updating only as an action."""

    def __init__(self, book):
        self.book = book

    @property
    def status_bar(self):
        raise NotImplementedError("App.status_bar is not supported on this engine")

    @status_bar.setter
    def status_bar(self, value):
        raise NotImplementedError("App.status_bar is not supported on this engine")

    @property
    def screen_updating(self):
        raise NotImplementedError("App.screen_updating can't be read on this engine")

    @screen_updating.setter
    def screen_updating(self, value):
        self.book.actions.append(("screen_updating", value))

    @property
    def api(self):
        raise NotImplementedError("no COM in xlwings Lite")


class Name:
    def __init__(self, name, sheet, cell):
        self.name, self.refers_to_range = name, Range(sheet, cell)


class LiteBookObject:
    """What a Lite script receives as ``book``: the workbook's contents, writes recorded."""

    def __init__(self, name: str):
        self.name = self.fullname = name          # Lite: no folder, the name only
        self.sheets, self.names, self.actions = Sheets(self), [], []
        self.app = App(self)
        self.selection = None

    def save(self, path=None):
        self.actions.append(("save", path))
        raise NotImplementedError("the macros must not save in Lite")


def lite_book_of(path: Path) -> LiteBookObject:
    """The workbook at ``path`` as Lite would hand it to a script."""
    wb = LiteBookObject(path.name)
    with open_book(path) as hb:
        for name in hb.sheet_names():
            sheet = wb.sheets.add(name)
            grid = hb.read_sheet(name)
            for r, row in zip(grid.index, grid.itertuples(index=False)):
                for c, v in enumerate(row, start=1):
                    if v is not None and not (isinstance(v, float) and v != v):
                        sheet.cells_[(int(r), c)] = v
        settings = wb.sheets["Settings"]
        for n, v in hb.named_values().items():
            if "!" in n:
                continue
            cell = (1000 + len(wb.names), 50)       # a cell of its own holding the named value
            settings.cells_[cell] = v
            wb.names.append(Name(n, settings, cell))
    return wb


@pytest.fixture
def script_registry(monkeypatch):
    """Lite's ``@script``: records each decorated function by name."""
    seen: dict[str, object] = {}

    def script(f=None, **_):
        def inner(fn):
            seen[fn.__name__] = fn
            return fn
        return inner(f) if f is not None else inner

    monkeypatch.setattr(xlwings, "script", script)
    return seen


def _load_main(tmp_path: Path, text: str):
    path = tmp_path / "main.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("lite_main_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop("lite_main_under_test", None)
    return module


# ------------------------------------------------------------------ the tests


def test_main_py_has_one_script_per_ribbon_button(tmp_path, script_registry):
    _load_main(tmp_path, lite.main_py())
    assert list(script_registry) == [registry.RIBBON_ACTIONS[b.id] for b in registry.RIBBON_BUTTONS]
    assert set(script_registry) == set(registry.RIBBON_ACTIONS.values())


def test_the_kept_files_are_what_the_code_writes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (KEPT / "main.py").read_text(encoding="utf-8") == lite.main_py(project["version"])
    assert (KEPT / "requirements.txt").read_text(encoding="utf-8") == lite.requirements_txt(
        project["dependencies"], project["version"])


def test_requirements_name_every_dependency_pyodide_can_load():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [ln for ln in lite.requirements_txt(project["dependencies"]).splitlines() if ln and not ln.startswith("#")]
    assert lines[0].startswith("https://") and lines[0].endswith("-py3-none-any.whl")
    names = {lite._name(ln).lower() for ln in lines[1:]}
    assert names == {lite._name(d).lower() for d in project["dependencies"]} - lite.NOT_IN_LITE   # files only
    assert "duckdb" in lite.NOT_IN_LITE
    for ln in lines[1:]:                       # Pyodide's builds unpinned, pure wheels with their range
        assert (lite._name(ln).lower() in lite.PYODIDE_BUILT) == (ln == lite._name(ln))
    # a compiled dependency missing from PYODIDE_BUILT would be asked of PyPI as a wheel it cannot load
    from importlib.metadata import PackageNotFoundError, distribution
    for d in project["dependencies"]:
        name = lite._name(d)
        if name.lower() in lite.NOT_IN_LITE:
            continue
        try:
            wheel = distribution(name).read_text("WHEEL") or ""
        except PackageNotFoundError:
            continue
        pure = "Root-Is-Purelib: true" in wheel
        assert pure or name.lower() in lite.PYODIDE_BUILT | {"xlwings"}, f"{name} is compiled: is it in Pyodide?"


def test_a_close_through_lite_writes_what_the_headless_close_writes(tmp_path, script_registry):
    _, path = build_demo_book(tmp_path, items=150, customers=12, seed=3)
    twin = shutil.copy(path, tmp_path / "twin.xlsm")
    assert cli(["close", str(twin)]) == 0                    # the reference: headless
    main = _load_main(tmp_path, lite.main_py())
    book = lite_book_of(path)
    printed = []
    lite_book = lite.LiteBook(book, say=printed.append)
    main.month_end_close(lite_book)                      # as Lite calls the script
    assert printed[-1] == "Close: done"
    # no status bar, no save, no frozen screen: Lite has none of them
    assert not [a for a in book.actions if a[0] in ("save", "screen_updating")]
    assert any("Close ■■■■■■■■■■" in m for m in printed)          # progress goes to Lite's output pane
    live = LiveBook(book)
    with open_book(twin) as ref:
        for table in ("tblAging", "tblCashApp"):
            got, want = live.read_table(table), ref.read_table(table)
            assert len(want) > 1
            assert list(got.columns) == list(want.columns)
            cols = [c for c in ("customer_id", "payment_id", "document_no", "total_open", "applied_amount", "status")
                    if c in want.columns]
            pd.testing.assert_frame_equal(got[cols].reset_index(drop=True).astype(str),
                                          want[cols].reset_index(drop=True).astype(str))
    assert {"Close", "Aging", "Cash App", "Audit Log"} <= {s.name for s in book.sheets}


def test_statements_in_lite_say_there_is_no_folder(tmp_path):
    _, path = build_demo_book(tmp_path, items=60, customers=5, seed=4)
    printed = []
    run = lite.ribbon("xlc_statement", lite.LiteBook(lite_book_of(path), say=printed.append))
    assert run.statements and run.files == {} and run.folder is None
    assert "no folder" in printed[-1]
    assert not (path.parent / f"{path.stem} letters").exists()


def test_refused_inputs_in_lite_are_listed_on_the_close_sheet(tmp_path):
    _, path = build_demo_book(tmp_path, items=60, customers=5, seed=4)
    book = lite_book_of(path)
    oi = book.sheets["Open Items"]
    header = {v: c for (r, c), v in oi.cells_.items() if r == 1}
    oi.cells_[(2, header["open_amount"])] = "lots"
    result = lite.ribbon("xlc_close", lite.LiteBook(book, say=lambda m: None))
    assert isinstance(result, macros._close.InputErrors)
    close = book.sheets["Close"]
    assert any(v == "open_amount" for v in close.cells_.values())


def test_a_second_close_in_lite_applies_no_cash_twice_and_writes_the_same(tmp_path):
    _, path = build_demo_book(tmp_path, items=120, customers=10, seed=8)
    book = lite_book_of(path)
    runs = []
    for _ in range(2):
        lite.ribbon("xlc_close", lite.LiteBook(book, say=lambda m: None))
        live = LiveBook(book)
        runs.append({t: live.read_table(t).reset_index(drop=True) for t in ("tblCashApp", "tblAging")})
    for t in ("tblCashApp", "tblAging"):
        assert len(runs[0][t]) > 1
        pd.testing.assert_frame_equal(runs[0][t], runs[1][t])
    audit = LiveBook(book).read_table("tblAuditLog")
    assert len(audit) == 2 * len(registry.STEP_NAMES)          # both runs appended, none lost
