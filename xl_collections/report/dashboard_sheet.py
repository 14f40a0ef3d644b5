"""The ``Dashboard`` sheet: headline figures with the change since last month, six native
charts, and under them the tables the charts plot (so every point can be checked).

Money columns are minor units of the reporting currency (written in major units with the
accounting format); percentages are written as fractions with a percent format.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..book.outputs import ChartSpec, SheetOutput, TableBlock
from ..core.headers import contract_name
from ..close.sheets import BUCKET_COLORS
from .dashboard import HEADLINE, Figure

DASHBOARD_SHEET = "Dashboard"
MONTHS_TABLE = "tblDashboardMonths"       # read back next month: the close's own figures per period
AFTER_SHEET = "Close"                     # CONTRACT §3: the sheet right after Close

# the Month by month table: column -> (meaning, unit)
MONTH_COLUMNS = {"Period": "period", "Receivables": "total_open", "Past due": "past_due", "Past due %": "past_due_pct",
                 "DSO": "dso", "Countback DSO": "countback_dso", "CEI": "cei"}
UNITS = dict(HEADLINE)
THOUSANDS = '#,##0,'          # a money axis in thousands (the title says so)
CHART_TOP_ROW = 9            # charts start here (1-based row), two per row of the grid
CHART_ROWS, CHART_GAP = 18, 1
DATA_ROW = CHART_TOP_ROW + 3 * (CHART_ROWS + CHART_GAP) + 2    # the chart data below the charts


def _shown(v, unit: str):
    """A figure as the cell holds it: money stays minor units, % becomes a fraction, days and
    counts a number; None stays blank."""
    if v is None or (not isinstance(v, Decimal) and pd.isna(v)):
        return None
    if unit == "%":
        return float(Decimal(v) / 100)
    if unit == "money":
        return int(v)
    return float(v) if unit == "days" else int(v)


def _formats(names, units: dict) -> tuple[list[str], list[str], dict]:
    money = [n for n in names if units.get(n) == "money"]
    pct = [n for n in names if units.get(n) == "%"]
    fmt = {n: "0.0" for n in names if units.get(n) == "days"}
    fmt.update({n: "#,##0" for n in names if units.get(n) == "count"})
    return money, pct, fmt


def headline_block(figures: list[Figure], as_of, prev_period: str | None, currency: str) -> TableBlock:
    """Two rows under the figures' names: this close's values, the change since last month."""
    names = [f.name for f in figures]
    label = "Headline"
    now = {label: f"This close ({as_of.isoformat()})", **{f.name: _shown(f.value, f.unit) for f in figures}}
    change = {label: f"Change since {prev_period}" if prev_period else "Change since last month",
              **{f.name: _shown(f.change, f.unit) for f in figures}}
    df = pd.DataFrame([now, change], columns=[label, *names])
    money, pct, fmt = _formats(names, UNITS)
    for c in money:
        df[c] = df[c].astype("Int64").astype(object).where(df[c].notna(), None)
    df.attrs = {"money": money, "currency": currency}
    widths = {label: 26, **{n: 15 for n in names}}
    return TableBlock(df, table_name="tblDashboardHeadline", percent_columns=tuple(pct), number_formats=fmt,
                      column_widths=widths, start_row=5, title="Headline figures")


def months_block(table: pd.DataFrame, currency: str) -> TableBlock:
    """``Month by month``: :func:`~xl_collections.report.dashboard.month_table` shown."""
    units = {"Receivables": "money", "Past due": "money", "Past due %": "%", "DSO": "days", "Countback DSO": "days",
             "CEI": "%", **{k: v for k, v in HEADLINE}}
    df = pd.DataFrame({"Period": table["period"].astype(object)})
    for col, src in list(MONTH_COLUMNS.items())[1:]:
        df[col] = [_shown(v, units[col]) for v in table[src]]
    for name, unit in HEADLINE:
        if name in table.columns:
            df[name] = [_shown(v, unit) for v in table[name]]
    money, pct, fmt = _formats(df.columns, units)
    for c in money:
        df[c] = pd.array(df[c], dtype="Int64").astype(object)
        df[c] = df[c].where(df[c].notna(), None)
    df.attrs = {"money": money, "currency": currency}
    return TableBlock(df, table_name=MONTHS_TABLE, percent_columns=tuple(pct), number_formats=fmt,
                      start_row=DATA_ROW, style="TableStyleLight9",
                      title="Month by month — Receivables, Past due, DSO, CEI: each Aging History month-end "
                            "(INV, DM, DED open > 0); Cash applied … Allowance: as that month's close recorded them")


def _money_block(df: pd.DataFrame, money: list[str], currency: str, title: str, **kw) -> TableBlock:
    df = df.copy()
    df.attrs = {"money": money, "currency": currency}
    return TableBlock(df, title=title, **kw)


def dashboard_output(figures: list[Figure], *, as_of, prev_period: str | None, currency: str, months: pd.DataFrame,
                     aging_months: pd.DataFrame, top: pd.DataFrame, collectors: pd.DataFrame, cash_days: pd.DataFrame,
                     promises: pd.DataFrame, labels, notes: list[str]) -> SheetOutput:
    """The sheet.  ``aging_months``: period × bucket; ``top``: top past-due customers with the
    past-due buckets; ``collectors``: ``collector, customers, past_due``; ``cash_days``:
    ``value_date, applied, applications`` (all money in minor units of ``currency``);
    ``promises``: ``collector, kept, partial, broken, pending`` (counts)."""
    labels = list(labels)
    past_labels = labels[1:]
    aging = aging_months.rename(columns={"period": "Period"})
    top_df = top.rename(columns={"customer_id": "Customer", "customer_name": "Name", "past_due": "Past due"})
    top_df["Name"] = [n if isinstance(n, str) and n.strip() else c for n, c in zip(top_df["Name"], top_df["Customer"])]
    top_title = f"Top {len(top_df)} past-due customers" if len(top_df) else "Past-due customers (none)"
    coll = collectors.rename(columns={"collector": "Collector", "customers": "Customers", "past_due": "Past due"})
    prom = promises.rename(columns={"collector": "Collector", "kept": "Kept", "partial": "Partial", "broken": "Broken",
                                    "pending": "Pending"})
    cash = cash_days.rename(columns={"value_date": "Value date", "applied": "Cash applied",
                                     "applications": "Applications"})
    blocks = [
        headline_block(figures, as_of, prev_period, currency),
        months_block(months, currency),
        _money_block(aging, labels, currency, f"Aging by month ({currency}, Aging History month-ends)", table_name="tblDashboardAging"),
        _money_block(top_df, [*past_labels, "Past due"], currency, f"{top_title} ({currency})", table_name="tblDashboardTop"),
        _money_block(coll, ["Past due"], currency, f"Past due by collector ({currency})", table_name="tblDashboardCollectors"),
        _money_block(cash, ["Cash applied"], currency, f"Cash applied per day ({currency}, this close)", table_name="tblDashboardCash"),
        TableBlock(prom, table_name="tblDashboardPromises", title="Promises to pay by collector (this close's judgement)"),
    ]
    left, right = "A", "G"
    row = [CHART_TOP_ROW + i * (CHART_ROWS + CHART_GAP) for i in range(3)]
    charts = [
        ChartSpec("Period", tuple(labels), kind="column", stacked=True, block=2, anchor=f"{left}{row[0]}",
                  width_cols=6, height_rows=CHART_ROWS, colors=BUCKET_COLORS[:len(labels)],
                  title=f"Aging trend by month ({currency} thousands)", max_points=len(aging) or 1,
                  value_format=THOUSANDS),
        ChartSpec("Period", ("DSO", "Countback DSO"), kind="line", block=1, anchor=f"{right}{row[0]}",
                  width_cols=5, height_rows=CHART_ROWS, colors=("2F5597", "C55A11"),
                  title="DSO trend (days, month-end receivables)", max_points=13, tail=True),
        ChartSpec("Name", tuple(past_labels), kind="bar", stacked=True, block=3, anchor=f"{left}{row[1]}",
                  width_cols=6, height_rows=CHART_ROWS, colors=BUCKET_COLORS[1:len(labels)],
                  title=f"{top_title} ({currency} thousands)", max_points=max(len(top_df), 1),
                  value_format=THOUSANDS),
        ChartSpec("Collector", ("Past due",), kind="bar", stacked=False, block=4, anchor=f"{right}{row[1]}",
                  width_cols=5, height_rows=CHART_ROWS, colors=("C55A11",),
                  title=f"Past due by collector ({currency} thousands)", max_points=max(len(coll), 1),
                  value_format=THOUSANDS),
        ChartSpec("Value date", ("Cash applied",), kind="column", stacked=False, block=5, anchor=f"{left}{row[2]}",
                  width_cols=6, height_rows=CHART_ROWS, colors=("548235",),
                  title=f"Cash applied per day ({currency} thousands)", max_points=max(len(cash), 1),
                  value_format=THOUSANDS),
        ChartSpec("Collector", ("Kept", "Partial", "Broken", "Pending"), kind="bar", stacked=True, block=6,
                  anchor=f"{right}{row[2]}", width_cols=5, height_rows=CHART_ROWS,
                  colors=("70AD47", "FFC000", "C00000", "A5A5A5"), title="Promises to pay by collector",
                  max_points=max(len(prom), 1)),
    ]
    return SheetOutput(DASHBOARD_SHEET, blocks=blocks, charts=charts, notes=tuple(notes), freeze=False,
                       print_fit_width=True, after=AFTER_SHEET)


def read_months(book) -> pd.DataFrame:
    """The ``Month by month`` table as the Dashboard shows it: its columns are the words people
    read ("Period", "DSO", "Cash applied"), which the book's reader turns into contract names
    where the two coincide ("dso"); this puts the shown words back."""
    t = book.read_table(MONTHS_TABLE)
    shown = [*MONTH_COLUMNS, *(name for name, _ in HEADLINE)]
    back = {contract_name(w): w for w in shown if contract_name(w) != w}
    return t.rename(columns={c: back[c] for c in t.columns if c in back and back[c] not in t.columns})
