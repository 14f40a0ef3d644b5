"""Sub-ledger <-> GL control account for one period.

``subledger_total``: the open items' ``open_amount`` in the reporting currency (each item
converted and rounded on its own); ``gl_balance``: the GL ``closing_balance`` of the period
(summed over accounts, converted when the GL is kept in another currency);
``difference`` = sub-ledger minus GL; ``explained``: what the listed breaks account for
(the GL being fed from the register); ``unexplained`` = difference minus explained.
All int minor units of the reporting currency."""
from __future__ import annotations

import pandas as pd

from .fx import to_reporting

TIEOUT_COLUMNS = ["period", "subledger_total", "gl_balance", "difference", "explained", "unexplained"]


def gl_rows(gl: pd.DataFrame | None, period: str) -> pd.DataFrame | None:
    if gl is None or not len(gl):
        return None
    rows = gl[gl["period"] == period]
    return rows if len(rows) else None


def gl_amount(rows: pd.DataFrame | None, column: str, rates: dict, reporting_currency: str):
    """Sum of a GL money column in the reporting currency; None when absent or blank."""
    if rows is None or column not in rows:
        return None
    vals = rows[column]
    given = vals.notna().to_numpy()
    if not given.any():
        return None
    amounts, ok = to_reporting(vals[given].astype("int64"), rows["currency"][given], rates, reporting_currency)
    return int(amounts.sum()) if ok.all() else None


def subledger_total(open_items: pd.DataFrame, rates: dict, reporting_currency: str):
    """``(total, missing_currencies)``; total is None when some currency has no rate."""
    amounts, ok = to_reporting(open_items["open_amount"], open_items["currency"], rates, reporting_currency)
    if ok.all():
        return int(amounts.sum()), []
    return None, sorted(set(open_items["currency"].to_numpy(dtype=object)[~ok]))


def tieout(open_items: pd.DataFrame, gl: pd.DataFrame | None, *, period: str, rates: dict,
           reporting_currency: str, explained: int) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    sub, missing = subledger_total(open_items, rates, reporting_currency)
    if missing:
        notes.append(f"sub-ledger total not computed: no FX rate for {', '.join(missing)}")
    rows = gl_rows(gl, period)
    bal = gl_amount(rows, "closing_balance", rates, reporting_currency)
    if gl is None:
        notes.append("no GL given: the sub-ledger could not be tied to the control account")
    elif rows is None:
        notes.append(f"the GL has no row for {period}: the sub-ledger could not be tied to the control account")
    elif bal is None:
        notes.append(f"GL closing balance of {period} not computed: no FX rate for its currency")
    elif len(rows) > 1:
        notes.append(f"GL closing balance of {period} is the sum of {len(rows)} rows "
                     f"({', '.join(sorted(set(map(str, rows['account'])))) or 'no account given'})")
    diff = None if sub is None or bal is None else sub - bal
    unexplained = None if diff is None else diff - explained
    df = pd.DataFrame({"period": pd.Series([period], dtype=object),
                       "subledger_total": pd.array([sub], dtype="Int64"),
                       "gl_balance": pd.array([bal], dtype="Int64"),
                       "difference": pd.array([diff], dtype="Int64"),
                       "explained": pd.array([explained if diff is not None else None], dtype="Int64"),
                       "unexplained": pd.array([unexplained], dtype="Int64")})
    df.attrs["money"] = TIEOUT_COLUMNS[1:]
    df.attrs["currency"] = reporting_currency
    return df, notes
