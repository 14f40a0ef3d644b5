"""Run settings: the named cells of the ``Settings`` sheet (CONTRACT §3) as one immutable record.

Money settings (``match_tolerance``, ``commentary_threshold``) are integer minor units of the
reporting currency; percentages and confidences are Decimals (``match_tolerance_pct`` 0.5
means 0.5 %).  ``from_named_values`` builds a Settings from what the workbook holds (named
cell -> raw cell value) and returns the problems it found as InputError records.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from .dates import DateError, parse_date
from .errors import InputError
from .money import AmountError, is_currency, parse_amount

DEFAULT_BUCKETS = (0, 30, 60, 90, 120)

# named cell on the Settings sheet -> Settings field
NAMED_CELLS = {
    "AsOfDate": "as_of",
    "ReportingCurrency": "reporting_currency",
    "AgingBasis": "aging_basis",
    "AgingBuckets": "aging_buckets",
    "MatchTolerance": "match_tolerance",
    "MatchTolerancePct": "match_tolerance_pct",
    "AutoApplyMinConfidence": "auto_apply_min_confidence",
    "CommentaryThreshold": "commentary_threshold",
    "DayFirst": "day_first",
}


@dataclass(frozen=True)
class Settings:
    as_of: dt.date | None = None
    reporting_currency: str = "USD"
    aging_basis: str = "due"                      # "due" | "document"
    aging_buckets: tuple[int, ...] = DEFAULT_BUCKETS
    match_tolerance: int = 500                    # minor units of reporting currency (5.00)
    match_tolerance_pct: Decimal = Decimal("0.5")  # percent of the payment
    auto_apply_min_confidence: Decimal = Decimal("0.90")
    commentary_threshold: int = 100000            # minor units (1,000.00)
    day_first: bool = False
    decimal_comma: bool = False

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def parse_buckets(value: object) -> tuple[int, ...]:
    """``"0,30,60,90,120"`` (or a list) -> (0, 30, 60, 90, 120); strictly increasing, >= 0."""
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        parts = [p for p in text.replace(";", ",").split(",")]
    try:
        edges = tuple(int(float(p.strip())) for p in parts if p.strip() != "")
    except ValueError:
        raise ValueError(f"{value!r}: expected increasing whole days such as 0,30,60,90,120") from None
    if not edges or any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] < 0:
        raise ValueError(f"{value!r}: expected increasing whole days such as 0,30,60,90,120")
    return edges


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = str(value).strip().upper()
    if s in ("TRUE", "YES", "Y", "1", "WAHR"):
        return True
    if s in ("FALSE", "NO", "N", "0", "FALSCH"):
        return False
    raise ValueError(f"{value!r}: expected TRUE or FALSE")


def _decimal(value: object) -> Decimal:
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"{value!r}: expected a number") from None
    if not d.is_finite():
        raise ValueError(f"{value!r}: expected a number")
    return d


def from_named_values(values: dict[str, object], base: Settings | None = None,
                      *, file: str = "", sheet: str = "Settings") -> tuple[Settings, list[InputError]]:
    """Build Settings from named-cell values; blanks keep the ``base`` value.  Problems come
    back as InputError records (column = the cell's name)."""
    s = base or Settings()
    errors: list[InputError] = []
    changes: dict = {}

    def bad(name, value, expected):
        errors.append(InputError(f"setting {name} is not valid", "settings", file, sheet, None, name,
                                 str(value), expected))

    cur = values.get("ReportingCurrency")
    currency = s.reporting_currency
    if cur not in (None, ""):
        c = str(cur).strip().upper()
        if is_currency(c):
            changes["reporting_currency"] = currency = c
        else:
            bad("ReportingCurrency", cur, "an ISO 4217 code such as USD")
    day_first = s.day_first
    if values.get("DayFirst") not in (None, ""):
        try:
            changes["day_first"] = day_first = _bool(values["DayFirst"])
        except ValueError:
            bad("DayFirst", values["DayFirst"], "TRUE or FALSE")
    for name, fld in NAMED_CELLS.items():
        v = values.get(name)
        if v is None or (isinstance(v, str) and not v.strip()) or name in ("ReportingCurrency", "DayFirst"):
            continue
        try:
            if fld == "as_of":
                d = parse_date(v, day_first=day_first)
                if d is None:
                    continue
                changes[fld] = d
            elif fld == "aging_basis":
                b = str(v).strip().lower()
                if b not in ("due", "document"):
                    raise ValueError
                changes[fld] = b
            elif fld == "aging_buckets":
                changes[fld] = parse_buckets(v)
            elif fld in ("match_tolerance", "commentary_threshold"):
                m = parse_amount(v, currency)
                if m is None or m < 0:
                    raise ValueError
                changes[fld] = m
            elif fld == "match_tolerance_pct":
                d = _decimal(v)
                if d < 0 or d > 100:
                    raise ValueError
                changes[fld] = d
            elif fld == "auto_apply_min_confidence":
                d = _decimal(v)
                if not 0 <= d <= 1:
                    raise ValueError
                changes[fld] = d
        except (ValueError, DateError, AmountError):
            expected = {
                "as_of": "a date such as 2026-10-31",
                "aging_basis": "due or document",
                "aging_buckets": "increasing whole days such as 0,30,60,90,120",
                "match_tolerance": f"a non-negative amount in {currency}",
                "commentary_threshold": f"a non-negative amount in {currency}",
                "match_tolerance_pct": "a percentage between 0 and 100",
                "auto_apply_min_confidence": "a number between 0 and 1",
            }[fld]
            bad(name, v, expected)
    return replace(s, **changes), errors
