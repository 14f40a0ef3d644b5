"""The cash engine's fast paths give what the careful, one-at-a-time paths give (hypothesis):

* references read all at once (:func:`refs.candidates_of`) = :func:`refs.candidates` per text;
* the open-item index's PO/reference and number-tail lists, grouped with numpy, = the lists
  built item by item (the loops the index used before, kept here as the reference);
* OCR/typo variants with the pool's distances from one rapidfuzz call = the item-by-item search;
* an FX rate looked up once per rate date = the rate picked for that very day.
"""
import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from xl_collections.cashapp.fx_convert import FxConverter
from xl_collections.cashapp.open_index import OpenItemIndex
from xl_collections.cashapp.payer import PayerIndex, normalise_name
from xl_collections.cashapp.refs import (TAIL_KEY, candidates, candidates_of, explain, fuzzy_worthy, ocr_key,
                                         po_key)
from xl_collections.cashapp.rules import variants
from xl_collections.core.docno import normalise_document_no

# pieces of what banks write in a reference: numbers with prefixes, amounts, dates, separators
PIECES = ["INV", "inv", "Invoice", "#", "-", "/", ".", "_", " ", ", ", "; ", "(", ")", "'", "0", "00", "0012345",
          "12345", "I2345", "O0l2", "1,250.00", "145.38", "2026-10-31", "31.10.2026", "PO", "PO-4500012", "RE",
          "NO", "NR.", "CM-0042", "DM", "AB", "ÄB-0012", "ß-01", "damaged", "partial", "REF", "x", "7", "99"]
texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


def careful_candidates(text, max_tokens=40):
    """:func:`refs.candidates` as it was: every word through every pattern, keys one by one."""
    from xl_collections.cashapp import refs
    s = refs._AMOUNT_IN_TEXT.sub(" ", str(text).upper())
    words = [w for w in refs._TOKEN_SPLIT.split(s) if w][:max_tokens]
    out, seen = [], set()

    def add(raw):
        k = normalise_document_no(raw)
        if len(k) >= 3 and k not in seen:
            seen.add(k)
            out.append((raw, k))
    for i, w in enumerate(words):
        if refs.AMOUNT_OR_DATE.match(w):
            continue
        add(w)
        parts = [p for p in refs._SUB_SPLIT.split(w) if p]
        if len(parts) > 1:
            for p in parts:
                add(p)
        if i + 1 < len(words) and refs._PAIR_HEAD.match(w) and any(ch.isdigit() for ch in words[i + 1]):
            add(w + " " + words[i + 1])
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=12))
def test_references_read_at_once_are_read_one_by_one(refs):
    got = candidates_of(refs + [None, 3.5])
    assert set(got) == set(refs)
    for t in refs:
        assert got[t] == candidates(t) == careful_candidates(t)


@pytest.mark.parametrize("text", [
    "INV0012345 1234,56", "INV0012345 1 234.56", "(1,250.00) INV-0012345", "2026-10-31 INV77777", "31/10/2026 77777",
    "X\\2026-10-31 77777", "X\\31/10/2026 77777", "PO-4500012 less 78.00", "INV 0012345/0012346", "1234,5 12345"])
def test_references_with_amounts_and_dates_are_read_as_before(text):
    assert candidates_of([text])[text] == candidates(text) == careful_candidates(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("INVPO0123456789.,-/#_ \\'$€£²٣ßÄ+()"), max_size=40))
def test_references_of_any_characters_are_read_as_before(text):
    assert candidates_of([text])[text] == candidates(text) == careful_candidates(text)


def test_references_read_at_once_long_text_is_cut_at_forty_words():
    t = " ".join(f"INV{n}" for n in range(10000, 10060))
    keys = [k for _, k in candidates(t)]
    assert candidates_of([t])[t] == candidates(t)
    assert "10039" in keys and "10040" not in keys


