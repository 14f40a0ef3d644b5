"""The cascade's first pass (references naming one open document by its exact key, decided
without trying the rules: ``Cascade.first_pass``) gives what the cascade alone gives: every
result table, cell for cell, on generated books (hypothesis) - the same invoice paid twice,
partial and over payments, two payments naming one invoice, references naming two invoices,
a document number shared by two customers or currencies, payments in another currency,
payers of a related customer or of another one, bank accounts learnt from earlier payments,
short keys under a stricter AutoApplyMinConfidence, remittance advice, and a second run
that carries the first run's applications (CONTRACT §6, cash across runs).
"""
from dataclasses import fields
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings as hsettings, strategies as st

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.allocation import Allocator
from xl_collections.cashapp.cascade import Cascade
from xl_collections.core.money import MINOR_UNITS, money_text
from xl_collections.core.settings import Settings

CUSTOMERS = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"],
                          "customer_name": ["Acme Tools Inc", "Acme Tools Europe", "Beta Foods", "Gamma Logistics"],
                          "parent_id": ["", "C1", "", ""],
                          "payment_terms": ["NET30", "2/10 NET30", "NET30", "NET30"],
                          "bank_accounts": ["", "", "DE44500105175407324931", ""]})
AMOUNTS = [1000, 2500, 12345, 99999, 100000]        # minor units: few values, many collisions
PAYERS = [("Acme Tools Inc", "", ""), ("ACME TOOLS EUROPE", "", ""), ("Beta Foods", "", ""),
          ("", "DE44500105175407324931", ""), ("Stranger Ltd", "NL91ABNA0417164300", ""),
          ("Stranger Ltd", "NL91ABNA0417164300", ""), ("", "", "C4"), ("", "", "C1"), ("Gamma", "", "")]


@st.composite
def books(draw):
    n_i = draw(st.integers(1, 12))
    items = []
    for k in range(n_i):
        # a few numbers share a key (INV-10001 and INV10001: never plain); 7777 is a short key
        no = draw(st.sampled_from([f"INV{10001 + k}"] * 4 + ["INV-10001", "7777", f"CM{20001 + k}"]))
        a = draw(st.sampled_from(AMOUNTS))
        credit = no.startswith("CM") and draw(st.booleans())
        items.append({"customer_id": draw(st.sampled_from(["C1", "C2", "C3", "C4"])), "document_no": no,
                      "doc_type": "CM" if credit else "INV", "document_date": f"2026-10-{draw(st.integers(1, 9)):02d}",
                      "open_amount": (-a if credit else a) / 100,
                      "currency": draw(st.sampled_from(["USD", "USD", "USD", "EUR"]))})
    oi = pd.DataFrame(items).drop_duplicates("document_no")
    rows = oi.to_dict("records")
    pays, rem = [], []
    for j in range(draw(st.integers(1, 10))):
        named = draw(st.lists(st.integers(0, len(rows) - 1), min_size=0, max_size=2))
        style = draw(st.sampled_from(["{}", "{}", "{}", "INV {}", "paid {} thanks", "{} partial"]))
        ref = " ".join(style.format(rows[r]["document_no"]) for r in named) or draw(st.sampled_from(["", "rent", "7777"]))
        base = sum(abs(int(round(rows[r]["open_amount"] * 100))) for r in named) or draw(st.sampled_from(AMOUNTS))
        amount = max(1, base + draw(st.sampled_from([0, 0, 0, 0, -1, -500, 300])))
        name, acct, cid = draw(st.sampled_from(PAYERS))
        cur = draw(st.sampled_from(["USD", "EUR"]))
        if named and draw(st.integers(0, 3)):          # mostly the named document's customer and currency
            cur = rows[named[0]]["currency"]
            if draw(st.booleans()):
                name, acct, cid = "", "", rows[named[0]]["customer_id"]
        pay = {"payment_id": f"P{j:03d}", "value_date": f"2026-10-{draw(st.integers(1, 30)):02d}",
               "amount": amount / 100, "currency": cur,
               "payer_name": name, "payer_account": acct, "customer_id": cid, "reference": ref}
        pays.append(pay)
        if draw(st.integers(0, 5)) == 0:                 # the same statement line loaded twice
            pays.append(dict(pay))
        if draw(st.integers(0, 7)) == 0 and named:
            rem.append({"payment_id": pay["payment_id"], "document_no": rows[named[0]]["document_no"],
                        "amount_paid": amount / 100})
    remittance = pd.DataFrame(rem) if rem else None
    strict = draw(st.booleans())
    return oi, pd.DataFrame(pays), remittance, Settings(auto_apply_min_confidence=Decimal("0.95")) if strict else Settings()


