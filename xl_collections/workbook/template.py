"""The collections workbook template (CONTRACT §3), built with xlsxwriter.

The VBA is not ours: it is the Excel-made project inside the *installed* xlwings
(``quickstart_standalone.xlsm``: its ``Module1.SampleCall`` runs
``RunPython "import <workbook name>; <workbook name>.main()"`` and the embedded ``xlwings``
module makes it work without the add-in).  It is taken at build time, checked, and added
with ``add_vba_project``; the codenames of the workbook and of the first sheets are the
ones that project's document modules carry.  The form buttons on ``Close`` call
``SampleCall``, so a click imports ``<name>.py`` beside the workbook, which hands over to
:func:`xl_collections.macros.main`.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import io
import keyword
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd

from ..core import schema
from ..close.checklist import AUDIT_HEADER, CHECKLIST_HEADER, CHECKLIST_WIDTHS, CLOSE_BUTTON_CELL, CLOSE_NOTES, close_sheet_rows
from ..io.write import to_display
from ..core.money import to_decimal
from ..book.sheetxml import wrapped_lines
from ..book.usercells import Box, owned_formula, set_owned_names
from .vba import module_sources, ribbon, with_kept_vba
from ..core.settings import (BOOL, BUCKETS, BY_CELL, CHOICE, COUNT, COUNT_LIST, CURRENCY, DATE, DAYS, DECIMAL,
                              DECIMAL_LIST, FRACTION, FRACTION_LIST, MONEY, MONEY_LIST, NAMED_CELLS, PERCENT, POINTS,
                              SETTINGS, Settings, expected_text)
from ..report.dashboard_sheet import DASHBOARD_SHEET
from ..close.steps import (AUDIT_SHEET, CLOSE_CAPTION, CLOSE_SHEET, CLOSE_STEPS, OWNED_SHEETS, RESULT_SHEETS,
                          RIBBON_BUTTONS, SHEET_BUTTONS)

VBA_SOURCE_BOOK = "quickstart_standalone.xlsm"
VBA_MACRO = "SampleCall"

# every input table's sheet (schema), but those the program owns (Aging History also takes a user's rows)
INPUT_TABLES = [t for t in (*schema.BOOK_TABLES.values(), *schema.WORKFLOW_TABLES.values())
                if t.sheet.lower() not in {s.lower() for s in OWNED_SHEETS}]
INPUT_SHEETS = [t.sheet for t in INPUT_TABLES]
OUTPUT_SHEETS = [*RESULT_SHEETS, AUDIT_SHEET]          # the steps' sheets, in close order (steps registry)
# program sheets a sheet button writes outside the close (Claim Research)
ACTION_SHEETS = [sh for b in SHEET_BUTTONS for sh in b.writes]
FIRST_SHEETS = [CLOSE_SHEET, DASHBOARD_SHEET]           # CONTRACT §3: the Dashboard right after Close
SHEET_ORDER = [*FIRST_SHEETS, "Settings", "Column Map", *INPUT_SHEETS,
               *[s for s in OUTPUT_SHEETS if s not in FIRST_SHEETS], *ACTION_SHEETS, "xlwings.conf"]

# names a workbook may not take: its shim ``<name>.py`` would shadow them on import
RESERVED_NAMES = {"xl_collections", "xlwings", "udfs", "pandas", "numpy", "openpyxl", "xlsxwriter",
                  "python_calamine", "main", "macros", "test", "tests"}

# named cell -> (what it expects, what it means): from the declarations in settings.SETTINGS
SETTING_HELP = {d.cell: (expected_text(d, "the reporting currency"), d.help) for d in SETTINGS}
# a step's button sits on its first sheet, right of the sheet's first two (short) note lines (steps registry)
STEP_BUTTONS = {s.sheets[0]: s.button.caption for s in CLOSE_STEPS if s.button and s.button.cell and s.sheets}
STEP_BUTTON_CELLS = {s.sheets[0]: s.button.cell for s in CLOSE_STEPS if s.button and s.button.cell and s.sheets}
# the readers also map VALUES of doc_type/status (io/readers.MAP_SOURCE_VALUE / MAP_CANONICAL_VALUE)
COLUMN_MAP_HEADER = ["table", "source_column", "canonical_column", "source_value", "canonical_value"]


class TemplateError(ValueError):
    """The workbook cannot be built as asked (bad name, VBA project not usable)."""


# ---------------------------------------------------------------- names


def check_book_name(path: str | Path) -> str:
    """The workbook's stem must work as a Python module name (the VBA imports it) and must not
    shadow a module the close needs.  Returns the module name."""
    p = Path(path)
    if p.suffix.lower() != ".xlsm":
        raise TemplateError(f"{p.name}: the workbook must be an .xlsm file (it holds the VBA of its buttons)")
    name = p.stem
    if not name.isidentifier() or keyword.iskeyword(name):
        raise TemplateError(
            f"{p.name}: the workbook name must work as a Python module name (letters, digits and "
            f"underscores, not starting with a digit), because its buttons run 'import {name}'")
    if name in RESERVED_NAMES or name in sys.stdlib_module_names:
        raise TemplateError(f"{p.name}: '{name}' would shadow the Python module of the same name; choose another name")
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin and not _is_shim(spec.origin):
        raise TemplateError(f"{p.name}: '{name}' is already an importable module ({spec.origin}); choose another name")
    return name


def _is_shim(origin: str) -> bool:
    """A module found on the path that is just an earlier shim of ours (fine to replace)."""
    try:
        return "from xl_collections.macros import main" in Path(origin).read_text(encoding="utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return False


def shim_text(module: str) -> str:
    return (
        f'"""Buttons of {module}.xlsm: xlwings runs ``import {module}; {module}.main()``, which hands\n'
        'over to the collections close (written by `xl-collections new-book`; keep it beside the workbook)."""\n'
        "from xl_collections.macros import main  # noqa: F401  (the workbook's buttons call main)\n\n"
        'if __name__ == "__main__":\n'
        "    import xlwings as xw\n\n"
        f'    xw.Book("{module}.xlsm").set_mock_caller()\n'
        "    main()\n")


