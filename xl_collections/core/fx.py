"""Currency conversion, exact: FX rates picked for an as-of date and int64 minor units
converted between currencies (rounded half away from zero, per amount).

``fx_rates`` is the canonical table (CONTRACT §2): ``currency``, ``rate`` (units of the
reporting currency per one unit of ``currency``), ``date``.  Used by the aging, the KPIs,
the reconciliation, the cash application and the close's totals.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from .errors import InputError, InputErrors

_INT64_SAFE = 2**62


def convert_minor(minor: np.ndarray, rate: Decimal, from_places: int, to_places: int) -> np.ndarray:
    """Exact currency conversion of int64 minor units: ``minor / 10**from_places * rate``
    in minor units of ``to_places`` decimals, rounded half away from zero, per element.

    The factor ``rate * 10**(to_places - from_places)`` is the exact fraction P/Q.  With
    ``m = h*Q + l`` (floor division, ``0 <= l < Q``) and ``l*P = t*Q + s``:
    ``m*P/Q = h*P + t + s/Q``, so the result is ``h*P + t`` plus one when the fraction
    ``s/Q`` is at least one half (more than a half for negative amounts).  Every product
    stays in int64 when ``P*Q`` and ``(max|m|/Q + 1)*P`` are below 2**62; otherwise the same
    arithmetic runs on Python integers (exact, slower)."""
    m = np.asarray(minor, dtype="int64")
    p, q = Decimal(rate).scaleb(to_places - from_places).as_integer_ratio()
    if p <= 0:
        raise ValueError(f"rate {rate} is not positive")
    if m.size == 0:
        return m.copy()
    biggest = int(np.abs(m).max()) if m.size else 0
    if p * q < _INT64_SAFE and (biggest // q + 1) * p < _INT64_SAFE:
        h, low = np.divmod(m, q)
        t, s = np.divmod(low * p, q)
        up = np.where(m >= 0, 2 * s >= q, 2 * s > q)
        return h * p + t + up
    out = []
    for v in m.tolist():
        f, s = divmod(v * p, q)
        out.append(f + int(2 * s >= q if v >= 0 else 2 * s > q))
    return np.array(out, dtype="int64")


def pick_rates(fx_rates: pd.DataFrame | None, currencies, as_of: dt.date, reporting_currency: str,
               need_rows: dict | None = None, need_source: dict | None = None,
               need_table: str = "open_items") -> dict[str, Decimal]:
    """Rate per currency: the latest rate dated on or before ``as_of``, else the undated one;
    1 for the reporting currency.  Raises InputErrors for currencies without a rate (naming the
    rows in ``need_rows[currency]``) and for conflicting rates on the same date."""
    rates: dict[str, Decimal] = {}
    errors: list[InputError] = []
    fx = fx_rates
    src = (fx.attrs.get("source") or {}) if fx is not None else {}
    as_of_ts = pd.Timestamp(as_of)
    for cur in currencies:
        if cur == reporting_currency:
            rates[cur] = Decimal(1)
            continue
        rows = fx[fx["currency"] == cur] if fx is not None and len(fx) else None
        chosen = None
        if rows is not None and len(rows):
            dated = rows[rows["date"].notna() & (rows["date"] <= as_of_ts)]
            pool = dated[dated["date"] == dated["date"].max()] if len(dated) else rows[rows["date"].isna()]
            distinct = {Decimal(r) for r in pool["rate"]}
            if len(distinct) > 1:
                when = "dated " + pool["date"].iloc[0].date().isoformat() if len(dated) else "undated"
                errors.append(InputError(f"conflicting {when} FX rates for {cur}", "fx_rates", src.get("file", ""),
                                         src.get("sheet", ""), int(pool["source_row"].iloc[1]) if "source_row" in pool else None,
                                         "rate", ", ".join(str(r) for r in sorted(distinct)), "one rate per currency and date"))
                continue
            if distinct:
                chosen = distinct.pop()
        if chosen is None:
            need = list(need_rows.get(cur, [])) if need_rows else []
            shown = ", ".join(str(r) for r in need[:20]) + (f" … ({len(need)} rows)" if len(need) > 20 else "")
            errors.append(InputError(
                f"no FX rate for {cur} dated on or before {as_of.isoformat()} (nor undated)"
                + (f"; needed by open_items rows {shown}" if need else ""),
                need_table, (need_source or {}).get("file", ""), (need_source or {}).get("sheet", ""),
                need[0] if need else None, "currency", cur,
                f"a row in fx_rates with currency {cur} (units of {reporting_currency} per 1 {cur})"))
            continue
        rates[cur] = chosen
    if errors:
        raise InputErrors(errors)
    return rates