# -- the open-item index: the item-by-item loops it used before ---------------------------------------
def careful_po_index(oi: pd.DataFrame, doc: list[str]) -> dict[str, list[int]]:
    by_po: dict[str, list[int]] = {}
    for col in ("po_number", "reference"):
        if col not in oi:
            continue
        for i, v in enumerate(oi[col].tolist()):
            if v == "":
                continue
            k = po_key(v)
            if len(k) >= 4 and not k.isalpha():
                lst = by_po.setdefault(k, [])
                if not lst or lst[-1] != i:
                    lst.append(i)
    for lst in by_po.values():
        lst.sort(key=doc.__getitem__)
    return by_po


def careful_tail_index(keys: list[str], doc: list[str]) -> dict[str, list[int]]:
    import re
    rx = re.compile(TAIL_KEY)
    out: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        m = rx.match(k)
        if m:
            out.setdefault(m.group("t"), []).append(i)
    for v in out.values():
        v.sort(key=doc.__getitem__)
    return out


REFS = ["", "", "PO-4500012", "4500012", "PO 4500012", "ORDER 77", "ORD0077", "ABCD", "A-12", "PO9", "PO-9999",
        "RE 0012345", "12345", "X1234", "ÄB-0012"]
DOCS = ["INV0012345", "INV12345", "DM0025352", "CM25352", "25352", "AB1234", "AB01234", "INV9", "X", "DM0025352",
        "ABCDE99999", "Q12345"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(DOCS), st.sampled_from(REFS), st.sampled_from(REFS)), min_size=1, max_size=25),
       st.booleans())
def test_po_and_tail_lists_are_the_item_by_item_lists(rows, with_reference):
    oi = pd.DataFrame({"customer_id": "C1", "document_no": [r[0] for r in rows], "currency": "USD",
                       "open_amount": np.arange(1, len(rows) + 1, dtype="int64"),
                       "document_date": pd.Timestamp("2026-10-01"), "po_number": [r[1] for r in rows]})
    if with_reference:
        oi["reference"] = [r[2] for r in rows]
    book = OpenItemIndex(oi)
    want = careful_po_index(oi, book.doc)
    assert list(book._by_po) == list(want) and book.any_po() == bool(want)
    for k, items in want.items():
        assert book.has_po(k) and book.po_hits(k) == items
    assert book.po_hits("NOSUCHPO") == [] and not book.has_po("NOSUCHPO")
    tails = careful_tail_index(book.key, book.doc)
    assert book.tail_hits("0000") == tails.get("0000", [])
    for t, items in tails.items():
        assert book.tail_hits(t) == items
    assert list(book._by_tail) == list(tails)
    for k in set(book.key) - {""}:
        assert book.hits(k) == sorted((i for i, x in enumerate(book.key) if x == k), key=book.doc.__getitem__)


# -- OCR / typo variants: the item-by-item search -----------------------------------------------------
def careful_variants(raw, key, pool, docs, keys, ocr):
    if not pool or not fuzzy_worthy(raw, key):
        return []
    ok = ocr_key(raw)
    found = []
    for i in pool:
        k = keys[i]
        if k == key:
            continue
        if abs(len(k) - len(ok)) <= 1 and (k if k.isdigit() else ocr(i)) == ok:
            found.append((i, explain(raw, docs[i])))
        elif abs(len(k) - len(key)) <= 1 and len(k) >= 5 and OSA.distance(k, key, score_cutoff=1) <= 1:
            found.append((i, "one-character typo"))
    found.sort(key=lambda x: docs[x[0]])
    return found


NUMBERS = ["INV0012345", "INV0012354", "INV00I2345", "INVO012345", "12345", "123456", "1234", "DM12345", "S12345",
           "AB1Z345", "INV0012346", "0012345", "12B45", "I2345", "INV-00123-45", "5S5S5", "BS12345"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NUMBERS), st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=20))
