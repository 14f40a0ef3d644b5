"""Reference text -> document-number keys, the way a cash-application specialist reads it.

A document number is compared by its *key* (:func:`xl_collections.core.docno.normalise_document_no`,
re-exported here): upper case,
punctuation and spaces removed, leading zeros of every number dropped, and the common
prefixes ``INV``, ``INVOICE``, ``RE``, ``REF``, ``NO``, ``NR``, ``#`` dropped when a number
follows.  ``INV-0012345``, ``inv 12345``, ``#12345`` and ``12345`` all have the key ``12345``.

:func:`ocr_key` also folds OCR-style confusions (``O``->0, ``I``/``L``->1, ``S``->5,
``B``->8) in the numeric part; :func:`candidates` cuts a free-text reference into the
tokens worth looking up; :func:`explain` says in words how a token and a document
number differ; :func:`reason_code` reads a deduction reason (CONTRACT §5) from text.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..core.docno import LEAD_ZEROS as _LEAD_ZEROS  # the document-number key is docno's
from ..core.docno import PREFIX as _PREFIX
from ..core.docno import SPLIT as _SPLIT
from ..core.docno import document_keys as _document_keys
from ..core.docno import normalise_document_no
from ..core.money import AmountError, parse_amount

_OCR_CONFUSABLE = frozenset("OISBLZ")
_OCR_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2"})


def normalise_document_nos(values) -> list[str]:
    """:func:`normalise_document_no` of a whole column at once: the same keys, computed by
    :func:`xl_collections.core.docno.document_keys`.  ``values``: a Series or list of text;
    blanks give ``""``."""
    return _document_keys(values).to_pylist()


# a key that is a short letter prefix and 4+ digits: the digits alone (``25352``) name it
# (``DM25352``); group ``t`` is the digits.  Used by the open-item index and ``XLC_MATCH``.
TAIL_KEY = r"^[A-Z]{1,4}(?P<t>[0-9]{4,})$"

_PO_PREFIX = re.compile(r"^(?:PURCHASEORDER|ORDER|ORD|PO)(?=\d)")
PO_PREFIX_RE = r"^(?:PURCHASEORDER|ORDER|ORD|PO)([0-9])"     # the same, for pyarrow (RE2: no lookahead)


def po_key(text: object) -> str:
    """Key of a PO number / other reference: the document key without a leading ``PO``
    (``PO-4500012345``, ``PO 4500012345`` and ``4500012345`` all give ``4500012345``)."""
    return _PO_PREFIX.sub("", normalise_document_no(text))


def po_keys(values) -> list[str]:
    """:func:`po_key` of a whole column (vectorised)."""
    import pyarrow.compute as pc

    return pc.replace_substring_regex(_document_keys(values), pattern=PO_PREFIX_RE, replacement=r"\1").to_pylist()


def _ocr_fold_part(p: str) -> str:
    """Fold confusable letters that stand in the numeric part of one alphanumeric run:
    from the first digit on, and the confusable letters right before it."""
    first = next((i for i, ch in enumerate(p) if ch.isdigit()), None)
    if first is None:
        return p
    start = first
    while start > 0 and p[start - 1] in _OCR_CONFUSABLE:
        start -= 1
    return p[:start] + p[start:].translate(_OCR_FOLD)


@lru_cache(maxsize=1 << 18)
def ocr_key(text: object) -> str:
    """:func:`normalise_document_no` after folding OCR confusions in the numeric part:
    ``INVO0l2345`` -> ``12345``.  Equal OCR keys are a weaker match than equal keys."""
    if text is None:
        return ""
    s = str(text).upper()
    parts = [_ocr_fold_part(p) for p in _SPLIT.split(s) if p]
    return normalise_document_no(" ".join(parts))


_TOKEN_SPLIT = re.compile(r"[\s,;:()\[\]{}<>|\"'+*=&]+")
_SUB_SPLIT = re.compile(r"[-/._#\\]+")
AMOUNT_OR_DATE = re.compile(r"^[-+]?[\d.,']*\d[.,]\d{2}-?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
_AMOUNT_IN_TEXT = re.compile(
    r"(?<![\w/#-])(?:[-+$€£]\s?)?(?:\d{1,3}(?:[,.' ]\d{3})+|\d+)[.,]\d{2}(?![\w/-])"      # 1,250.00  145.38  1.250,00
    r"|(?<![\w/#-])\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?![\w/-])")                           # 2026-10-31  31.10.2026
_PAIR_HEAD = re.compile(r"^(?:[A-Z]{1,8}\.?|\d+)$")      # "INV 00123", "AB 12345", "2024 00123"


def candidates(text: object, max_tokens: int = 40) -> list[tuple[str, str]]:
    """Tokens of a reference worth looking up, as ``(raw token, key)`` in reading order,
    without repeats: every word, the parts of words joined by ``-/._#``, and a short word or
    number followed by a word with digits (``INV 00123``, ``AB 12345``).  Keys shorter than 3
    characters are skipped."""
    if text is None:
        return []
    raws = _raw_tokens(text, max_tokens)
    return _kept(raws, [normalise_document_no(r) for r in raws])


def candidates_of(texts, max_tokens: int = 40) -> dict[str, list[tuple[str, str]]]:
    """:func:`candidates` of every distinct text of ``texts`` (a column of references), the
    keys of all their tokens computed at once by :func:`xl_collections.core.docno.document_keys`:
    ``{text: candidates(text)}``, the same lists.  Texts that are not ``str`` are left out."""
    distinct = [t for t in dict.fromkeys(texts) if isinstance(t, str)]
    raws = [_raw_tokens(t, max_tokens) for t in distinct]
    flat = list(dict.fromkeys(r for rs in raws for r in rs))
    key = dict(zip(flat, normalise_document_nos(flat))) if flat else {}
    return {t: _kept(rs, [key[r] for r in rs]) for t, rs in zip(distinct, raws)}


def _raw_tokens(text: object, max_tokens: int) -> list[str]:
    """The tokens :func:`candidates` looks at, in reading order, before their keys are known."""
    s = str(text).upper()
    if "." in s or "," in s or "-" in s or "/" in s:      # what every amount and date has
        s = _AMOUNT_IN_TEXT.sub(" ", s)
    words = [w for w in _TOKEN_SPLIT.split(s) if w][:max_tokens]
    raws: list[str] = []
    for i, w in enumerate(words):
        raws.append(w)
        if not w.isalnum():         # letters and digits only: no amount, date or parts
            if AMOUNT_OR_DATE.match(w):          # 1,250.00  145.38  2026-10-31: never a document number
                raws.pop()
                continue
            parts = [p for p in _SUB_SPLIT.split(w) if p]
            if len(parts) > 1:
                raws += parts
        if i + 1 < len(words) and _PAIR_HEAD.match(w) and any(map(str.isdigit, words[i + 1])):
            raws.append(w + " " + words[i + 1])
    return raws


def _kept(raws: list[str], keys: list[str]) -> list[tuple[str, str]]:
    """``(raw, key)`` of the tokens whose key has 3+ characters, the first of each key."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw, k in zip(raws, keys):
        if len(k) >= 3 and k not in seen:
            seen.add(k)
            out.append((raw, k))
    return out


