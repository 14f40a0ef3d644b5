"""A collections workbook with everything a real user's file has, built in the test run.

Excel-made VBA (from the installed xlwings), a customUI14 ribbon with its relationship,
form buttons and a shape with a macro on ``Close``, an image, a chart, an x14 data bar and
sparklines, data validation, workbook- and sheet-scoped names, a user sheet with formulas
and comments, a protected sheet, and an ``Aging`` sheet from a previous run (with a table).
"""
from __future__ import annotations

import datetime as dt
import struct
import zipfile
import zlib
from pathlib import Path

import xlwings
import xlsxwriter

XLWINGS_DIR = Path(xlwings.__file__).parent
CUSTOM_UI = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"><ribbon><tabs>
<tab id="xlcTab" label="Collections"><group id="xlcGroup" label="Close">
<button id="xlcRun" label="Run close" size="large" onAction="SampleCall"/></group></tab></tabs></ribbon></customUI>"""
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


def _png(path: Path) -> Path:
    """A small red PNG (no Pillow needed)."""
    w = h = 16
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def build(path: Path) -> Path:
    tmp = path.with_suffix(".stage.xlsm")
    vba = path.parent / "vbaProject.bin"
    with zipfile.ZipFile(XLWINGS_DIR / "quickstart_standalone.xlsm") as z:
        vba.write_bytes(z.read("xl/vbaProject.bin"))
    wb = xlsxwriter.Workbook(str(tmp))
    wb.add_vba_project(str(vba))
    wb.set_vba_name("ThisWorkbook")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})

    s = wb.add_worksheet("Settings")
    s.set_vba_name("Sheet1")
    for r, (k, v) in enumerate([("AsOfDate", dt.date(2026, 10, 31)), ("ReportingCurrency", "USD"),
                                ("AgingBuckets", "0,30,60,90,120"), ("DayFirst", False)], start=1):
        s.write(r, 0, k, bold)
        if isinstance(v, dt.date):
            s.write_datetime(r, 1, dt.datetime.combine(v, dt.time()), date)
        else:
            s.write(r, 1, v)
    wb.define_name("AsOfDate", "=Settings!$B$2")
    wb.define_name("ReportingCurrency", "=Settings!$B$3")
    wb.define_name("AgingBuckets", "=Settings!$B$4")
    wb.define_name("Settings!DayFirst", "=Settings!$B$5")      # sheet-scoped
    s.data_validation(4, 1, 4, 1, {"validate": "list", "source": ["TRUE", "FALSE"]})

    oi = wb.add_worksheet("Open Items")
    oi.set_vba_name("Sheet2")
    oi.write_row(0, 0, ["Customer", "Invoice Number", "Invoice Date", "Amount", "Note"], bold)
    for i in range(1, 21):
        oi.write_string(i, 0, f"{i:05d}")
        oi.write_string(i, 1, f"INV-{i}")
        oi.write_datetime(i, 2, dt.datetime(2026, 9, i), date)
        oi.write_number(i, 3, 100.25 * i)
        oi.write_string(i, 4, "=not a formula" if i == 3 else "")
    oi.write_formula(21, 3, "=SUM(D2:D21)", bold)
    oi.write_comment(0, 1, "Document number as in the ERP")
    oi.conditional_format(1, 3, 20, 3, {"type": "data_bar", "bar_solid": True})   # x14 data bar
    oi.add_sparkline(21, 4, {"range": "'Open Items'!D2:D21"})                     # x14 sparkline

    close = wb.add_worksheet("Close")
    close.set_vba_name("Sheet3")
    close.write(0, 0, "Month-end close")
    close.insert_button(1, 6, {"macro": "SampleCall", "caption": "Run close", "width": 120, "height": 30})
    close.insert_button(4, 6, {"macro": "SampleRemoveTrace", "caption": "Refresh aging", "width": 120, "height": 30})
    close.insert_textbox(8, 6, "Shape with macro", {"width": 160, "height": 40})

    dash = wb.add_worksheet("Dashboard")
    dash.write_column(0, 0, ["North", "South", "East"])
    dash.write_column(0, 1, [10, 20, 30])
    dash.write_formula(3, 1, "=SUM(B1:B3)")
    dash.write_comment(3, 1, "Total of the regions")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Dashboard!$A$1:$A$3", "values": "=Dashboard!$B$1:$B$3"})
    dash.insert_chart(1, 3, chart)
    dash.insert_image(18, 3, str(_png(path.parent / "logo.png")))

    locked = wb.add_worksheet("Locked")
    locked.write(0, 0, "protected")
    locked.protect("secret")

    aging = wb.add_worksheet("Aging")   # from a previous run
    aging.add_table(0, 0, 3, 1, {"name": "tblAging", "columns": [{"header": "customer_id"}, {"header": "old"}],
                                 "data": [["A", 1], ["B", 2], ["C", 3]]})
    wb.close()

    # zip surgery: the ribbon (customUI14 + its package relationship) and a macro on the shape
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdUI" Type="{UI_REL}" '
                                    f'Target="customUI/customUI14.xml"/></Relationships>'.encode())
            elif info.filename.startswith("xl/drawings/drawing") and b"Shape with macro" in data:
                data = data.replace(b'<xdr:sp macro=""', b'<xdr:sp macro="[0]!SampleCall"', 1)
            zout.writestr(info, data)
        zout.writestr("customUI/customUI14.xml", CUSTOM_UI)
    tmp.unlink()
    return path