_PLAIN = Cascade._plain


def _run(first_pass, monkeypatch, oi, pay, **kw):
    decided = []

    def counted(self, *a):
        out = _PLAIN(self, *a)
        decided.append(out is not None)
        return out
    monkeypatch.setattr(Cascade, "first_pass", first_pass)
    monkeypatch.setattr(Cascade, "_plain", counted)
    res = apply_cash(oi, pay, customers=CUSTOMERS, **kw)
    if first_pass:
        event(f"payments decided by the first pass: {min(sum(decided), 3)}{'+' if sum(decided) >= 3 else ''}")
        event(f"first pass left to the rules: {min(decided.count(False), 3)}")
    return res


def _same(a, b):
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f.name)
            assert x.attrs == y.attrs, f.name
        else:
            assert x == y, f.name


@hsettings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books())
def test_first_pass_then_cascade_is_the_cascade(monkeypatch, book):
    oi, pay, rem, s = book
    fast = _run(True, monkeypatch, oi, pay, remittance=rem, settings=s)
    _same(fast, _run(False, monkeypatch, oi, pay, remittance=rem, settings=s))


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books(), st.integers(0, 10), st.booleans())
def test_first_pass_across_runs_is_the_cascade(monkeypatch, book, k, again):
    """A second run with the first run's payments and more (``again``: the first ones also
    paid again under new ids), carrying the first run's applications."""
    oi, pay, rem, s = book
    first = pay[pay["payment_id"] < f"P{k:03d}"]
    earlier = _run(False, monkeypatch, oi, first, settings=s, run_id="R1").applications
    later = pd.concat([pay, first.assign(payment_id=first["payment_id"] + "B")], ignore_index=True) if again else pay
    kw = dict(prior_applications=earlier, remittance=rem, settings=s, run_id="R2")
    _same(_run(True, monkeypatch, oi, later, **kw), _run(False, monkeypatch, oi, later, **kw))


def test_first_pass_decides_the_plain_payments(monkeypatch):
    """A plain payment is decided by the first pass (DOC_REF, AUTO, the document's evidence);
    a second payment naming the same, now cleared invoice goes through the rules."""
    oi = pd.DataFrame({"customer_id": ["C3", "C3"], "document_no": ["INV10042", "INV10043"], "doc_type": "INV",
                       "document_date": "2026-10-01", "open_amount": [123.45, 50.00], "currency": "USD"})
    pay = pd.DataFrame({"payment_id": ["P1", "P2"], "value_date": ["2026-10-05", "2026-10-06"], "amount": [123.45, 123.45],
                        "currency": "USD", "payer_name": "Beta Foods", "reference": ["inv-10042", "INV10042"]})
    calls = []
    plain = Cascade._plain

    def spy(self, p, amt, payer, hit):
        out = plain(self, p, amt, payer, hit)
        calls.append((p.payment_id, out is not None))
        return out
    monkeypatch.setattr(Cascade, "_plain", spy)
    res = apply_cash(oi, pay, customers=CUSTOMERS)
    assert calls[0] == ("P1", True) and set(calls[1:]) == {("P2", False)}      # P2 judged again: still not
    a = res.applications.set_index("payment_id")
    assert (a.loc["P1", "rule"], a.loc["P1", "status"], a.loc["P1", "applied_amount"]) == ("DOC_REF", "AUTO", 12345)
    assert a.loc["P1", "evidence"].startswith('reference "INV-10042" ~ document_no INV10042 (case/punctuation); ')
    assert "P2" not in a.index
    assert "already cleared by payment P1" in res.unapplied.set_index("payment_id").loc["P2", "detail"]
    monkeypatch.setattr(Cascade, "first_pass", False)
    _same(res, apply_cash(oi, pay, customers=CUSTOMERS))


@hsettings(max_examples=500, deadline=None)
@given(st.one_of(st.integers(-10**18, 10**18), st.integers(-1000, 1000), st.sampled_from([0, -1, 1, -99, 100, -100])),
       st.sampled_from(sorted(MINOR_UNITS)))
def test_evidence_amounts_are_money_text(minor, cur):
    """The evidence's amounts (Allocator.fmt, from the int's digits) = money_text's."""
    assert Allocator.fmt(None, minor, cur) == money_text(minor, cur, code=None)


def test_evidence_amounts_of_other_values_are_money_text():
    for minor, cur in [(None, "USD"), (np.int64(-123456), "EUR"), (12.0, "USD"), (5, "JPY"), (-7, "KWD"), (True, "USD")]:
        assert Allocator.fmt(None, minor, cur) == money_text(minor, cur, code=None)
    with pytest.raises(ValueError):
        Allocator.fmt(None, 5, "XYZ")
