""":func:`read_prior` reads a sheet's numbers at once (``_plain_minor``) and trims text cells in
line (``_texts``): the same minor units, blanks, errors (row, column, order) and texts as
reading each cell with :func:`parse_amount` / ``_text``, the careful path it replaced."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from xl_collections.cashapp.prior import (APPLIED, PRIOR_MONEY, PRIOR_TEXT, _plain_minor, _text, _texts, in_set,
                                         read_prior)
from xl_collections.core.money import MINOR_UNITS, AmountError, parse_amount

CURRENCIES = ["USD", "JPY", "KWD", "EUR", "", "usd", "XXQ"]
halves = st.integers(-10**9, 10**9).map(lambda k: k / 2000)          # 0.0005 steps: halves at every scale
money = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), halves, st.integers(-10**12, 10**12).map(lambda k: k / 100),
    st.integers(-2**60, 2**60), st.integers(-10**6, 10**6), st.sampled_from([10**400, -(2**53) - 1, 2**50]), st.sampled_from([0.0, -0.0, 1.005, 0.125, 2.675, 1e15,
                                                                             4503599627370.497, 9.007199254740993e15]),
    st.booleans(), st.none(), st.sampled_from(["1,234.56", " 12.30 ", "(5.00)", "abc", "", "'=1", "1.234"]),
    st.floats(min_value=-1e20, max_value=1e20))
text = st.one_of(st.text(max_size=6), st.none(), st.floats(allow_nan=True), st.integers(-5, 5),
                 st.sampled_from(["'=SUM(A1)", " 'x ", "'+1", "  P-1  ", "'"]))


def careful(v, cur):
    """What read_prior did per cell before the fast path."""
    try:
        return parse_amount(_text(v) if isinstance(v, str) else v, cur), None
    except AmountError as e:
        return None, e.expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(money, st.sampled_from(CURRENCIES)), max_size=40))
def test_plain_numbers_are_read_as_parse_amount_reads_them(cells):
    values = [v for v, _ in cells]
    cur = [c if c in MINOR_UNITS else "USD" for _, c in cells]
    got, ok = _plain_minor(values, np.array([MINOR_UNITS[c] for c in cur], dtype=np.int64))
    for v, c, m, fast in zip(values, cur, got.tolist(), ok.tolist()):
        if fast:
            assert careful(v, c) == (m, None), (v, c, m)


@settings(max_examples=200, deadline=None)
@given(st.lists(text, max_size=30))
def test_texts_are_trimmed_as_text_trims_them(values):
    assert _texts(values) == [_text(v) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["P1", "P2", "", None]), st.sampled_from(["AUTO", "REVIEW", "", "applied"]),
                          st.sampled_from(CURRENCIES), st.lists(money, min_size=len(PRIOR_MONEY),
                                                                max_size=len(PRIOR_MONEY))), max_size=12))
def test_read_prior_reads_every_cell_as_the_careful_path(rows):
    df = pd.DataFrame({"payment_id": [r[0] for r in rows], "document_no": "INV1", "status": [r[1] for r in rows],
                       "currency": [r[2] for r in rows],
                       **{c: pd.Series([r[3][j] for r in rows], dtype=object) for j, c in enumerate(PRIOR_MONEY)}},
                      dtype=object)
    out, errors = read_prior(df, reporting_currency="GBP", sheet="Cash App")
    want_errors, want = [], {c: [] for c in PRIOR_MONEY}
    for i, (pid, status, cur, vals) in enumerate(rows):
        cur = cur.upper() if cur.upper() in MINOR_UNITS else "GBP"
        for c, v in zip(PRIOR_MONEY, vals):
            if not _text(pid):
                continue
            m, bad = careful(v, cur)
            if bad is not None:
                want_errors.append((c, i + 2, "not an amount"))
            if m is None and c == "open_before" and _text(status).upper() in APPLIED:
                want_errors.append((c, i + 2, "blank"))
            want[c].append(m)
    got_errors = sorted((e.column, e.row, "blank" if "blank" in e.message else "not an amount") for e in errors)
    assert got_errors == sorted(want_errors)
    if errors:
        assert out is None
        return
    keep = [bool(_text(r[0])) for r in rows]
    full = pd.DataFrame({c: want[c] for c in PRIOR_MONEY}, dtype=object)
    assert len(out) <= len(full)
    if not out.duplicated().any() and len(out) == sum(keep):
        for c in PRIOR_MONEY:
            expect = [(pd.NA if m is None else m) if c == "payment_amount" else (m or 0) for m in want[c]]
            assert out[c].tolist() == expect, c
        assert str(out["payment_amount"].dtype) == "Int64"
        assert all(str(out[c].dtype) == "int64" for c in PRIOR_MONEY if c != "payment_amount")
        assert all(out[c].map(type).eq(str).all() for c in PRIOR_TEXT if c in out and len(out))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=3), max_size=30), st.lists(st.text(max_size=3), max_size=30),
       st.sampled_from(["object", "string[pyarrow]", "str"]))
def test_in_set_is_isin_for_ids(values, wanted, dtype):
    s = pd.Series(values, dtype=dtype)
    assert in_set(s, set(wanted)).tolist() == s.isin(set(wanted)).tolist()
    assert in_set(s, wanted).dtype == bool and len(in_set(s, wanted)) == len(s)
