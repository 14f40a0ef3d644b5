"""The amounts' byte-level fast path (issue 20: ``money._plain_bytes``) gives what the careful
parser gives, cell for cell, whatever the column holds: signs, separators of either kind,
more decimals than the currency has, blanks, nulls, and cells it must leave to the careful way
(spaces, parentheses, thousands separators, currency symbols, text, a trailing minus)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.core import money
from xl_collections.core.money import AmountError, parse_amount, parse_amount_series

CURRENCIES = ["USD", "JPY", "KWD", "CLF", "EUR", "", "XXX"]
plain = st.one_of(st.text(alphabet="0123456789.-,", min_size=0, max_size=18),
                  st.from_regex(r"-?[0-9]{0,17}([.,][0-9]{0,5})?", fullmatch=True))
unusual = st.sampled_from([" 12.50", "12.50 ", "(5.00)", "$5.00", "1,234.56", "1.234,56", "+3", "5-", "12.5 CR",
                           "EUR 7", "1e5", "abc", "\t", "١٢٣", "12\n"])
cell = st.one_of(plain, plain, plain, plain, plain, plain, unusual, st.none())
column = st.lists(st.tuples(cell, st.sampled_from(CURRENCIES)), max_size=14)


def careful(texts, curs, decimal_comma):
    """Each cell through :func:`parse_amount` (what the slow path does): minor or None, and the error."""
    out = []
    for t, c in zip(texts, curs):
        try:
            out.append((parse_amount(t, c if c in money.MINOR_UNITS else "USD", decimal_comma=decimal_comma), None))
        except AmountError as e:
            out.append((None, (str(e.value), e.expected)))
    return out


@settings(max_examples=300, deadline=None)
@given(column, st.booleans(), st.booleans(), st.integers(0, 2))
def test_the_byte_path_equals_the_careful_parse(cells, decimal_comma, large, cut):
    texts = [c[0] for c in cells]
    curs = pd.Series([c[1] for c in cells], dtype=object)
    arr = pa.array(["0"] * cut + texts, type=pa.large_string() if large else pa.string()).slice(cut)  # an offset
    fast = money._plain_bytes(arr, money._exponents(curs), "," if decimal_comma else ".")
    want = careful(texts, curs, decimal_comma)
    if fast is not None:
        minor, blank = fast
        for i, (t, (m, e)) in enumerate(zip(texts, want)):
            assert blank[i] == (t is None or t == "")
            if not np.isnan(minor[i]):            # what the byte path read, the careful parse reads alike
                assert e is None and m == int(minor[i]), (t, curs[i])
    # the whole column: the Arrow way (byte path or patterns) and the Python way agree
    a, bad_a = parse_amount_series(pd.Series(pd.array(texts, dtype=pd.StringDtype("pyarrow"))), curs,
                                   decimal_comma=decimal_comma)
    b, bad_b = parse_amount_series(pd.Series(texts, dtype=object), curs, decimal_comma=decimal_comma)
    pd.testing.assert_series_equal(a, b)
    assert {k: (str(e.value), e.expected) for k, e in bad_a.items()} == \
        {k: (str(e.value), e.expected) for k, e in bad_b.items()}
    assert [None if v is pd.NA else int(v) for v in a] == [m for m, _ in want]


def test_plain_cells_are_read_and_unusual_ones_left_to_the_careful_way():
    curs = pd.Series(["USD", "USD", "JPY", "KWD", "USD", "USD", "USD", "JPY", "USD"], dtype=object)
    arr = pa.array(["-1234.56", "007.5", "42", "1.234", "1.234", "5.", "-", "1.5", ".5"])
    minor, blank = money._plain_bytes(arr, money._exponents(curs), ".")
    assert minor[:4].tolist() == [-123456, 750, 42, 1234]
    assert np.isnan(minor[4:]).all() and not blank.any()       # 3 decimals for USD, no digits, 0 for JPY
    assert money._plain_bytes(pa.array(["1.2.3", "2.00"]), np.array([2, 2]), ".") is None    # two points
    assert money._plain_bytes(pa.array(["1.00", " 2.00"]), np.array([2, 2]), ".") is None    # a space
    assert money._plain_bytes(pa.array(["1.00", "2.00-"]), np.array([2, 2]), ".") is None    # a trailing minus
    assert money._plain_bytes(pa.array(["1,00", "2.00"]), np.array([2, 2]), ",") is None     # the other separator
    m, b = money._plain_bytes(pa.array(["1,5", None, ""]), np.array([2, 2, 2]), ",")
    assert m[0] == 150 and b.tolist() == [False, True, True]


def test_fifteen_digits_are_the_most_a_plain_cell_holds():
    curs = pd.Series(["JPY", "JPY", "USD", "USD"], dtype=object)
    arr = pa.array(["999999999999999", "1000000000000000", "9999999999999.99", "99999999999999.99"])
    minor, _ = money._plain_bytes(arr, money._exponents(curs), ".")
    assert minor[0] == 999999999999999 and minor[2] == 999999999999999
    assert np.isnan(minor[1]) and np.isnan(minor[3])             # 16 digits: the careful way
    assert [int(v) for v in parse_amount_series(pd.Series(pd.array(arr.to_pylist(), dtype=pd.StringDtype("pyarrow"))),
                                                curs)[0]] == [999999999999999, 1000000000000000,
                                                              999999999999999, 9999999999999999]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1.5", "-2.125", "300", "7.00", " 4.5", ""]),
                          st.sampled_from(["usd", "JPY", "KWD", " eur", "", "XXX", "clf"])), min_size=1, max_size=10),
       st.sampled_from(["USD", "JPY", "KWD"]))
def test_validate_reads_amounts_alike_from_arrow_and_python_text(rows, reporting):
    """The exponents validate looks up per distinct Arrow currency (blanks: the reporting one's)
    are those of the Python way: the same amounts, the same problems."""
    from xl_collections.io.validate import validate
    cols = {"customer_id": ["C1"] * len(rows), "document_no": [f"D{i}" for i in range(len(rows))],
            "document_date": ["2026-01-05"] * len(rows), "amount": [r[0] for r in rows],
            "open_amount": [r[0] for r in rows], "currency": [r[1] for r in rows]}
    results = []
    for dtype in (object, pd.StringDtype("pyarrow")):
        df, errors = validate(pd.DataFrame({k: pd.array(v, dtype=dtype) for k, v in cols.items()}), "open_items",
                              reporting_currency=reporting)
        results.append(([None if v is pd.NA else int(v) for v in df["open_amount"]] if not errors else None,
                        [e.render() if hasattr(e, "render") else str(e) for e in errors]))
    assert results[0] == results[1]
