"""LiveBook against a fake of the small part of the xlwings API it uses (no Excel on Linux)."""
from __future__ import annotations

import pandas as pd

from xl_collections.book import ChartSpec, HeadlessBook, SheetOutput, TableBlock, as_workbook
from xl_collections.book.live import LiveBook


class FakeRange:
    def __init__(self, sheet, a, b=None):
        self.sheet, self.a, self.b = sheet, a, b or a
        self.row, self.column = self.a if isinstance(a, tuple) else (0, 0)
        self.left = self.top = 0
        self.font = type("Font", (), {})()

    @property
    def value(self):
        return self.sheet.cells_.get(self.a)

    @value.setter
    def value(self, v):
        self.sheet.writes.append((self.a, v))
        if isinstance(v, list):
            for i, row in enumerate(v):
                for j, x in enumerate(row):
                    self.sheet.cells_[(self.a[0] + i, self.a[1] + j)] = x
        else:
            self.sheet.cells_[self.a] = v

    @property
    def address(self):
        return f"R{self.a}:{self.b}"

    def __setattr__(self, k, v):
        if k == "number_format":
            self.sheet.formats[self.a[1]] = v
        object.__setattr__(self, k, v)

    def autofit(self):
        pass


class FakeTables(list):
    def add(self, source, name, table_style_name):
        self.append(type("T", (), {"name": name, "style": table_style_name, "source": source,
                                   "delete": lambda s: None})())


class FakeCharts(list):
    def add(self, left, top, width, height):
        c = type("C", (), {"set_source_data": lambda s, r: setattr(s, "src", r), "delete": lambda s: None,
                           "api": None})()
        self.append(c)
        return c


class FakeSheet:
    def __init__(self, name):
        self.name, self.cells_, self.writes, self.formats = name, {}, [], {}
        self.tables, self.charts = FakeTables(), FakeCharts()
        self.cells = type("Cells", (), {"clear": lambda s: self.cells_.clear()})()

    def range(self, a, b=None):
        return FakeRange(self, a, b)


class FakeSheets(list):
    def __getitem__(self, k):
        if isinstance(k, str):
            return next(s for s in self if s.name == k)
        return super().__getitem__(k)

    def add(self, name, after=None):
        s = FakeSheet(name)
        self.append(s)
        return s


class FakeApp:
    def __init__(self):
        self.log = []

    def __setattr__(self, k, v):
        if k in ("screen_updating", "status_bar"):
            self.log.append((k, v))
        object.__setattr__(self, k, v)


class FakeBook:
    fullname = "/tmp/Collections.xlsm"

    def __init__(self):
        self.app = FakeApp()
        self.sheets = FakeSheets([FakeSheet("Settings")])
        self.names = []


def test_write_sheet_through_xlwings():
    xb = FakeBook()
    book = as_workbook(xb)
    assert isinstance(book, LiveBook) and as_workbook(book) is book
    df = pd.DataFrame({"customer_id": ["=evil()", "C2"], "total_open": [12345, -5], "currency": ["USD", "JPY"]})
    df.attrs["money"] = ["total_open"]
    book.write_sheet(SheetOutput("Aging", [TableBlock(df, table_name="tblAging")],
                                 charts=[ChartSpec("customer_id", ("total_open",), kind="bar", stacked=True)],
                                 notes=["Aging"]))
    sheet = xb.sheets["Aging"]
    assert sheet.cells_[(1, 1)] == "Aging"
    assert sheet.cells_[(3, 1)] == "Customer"                # the human header of customer_id
    assert sheet.cells_[(4, 1)] == "'=evil()"              # quote prefix: text, not a formula
    assert sheet.cells_[(4, 2)] == 123.45 and sheet.cells_[(5, 2)] == -5.0
    assert sheet.tables[0].name == "tblAging" and sheet.tables[0].style == "TableStyleMedium2"
    assert sheet.charts[0].chart_type == "bar_stacked"
    assert ("screen_updating", False) in xb.app.log and xb.app.log[-2:] == [("screen_updating", True), ("status_bar", False)]
    assert xb.app.log[0] == ("status_bar", "Writing Aging…")
    # a write in the middle of a step puts the caller's progress message back, not a blank bar
    book.status("Close step 3/6: Pro-forma aging…")
    book.write_sheet(SheetOutput("KPIs", [TableBlock(pd.DataFrame({"kpi": ["DSO"]}))]))
    assert xb.app.log[-1] == ("status_bar", "Close step 3/6: Pro-forma aging…")


def test_as_workbook_passes_headless_books_through(tmp_path):
    import shutil
    from pathlib import Path

    import xlwings
    p = tmp_path / "b.xlsm"
    shutil.copy(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm", p)
    book = as_workbook(p)
    assert isinstance(book, HeadlessBook) and as_workbook(book) is book


def test_mock_caller_runs_a_macro_headless(tmp_path):
    import shutil
    from pathlib import Path

    import xlwings as xw

    from xl_collections.book.xwbridge import mock_caller

    p = tmp_path / "Collections.xlsm"
    shutil.copy(Path(xw.__file__).parent / "quickstart_standalone.xlsm", p)

    def macro(book: xw.Book) -> None:          # as xl_collections.macros will be written
        wb = as_workbook(book)
        wb.write_sheet(SheetOutput("KPIs", [TableBlock(pd.DataFrame({"kpi": ["DSO"], "value": [40.0]}))]))
        wb.save()

    mock_caller(p)
    try:
        caller = xw.Book.caller()
        assert caller.name == "Collections.xlsm" and caller.fullname == str(p)
        macro(caller)
    finally:
        del xw.Book._mock_caller
    assert "KPIs" in as_workbook(p).sheet_names()
