"""Excel functions for cash application (xlwings UDFs).

``=XLC_MATCH(reference, documents)`` is the VLOOKUP a cash-application specialist wanted:
it finds the document number(s) a bank reference names even with prefixes (``INV``, ``RE``,
``#``), punctuation, lost leading zeros or several invoices in one text; given the payment
``amount`` and the documents' ``open_amounts`` it also accepts OCR-style (O/0, I/1, S/5, B/8)
and one-character variants that the amount confirms.  ``=XLC_MATCH_SCORE(...)`` is the
confidence of that match (0 when there is none).  Same reading as
:func:`xl_collections.cashapp.apply_cash` (see :mod:`xl_collections.cashapp.match`).
"""
from __future__ import annotations

import xlwings as xw

from xl_collections.cashapp.match import NO_MATCH, match_reference
from xl_collections.core.money import parse_amount

from ._convert import UdfError, guard, is_blank, is_error, rows_of

__all__ = ["XLC_MATCH", "XLC_MATCH_SCORE", "NO_MATCH"]


def _flat(values) -> list:
    return [v for row in rows_of(values) for v in row]


def _minor(value, name: str) -> int | None:
    if is_blank(value):
        return None
    if is_error(value):
        raise UdfError(f"{name} is an Excel error ({value})")
    try:
        return parse_amount(value, "USD")      # any currency with 2 decimals compares alike here
    except ValueError as e:
        raise UdfError(f"{name} {value!r} is not an amount") from e


def _match(reference_text, document_numbers, amount, open_amounts):
    if is_error(reference_text):
        raise UdfError(f"reference_text is an Excel error ({reference_text})")
    docs_raw = _flat(document_numbers)
    if not docs_raw:
        raise UdfError("document_numbers is empty")
    keep = [i for i, d in enumerate(docs_raw) if not is_blank(d) and not is_error(d)]
    docs = [_text(docs_raw[i]) for i in keep]
    amt = _minor(amount, "amount") if amount is not None else None
    opens = None
    if open_amounts is not None and not is_blank(open_amounts):
        raw = _flat(open_amounts)
        if len(raw) != len(docs_raw):
            raise UdfError(f"open_amounts has {len(raw)} cells, document_numbers {len(docs_raw)}: expected the same size")
        opens = [_minor(raw[i], "open_amounts") for i in keep]
    return match_reference("" if is_blank(reference_text) else _text(reference_text), docs, amt, opens)


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))          # Excel holds 12345 as 12345.0
    return str(v).strip()


@xw.func
@xw.arg("reference_text", err_to_str=True, doc="The payment's reference / remittance text as the bank gives it.")
@xw.arg("document_numbers", ndim=2, err_to_str=True, doc="The open document numbers (a column range).")
@xw.arg("amount", err_to_str=True, doc="Optional: the payment amount; confirms OCR/typo variants.")
@xw.arg("open_amounts", ndim=2, err_to_str=True, doc="Optional: the open amounts, beside document_numbers.")
@guard
def XLC_MATCH(reference_text, document_numbers, amount=None, open_amounts=None):
    """Document number(s) the reference names ("; " between several), or NO MATCH."""
    m = _match(reference_text, document_numbers, amount, open_amounts)
    if m.ambiguous:
        return "AMBIGUOUS: " + "; ".join(m.documents)
    return m.text


@xw.func
@xw.arg("reference_text", err_to_str=True, doc="The payment's reference / remittance text as the bank gives it.")
@xw.arg("document_numbers", ndim=2, err_to_str=True, doc="The open document numbers (a column range).")
@xw.arg("amount", err_to_str=True, doc="Optional: the payment amount.")
@xw.arg("open_amounts", ndim=2, err_to_str=True, doc="Optional: the open amounts, beside document_numbers.")
@guard
def XLC_MATCH_SCORE(reference_text, document_numbers, amount=None, open_amounts=None):
    """Confidence (0-1) of XLC_MATCH: 0.99 exact number, 0.95 OCR variant, 0.93 typo; lower when the amount differs; 0 no match."""
    return _match(reference_text, document_numbers, amount, open_amounts).score