# ---------------------------------------------------------------- the VBA project


def _xlwings_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("xlwings")
    except PackageNotFoundError:
        return "unknown"


def built_with_xlwings(path: str | Path) -> str | None:
    """The xlwings version whose VBA a workbook built here carries (from its properties)."""
    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml").decode("utf-8") if "docProps/core.xml" in z.namelist() else ""
    m = re.search(r"VBA of xlwings ([\w.+-]+)", core)
    return m.group(1) if m else None


def xlwings_dir() -> Path:
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.origin:
        raise TemplateError("xlwings is not installed: the workbook's VBA comes from it")
    return Path(spec.origin).parent


def vba_project(source: str | Path | None = None) -> tuple[bytes, dict]:
    """``xl/vbaProject.bin`` of xlwings' Excel-made workbook and its codenames
    (``{"workbook": "ThisWorkbook", "sheets": ["Sheet1", "Sheet2"]}``), checked: its
    ``SampleCall`` must run ``RunPython "import <name>; <name>.main()"``."""
    src = Path(source) if source else xlwings_dir() / VBA_SOURCE_BOOK
    with zipfile.ZipFile(src) as z:
        vba = z.read("xl/vbaProject.bin")
        wb_xml = z.read("xl/workbook.xml").decode("utf-8")
        sheet_xml = [z.read(n).decode("utf-8") for n in sorted(z.namelist())
                     if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    m = re.search(r'<workbookPr\b[^>]*\bcodeName="([^"]+)"', wb_xml)
    codenames = {"workbook": m.group(1) if m else "ThisWorkbook",
                 "sheets": [c.group(1) for x in sheet_xml if (c := re.search(r'<sheetPr\b[^>]*\bcodeName="([^"]+)"', x))]}
    modules = module_sources(vba)
    code = "\n".join(modules.values())
    if not re.search(rf"Sub\s+{VBA_MACRO}\s*\(", code) or not re.search(
            r'RunPython\s+"import "\s*&\s*(\w+)\s*&\s*";"\s*&\s*\1\s*&\s*"\.main\(\)"', code):
        raise TemplateError(f"{src}: its VBA has no {VBA_MACRO} that runs 'import <name>; <name>.main()'")
    missing = [n for n in [codenames["workbook"], *codenames["sheets"]] if n not in modules]
    if missing:
        raise TemplateError(f"{src}: the VBA project has no document module for {', '.join(missing)}")
    return vba, codenames


# ---------------------------------------------------------------- the workbook


def _setting_values(s: Settings) -> dict[str, object]:
    """Named cell -> the value its cell shows (money as a number of the reporting currency,
    shares as numbers shown in %, lists as comma-separated text; None: blank)."""
    cur = s.reporting_currency
    out: dict[str, object] = {}
    for d in SETTINGS:
        v = getattr(s, d.field)
        if v is None:
            out[d.cell] = None
        elif d.kind == MONEY:
            out[d.cell] = float(to_decimal(v, cur))
        elif d.kind == MONEY_LIST:
            out[d.cell] = ",".join(format(to_decimal(m, cur).normalize(), "f") for m in v)
        elif d.kind == BUCKETS:
            out[d.cell] = ",".join(str(b) for b in v)
        elif d.kind == FRACTION_LIST:
            out[d.cell] = ",".join(f"{(f * 100).normalize():f}%" for f in v)
        elif d.kind in (DECIMAL_LIST, COUNT_LIST):
            out[d.cell] = ",".join(str(x) for x in v)
        elif d.kind == POINTS:
            out[d.cell] = ", ".join(f"{x}:{p}" for x, p in v)
        elif d.kind in (PERCENT, DECIMAL, FRACTION):
            out[d.cell] = float(v)
        else:
            out[d.cell] = v
    return out


def _num(d) -> int | float:
    return int(d) if d == int(d) else float(d)


def _validation(name: str) -> dict:
    d = BY_CELL[name]
    kind, text = SETTING_HELP[name]
    base = {"input_title": name[:32], "input_message": text[:255], "error_title": f"{name} is not valid"[:32],
            "error_message": f"Expected {kind}."[:255]}
    if d.kind == DATE:
        return base | {"validate": "date", "criteria": ">=", "value": dt.date(1900, 1, 1)}
    if d.kind == CURRENCY:
        return base | {"validate": "length", "criteria": "==", "value": 3}
    if d.kind == CHOICE:
        return base | {"validate": "list", "source": list(d.choices)}
    if d.kind == BOOL:
        return base | {"validate": "list", "source": ["TRUE", "FALSE"]}
    if d.kind in (PERCENT, DECIMAL) and d.low is not None and d.high is not None:
        return base | {"validate": "decimal", "criteria": "between", "minimum": _num(d.low), "maximum": _num(d.high)}
    if d.kind in (MONEY, PERCENT, DECIMAL):
        return base | {"validate": "decimal", "criteria": ">=", "value": _num(d.low or 0)}
    if d.kind == FRACTION:
        return base | {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1}
    if d.kind in (DAYS, COUNT):
        return base | {"validate": "integer", "criteria": ">=", "value": int(d.low or 0)}
    return base | {"validate": "any"}   # lists and text: checked by the close


SETTINGS_FIRST_ROW = 3   # Excel row of AsOfDate


def settings_cells() -> dict[str, str]:
    """Named cell -> its address on ``Settings`` (``$B$3`` ...)."""
    return {name: f"$B${SETTINGS_FIRST_ROW + i}" for i, name in enumerate(NAMED_CELLS)}


def build_template(path: str | Path, *, settings: Settings | None = None,
                   created: dt.datetime | None = None, vba_source: str | Path | None = None,
                   inputs: dict | None = None) -> Path:
    """Write the collections workbook to ``path`` (an ``.xlsm``).  ``inputs`` (table name ->
    canonical or display DataFrame) pre-fills input sheets (the demo); ``created`` pins
    docProps' date (the kept template is reproducible)."""
    import xlsxwriter

    path = Path(path)
    settings = settings or Settings()
    vba, codenames = vba_project(vba_source)
    vba = with_kept_vba(vba)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": "Collections workbook", "subject": "AR month-end close",
                       "author": "xl-collections", "comments": f"Built by xl-collections; VBA of xlwings {_xlwings_version()}",
                       "created": created or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)})
    wb.set_vba_name(codenames["workbook"])
    wb.add_vba_project(io.BytesIO(vba), is_stream=True)

    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"})
    head_opt = wb.add_format({"bold": False, "italic": True, "bottom": 1, "bg_color": "#F2F2F2"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#595959"})
    wrap_col = wb.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "bg_color": "#FFF2CC", "border": 1, "valign": "top"})
    input_fmt = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "valign": "top"})
    num_fmt = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "#,##0.00", "valign": "top"})
    pct_fmt = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "0.##%", "valign": "top"})

    sheets = {}
    for i, name in enumerate(SHEET_ORDER):
        ws = wb.add_worksheet(name)
        sheets[name] = ws
        ws.set_vba_name(codenames["sheets"][i] if i < len(codenames["sheets"]) else f"Sheet{i + 1}")

    # Close: how to use + checklist + the buttons (laid out as the close rewrites it)
    ws = sheets[CLOSE_SHEET]
    ws.activate()
    for j, h in enumerate(CHECKLIST_HEADER):
        ws.set_column(j, j, CHECKLIST_WIDTHS[h], wrap_col if h in ("message", "sheets") else None)
    for r, line in enumerate(CLOSE_NOTES):
        ws.write_string(r, 0, line, title if r == 0 else None)
    hr = len(CLOSE_NOTES) + 2
    ws.write_string(hr - 1, 0, "Checklist (filled in by the close)", bold)
    for j, h in enumerate(CHECKLIST_HEADER):
        ws.write_string(hr, j, h, head)
    for i, row in enumerate(close_sheet_rows({}), start=hr + 1):
        for j, v in enumerate(row):
            if v is not None and v != "":
                ws.write(i, j, v)
    ws.freeze_panes(hr + 1, 0)
    ws.insert_button(CLOSE_BUTTON_CELL, {"macro": VBA_MACRO, "caption": CLOSE_CAPTION,
                                         "width": 190, "height": 36, "x_offset": 4})
    for sheet, caption in STEP_BUTTONS.items():
        sheets[sheet].insert_button(STEP_BUTTON_CELLS[sheet], {"macro": VBA_MACRO, "caption": caption, "width": 150, "height": 30,
                                           "x_offset": 4, "y_offset": 2})
    for b in SHEET_BUTTONS:
        sheets[b.sheet].insert_button(b.cell, {"macro": VBA_MACRO, "caption": b.caption, "width": 150, "height": 30,
                                               "x_offset": 4, "y_offset": 2})

    # Settings: named cells with validation
    ws = sheets["Settings"]
    widths = (26, 34, 36, 80)      # setting, value (a points table fits), expected, meaning
    name_fmt = wb.add_format({"bold": True, "valign": "top"})
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, "Settings of the close (named cells; change the yellow cells)", title)
    for j, h in enumerate(["setting", "value", "expected", "meaning"]):
        ws.write_string(1, j, h, head)
    values = _setting_values(settings)
    cells = settings_cells()
    for i, name in enumerate(NAMED_CELLS):
        r = SETTINGS_FIRST_ROW - 1 + i
        ws.write_string(r, 0, name, name_fmt)
        v = values[name]
        kind = BY_CELL[name].kind
        if kind == DATE and v:
            ws.write_datetime(r, 1, dt.datetime.combine(v, dt.time()), date_fmt)
        elif v is None or v == "":
            ws.write_blank(r, 1, None, date_fmt if kind == DATE else input_fmt)
        elif isinstance(v, bool):
            ws.write_boolean(r, 1, v, input_fmt)
        elif kind == FRACTION:
            ws.write_number(r, 1, v, pct_fmt)
        elif isinstance(v, float):
            ws.write_number(r, 1, v, num_fmt if kind == MONEY else input_fmt)
        elif isinstance(v, int):
            ws.write_number(r, 1, v, input_fmt)
        else:
            ws.write_string(r, 1, str(v), input_fmt)
        ws.write_string(r, 2, SETTING_HELP[name][0], wrap)
        ws.write_string(r, 3, SETTING_HELP[name][1], wrap)
        lines = max(wrapped_lines(SETTING_HELP[name][0], widths[2] - 1), wrapped_lines(SETTING_HELP[name][1], widths[3] - 1))
        if lines > 1:          # LibreOffice does not grow a row for wrapped text on its own
            ws.set_row(r, 15 * lines)
        ws.data_validation(r, 1, r, 1, _validation(name))
        wb.define_name(name, f"=Settings!{cells[name]}")

    # Column Map
    ws = sheets["Column Map"]
    cmap = (inputs or {}).get("column_map")
    ws.set_column(0, 2, 26)
    ws.set_column(3, 4, 18)
    for j, h in enumerate(COLUMN_MAP_HEADER):
        ws.write_string(0, j, h, head if j < 3 else head_opt)
    ws.data_validation(1, 0, 10000, 0, {"validate": "list", "source": [t.name for t in INPUT_TABLES],
                                        "input_title": "table", "input_message": "The input table the header belongs to."})
    ws.write_comment(0, 1, "The header as it stands in your export, e.g. 'Invoice Number'. "
                           "Common aliases are recognised without an entry here.")
    ws.data_validation(1, 1, 10000, 1, {"validate": "any", "input_title": "source_column",
                                        "input_message": "Your export's header, exactly as it stands, e.g. 'Invoice Number'."})
    ws.data_validation(1, 2, 10000, 2, {"validate": "any", "input_title": "canonical_column",
                                        "input_message": "The column it means, as in row 1 of the table's input sheet, "
                                                         "e.g. document_no, open_amount, due_date."})
    ws.data_validation(1, 3, 10000, 3, {"validate": "any", "input_title": "source_value",
                                        "input_message": "Optional: a value of that column as your export has it, "
                                                         "e.g. DR (SAP's invoice type). Fill canonical_value too."})
    ws.data_validation(1, 4, 10000, 4, {"validate": "any", "input_title": "canonical_value",
                                        "input_message": "Optional: what that value means, e.g. INV for doc_type "
                                                         "(INV, DM, CM, PMT, DED, ADJ) or a status."})
    if cmap is None or not len(cmap):
        grey = wb.add_format({"italic": True, "font_color": "#808080"})
        ws.write_string(2, 6, "Example (type your own rows in A:E):", grey)
        for r, ex in enumerate([("open_items", "Invoice Number", "document_no", "", ""),
                                ("open_items", "Balance Due", "open_amount", "", ""),
                                ("payments", "Bank Ref", "reference", "", ""),
                                ("open_items", "Belegart", "doc_type", "DR", "INV")], start=3):
            for j, v in enumerate(ex):
                if v:
                    ws.write_string(r, 6 + j, v, grey)
        ws.set_column(6, 8, 20)
        ws.set_column(9, 10, 14)
    ws.freeze_panes(1, 0)
    if cmap is not None:
        cmap = cmap.reindex(columns=COLUMN_MAP_HEADER)
        for i, row in enumerate(cmap.itertuples(index=False), start=1):
            for j, v in enumerate(row):
                if v is not None and not (isinstance(v, float) and pd.isna(v)) and str(v) != "":
                    ws.write_string(i, j, str(v))

    # Input sheets: schema headers (and the demo's data)
    for table in INPUT_TABLES:
        ws = sheets[table.sheet]
        df = (inputs or {}).get(table.name)
        raw = df is not None and df.attrs.get("raw")
        for j, col in enumerate(c for c in table.columns if not c.when_given):   # the others: real exports only
            if not raw:
                ws.write_string(0, j, col.name, head if col.required else head_opt)
                ws.data_validation(0, j, 0, j, {"validate": "any", "input_title": col.name[:32],
                                                "input_message": column_help(col)})
            ws.set_column(j, j, max(12, len(col.name) + 3))
        ws.freeze_panes(1, 0)
        if df is not None and len(df):
            _write_input(wb, ws, table, df)
    # what the program lays out on each of its sheets: marked as its own (hidden name xlc_owned)
    owned = {name: [] for name in OUTPUT_SHEETS}
    owned[CLOSE_SHEET] = [Box(0, 0, len(CLOSE_NOTES) - 1, 0), Box(hr - 1, 0, hr - 1, 0),
                          Box(hr, 0, hr + len(close_sheet_rows({})), len(CHECKLIST_HEADER) - 1)]
    owned[AUDIT_SHEET] = [Box(0, 0, 0, len(AUDIT_HEADER) - 1)]
    # Aging History is the program's but takes a user's earlier months (the demo's pasted history)
    history = (inputs or {}).get("aging_history")
    if history is not None and len(history):
        ws = sheets[schema.AGING_HISTORY.sheet]
        for j, col in enumerate(schema.AGING_HISTORY.columns):
            ws.write_string(0, j, col.name, head)
        _write_input(wb, ws, schema.AGING_HISTORY, history)
        owned[schema.AGING_HISTORY.sheet] = [Box(0, 0, len(history), len(schema.AGING_HISTORY.columns) - 1)]

    # Audit Log header (append-only; the close adds rows)
    ws = sheets[AUDIT_SHEET]
    for j, h in enumerate(AUDIT_HEADER):
        ws.write_string(0, j, h, head)
    ws.freeze_panes(1, 0)

    # xlwings.conf, as xlwings' quickstart lays it out (settings from A1 down, no gaps)
    ws = sheets["xlwings.conf"]
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 14)
    conf = [("Interpreter_Win", "python"), ("Interpreter_Mac", None), ("PYTHONPATH", None),
            ("Conda Path", None), ("Conda Env", None), ("UDF Modules", "udfs"),
            ("Debug UDFs", False), ("Use UDF Server", False), ("Show Console", False)]
    for r, (k, v) in enumerate(conf):
        ws.write_string(r, 0, k)
        if isinstance(v, bool):
            ws.write_boolean(r, 1, v)
        elif v is not None:
            ws.write_string(r, 1, v)
    notes = ["Instructions:",
             "These settings override the xlwings add-in and xlwings.conf files (settings start in A1; keep rows 1-9 without gaps).",
             "Interpreter_Win / Interpreter_Mac: the Python that has xl_collections installed, e.g. C:\\Users\\me\\.venv\\Scripts\\pythonw.exe.",
             "PYTHONPATH: extra folders to import from (the workbook's own folder is always searched).",
             "UDF Modules: udfs (the collections worksheet functions).",
             "If you delete a row, xlwings falls back to the add-in's or the xlwings.conf file's value."]
    for r, line in enumerate(notes, start=12):
        ws.write_string(r, 0, line, bold if r == 12 else None)
    wb.close()
    marks = {SHEET_ORDER.index(name): owned_formula(name, boxes) for name, boxes in owned.items()}
    ribbon.add_to_package(path, ribbon.customui_xml(RIBBON_BUTTONS),
                          edit={"xl/workbook.xml": lambda xml: set_owned_names(xml, marks)})
    return path


