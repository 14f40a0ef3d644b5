"""money.py: every accepted form of an amount, every rejection, exact round trips and sums."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.core.money import money_text
from xl_collections.core.money import (MINOR_UNITS, AmountError, convert, decimal_to_minor, format_amount, is_currency,
                                  minor_unit, parse_amount, parse_amount_series, round_half_away, scale, to_decimal,
                                  to_float)


@pytest.mark.parametrize("text, currency, minor", [
    ("1,234.56", "USD", 123456),
    ("1234.56", "USD", 123456),
    ("1234.5", "USD", 123450),
    ("1234.", "USD", 123400),
    (".5", "USD", 50),
    ("0", "USD", 0),
    ("(1,234.56)", "USD", -123456),
    ("( 1,234.56 )", "USD", -123456),
    ("1,234.56-", "USD", -123456),
    ("-1,234.56", "USD", -123456),
    ("+12.00", "USD", 1200),
    ("\u22121,234.56", "USD", -123456),           # Unicode minus
    ("$1,234.56", "USD", 123456),
    ("$-12.00", "USD", -1200),
    ("-$12.00", "USD", -1200),
    ("($12.00)", "USD", -1200),
    ("USD 1,234.56", "USD", 123456),
    ("1,234.56 USD", "USD", 123456),
    ("usd 5", "USD", 500),
    ("€12,50", "EUR", None),                      # decimal comma needs the setting: see rejections
    ("€12.50", "EUR", 1250),
    ("£5", "GBP", 500),
    ("¥1,234", "JPY", 1234),
    ("1,234.56 CR", "USD", -123456),
    ("1,234.56CR", "USD", -123456),
    ("1,234.56 DR", "USD", 123456),
    ("(1,234.56) CR", "USD", 123456),            # a negative credit is a debit
    ("1'234.56", "USD", 123456),                  # Swiss grouping
    ("1 234.56", "USD", 123456),
    ("1\u00a0234.56", "USD", 123456),             # no-break space from Excel's formatted text
    ("1,234,567.891", "KWD", 1234567891),
    ("1.5", "KWD", 1500),
    ("1,234", "JPY", 1234),
    ("12.3400", "USD", 1234),                     # trailing zeros beyond the minor unit are fine
    ("0.0001", "CLF", 1),
    ("   ", "USD", None),
    ("", "USD", None),
])
def test_parse_amount_text_forms(text, currency, minor):
    if minor is None and text.strip():
        with pytest.raises(AmountError):
            parse_amount(text, currency)
        return
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize("text, minor", [
    ("1.234,56", 123456), ("(1.234,56)", -123456), ("1.234,56-", -123456), ("1 234,56", 123456),
    ("12,5", 1250), (",5", 50), ("€ 1.234,56", 123456), ("1234", 123400), ("1.234", 123400),
])
def test_parse_amount_decimal_comma(text, minor):
    assert parse_amount(text, "EUR", decimal_comma=True) == minor


@pytest.mark.parametrize("value, currency, minor", [
    (5, "USD", 500), (np.int64(7), "JPY", 7), (-3, "KWD", -3000),
    (1234.56, "USD", 123456), (0.1 + 0.2, "USD", 30), (1.005, "USD", 101), (-1.005, "USD", -101),
    (2.675, "USD", 268),                      # repr 2.675 -> half away from zero, not binary 2.67499…
    (0.125, "USD", 13), (-0.125, "USD", -13), (0.5, "JPY", 1), (-0.5, "JPY", -1),
    (np.float64(99.99), "USD", 9999), (Decimal("1.005"), "USD", 101), (Decimal("-0.005"), "USD", -1),
    (Decimal("12"), "KWD", 12000), (None, "USD", None), (float("nan"), "USD", None), (pd.NA, "USD", None),
])
def test_parse_amount_numbers(value, currency, minor):
    assert parse_amount(value, currency) == minor


@pytest.mark.parametrize("value, currency, expected_part", [
    ("abc", "USD", "such as 1,234.56"),
    ("1,23.00", "USD", "such as"),            # bad grouping
    ("1.234,56", "USD", "such as"),           # decimal comma without the setting
    ("1.234", "USD", "at most 2 decimals"),
    ("0.5", "JPY", "at most 0 decimals"),
    ("1.00001", "CLF", "at most 4 decimals"),
    ("EUR 5", "USD", "not EUR"),
    ("5 GBP", "USD", "not GBP"),
    ("€5", "USD", "not EUR"),
    ("£5", "EUR", "not GBP"),
    ("--5", "USD", "such as"),
    ("()", "USD", "such as"),
    ("1.5.6", "USD", "such as"),
    ("12 34", "USD", "such as"),
    ("5e3", "USD", "such as"),
    ("#N/A", "USD", "such as"),
    (True, "USD", "not TRUE/FALSE"),
    (float("inf"), "USD", "finite"),
    (Decimal("NaN"), "USD", "finite"),
    ([1], "USD", "a number or amount text"),
])
def test_parse_amount_rejections(value, currency, expected_part):
    with pytest.raises(AmountError) as exc:
        parse_amount(value, currency)
    assert expected_part in exc.value.expected
    assert exc.value.value is value or exc.value.value == value


def test_decimal_comma_rejects_dot_decimals():
    with pytest.raises(AmountError):
        parse_amount("1,234.56", "EUR", decimal_comma=True)


def test_unknown_currency_is_a_value_error():
    with pytest.raises(ValueError, match="unknown currency"):
        minor_unit("XYZ")
    with pytest.raises(ValueError):
        parse_amount("5", "XYZ")
    assert not is_currency("XYZ") and is_currency("USD") and not is_currency("usd") and not is_currency(None)


def test_minor_units_and_helpers():
    assert (minor_unit("USD"), minor_unit("JPY"), minor_unit("KWD"), minor_unit("CLF")) == (2, 0, 3, 4)
    assert scale("USD") == 100 and scale("JPY") == 1 and scale("BHD") == 1000
    assert len(MINOR_UNITS) > 150
    assert round_half_away(Decimal("0.005"), 2) == Decimal("0.01")
    assert round_half_away(Decimal("-0.005"), 2) == Decimal("-0.01")
    assert round_half_away(Decimal("2.5")) == Decimal("3") and round_half_away(Decimal("-2.5")) == Decimal("-3")
    assert decimal_to_minor(Decimal("1234.565"), "USD") == 123457
    assert decimal_to_minor(Decimal("-1234.565"), "USD") == -123457
    assert to_decimal(123456, "USD") == Decimal("1234.56") and str(to_decimal(5, "USD")) == "0.05"
    assert str(to_decimal(1, "KWD")) == "0.001" and str(to_decimal(1234, "JPY")) == "1234"
    assert to_float(-123456, "USD") == -1234.56


@pytest.mark.parametrize("minor, currency, text", [
    (123456, "USD", "1234.56"), (-5, "USD", "-0.05"), (0, "USD", "0.00"), (1234, "JPY", "1234"),
    (1, "KWD", "0.001"), (-1000, "BHD", "-1.000"), (12345, "CLF", "1.2345"), (None, "USD", ""),
    (float("nan"), "USD", ""), (pd.NA, "USD", ""), (np.int64(250), "EUR", "2.50"),
])
def test_format_amount(minor, currency, text):
    assert format_amount(minor, currency) == text


def test_convert_rounds_once_half_away_from_zero():
    assert convert(10000, "EUR", Decimal("1.0855"), "USD") == 10855
    assert convert(-10000, "EUR", Decimal("1.0855"), "USD") == -10855
    assert convert(1, "USD", Decimal("0.5"), "EUR") == 1              # 0.005 -> 0.01
    assert convert(-1, "USD", Decimal("0.5"), "EUR") == -1
    assert convert(100000, "JPY", Decimal("0.0067"), "USD") == 67000  # 100,000 yen -> 670.00
    assert convert(123, "USD", Decimal("2"), "USD") == 123             # same currency: untouched
    assert convert(1000, "KWD", Decimal("3.25"), "USD") == 325


def test_parse_amount_series_numeric_fast_path_matches_scalar():
    values = pd.Series([1234.56, -0.125, np.nan, 0.1 + 0.2, 1.005, 1e12 + 0.01, 2.675])
    cur = pd.Series(["USD", "USD", "USD", "USD", "USD", "USD", "USD"])
    minor, bad = parse_amount_series(values, cur)
    assert bad == {}
    assert str(minor.dtype) == "Int64"
    expected = [parse_amount(v, "USD") for v in values]
    assert [None if pd.isna(m) else int(m) for m in minor] == expected


def test_parse_amount_series_currency_per_row_and_errors_by_index():
    values = pd.Series(["1,234", "1,234.5", "abc", "", None, "(7)"], index=[10, 11, 12, 13, 14, 15], dtype=object)
    cur = pd.Series(["JPY", "USD", "USD", "USD", "USD", "KWD"], index=values.index)
    minor, bad = parse_amount_series(values, cur)
    assert list(bad) == [12] and bad[12].value == "abc"
    assert [None if pd.isna(m) else int(m) for m in minor] == [1234, 123450, None, None, None, -7000]
    assert list(minor.index) == [10, 11, 12, 13, 14, 15]
    # unknown currency codes parse with 2 decimals (the validator reports the code)
    minor, bad = parse_amount_series(pd.Series(["1.50"], dtype=object), "XYZ")
    assert int(minor[0]) == 150 and bad == {}
    minor, bad = parse_amount_series(pd.Series([1.5, np.inf]), "USD")
    assert int(minor[0]) == 150 and list(bad) == [1]
    minor, _ = parse_amount_series(pd.Series([1.5, 2.25]), pd.Series(["JPY", "KWD"]))
    assert [int(m) for m in minor] == [2, 2250]


# ------------------------------------------------------------------ properties

EXPONENT_CURRENCY = {0: "JPY", 2: "USD", 3: "KWD", 4: "CLF"}
currencies = st.sampled_from(sorted(MINOR_UNITS))
minors = st.integers(min_value=-10**15, max_value=10**15)


@given(minor=minors, currency=currencies)
def test_format_parse_round_trip_every_currency(minor, currency):
    assert parse_amount(format_amount(minor, currency), currency) == minor


@given(minor=minors, exp=st.sampled_from(sorted(EXPONENT_CURRENCY)), style=st.sampled_from(["group", "paren", "trail", "code", "cr"]))
def test_parse_accounting_styles_round_trip(minor, exp, style):
    currency = EXPONENT_CURRENCY[exp]
    d = to_decimal(abs(minor), currency)
    body = f"{d:,}"
    neg = minor < 0
    if style == "group":
        text = ("-" if neg else "") + body
    elif style == "paren":
        text = f"({body})" if neg else body
    elif style == "trail":
        text = body + ("-" if neg else "")
    elif style == "code":
        text = f"{currency} {'-' if neg else ''}{body}"
    else:
        text = body + (" CR" if neg else " DR")
    assert parse_amount(text, currency) == minor


@given(minor=minors, exp=st.sampled_from([2, 3]))
def test_decimal_comma_round_trip(minor, exp):
    currency = EXPONENT_CURRENCY[exp]
    d = to_decimal(minor, currency)
    text = f"{d:,}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_amount(text, currency, decimal_comma=True) == minor


@given(st.lists(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2,
                            allow_nan=False, allow_infinity=False), min_size=1, max_size=60))
@settings(max_examples=200)
def test_sums_of_parsed_amounts_equal_decimal_sums(amounts):
    texts = [f"({abs(a):,})" if a < 0 else f"{a:,}" for a in amounts]
    minor, bad = parse_amount_series(pd.Series(texts, dtype=object), "USD")
    assert bad == {}
    assert int(minor.sum()) == decimal_to_minor(sum(amounts, Decimal(0)), "USD")
    # the same amounts as Excel floats (what a cell holds): rounded once at the edge, sum still exact
    floats = pd.Series([float(a) for a in amounts])
    fminor, _ = parse_amount_series(floats, "USD")
    assert int(fminor.sum()) == int(sum(a * 100 for a in amounts))
    assert to_decimal(int(fminor.sum()), "USD") == sum(amounts, Decimal(0))


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False), currencies)
def test_series_fast_path_agrees_with_scalar(value, currency):
    minor, _ = parse_amount_series(pd.Series([value]), currency)
    assert int(minor[0]) == parse_amount(value, currency)


@pytest.mark.parametrize("minor,cur,after,before,plain", [
    (-123456, "USD", "-1,234.56 USD", "USD -1,234.56", "-1234.56 USD"),
    (1234567, "JPY", "1,234,567 JPY", "JPY 1,234,567", "1234567 JPY"),
    (1000, "KWD", "1.000 KWD", "KWD 1.000", "1.000 KWD"),
    (0, "EUR", "0.00 EUR", "EUR 0.00", "0.00 EUR"),
])
def test_money_text_is_the_one_formatter_for_people(minor, cur, after, before, plain):
    assert money_text(minor, cur) == after
    assert money_text(minor, cur, code="before") == before
    assert money_text(minor, cur, thousands=False) == plain
    assert money_text(minor, cur, code=None) == after.split(" ")[0]
    assert money_text(None, cur) == ""


@given(st.lists(st.one_of(st.decimals(min_value=-10**13, max_value=10**13, places=2, allow_nan=False),
                          st.sampled_from(["", " ", "1.", "-0.00", "0012.50", "1,234.56", "(5.00)", "1.234", "9" * 16])),
                min_size=1, max_size=30),
       st.sampled_from(["USD", "JPY", "KWD"]))
@settings(deadline=None)
def test_text_column_fast_path_agrees_with_parse_amount(cells, currency):
    """A CSV's text column (Arrow strings) is parsed at once where it can be; every cell must come
    out as parse_amount says, errors included."""
    texts = [c if isinstance(c, str) else str(c) for c in cells]
    s = pd.Series(pd.array(texts, dtype="string[pyarrow]"))
    minor, bad = parse_amount_series(s, currency)
    for i, t in enumerate(texts):
        try:
            want = parse_amount(t, currency)
        except AmountError:
            assert i in bad and pd.isna(minor[i])
            continue
        assert i not in bad and (pd.isna(minor[i]) if want is None else minor[i] == want), (t, minor[i], want)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.integers(-10**18, 10**18), st.integers(-1000, 1000)), st.sampled_from(sorted(MINOR_UNITS)),
       st.sampled_from(["after", "before", None]), st.booleans())
def test_money_text_of_a_plain_int_is_the_decimal_text(minor, cur, code, thousands):
    """money_text makes a plain int's text from its digits; a numpy int goes through Decimal."""
    d = to_decimal(minor, cur)
    text = f"{d:,}" if thousands else str(d)
    want = f"{text} {cur}" if code == "after" else f"{cur} {text}" if code == "before" else text
    assert money_text(minor, cur, code=code, thousands=thousands) == want
    assert money_text(np.int64(minor) if abs(minor) < 2**63 else minor, cur, code=code, thousands=thousands) == want


def test_money_text_of_an_unknown_currency_is_refused_for_ints_too():
    with pytest.raises(ValueError):
        money_text(5, "XYZ")
