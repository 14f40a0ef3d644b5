"""Exact money: integer minor units per ISO 4217 currency.

Inside the engine every amount is an ``int`` count of the currency's minor unit
(cents for USD, yen for JPY, fils for KWD).  Signs follow CONTRACT §1: receivable
documents positive, credits negative, payments positive amounts received.

One way in (:func:`parse_amount`, :func:`parse_amount_series`) accepts what workbooks and
exports really hold: Excel floats, ``1,234.56``, ``(1,234.56)``, ``1,234.56-``,
``1.234,56`` under a decimal-comma setting, currency symbols and codes, ``CR``/``DR``
suffixes, blanks.  Floats are rounded to the minor unit once, half away from zero.
One way out: :func:`to_decimal` and :func:`format_amount`.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from numbers import Integral

import numpy as np
import pandas as pd

# ISO 4217 active codes with their minor unit (exponent).  Codes not listed here are unknown.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
    "VES WST XCD XCG YER ZAR ZMW ZWG"
)
MINOR_UNITS: dict[str, int] = {
    **{c: 2 for c in _TWO.split()},
    **{c: 0 for c in _ZERO.split()},
    **{c: 3 for c in _THREE.split()},
    **{c: 4 for c in _FOUR.split()},
}

INT64_MAX = 2**63 - 1       # the largest count of minor units a table holds (CONTRACT §1)

_SYMBOLS = {"$": None, "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₺": "TRY", "₽": "RUB"}


def is_currency(code: object) -> bool:
    """True when ``code`` is an active ISO 4217 alphabetic code (upper case)."""
    return isinstance(code, str) and code in MINOR_UNITS


def minor_unit(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217 exponent). Unknown codes raise ValueError."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"unknown currency {currency!r} (expected an ISO 4217 code such as USD)") from None


def scale(currency: str) -> int:
    """10 ** minor_unit(currency): minor units per major unit."""
    return 10 ** minor_unit(currency)


def round_half_away(value: Decimal, places: int = 0) -> Decimal:
    """Round a Decimal to ``places`` decimals, half away from zero (0.005 -> 0.01, -0.005 -> -0.01)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def decimal_to_minor(value: Decimal, currency: str) -> int:
    """Decimal major units -> int minor units, rounded half away from zero."""
    return int(round_half_away(value.scaleb(minor_unit(currency)), 0))