def test_variants_with_the_pools_distances_at_once_are_the_item_by_item_variants(raw, docs):
    keys = [normalise_document_no(d) for d in docs]
    pool = list(range(len(docs)))
    key = normalise_document_no(raw)

    def ocr(i):
        return ocr_key(docs[i])
    assert variants(raw, key, pool, docs, keys, ocr) == careful_variants(raw, key, pool, docs, keys, ocr)


# -- FX rates: once per rate date ---------------------------------------------------------------------
def _rates():
    rows = [("EUR", "1.10", "2026-08-31"), ("EUR", "1.12", "2026-09-30"), ("EUR", "1.15", "2026-10-31"),
            ("GBP", "1.30", None), ("GBP", "1.31", "2026-10-15"), ("CAD", "0.73", "2026-09-30"),
            ("CAD", "0.74", "2026-09-30"), ("CAD", "0.75", "2026-10-20"), ("JPY", "0.0067", None)]
    return pd.DataFrame({"currency": [r[0] for r in rows], "rate": [Decimal(r[1]) for r in rows],
                         "date": pd.to_datetime([r[2] for r in rows]), "source_row": range(2, 2 + len(rows))})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["EUR", "GBP", "CAD", "JPY", "USD", "CHF"]),
                          st.dates(dt.date(2026, 8, 1), dt.date(2026, 11, 30))), min_size=1, max_size=30))
def test_fx_rate_once_per_rate_date_is_the_rate_picked_for_the_day(asks):
    fast, careful = FxConverter(_rates(), "USD"), FxConverter(_rates(), "USD")
    for cur, day in asks:
        assert fast.rate(cur, pd.Timestamp(day)) == careful._pick(cur, day)


def test_fx_rate_without_rates_is_none():
    assert FxConverter(None, "USD").rate("EUR", pd.Timestamp("2026-10-01")) is None


# -- fuzzy payer names: one blocking key needs no counting ---------------------------------------------
WORDS = ["ACME", "ACMET", "APEX", "ATLAS", "BEACON", "BIRCH", "TOOLS", "FOODS", "TOOL", "SUPPLY", "GLOBAL", "ACE"]


def careful_choices(payers: PayerIndex, n: str) -> list[str]:
    """The fuzzy candidates counted for every payer name, as before."""
    from collections import Counter
    from itertools import chain

    from xl_collections.cashapp import payer as pm
    keys = [k for k in pm._blocking_keys(n) if k not in payers._common and k in payers._by_word]
    cnt = Counter(chain.from_iterable(payers._by_word[k] for k in keys))
    need = max(1, len(keys) - 2)
    return sorted(name for name, c in cnt.most_common(64) if c >= need)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join), min_size=2, max_size=120,
                unique=True),
       st.lists(st.lists(st.sampled_from(WORDS + ["ACMX", "TOLS", "APX"]), min_size=1, max_size=3).map(" ".join),
                min_size=1, max_size=10))
def test_fuzzy_payer_candidates_are_the_counted_candidates(names, payers):
    index = PayerIndex(pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(len(names))], "customer_name": names}))
    for raw in payers:
        n = normalise_name(raw)
        assert index._choices(n) == careful_choices(index, n)


def test_fuzzy_payer_candidates_of_a_large_customer_master():
    """2,000 customers: keys naming more than 64 of them, so only 64 are taken."""
    rng = np.random.default_rng(3)
    vocab = [f"{a}{b}{c}" for a in "BCDFGKLMNPRST" for b in "AEIOU" for c in "LNRST"][:50]
    names = list(dict.fromkeys(" ".join(rng.choice(vocab, 2)) for _ in range(2300)))[:2000]
    index = PayerIndex(pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(len(names))], "customer_name": names}))
    assert max(len(set(v)) for k, v in index._by_word.items() if k not in index._common) > 64
    for raw in names[:300] + [n[:-1] + "X" for n in names[:300]] + ["ZZZ " + n.split()[0] for n in names[:100]]:
        n = normalise_name(raw)
        assert index._choices(n) == careful_choices(index, n)
