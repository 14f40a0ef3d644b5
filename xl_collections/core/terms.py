"""Payment terms: text as the customer master holds it -> due date and discount date.

=================  ==================================================================
terms text         meaning
=================  ==================================================================
``NET30``          due 30 days after the document date (also ``NET 30``, ``N30``, ``30 DAYS``)
``2/10 NET30``     2 % discount if paid within 10 days, else due in 30 (``1.5/15 N45`` …)
``EOM``            due at the end of the document's month
``EOM45``          due 45 days after the end of the document's month (``NET45 EOM`` too)
``15 MFI``         due on the 15th of the month following the invoice (``10 PROX`` too)
``DUE ON RECEIPT`` due on the document date (also ``COD``, ``CIA``, ``CASH``, ``IMMEDIATE``)
=================  ==================================================================

Unknown text raises :class:`TermsError`: an input error, never a silent default.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .dates import month_end


class TermsError(ValueError):
    def __init__(self, value: object):
        super().__init__(f"{value!r} are not payment terms: expected e.g. NET30, 2/10 NET30, EOM, EOM45, 15 MFI, DUE ON RECEIPT, COD")
        self.value = value
        self.expected = "payment terms such as NET30, 2/10 NET30, EOM45, 15 MFI, COD"


@dataclass(frozen=True)
class Terms:
    """Parsed terms.  ``discount_pct`` is a percentage (2 means 2 %)."""
    text: str
    net_days: int = 0
    eom: bool = False
    day_of_next_month: int | None = None
    discount_pct: Decimal = Decimal(0)
    discount_days: int = 0

    def due_date(self, document_date: dt.date) -> dt.date:
        if self.day_of_next_month is not None:
            y, m = _next_month(document_date.year, document_date.month)
            return dt.date(y, m, min(self.day_of_next_month, calendar.monthrange(y, m)[1]))
        start = month_end(document_date) if self.eom else document_date
        return start + dt.timedelta(days=self.net_days)

    def discount_date(self, document_date: dt.date) -> dt.date | None:
        """Last day the early-payment discount may be taken; None without a discount."""
        if not self.discount_pct:
            return None
        return document_date + dt.timedelta(days=self.discount_days)


def _next_month(y: int, m: int) -> tuple[int, int]:
    return (y + 1, 1) if m == 12 else (y, m + 1)


_IMMEDIATE = {"DUE ON RECEIPT", "DUE UPON RECEIPT", "ON RECEIPT", "RECEIPT", "COD", "C.O.D.", "CIA",
              "CASH", "CASH IN ADVANCE", "IMMEDIATE", "PREPAID", "NET0", "NET 0"}
_DISC = re.compile(r"^(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+)\s*[, ]?\s*(.*)$")
_NET = re.compile(r"^(?:NET|N)\s*(\d+)(?:\s*DAYS?)?(?:\s+(EOM))?$|^(\d+)\s*DAYS?(?:\s*NET)?$")
_EOM = re.compile(r"^EOM\s*(\d*)$|^(\d+)\s*EOM$")
_MFI = re.compile(r"^(\d{1,2})\s*(?:MFI|PROX(?:IMO)?)$")


@lru_cache(maxsize=4096)
def parse_terms(text: str) -> Terms:
    """Parse payment terms text (case and spacing ignored)."""
    if not isinstance(text, str) or not text.strip():
        raise TermsError(text)
    s = re.sub(r"\s+", " ", text.strip().upper())
    if s in _IMMEDIATE:
        return Terms(text=s)
    pct, ddays = Decimal(0), 0
    m = _DISC.match(s)
    if m:
        pct, ddays, s = Decimal(m.group(1)), int(m.group(2)), m.group(3).strip()
        if not s:
            raise TermsError(text)
    m = _NET.match(s)
    if m:
        if m.group(1) is not None:
            return Terms(text.strip().upper(), int(m.group(1)), bool(m.group(2)), None, pct, ddays)
        return Terms(text.strip().upper(), int(m.group(3)), False, None, pct, ddays)
    m = _EOM.match(s)
    if m:
        days = m.group(1) or m.group(2) or "0"
        return Terms(text.strip().upper(), int(days), True, None, pct, ddays)
    m = _MFI.match(s)
    if m:
        day = int(m.group(1))
        if not 1 <= day <= 31:
            raise TermsError(text)
        return Terms(text.strip().upper(), 0, False, day, pct, ddays)
    raise TermsError(text)


def due_date(document_date: dt.date, terms: str | None) -> dt.date:
    """Due date from terms; the document date itself when there are no terms."""
    if terms is None or (isinstance(terms, str) and not terms.strip()):
        return document_date
    return parse_terms(terms).due_date(document_date)