def to_decimal(minor: int, currency: str) -> Decimal:
    """int minor units -> Decimal major units with exactly the currency's decimals."""
    places = minor_unit(currency)
    return Decimal(int(minor)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_amounts(minor, places) -> pd.Series:
    """Vectorised :func:`format_amount`: int minor units (``Int64`` <NA> or NaN -> '') with
    ``places`` decimals (one int, or one per value) -> the same texts (``-1234.50``), as an
    Arrow-backed str Series.  For writing large tables."""
    import pyarrow as pa
    import pyarrow.compute as pc

    s = pd.Series(minor)
    missing = s.isna().to_numpy(dtype=bool)
    v = s.fillna(0).to_numpy(dtype="int64") if missing.any() else s.to_numpy(dtype="int64")
    p = np.broadcast_to(np.asarray(places, dtype="int64"), v.shape)
    kinds = np.unique(p).tolist()

    def texts_of(v, k):
        whole, frac = np.divmod(np.abs(v), 10 ** k)
        sign = pc.if_else(pa.array(v < 0), pa.scalar("-", pa.string()), pa.scalar("", pa.string()))
        text = pc.binary_join_element_wise(sign, pc.cast(pa.array(whole), pa.string()), "")
        if k:
            tail = pc.utf8_lpad(pc.cast(pa.array(frac), pa.string()), width=k, padding="0")
            text = pc.binary_join_element_wise(text, tail, ".")
        return text

    if len(kinds) == 1:          # one currency's decimals (a reporting-currency table): Arrow end to end
        text = texts_of(v, kinds[0])
        if missing.any():
            text = pc.if_else(pa.array(missing), pa.scalar("", pa.string()), text)
        return pd.Series(pd.arrays.ArrowStringArray(text.cast(pa.large_string())), index=s.index)
    texts = np.empty(len(v), dtype=object)
    for k in kinds:
        sel = p == k
        texts[sel] = texts_of(v[sel], k).to_numpy(zero_copy_only=False)
    texts[missing] = ""
    return pd.Series(pd.array(texts, dtype=pd.StringDtype("pyarrow")), index=s.index)


def format_amount(minor: int | None, currency: str) -> str:
    """Plain machine-readable text for CSV: ``-1234.50`` (no thousands separators); '' for None."""
    if minor is None or (isinstance(minor, float) and math.isnan(minor)) or minor is pd.NA:
        return ""
    return str(to_decimal(int(minor), currency))


def money_text(minor: int | None, currency: str, *, code: str | None = "after", thousands: bool = True) -> str:
    """An amount (int minor units of ``currency``) as people read it, always with the
    currency's decimals: ``1,234.56 USD`` (``code="after"``), ``USD 1,234.56`` (``"before"``),
    ``1,234.56`` (None); ``thousands=False`` leaves out the separators (``-1234.50 USD``).
    '' for None.  The one formatter of amounts in messages, notes and comments; CSV cells
    take :func:`format_amount`."""
    places = MINOR_UNITS.get(currency) if type(minor) is int else None
    if places is not None:          # a plain int (most calls, tens of thousands a run): from its digits
        whole, frac = divmod(-minor if minor < 0 else minor, 10 ** places)
        text = (f"{whole:,}" if thousands else str(whole)) + (f".{frac:0{places}d}" if places else "")
        text = "-" + text if minor < 0 else text
    elif minor is None or minor is pd.NA or (isinstance(minor, float) and math.isnan(minor)):
        return ""
    else:
        d = to_decimal(int(minor), currency)
        text = f"{d:,}" if thousands else str(d)
    return f"{text} {currency}" if code == "after" else f"{currency} {text}" if code == "before" else text


def to_float(minor: int, currency: str) -> float:
    """Major units as float, only for writing to an Excel cell (the value Excel would hold)."""
    return float(to_decimal(minor, currency))


_NUM_RE = re.compile(r"^\d{1,3}(?:[,' \u00a0\u202f]\d{3})*(?:\.\d*)?$|^\d+(?:\.\d*)?$|^\.\d+$")
_NUM_RE_COMMA = re.compile(r"^\d{1,3}(?:[.' \u00a0\u202f]\d{3})*(?:,\d*)?$|^\d+(?:,\d*)?$|^,\d+$")
_CODE_RE = re.compile(r"^([A-Z]{3})\s*|\s*([A-Z]{3})$")


class AmountError(ValueError):
    """A value that is not an amount; ``expected`` says what would have been accepted."""

    def __init__(self, value: object, expected: str):
        super().__init__(f"{value!r} is not an amount: expected {expected}")
        self.value = value
        self.expected = expected


def _too_large(value: object, places: int) -> AmountError:
    top = Decimal(INT64_MAX).scaleb(-places)
    return AmountError(value, f"an amount of at most {top:,} (what a 64-bit integer of minor units holds)")


def _checked(minor: int | None, value: object, places: int) -> int | None:
    if minor is not None and abs(minor) > INT64_MAX:
        raise _too_large(value, places)
    return minor


def parse_amount(value: object, currency: str = "USD", *, decimal_comma: bool = False) -> int | None:
    """Parse one cell into int minor units of ``currency``; None for a blank (see
    :func:`_parse_amount`); more than an int64 of minor units raises :class:`AmountError`."""
    return _checked(_parse_amount(value, currency, decimal_comma=decimal_comma), value, minor_unit(currency))


def _parse_amount(value: object, currency: str = "USD", *, decimal_comma: bool = False) -> int | None:
    """Parse one cell into int minor units of ``currency``; None for a blank.

    Accepts int/float/Decimal (floats rounded half away from zero to the minor unit), and
    text: ``1,234.56``, ``(1,234.56)``, ``1,234.56-``, ``-1234.56``, ``$1,234.56``,
    ``USD 1,234.56``, ``1,234.56 CR`` (credit, negative), ``1 234,56``/``1.234,56`` when
    ``decimal_comma``.  Text with non-zero digits beyond the currency's decimals, or anything
    else, raises :class:`AmountError`.
    """
    places = minor_unit(currency)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        raise AmountError(value, "a number, not TRUE/FALSE")
    if isinstance(value, Integral):
        return int(value) * 10**places
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise AmountError(value, "a finite number")
        if abs(value) * 10.0**places >= 2.0**63:
            raise _too_large(value, places)
        return decimal_to_minor(Decimal(repr(float(value))), currency)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError(value, "a finite number")
        if value != 0 and value.adjusted() + places > 18:
            raise _too_large(value, places)
        return decimal_to_minor(value, currency)
    if not isinstance(value, str):
        raise AmountError(value, "a number or amount text")
    return _parse_text(value, currency, places, decimal_comma)


def _expected(currency: str, decimal_comma: bool) -> str:
    sample = "1.234,56" if decimal_comma else "1,234.56"
    return f"an amount in {currency} such as {sample}, ({sample}) or {sample}-"


def _parse_text(text: str, currency: str, places: int, decimal_comma: bool) -> int | None:
    s = text.strip().replace("\u2212", "-").replace("\u00a0", " ")
    if not s:
        return None
    neg = False
    up = s.upper()
    for suffix, sign in ((" CR", True), ("CR", True), (" DR", False), ("DR", False)):
        if up.endswith(suffix) and len(up) > len(suffix):
            s, neg = s[: -len(suffix)].strip(), sign
            break
    if s.startswith("(") and s.endswith(")"):
        s, neg = s[1:-1].strip(), not neg
    if s.endswith("-"):
        s, neg = s[:-1].strip(), not neg
    if s.startswith("-"):
        s, neg = s[1:].strip(), not neg
    elif s.startswith("+"):
        s = s[1:].strip()
    m = _CODE_RE.search(s.upper())
    if m and (m.group(1) or m.group(2)) in MINOR_UNITS:
        code = m.group(1) or m.group(2)
        if code != currency:
            raise AmountError(text, f"an amount in {currency}, not {code}")
        s = (s[3:] if m.group(1) else s[:-3]).strip()
    if s and s[0] in _SYMBOLS:
        sym = _SYMBOLS[s[0]]
        if sym is not None and sym != currency:
            raise AmountError(text, f"an amount in {currency}, not {sym}")
        s = s[1:].strip()
    if s.startswith("-") and not neg:  # "$-12.00"
        s, neg = s[1:].strip(), True
    pattern = _NUM_RE_COMMA if decimal_comma else _NUM_RE
    if not pattern.match(s):
        raise AmountError(text, _expected(currency, decimal_comma))
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    s = re.sub(r"[,' \u202f]", "", s)
    if len(s.split(".")[0].lstrip("0")) + places > 19:      # before Decimal rounds it to 28 digits
        raise _too_large(text, places)
    try:
        d = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise AmountError(text, _expected(currency, decimal_comma)) from None
    scaled = d.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise AmountError(text, f"at most {places} decimals for {currency}")
    minor = int(scaled)
    return -minor if neg else minor


_CORE = r"(\d[\d.,' \u00a0\u202f]*\d|\d)"
_COMMA_DECIMAL = re.compile(r"^\d{1,3}(?:[. ']\d{3})*,\d{1,2}$|^\d+,\d{1,2}$|^\d{1,3}(?:\.\d{3}){2,}$|^\d{1,3}(?:\.\d{3})+,\d*$")
_DOT_DECIMAL = re.compile(r"^\d{1,3}(?:[, ']\d{3})*\.\d{1,2}$|^\d+\.\d{1,2}$|^\d{1,3}(?:,\d{3}){2,}$|^\d{1,3}(?:,\d{3})+\.\d*$")


def detect_decimal_comma(columns, sample: int = 20_000) -> bool:
    """Whether amounts written as text use a decimal comma (``1.234,56``, ``99,5``) rather than a
    decimal point (``1,234.56``), judged over every text cell of ``columns`` (Series of one
    file's money columns; CONTRACT §1 "Real exports").  Only unambiguous cells count (``1.234``
    could be either); True when some say comma and more say comma than point.  The first
    ``sample`` cells of each column decide."""
    comma = dot = 0
    for col in columns:
        if col is None or not len(col) or not (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)):
            continue
        col = col.iloc[:sample]
        text = col[col.map(lambda v: type(v) is str)] if col.dtype == object else col.dropna()
        if not len(text):
            continue
        core = text.astype(str).str.extract(_CORE, expand=False).dropna()
        comma += int(core.str.match(_COMMA_DECIMAL).sum())
        dot += int(core.str.match(_DOT_DECIMAL).sum())
    return comma > dot


