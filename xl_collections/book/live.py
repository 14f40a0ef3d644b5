"""Live backend: the same interface over an open ``xlwings.Book`` (Excel on Windows/macOS).

Writes happen at once with screen updating off and progress on Excel's status bar.  Text
that would look like a formula is written with Excel's quote prefix (a leading ``'``), so
it stays text.  Features the platform's Excel API lacks (freeze panes and conditional
formats go through ``.api``) are skipped quietly rather than failing the run.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd

from ..core.money import MINOR_UNITS
from .base import frame_from_rows, table_from_sheet, contract_headers
from ..core.headers import contract_name
from .outputs import SheetOutput, TableBlock, looks_like_formula
from .sheetxml import parse_cell
from .styles import DATE_FORMAT, PERCENT_FORMAT, accounting
from .usercols import keep_user_columns

CHART_TYPES = {("bar", True): "bar_stacked", ("bar", False): "bar_clustered",
               ("column", True): "column_stacked", ("column", False): "column_clustered",
               ("line", True): "line", ("line", False): "line"}


class LiveBook:
    def __init__(self, book):
        self.book = book

    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def named_values(self) -> dict[str, object]:
        out, bare = {}, {}
        for n in self.book.names:
            with contextlib.suppress(Exception):
                rng = n.refers_to_range
                if rng.count != 1:
                    continue
                if "!" in n.name:
                    out[n.name] = rng.value
                    bare.setdefault(n.name.split("!", 1)[1], rng.value)
                else:
                    out[n.name] = rng.value
        for k, v in bare.items():
            out.setdefault(k, v)
        return out

    def read_sheet(self, name: str) -> pd.DataFrame:
        sheet = self.book.sheets[name]
        used = sheet.used_range
        last_row, last_col = used.last_cell.row, used.last_cell.column
        values = sheet.range((1, 1), (last_row, last_col)).options(ndim=2).value or []
        heads = []
        with contextlib.suppress(Exception):      # the tables' header rows: contract names
            heads = [(t.range.row, t.range.column - 1, t.range.column + t.range.columns.count - 2)
                     for t in sheet.tables]
        return contract_headers(frame_from_rows([list(r) for r in values]), heads)

    def read_table(self, table_name: str) -> pd.DataFrame:
        for sheet in self.book.sheets:
            for t in sheet.tables:
                if t.name.lower() == table_name.lower():
                    header = t.header_row_range.value
                    body = t.data_body_range
                    rows = body.options(ndim=2).value if body is not None else []
                    df = pd.DataFrame(rows, columns=[contract_name(str(h)) for h in header], dtype=object)
                    first = body.row if body is not None else t.range.row + 1
                    df.index = pd.RangeIndex(first, first + len(df))
                    return df
        raise KeyError(table_name)

    def selected_values(self) -> list:
        """The values of the cells selected in Excel (a value, or rows of values); [] when
        nothing is selected or Excel cannot say."""
        try:
            sel = self.book.selection
            return [] if sel is None else sel.options(ndim=2).value or []
        except Exception:  # noqa: BLE001 - a chart or shape selected, or no window
            return []

    _progress: str | None = None    # the caller's last progress message

    def _show(self, message) -> None:
        with contextlib.suppress(Exception):
            self.book.app.status_bar = message

    def status(self, message: str) -> None:
        self._progress = message
        self._show(message)

    def _with_user_columns(self, output: SheetOutput) -> SheetOutput:
        """``output`` with the user's columns beside its tables carried along (by row key)."""
        if any(b.key for b in output.blocks):       # user columns travel with their row's key
            name = next((s.name for s in self.book.sheets if s.name.lower() == output.name.lower()), None)
            output, _ = keep_user_columns(output, self.read_sheet(name) if name else None)
        return output

    def write_sheet(self, output: SheetOutput) -> None:
        output = self._with_user_columns(output)
        app = self.book.app
        self._show(f"Writing {output.name}…")
        app.screen_updating = False
        try:
            self._write(output)
        finally:
            app.screen_updating = True
            self._show(self._progress or False)   # back to the caller's progress, not a blank bar

    def _write(self, output: SheetOutput) -> None:
        names = [s.name.lower() for s in self.book.sheets]
        if output.name.lower() in names:
            sheet = self.book.sheets[output.name]
            for t in list(sheet.tables):
                t.delete()
            for ch in list(sheet.charts):
                ch.delete()
            sheet.cells.clear()        # shapes and buttons are not cells: they stay
        else:
            after = next((s for s in self.book.sheets if output.after and s.name.lower() == output.after.lower()),
                         self.book.sheets[-1])
            sheet = self.book.sheets.add(output.name, after=after)
            if output.hidden:
                sheet.visible = False
        for i, line in enumerate(output.notes, 1):
            sheet.range((i, 1)).value = _safe(line)
        if output.notes:
            with contextlib.suppress(Exception):
                sheet.range((1, 1)).font.bold = True
        blocks = list(zip(output.blocks, output.layout()))
        for block, row in blocks:
            self._block(sheet, block, row)
        for spec in output.charts:
            block, row = blocks[spec.block]
            n = min(len(block.df), spec.max_points)
            skip = len(block.df) - n if spec.tail else 0      # a trend: its last rows
            cols = list(block.df.columns)
            c0 = block.start_col
            ci = c0 + cols.index(spec.categories_column)
            src = [sheet.range((row + 1 + skip, ci), (row + skip + n, ci)) if skip else
                   sheet.range((row, ci), (row + n, ci))]
            src += [sheet.range((row + 1 + skip, c0 + cols.index(c)), (row + skip + n, c0 + cols.index(c))) if skip else
                    sheet.range((row, c0 + cols.index(c)), (row + n, c0 + cols.index(c))) for c in spec.series_columns]
            r0, k0 = parse_cell(spec.anchor)
            top_left = sheet.range((r0 + 1, k0 + 1))
            chart = sheet.charts.add(left=top_left.left, top=top_left.top, width=spec.width_cols * 48,
                                     height=spec.height_rows * 15)
            chart.set_source_data(sheet.range(",".join(r.address for r in src)))
            chart.chart_type = CHART_TYPES[(spec.kind, spec.stacked)]
            if spec.title:
                with contextlib.suppress(Exception):
                    chart.api[1].HasTitle = True
                    chart.api[1].ChartTitle.Text = spec.title
        with contextlib.suppress(Exception):
            self._links(sheet, output, blocks)
        if output.print_fit_width:
            with contextlib.suppress(Exception):   # Windows COM only
                self._print_setup(sheet, output)
        if output.freeze and blocks:
            with contextlib.suppress(Exception):   # Windows COM only
                sheet.activate()
                window = self.book.app.api.ActiveWindow
                window.FreezePanes = False
                window.SplitColumn, window.SplitRow = 0, blocks[0][1]
                window.FreezePanes = True

    def _links(self, sheet, output: SheetOutput, blocks) -> None:
        """The back link under the notes and each block's drill-down links (``TableBlock.links``)."""
        row = output.link_row()
        if row:
            text, where = output.back_link
            sheet.range((row, 1)).add_hyperlink("#" + where, text)
        for block, header in blocks:
            for col, targets in block.links.items():
                if col not in block.df.columns:
                    continue
                j = list(block.df.columns).index(col)
                for k, v in enumerate(block.df[col].tolist()):
                    where = targets.get(v if isinstance(v, str) else str(v))
                    if where:
                        sheet.range((header + 1 + k, block.start_col + j)).add_hyperlink("#" + where, str(v))

    def _print_setup(self, sheet, output: SheetOutput) -> None:
        """Landscape, one page wide, the main table's header repeated, the dated footer (as the
        headless writer's ``pageSetup``/``headerFooter``; the print area is Excel's used range)."""
        ps = sheet.api.PageSetup
        ps.Orientation = 2                 # xlLandscape
        ps.Zoom = False
        ps.FitToPagesWide, ps.FitToPagesTall = 1, False
        i = output.print_titles_block()
        if i is not None:
            r = output.layout()[i]
            ps.PrintTitleRows = f"${r}:${r}"
        ps.LeftFooter = output.footer.replace("&", "&&")
        ps.CenterFooter, ps.RightFooter = "&A", "Page &P of &N"

    def _block(self, sheet, block: TableBlock, row: int) -> None:
        df = block.df
        c0 = block.start_col
        values = _display_rows(block)
        sheet.range((row, c0)).value = [[_safe(h) for h in block.shown_headers()], *values]
        last = row + max(len(df), 1)
        money, dates = set(block.money()), set(block.dates())
        curs = df["currency"].tolist() if "currency" in df.columns else [df.attrs.get("currency", "USD")] * len(df)
        for j, c in enumerate(df.columns):
            rng = sheet.range((row + 1, c0 + j), (last, c0 + j))
            fmt = block.number_formats.get(c)
            if c in money:
                exps = {MINOR_UNITS.get(x, 2) for x in curs} or {2}
                fmt = fmt or accounting(max(exps))
            elif c in dates:
                fmt = fmt or DATE_FORMAT
            elif c in block.percent_columns:
                fmt = fmt or PERCENT_FORMAT
            if fmt:
                rng.number_format = fmt
            width = block.column_widths.get(c)
            if width:
                rng.column_width = width
        full = sheet.range((row, c0), (last, c0 + len(df.columns) - 1))
        if block.table_name:
            sheet.tables.add(source=full, name=block.table_name, table_style_name=block.style.replace(" ", ""))
        else:
            sheet.range((row, c0), (row, c0 + len(df.columns) - 1)).font.bold = True
        if not block.column_widths:
            with contextlib.suppress(Exception):
                full.autofit()

    def append_rows(self, sheet: str, df: pd.DataFrame, *, table_name: str | None = None) -> None:
        old = table_from_sheet(self.read_sheet(sheet)) if sheet in self.sheet_names() else pd.DataFrame()
        new = df if old.empty else pd.concat([old, df], ignore_index=True)
        new.attrs = {**df.attrs}
        self.write_sheet(SheetOutput(sheet, [TableBlock(new, table_name=table_name or "tbl" + "".join(ch for ch in sheet if ch.isalnum()))]))

    def save(self, path=None) -> Path:
        self.book.save(str(path) if path else None)
        return Path(path) if path else self.path


def _safe(v):
    """Text that would read as a formula gets Excel's quote prefix."""
    return "'" + v if isinstance(v, str) and looks_like_formula(v) else v


def _display_rows(block: TableBlock) -> list[list]:
    df = block.df
    money = set(block.money())
    curs = df["currency"].tolist() if "currency" in df.columns else [df.attrs.get("currency", "USD")] * len(df)
    cols = []
    for c in df.columns:
        s = df[c]
        if c in money:
            cols.append([None if pd.isna(v) else int(v) / 10 ** MINOR_UNITS.get(k, 2) for v, k in zip(s.tolist(), curs)])
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            cols.append([None if pd.isna(v) else v.to_pydatetime() for v in s.tolist()])
        else:
            cols.append([None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else _safe(v)
                         for v in s.tolist()])
    return [list(r) for r in zip(*cols)]