def amounts_in_text(text: object, currency: str = "USD") -> list[int]:
    """Amounts written in a reference (``LESS 78.00``, ``ded 1,250.00``) in minor units of
    ``currency``; the ones that do not parse are left out."""
    out = []
    for m in _AMOUNT_IN_TEXT.finditer(str(text or "").upper()):
        s = m.group(0).strip().lstrip("+$€£").strip()
        if re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", s):
            continue                                    # a date
        comma_decimal = bool(re.search(r",\d{2}$", s)) and not re.search(r"\.\d{2}$", s)
        try:
            v = parse_amount(s.lstrip("-"), currency, decimal_comma=comma_decimal)
        except (AmountError, ValueError):
            continue
        if v:
            out.append(v)
    return out


def fuzzy_worthy(raw: str, key: str) -> bool:
    """Only number-like tokens of 5+ characters (4+ digits) may match by OCR/typo; amounts
    and dates never."""
    return len(key) >= 4 and sum(map(str.isdigit, key)) >= 4 and not AMOUNT_OR_DATE.match(raw.strip())


def explain(token: str, document_no: str, doc_key: str | None = None) -> str:
    """How ``token`` (as found in the text) relates to ``document_no``, in words:
    ``'same text'``, ``'case/punctuation'``, ``'prefix dropped'``, ``'lost leading zeros'``,
    ``'OCR confusion O->0'``, ``'one-character typo'``; joined by ``', '``.  ``doc_key``: the
    document number's key when the caller has it (:func:`normalise_document_no`)."""
    t, d = str(token).strip(), str(document_no).strip()
    if t == d:
        return "same text"
    notes: list[str] = []
    tk, dk = normalise_document_no(t), normalise_document_no(d) if doc_key is None else doc_key
    if tk == dk:
        tu = "".join(_SPLIT.split(t.upper()))
        du = "".join(_SPLIT.split(d.upper()))
        if tu == du:
            notes.append("case/punctuation")
        else:
            tp, dp = _PREFIX.sub("", tu), _PREFIX.sub("", du)
            if tp != tu or dp != du:
                notes.append("prefix dropped")
            if tp.lstrip("0") == dp.lstrip("0") and tp != dp or _zeros(tu) != _zeros(du):
                notes.append("lost leading zeros")
            if not notes:
                notes.append("case/punctuation")
        return ", ".join(notes)
    if dk.endswith(tk) and dk[: len(dk) - len(tk)].isalpha():
        return f"document prefix {dk[: len(dk) - len(tk)]} missing" + (", lost leading zeros" if _zeros(d.upper()) else "")
    if ocr_key(t) == ocr_key(d):
        pairs = sorted({f"{a}->{b}" for a, b in _ocr_pairs(t.upper(), d.upper())})
        return "OCR confusion " + " ".join(pairs) if pairs else "OCR confusion"
    return "one-character typo"