def _exponents(currencies: pd.Series) -> np.ndarray:
    """Minor-unit exponent per row (2 for unknown or blank codes): ``currencies.map(MINOR_UNITS).fillna(2)``,
    looked up once per distinct code."""
    codes, uniques = pd.factorize(currencies.to_numpy(dtype=object), use_na_sentinel=True)
    table = np.array([MINOR_UNITS.get(u, 2) if isinstance(u, str) else 2 for u in uniques] + [2], dtype="int64")
    return table[codes]          # code -1 (a missing value) picks the trailing 2


def parse_amount_series(values: pd.Series, currencies: pd.Series | str, *, decimal_comma: bool = False,
                        exponents: np.ndarray | None = None):
    """Vectorised :func:`parse_amount` for a column.  ``exponents``: ``_exponents(currencies)``
    when the caller has it (several money columns of one table share their currencies).

    Returns ``(minor, bad)``: ``minor`` a nullable ``Int64`` Series of minor units aligned with
    ``values`` (<NA> for blanks and bad cells); ``bad`` a dict index -> AmountError for cells
    that failed.  Numeric columns take a fast path (round to 6 decimals to drop binary noise,
    then half away from zero); unknown currency codes are parsed with 2 decimals (the
    currency itself is reported by the validator).
    """
    if isinstance(currencies, str):
        currencies = pd.Series(currencies, index=values.index)
    bad: dict = {}
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        exps = _exponents(currencies) if exponents is None else exponents
        with np.errstate(over="ignore", invalid="ignore"):
            x = np.round(arr * (10.0**exps), 6)
            r = np.sign(x) * np.floor(np.abs(x) + 0.5)
        inf = np.isinf(arr)
        for idx in values.index[inf]:
            bad[idx] = AmountError(values[idx], "a finite number")
        big = ~inf & (np.abs(np.nan_to_num(r)) >= 2.0**63)
        for idx, e in zip(values.index[big], exps[big]):
            bad[idx] = _too_large(values[idx], int(e))
        r[inf | big] = np.nan
        return pd.Series(pd.array(r, dtype="Float64"), index=values.index).astype("Int64"), bad
    fast = _plain_text_amounts(values, currencies, decimal_comma, exponents)
    todo = np.arange(len(values)) if fast is None else np.flatnonzero(np.isnan(fast[0]) & ~fast[1])
    if fast is not None and not len(todo):
        return pd.Series(pd.array(fast[0], dtype="Float64"), index=values.index).astype("Int64"), bad
    raw, curs = values.to_numpy(dtype=object), currencies.to_numpy(dtype=object)
    out = np.full(len(values), None, dtype=object) if fast is None else \
        np.array([None if f != f else int(f) for f in fast[0]], dtype=object)
    for i in todo:
        v, cur = raw[i], curs[i]
        try:
            out[i] = parse_amount(v, cur if cur in MINOR_UNITS else "USD", decimal_comma=decimal_comma)
        except AmountError as e:
            bad[values.index[i]] = e
    return pd.Series(pd.array(out, dtype="Int64"), index=values.index), bad


