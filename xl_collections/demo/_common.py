"""Shared helpers of the demo generator: dates as numpy day arrays, exact FX conversion in
integers, and the pass through :func:`xl_collections.io.validate.validate` that turns the
generated raw columns into canonical tables."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from ..core.errors import InputErrors
from ..core.fx import convert_minor as exact_convert
from ..io.validate import validate
from ..core.money import MINOR_UNITS
from ..core.schema import CODE, DATE, MONEY, RATE, TABLES, TEXT

VALIDATE_MAX_ROWS = 100_000          # larger tables are built directly in canonical form

DAY = np.timedelta64(1, "D")
RATE_PLACES = 6                      # FX rates carry 6 decimals: integer arithmetic is exact
RATE_SCALE = 10 ** RATE_PLACES


def d64(day: dt.date) -> np.datetime64:
    return np.datetime64(day, "D")


def month_start(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype("datetime64[D]")


def month_end(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - DAY


def weighted_counts(shares: dict[str, float], n: int, *, at_least_one: bool = False) -> dict[str, int]:
    """Split ``n`` by ``shares`` (largest remainders, deterministic); optionally >= 1 each."""
    keys = list(shares)
    w = np.array([shares[k] for k in keys], dtype=float)
    w = w / w.sum()
    raw = w * n
    counts = np.floor(raw).astype(int)
    if at_least_one and n >= len(keys):
        counts = np.maximum(counts, 1)
    rest = n - counts.sum()
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    while rest > 0:
        counts[order[i % len(keys)]] += 1
        rest -= 1
        i += 1
    while rest < 0:                    # at_least_one overshot: take from the biggest
        j = int(np.argmax(counts))
        counts[j] -= 1
        rest += 1
    return dict(zip(keys, counts.tolist()))


def convert_minor(minor: np.ndarray, currencies: np.ndarray, rate_int: dict[str, int], to_currency: str) -> np.ndarray:
    """Row-wise :func:`xl_collections.core.fx.convert_minor` (the engine's exact conversion, so
    the demo's totals are the engine's): minor units of each row's currency at the given rate
    (``rate_int[c]`` = rate x 10**6) into minor units of ``to_currency``, each row rounded
    once half away from zero."""
    minor = np.asarray(minor, dtype=np.int64)
    out = np.zeros(len(minor), dtype=np.int64)
    cur = np.asarray(currencies, dtype=object)
    to_mu = MINOR_UNITS[to_currency]
    for c in pd.unique(cur):
        m = cur == c
        out[m] = minor[m] if c == to_currency else exact_convert(minor[m], rate_decimal(rate_int[c]), MINOR_UNITS[c], to_mu)
    return out


def rate_decimal(rate_int: int) -> Decimal:
    return Decimal(int(rate_int)).scaleb(-RATE_PLACES).quantize(Decimal(1).scaleb(-RATE_PLACES))


def frame(columns: dict) -> pd.DataFrame:
    """DataFrame keeping text as object columns (pandas 3 would convert them to ``str``)."""
    return pd.DataFrame({k: (pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v)
                         for k, v in columns.items()})


def direct_table(table_name: str, columns: dict, reporting_currency: str) -> pd.DataFrame:
    """The canonical table built straight from generated columns that are already clean
    (exactly what ``validate`` returns for them; tests hold the two paths equal)."""
    table = TABLES[table_name]
    n = len(next(iter(columns.values()))) if columns else 0
    out = {}
    for col in table.columns:
        v = columns.get(col.name)
        if v is None and col.when_given:
            continue
        if col.name == "currency" and v is None:
            v = np.full(n, reporting_currency, dtype=object)
        if col.kind in (TEXT, CODE):
            if v is None:
                v = np.full(n, col.default if col.default is not None else "", dtype=object)
            out[col.name] = pd.Series(np.asarray(v, dtype=object), dtype=object)
        elif col.kind == DATE:
            arr = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]") if v is None else np.asarray(v).astype("datetime64[ns]")
            out[col.name] = pd.Series(arr, dtype="datetime64[ns]")
        elif col.kind == MONEY:
            if col.nullable_money or (v is None and col.default is None):
                out[col.name] = pd.Series(pd.array(v if v is not None else [None] * n, dtype="Int64"))
            elif v is None:
                out[col.name] = pd.Series(np.full(n, col.default, dtype=np.int64))
            else:
                out[col.name] = pd.Series(np.asarray(v, dtype=np.int64))
        elif col.kind == RATE:
            out[col.name] = pd.Series(np.asarray(v, dtype=object), dtype=object)
    df = pd.DataFrame(out)
    df["source_row"] = np.arange(2, n + 2, dtype=np.int64)
    df.attrs["table"] = table.name
    df.attrs["source"] = {"file": "<demo>", "sheet": table.sheet}
    df.attrs["reporting_currency"] = reporting_currency
    return df


def canonical_table(table_name: str, columns: dict, reporting_currency: str, *, force_validate: bool = False) -> pd.DataFrame:
    """Raw generated columns -> canonical table through ``validate`` (which must find nothing);
    tables over ``VALIDATE_MAX_ROWS`` rows are built by :func:`direct_table` (same result, faster).

    Money columns are given as int64 minor units of the row's currency (or of the reporting
    currency for tables without a ``currency`` column); they are handed to ``validate`` as
    major units and checked to come back identical."""
    table = TABLES[table_name]
    n = len(next(iter(columns.values()))) if columns else 0
    if n > VALIDATE_MAX_ROWS and not force_validate:
        return direct_table(table_name, columns, reporting_currency)
    cur = columns.get("currency")
    if cur is None:
        exps = np.full(n, MINOR_UNITS[reporting_currency])
    else:
        exps = pd.Series(np.asarray(cur, dtype=object)).map(MINOR_UNITS).to_numpy(dtype=np.int64)
    raw = {}
    minor_in = {}
    for col in table.columns:
        if col.name not in columns:
            continue
        v = columns[col.name]
        if col.kind == MONEY:
            arr = pd.array(v, dtype="Int64")
            minor_in[col.name] = arr
            f = arr.to_numpy(dtype="float64", na_value=np.nan) / (10.0 ** exps)
            raw[col.name] = f
        elif isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.datetime64):
            raw[col.name] = pd.Series(v.astype("datetime64[ns]"))
        else:
            raw[col.name] = pd.Series(np.asarray(v, dtype=object), dtype=object)
    df = pd.DataFrame(raw)
    out, errors = validate(df, table_name, file="<demo>", reporting_currency=reporting_currency)
    if errors:
        raise InputErrors(errors)
    for name, arr in minor_in.items():
        back = pd.array(out[name], dtype="Int64")
        given = ~arr.isna()
        if not ((back.isna() == arr.isna()).all() and (back[given] == arr[given]).all()):  # pragma: no cover
            raise AssertionError(f"demo {table_name}.{name}: money did not survive validation")
    out.attrs["source"] = {"file": "<demo>", "sheet": table.sheet}
    return out