_KIND_HELP = {schema.TEXT: "Text", schema.CODE: "A code (case does not matter)",
              schema.DATE: "A date, e.g. 2026-10-31", schema.MONEY: "An amount in the row's currency, e.g. 1234.56",
              schema.RATE: "A number, e.g. 1.0825"}


def column_help(col) -> str:
    """The input message of an input sheet's header cell: kind, required, choices, aliases."""
    text = f"{_KIND_HELP.get(col.kind, 'Text')}; {'required' if col.required else 'optional'}."
    if col.choices:
        text += f" One of {', '.join(col.choices)}."
    if col.aliases:
        text += f" Also read from headers such as {', '.join(repr(a) for a in col.aliases[:4])}."
    return text[:255]


def _write_input(wb, ws, table, df) -> None:
    """Canonical table -> the input sheet's cells (money as major units, dates as dates).
    A frame with ``attrs["raw"]`` is written as it is (its own headers; tests of bad input)."""
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money_fmt = wb.add_format({"num_format": "#,##0.00;-#,##0.00"})
    kinds = {c.name: c.kind for c in table.columns}
    if df.attrs.get("raw"):
        disp, names = df, [str(c) for c in df.columns]
        for j, c in enumerate(names):
            ws.write_string(0, j, c)
    else:
        d = df.copy()
        if not d.attrs.get("money"):
            d.attrs["money"] = [c for c, k in kinds.items() if k == schema.MONEY and c in d.columns]
        d.attrs.setdefault("currency", "USD")
        disp, names = to_display(d), table.always
    for j, c in enumerate(names):
        if c not in disp.columns:
            continue
        kind = kinds.get(c, schema.TEXT)
        for i, v in enumerate(disp[c].tolist(), start=1):
            if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif isinstance(v, dt.date):
                ws.write_datetime(i, j, v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time()), date_fmt)
            elif kind == schema.MONEY:
                ws.write_number(i, j, float(v), money_fmt)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            else:
                ws.write_number(i, j, float(v))


# ---------------------------------------------------------------- drift check

NOISE_PARTS = {"docProps/core.xml"}      # created/modified timestamps


def compare_books(a: str | Path, b: str | Path, ignore: set[str] = NOISE_PARTS) -> list[str]:
    """Parts that differ between two workbook packages (missing on either side included)."""
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        na, nb = set(za.namelist()), set(zb.namelist())
        diff = sorted((na ^ nb) - ignore)
        diff += sorted(n for n in na & nb if n not in ignore and za.read(n) != zb.read(n))
    return diff