_PLAIN = {".": r"^-?\d{1,%d}(\.\d{1,%d})?$", ",": r"^-?\d{1,%d}(,\d{1,%d})?$"}


def _plain_text_amounts(values: pd.Series, currencies: pd.Series, decimal_comma: bool, exps=None):
    """The fast path for a column of text (a CSV's): cells that are a plain number (``-1234.56``,
    at most 15 digits, at most the currency's decimals) parsed at once by Arrow — exact, since
    a double holds 15 digits — and blanks.  ``(minor as float64 with NaN elsewhere, blank mask)``
    or None when the column is not Arrow text; the other cells go the careful way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (getattr(values.dtype, "storage", None) == "pyarrow" or isinstance(values.dtype, pd.ArrowDtype)):
        return None
    chunks = pa.chunked_array(values.array.__arrow_array__())
    raw = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()
    if not (pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)):
        return None
    if exps is None:
        exps = _exponents(currencies)
    plain = _plain_bytes(raw, exps, "," if decimal_comma else ".")
    if plain is not None:
        return plain
    arr = pc.utf8_trim_whitespace(raw)
    blank = pc.fill_null(pc.equal(arr, ""), True).to_numpy(zero_copy_only=False)
    minor = np.full(len(values), np.nan)
    sep = "," if decimal_comma else "."
    kinds = np.flatnonzero(np.bincount(exps)) if len(exps) else exps    # a few small exponents
    for e in kinds:
        e = int(e)
        pattern = (r"^-?\d{1,15}$" if e == 0 else _PLAIN[sep] % (15 - e, e))
        rows = None if len(kinds) == 1 else np.flatnonzero(exps == e)     # each cell matched once
        part = arr if rows is None else arr.take(pa.array(rows))
        hit = pc.fill_null(pc.match_substring_regex(part, pattern), False).to_numpy(zero_copy_only=False)
        if not hit.any():
            continue
        if rows is None:
            ok = hit
        else:
            ok = np.zeros(len(exps), dtype=bool)
            ok[rows[hit]] = True
        text = part.filter(pa.array(hit))
        if sep == ",":
            text = pc.replace_substring(text, ",", ".")
        nums = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        minor[ok] = np.round(nums * 10.0**e)
    return minor, blank


_DIGIT, _MINUS = 48, 45


def _plain_bytes(arr, exps: np.ndarray, sep: str):
    """What :func:`_plain_text_amounts`' patterns and cast give, read from the UTF-8 bytes of an
    Arrow text column whose every byte is a digit, ``-`` or the decimal separator, and whose ``-``
    signs all start their cells (else None: the pattern way).  A cell is plain when it is
    ``-?\\d{1,15-e}`` with at most one separator followed by 1..e digits (``e`` its currency's
    exponent, 0: no separator): the same cells the patterns match, parsed by one float cast
    (exact: at most 15 digits).  Returns ``(minor as float64, NaN elsewhere; blank mask)``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    bufs = arr.buffers()
    wide = pa.types.is_large_string(arr.type)
    off = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)[arr.offset:arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8)[off[0]:off[-1]] if n and bufs[2] is not None else np.zeros(0, np.uint8)
    sep_byte = ord(sep)
    minus = data == _MINUS
    if not ((data - np.uint8(_DIGIT) < 10) | minus | (data == sep_byte)).all():
        return None            # a space, sign, symbol, letter or other separator: the pattern way
    length = off[1:] - off[:-1]
    valid = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool) if arr.null_count else np.ones(n, bool)
    blank = ~valid | (length == 0)
    starts = off[:-1] - off[0]
    neg = np.zeros(n, bool)
    filled = ~blank
    neg[filled] = data[starts[filled]] == _MINUS
    if np.count_nonzero(minus) != np.count_nonzero(neg):
        return None            # a '-' inside or at the end of a cell (1,234.56-): the pattern way
    at = pc.find_substring(arr, sep).to_numpy(zero_copy_only=False)
    at = np.where(blank, -1, np.nan_to_num(at, nan=-1) if at.dtype.kind == "f" else at).astype(np.int64)
    has = at >= 0
    if np.count_nonzero(data == sep_byte) != np.count_nonzero(has):
        return None            # two separators in a cell: the pattern way
    e = np.asarray(exps, dtype=np.int64)
    whole = np.where(has, at, length) - neg          # digits before the separator
    frac = np.where(has, length - at - 1, 0)         # digits after it
    ok = filled & (whole >= 1) & (whole <= 15 - e) & np.where(has, (frac >= 1) & (frac <= e), True)
    minor = np.full(n, np.nan)
    if ok.any():
        text = arr if ok.all() else arr.filter(pa.array(ok))
        if sep == ",":
            text = pc.replace_substring(text, ",", ".")
        nums = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        minor[ok] = np.round(nums * 10.0 ** e[ok])
    return minor, blank


def convert(minor: int, currency: str, rate: Decimal, to_currency: str) -> int:
    """Convert minor units of ``currency`` at ``rate`` (units of ``to_currency`` per one
    unit of ``currency``) into minor units of ``to_currency``, rounded once, half away from zero."""
    if currency == to_currency:
        return int(minor)
    major = to_decimal(minor, currency) * rate
    return decimal_to_minor(major, to_currency)
