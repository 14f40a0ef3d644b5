"""terms.py: payment terms text -> due date and discount date; unknown terms refused."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_collections.core.terms import TermsError, due_date, parse_terms

D = dt.date


@pytest.mark.parametrize("text, net, eom, mfi, pct, ddays", [
    ("NET30", 30, False, None, 0, 0),
    ("net 30", 30, False, None, 0, 0),
    ("  Net   30  ", 30, False, None, 0, 0),
    ("N30", 30, False, None, 0, 0),
    ("NET 30 DAYS", 30, False, None, 0, 0),
    ("30 DAYS", 30, False, None, 0, 0),
    ("30 days net", 30, False, None, 0, 0),
    ("2/10 NET30", 30, False, None, 2, 10),
    ("2/10 N30", 30, False, None, 2, 10),
    ("2%/10 NET 30", 30, False, None, 2, 10),
    ("2/10, NET 30", 30, False, None, 2, 10),
    ("1.5/15 N45", 45, False, None, Decimal("1.5"), 15),
    ("EOM", 0, True, None, 0, 0),
    ("EOM45", 45, True, None, 0, 0),
    ("EOM 45", 45, True, None, 0, 0),
    ("45 EOM", 45, True, None, 0, 0),
    ("NET45 EOM", 45, True, None, 0, 0),
    ("15 MFI", 0, False, 15, 0, 0),
    ("15MFI", 0, False, 15, 0, 0),
    ("10 PROX", 0, False, 10, 0, 0),
    ("10 PROXIMO", 0, False, 10, 0, 0),
    ("2/10 EOM", 0, True, None, 2, 10),
    ("DUE ON RECEIPT", 0, False, None, 0, 0),
    ("Due upon receipt", 0, False, None, 0, 0),
    ("COD", 0, False, None, 0, 0),
    ("C.O.D.", 0, False, None, 0, 0),
    ("CIA", 0, False, None, 0, 0),
    ("cash in advance", 0, False, None, 0, 0),
    ("IMMEDIATE", 0, False, None, 0, 0),
    ("PREPAID", 0, False, None, 0, 0),
    ("NET0", 0, False, None, 0, 0),
])
def test_accepted_terms(text, net, eom, mfi, pct, ddays):
    t = parse_terms(text)
    assert (t.net_days, t.eom, t.day_of_next_month, t.discount_pct, t.discount_days) == (net, eom, mfi, Decimal(pct), ddays)


@pytest.mark.parametrize("text", ["", "   ", "NET", "FOO", "2/10", "2/10 FOO", "NET -5", "0 MFI", "32 MFI",
                                  "EOMX", "30 WEEKS", "NET30 NET60", "2//10 NET30"])
def test_unknown_terms_are_errors(text):
    with pytest.raises(TermsError) as exc:
        parse_terms(text)
    assert "NET30" in exc.value.expected and exc.value.value == text


@pytest.mark.parametrize("value", [None, 30, 30.0])
def test_non_text_terms_are_errors(value):
    with pytest.raises(TermsError):
        parse_terms(value)


@pytest.mark.parametrize("terms, doc, due", [
    ("NET30", D(2026, 1, 31), D(2026, 3, 2)),
    ("NET30", D(2026, 12, 15), D(2027, 1, 14)),
    ("NET0", D(2026, 5, 5), D(2026, 5, 5)),
    ("2/10 NET30", D(2026, 10, 1), D(2026, 10, 31)),
    ("EOM", D(2026, 2, 10), D(2026, 2, 28)),
    ("EOM", D(2028, 2, 10), D(2028, 2, 29)),               # leap year
    ("EOM45", D(2026, 1, 15), D(2026, 3, 17)),
    ("NET45 EOM", D(2026, 1, 15), D(2026, 3, 17)),
    ("15 MFI", D(2026, 1, 20), D(2026, 2, 15)),
    ("15 MFI", D(2026, 1, 1), D(2026, 2, 15)),
    ("15 MFI", D(2026, 12, 5), D(2027, 1, 15)),
    ("31 MFI", D(2026, 1, 20), D(2026, 2, 28)),            # clamped to the month's last day
    ("30 PROX", D(2026, 3, 31), D(2026, 4, 30)),
    ("DUE ON RECEIPT", D(2026, 10, 31), D(2026, 10, 31)),
    ("COD", D(2026, 10, 31), D(2026, 10, 31)),
])
def test_due_dates(terms, doc, due):
    assert parse_terms(terms).due_date(doc) == due
    assert due_date(doc, terms) == due


def test_discount_dates():
    assert parse_terms("2/10 NET30").discount_date(D(2026, 10, 1)) == D(2026, 10, 11)
    assert parse_terms("1.5/15 N45").discount_date(D(2026, 12, 20)) == D(2027, 1, 4)
    assert parse_terms("NET30").discount_date(D(2026, 10, 1)) is None
    assert parse_terms("EOM45").discount_date(D(2026, 10, 1)) is None


def test_no_terms_means_due_on_the_document_date():
    assert due_date(D(2026, 10, 31), None) == D(2026, 10, 31)
    assert due_date(D(2026, 10, 31), "  ") == D(2026, 10, 31)
    with pytest.raises(TermsError):
        due_date(D(2026, 10, 31), "SOMEDAY")


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)), st.integers(0, 365))
def test_net_days_property(doc, n):
    assert parse_terms(f"NET{n}").due_date(doc) == doc + dt.timedelta(days=n)
    eom = parse_terms(f"EOM{n}").due_date(doc)
    assert eom - dt.timedelta(days=n) >= doc and (eom - dt.timedelta(days=n) + dt.timedelta(days=1)).day == 1


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)), st.integers(1, 31))
def test_mfi_property(doc, day):
    due = parse_terms(f"{day} MFI").due_date(doc)
    assert (due.year * 12 + due.month) - (doc.year * 12 + doc.month) == 1
    assert due.day == day or (due + dt.timedelta(days=1)).day == 1
