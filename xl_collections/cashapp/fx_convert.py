"""Payments in another currency than their documents: :class:`FxConverter` turns an amount of
one currency into another through the reporting currency at the ``fx_rates`` of the payment's
value date (:func:`xl_collections.core.fx.pick_rates`), exactly, rounded once half away from zero.
``fx_rates`` holds units of the reporting currency per one unit of ``currency``.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from ..core.fx import pick_rates
from ..core.errors import InputErrors
from ..core.money import minor_unit


class FxConverter:
    """Rates of a canonical ``fx_rates`` table (None: no rates) for ``reporting_currency``."""

    def __init__(self, rates: pd.DataFrame | None, reporting_currency: str):
        self.rates = rates
        self.reporting_currency = reporting_currency
        self._cache: dict = {}
        self._dates: dict[str, np.ndarray] = {}
        self._by_rate_date: dict = {}

    def rate(self, cur: str, value_date) -> tuple[Decimal, str] | None:
        """``(rate, date)`` of ``cur`` for ``value_date`` from ``fx_rates`` (units of the reporting
        currency per 1 ``cur``, picked by :func:`pick_rates`; date '' when undated or the
        reporting currency itself); None without a rate.  Picked once per rate date: value
        dates whose latest rate on or before them is the same share the answer."""
        day = pd.Timestamp(value_date).date()
        key = (cur, day)
        if key not in self._cache:
            eff = (cur, self._rate_date(cur, day))
            if eff not in self._by_rate_date:
                self._by_rate_date[eff] = self._pick(cur, day)
            self._cache[key] = self._by_rate_date[eff]
        return self._cache[key]

    def _rate_date(self, cur: str, day) -> pd.Timestamp | None:
        """The date of ``cur``'s latest dated rate on or before ``day``; None when there is none."""
        dates = self._dates.get(cur)
        if dates is None:
            fx = self.rates
            d = fx.loc[(fx["currency"] == cur) & fx["date"].notna(), "date"] if fx is not None and len(fx) else None
            dates = self._dates[cur] = np.sort(d.to_numpy(dtype="datetime64[ns]")) if d is not None else np.array(
                [], dtype="datetime64[ns]")
        k = int(np.searchsorted(dates, np.datetime64(pd.Timestamp(day), "ns"), side="right"))
        return pd.Timestamp(dates[k - 1]) if k else None

    def _pick(self, cur: str, day) -> tuple[Decimal, str] | None:
        rc = self.reporting_currency
        got = None
        if self.rates is not None:
            try:
                r = pick_rates(self.rates, [cur], day, rc, need_table="payments")[cur]
            except InputErrors:
                r = None
            if r is not None:
                when = ""
                if cur != rc:
                    fx = self.rates
                    d = fx.loc[(fx["currency"] == cur) & fx["date"].notna() & (fx["date"] <= pd.Timestamp(day)), "date"]
                    when = d.max().date().isoformat() if len(d) else ""
                got = (r, when)
        return got

    def cross(self, minor: int, cur: str, to_cur: str, value_date) -> tuple[int, str] | None:
        """``minor`` units of ``cur`` in minor units of ``to_cur`` through the reporting currency,
        exact and rounded once half away from zero; with the rate text for the evidence."""
        a, b = self.rate(cur, value_date), self.rate(to_cur, value_date)
        if a is None or b is None:
            return None
        f = Fraction(int(minor)) * Fraction(a[0]) / Fraction(b[0]) * Fraction(10) ** (minor_unit(to_cur) - minor_unit(cur))
        q, r = divmod(abs(f.numerator), f.denominator)
        q += 2 * r >= f.denominator
        rc = self.reporting_currency
        if cur == rc:
            how = f"{b[0]}"
        elif to_cur == rc:
            how = f"{a[0]}"
        else:
            how = f"{a[0]} {rc}/{cur} and {b[0]} {rc}/{to_cur}"
        dates = sorted({d for d in (a[1], b[1]) if d})
        return (q if f >= 0 else -q), f"at {how} (FX Rates{' ' + ', '.join(dates) if dates else ''})"