def _zeros(s: str) -> int:
    return sum(len(m.group(0)) for m in _LEAD_ZEROS.finditer(s))


def _ocr_pairs(t: str, d: str):
    """(letter, digit) pairs that OCR folding changed in either text."""
    pairs = []
    for s in (t, d):
        for p in _SPLIT.split(s):
            folded = _ocr_fold_part(p)
            pairs += [(a, b) for a, b in zip(p, folded) if a != b]
    return pairs


# -- deduction reasons read from free text (CONTRACT §5) --------------------------------
_REASONS = (      # the first that matches wins: specific causes before the generic "short"
    ("DAMAGED", re.compile(r"\bDAMAGE[DS]?\b|\bDMG\b|\bBROKEN\b|\bDEFECT")),
    ("PRICING", re.compile(r"\bPRIC(?:E|ES|ING)\b|\bOVERCHARGE")),
    ("PROMO", re.compile(r"\bPROMO\w*\b|\bCO-?OP\b|\bADVERTIS\w*|\bMDF\b|\bREBATE\b|\bSLOTTING\b")),
    ("FREIGHT", re.compile(r"\bFREIGHT\b|\bSHIPPING\s+CHARGE|\bDELIVERY\s*CHARGE")),
    ("TAX", re.compile(r"\bTAX\b|\bVAT\b|\bGST\b|\bWITHHOLDING\b")),
    ("RETURN", re.compile(r"\bRETURN\w*\b|\bRMA\b")),
    ("SHORTAGE", re.compile(r"\bSHORTAGE\b|\bSHORT[\s-]*SHIP\w*|\bSHORT[\s-]*DELIVER\w*|\bQTY\s+SHORT\b|\bMISSING\b")),
)


def reason_code(text: object) -> str:
    """Deduction reason code read from ``text``; ``OTHER`` when nothing is recognised.

    >>> reason_code("short paid: 2 cases damaged"), reason_code("freight not agreed"), reason_code("")
    ('DAMAGED', 'FREIGHT', 'OTHER')
    """
    s = str(text or "").upper()
    for code, rx in _REASONS:
        if rx.search(s):
            return code
    return "OTHER"


_PARTIAL = re.compile(r"\bPARTIAL\b|\bPART\s*PAY\w*|\bINSTAL+MENTS?\b|\bON\s+ACCOUNT\b|\bACOMPTE\b|\bTEILZAHLUNG\b")


def says_partial(text: object) -> bool:
    """True when the text says the payment is a partial payment or an instalment."""
    return bool(_PARTIAL.search(str(text or "").upper()))
