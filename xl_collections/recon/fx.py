"""Amounts in the reporting currency, exact: the aging module's rates and conversion.

``rate`` = units of reporting currency per one unit of ``currency``; the reporting
currency's own rate is 1; each item is converted and rounded half away from zero to the
reporting currency's minor unit (:func:`xl_collections.core.fx.convert_minor`)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from ..core.fx import convert_minor, pick_rates
from ..core.errors import InputErrors
from ..core.money import minor_unit


def rates_for(fx_rates: pd.DataFrame | None, currencies, as_of: dt.date, reporting_currency: str,
              *, strict: bool) -> dict[str, Decimal]:
    """Rate per currency (see :func:`xl_collections.core.fx.pick_rates`).  ``strict``: raise
    InputErrors for currencies without a rate; else leave them out of the result."""
    currencies = sorted({c for c in currencies if isinstance(c, str) and c})
    if strict:
        return pick_rates(fx_rates, currencies, as_of, reporting_currency, need_table="fx_rates")
    out: dict[str, Decimal] = {}
    for c in currencies:
        try:
            out.update(pick_rates(fx_rates, [c], as_of, reporting_currency, need_table="fx_rates"))
        except InputErrors:
            pass
    return out


def to_reporting(minor, currency, rates: dict[str, Decimal], reporting_currency: str) -> tuple[np.ndarray, np.ndarray]:
    """``(amounts, ok)``: int64 reporting-currency minor units per item, and a bool mask of the
    items that could be converted (currency with a rate); unconvertible items hold 0."""
    a = np.asarray(pd.Series(minor).to_numpy(dtype="int64"))
    codes, uniques = pd.factorize(pd.Series(currency, dtype=object).to_numpy(dtype=object))
    out = np.zeros(len(a), dtype="int64")
    ok = np.zeros(len(a), dtype=bool)
    to_places = minor_unit(reporting_currency)
    for k, c in enumerate(uniques):
        sel = codes == k
        if c == reporting_currency:
            out[sel], ok[sel] = a[sel], True
        elif c in rates:
            out[sel] = convert_minor(a[sel], rates[c], minor_unit(c), to_places)
            ok[sel] = True
    return out, ok
