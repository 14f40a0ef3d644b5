"""Write result tables to CSV or XLSX (chosen by the file's extension).

Result DataFrames carry money as integer minor units (like every table inside the engine)
and name their money columns in ``df.attrs["money"]``; the currency of each row is its
``currency`` column, else ``df.attrs["currency"]`` — except for columns named in
``df.attrs["money_currency"]`` (column -> currency), which are in that one currency
whatever the row's (e.g. an aging detail's ``reporting_amount``).  Here, at the edge, money becomes
decimal text (CSV) or a number with an accounting format (XLSX).  Text is always written
as text: a value such as ``=SUM(A1)`` from the data never becomes a formula.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..money import MINOR_UNITS, to_decimal


def money_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.attrs.get("money", ()) if c in df.columns]


def _currencies(df: pd.DataFrame) -> pd.Series:
    if "currency" in df.columns:
        return df["currency"].where(df["currency"].isin(list(MINOR_UNITS)), df.attrs.get("currency", "USD"))
    return pd.Series(df.attrs.get("currency", "USD"), index=df.index)


def to_display(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with money columns as Decimal major units (None for blanks) and dates as
    ``datetime.date``; for writing and for people, not for arithmetic in the engine."""
    out = df.copy()
    curs = _currencies(df)
    fixed = df.attrs.get("money_currency", {}) or {}
    for col in money_columns(df):
        if col in fixed:
            out[col] = [None if pd.isna(v) else to_decimal(int(v), fixed[col]) for v in df[col]]
        else:
            out[col] = [None if pd.isna(v) else to_decimal(int(v), c) for v, c in zip(df[col], curs)]
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = [None if pd.isna(v) else v.date() for v in out[col]]
    out.attrs = {}
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, sheet: str = "Sheet1") -> Path:
    """Write one result table; ``.csv`` or ``.xlsx`` by extension.  Written to a temporary
    file first and renamed, so a failure never leaves half a file."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: expected a .csv or .xlsx output file")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    disp = to_display(df)
    if ext == ".csv":
        disp.to_csv(tmp, index=False, lineterminator="\n")
    else:
        _write_xlsx(disp, money_columns(df), tmp, sheet)
    os.replace(tmp, path)
    return path


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | os.PathLike) -> list[Path]:
    """One CSV per result table: ``DIR/<name>.csv``."""
    return [write_table(df, Path(out_dir) / f"{name}.csv") for name, df in tables.items()]


def _write_xlsx(disp: pd.DataFrame, money: list[str], path: Path, sheet: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet[:31])
    head = wb.add_format({"bold": True, "bottom": 1})
    money_fmt = wb.add_format({"num_format": "#,##0.00;[Red](#,##0.00);-"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, col in enumerate(disp.columns):
        ws.write_string(0, j, str(col), head)
        ws.set_column(j, j, max(10, min(40, len(str(col)) + 2)))
    for i, row in enumerate(disp.itertuples(index=False), start=1):
        for j, (col, v) in enumerate(zip(disp.columns, row)):
            if v is None or (isinstance(v, float) and pd.isna(v)):
                continue
            if col in money:
                ws.write_number(i, j, float(v), money_fmt)
            elif hasattr(v, "year") and hasattr(v, "month"):
                ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), date_fmt)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                ws.write_number(i, j, float(v))
            else:
                ws.write_string(i, j, str(v))
    ws.freeze_panes(1, 0)
    if len(disp.columns):
        ws.autofilter(0, 0, max(len(disp), 1), len(disp.columns) - 1)
    wb.close()
