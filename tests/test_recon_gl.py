"""Sub-ledger <-> GL tie-out and the AR roll-forward: every line with its source, the planted
difference lands in the unexplained line to the cent, and nothing is forced to zero."""
from __future__ import annotations

import pandas as pd

from xl_collections.recon import reconcile

PLANTED = 12345          # 123.45 USD the sub-ledger holds that no movement explains
GL_PLANTED = 7777        # 77.77 USD between sub-ledger and GL that no break explains


def book(*, dated_rates: bool):
    ledger = pd.DataFrame({
        "document_no": ["INV-1", "INV-2", "CM-3", "PMT-4", "ADJ-5", "DED-6"],
        "customer_id": ["C1", "C2", "C1", "C1", "C3", "C2"],
        "doc_type": ["INV", "INV", "CM", "PMT", "ADJ", "DED"],
        "document_date": ["2026-10-02", "2026-10-05", "2026-10-09", "2026-10-12", "2026-10-20", "2026-10-25"],
        "amount": [1000.00, 500.00, -100.00, -300.00, -20.00, 40.00],
        "currency": ["USD", "EUR", "USD", "USD", "USD", "USD"],
    })
    register = pd.DataFrame({"document_no": ["INV-1", "INV-2", "CM-3", "INV-9"], "customer_id": ["C1", "C2", "C1", "C4"],
                             "document_date": ["2026-10-02", "2026-10-05", "2026-10-09", "2026-10-30"],
                             "amount": [1000.00, 500.00, -100.00, 250.00], "currency": ["USD", "EUR", "USD", "USD"]})
    # open at the end of October: the September balance (USD 10,000 and EUR 1,000), October's
    # documents, and 123.45 that no posting of the period explains
    open_items = pd.DataFrame({
        "customer_id": ["C1", "C2", "C1", "C2", "C1", "C1", "C3", "C2", "C5"],
        "document_no": ["INV-0", "INV-00E", "INV-1", "INV-2", "CM-3", "PMT-4", "ADJ-5", "DED-6", "INV-X"],
        "doc_type": ["INV", "INV", "INV", "INV", "CM", "PMT", "ADJ", "DED", "INV"],
        "document_date": ["2026-09-10", "2026-09-12", "2026-10-02", "2026-10-05", "2026-10-09", "2026-10-12", "2026-10-20",
                          "2026-10-25", "2026-08-01"],
        "open_amount": [10000.00, 1000.00, 1000.00, 500.00, -100.00, -300.00, -20.00, 40.00, PLANTED / 100],
        "currency": ["USD", "EUR", "USD", "EUR", "USD", "USD", "USD", "USD", "USD"],
    })
    if dated_rates:
        fx = pd.DataFrame({"currency": ["EUR", "EUR"], "rate": ["1.05", "1.10"], "date": ["2026-09-30", "2026-10-31"]})
    else:
        fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.10"]})
    opening = 10000_00 + 1050_00                          # EUR 1,000 booked at 1.05
    closing_ar = 10000_00 + 1100_00 + 1000_00 + 550_00 - 100_00 - 300_00 - 20_00 + 40_00 + PLANTED
    gl_closing = closing_ar + 250_00 - GL_PLANTED        # the GL also got INV-9 from the register
    gl = pd.DataFrame({"period": ["2026-09", "2026-10"], "account": ["1200", "1200"],
                       "opening_balance": [None, opening / 100], "closing_balance": [opening / 100, gl_closing / 100]})
    return open_items, register, ledger, gl, fx, closing_ar, gl_closing


def lines(result) -> dict:
    return {l: (None if pd.isna(a) else int(a)) for l, a in zip(result.rollforward["line"], result.rollforward["amount"])}


def test_rollforward_lines_sources_and_the_planted_difference():
    oi, reg, led, gl, fx, closing_ar, _ = book(dated_rates=True)
    r = reconcile(oi, reg, ledger=led, gl=gl, fx_rates=fx, period="2026-10")
    got = lines(r)
    assert list(got) == ["opening AR", "billings", "credit memos", "cash applied", "write-offs", "FX revaluation",
                         "other adjustments", "unexplained difference", "closing AR"]
    assert got["opening AR"] == 11050_00
    assert got["billings"] == 1000_00 + 550_00
    assert got["credit memos"] == -100_00
    assert got["cash applied"] == -300_00
    assert got["write-offs"] == -20_00
    assert got["FX revaluation"] == 50_00                  # EUR 1,000 opening balance, 1.05 -> 1.10
    assert got["other adjustments"] == 40_00
    assert got["closing AR"] == closing_ar
    assert got["unexplained difference"] == PLANTED        # to the cent, not forced to zero
    assert sum(v for k, v in got.items() if k != "closing AR") == got["closing AR"]
    sources = dict(zip(r.rollforward["line"], r.rollforward["source"]))
    assert sources["opening AR"] == "gl 2026-10 opening_balance"
    assert "doc_type PMT" in sources["cash applied"] and "1 ledger documents" in sources["cash applied"]
    assert "1.05 -> 1.10" in sources["FX revaluation"]
    assert r.rollforward.attrs["money"] == ["amount"]


def test_one_rate_set_leaves_revaluation_in_the_unexplained_line():
    oi, reg, led, gl, fx, _, _ = book(dated_rates=False)
    got = lines(reconcile(oi, reg, ledger=led, gl=gl, fx_rates=fx, period="2026-10"))
    assert got["FX revaluation"] == 0
    assert got["unexplained difference"] == PLANTED + 50_00


def test_opening_from_the_month_before_when_the_period_has_none():
    oi, reg, led, gl, fx, _, _ = book(dated_rates=True)
    gl.loc[1, "opening_balance"] = None
    r = reconcile(oi, reg, ledger=led, gl=gl, fx_rates=fx, period="2026-10")
    assert lines(r)["opening AR"] == 11050_00
    assert r.rollforward["source"].iloc[0] == "gl 2026-09 closing_balance"


def test_gl_tieout_splits_explained_and_unexplained():
    oi, reg, led, gl, fx, closing_ar, gl_closing = book(dated_rates=True)
    r = reconcile(oi, reg, ledger=led, gl=gl, fx_rates=fx, period="2026-10")
    assert list(zip(r.breaks["break_type"], r.breaks["document_no"])) == [("MISSING_IN_LEDGER", "INV-9")]
    t = r.gl_tieout.iloc[0]
    assert list(r.gl_tieout.columns) == ["period", "subledger_total", "gl_balance", "difference", "explained", "unexplained"]
    assert t["period"] == "2026-10"
    assert int(t["subledger_total"]) == closing_ar and int(t["gl_balance"]) == gl_closing
    assert int(t["difference"]) == closing_ar - gl_closing
    assert int(t["explained"]) == -250_00
    assert int(t["unexplained"]) == GL_PLANTED
    assert int(t["explained"]) + int(t["unexplained"]) == int(t["difference"])


def test_without_gl_nothing_is_invented():
    oi, reg, led, _, fx, closing_ar, _ = book(dated_rates=True)
    r = reconcile(oi, reg, ledger=led, fx_rates=fx, period="2026-10")
    t = r.gl_tieout.iloc[0]
    assert int(t["subledger_total"]) == closing_ar
    assert pd.isna(t["gl_balance"]) and pd.isna(t["unexplained"])
    got = lines(r)
    assert got["opening AR"] is None and got["unexplained difference"] is None
    assert any("no GL given" in n for n in r.notes)


def test_missing_rate_with_a_gl_is_refused():
    import pytest

    from xl_collections.core.errors import InputErrors

    oi, reg, led, gl, _, _, _ = book(dated_rates=True)
    with pytest.raises(InputErrors) as e:
        reconcile(oi, reg, ledger=led, gl=gl, period="2026-10")
    assert any(x.value == "EUR" for x in e.value.errors)


def test_per_item_rounding_half_away_from_zero():
    # three EUR items of 0.05 at 1.1: each 0.055 -> 0.06 (per item), not 0.165 -> 0.17
    oi = pd.DataFrame({"customer_id": ["C1"] * 3, "document_no": ["A1", "A2", "A3"], "document_date": ["2026-10-01"] * 3,
                       "open_amount": [0.05, 0.05, 0.05], "currency": ["EUR"] * 3})
    reg = pd.DataFrame({"document_no": ["A1"], "customer_id": ["C1"], "document_date": ["2026-10-01"], "amount": [0.05],
                        "currency": ["EUR"]})
    gl = pd.DataFrame({"period": ["2026-10"], "closing_balance": [0.18]})
    r = reconcile(oi, reg, gl=gl, fx_rates=pd.DataFrame({"currency": ["EUR"], "rate": ["1.1"]}), period="2026-10")
    assert int(r.gl_tieout["subledger_total"].iloc[0]) == 18


def test_a_cash_receipt_posted_positive_is_counted_as_posted_and_named():
    oi, reg, led, gl, fx, _, _ = book(dated_rates=True)
    led.loc[led["doc_type"] == "PMT", "amount"] = 300.00          # the wrong sign for a receipt
    r = reconcile(oi, reg, ledger=led, gl=gl, fx_rates=fx, period="2026-10")
    got = lines(r)
    assert got["cash applied"] == 300_00                           # as posted, never flipped
    assert got["unexplained difference"] == PLANTED - 600_00
    assert any("1 PMT document(s) in 2026-10 are posted positive" in n for n in r.notes)
    sources = dict(zip(r.rollforward["line"], r.rollforward["source"]))
    assert "(cash receipts)" in sources["cash applied"] and "(deductions raised)" in sources["other adjustments"]


def _demo_recon(**kw):
    from xl_collections.demo import generate

    b = generate(**kw)
    r = reconcile(b.open_items, b.register, ledger=b.ledger, gl=b.gl, fx_rates=b.fx_rates, period=b.period,
                  reporting_currency=b.settings.reporting_currency, as_of=b.settings.as_of)
    return b, r


def test_demo_rollforward_leaves_exactly_the_planted_gl_difference():
    b, r = _demo_recon(items=3000, seed=7)
    got = lines(r)
    # the roll-forward identity, to the cent: every line adds up to closing AR
    assert sum(v for k, v in got.items() if k != "closing AR") == got["closing AR"] == b.gl_tieout["subledger_total"]
    assert got["unexplained difference"] == b.gl_tieout["unexplained"] != 0
    assert got["opening AR"] == int(b.gl.loc[b.gl["period"] == b.period, "opening_balance"].iloc[0])
    assert got["billings"] > 0 and got["credit memos"] < 0 and got["cash applied"] < 0 and got["write-offs"] < 0
    assert got["other adjustments"] > 0 and got["FX revaluation"] != 0       # deductions raised; dated rate sets
    assert -1.2 * got["billings"] < got["cash applied"] < -0.8 * got["billings"]
    assert not [n for n in r.notes if n.startswith("roll-forward")]
    # and the break list is still exactly what was planted, the tie-out as planted
    assert sorted(zip(r.breaks["break_type"], r.breaks["document_no"])) == sorted(
        zip(b.planted["break_type"], b.planted["document_no"]))
    t = r.gl_tieout.iloc[0]
    for k in ("subledger_total", "gl_balance", "difference", "explained", "unexplained"):
        assert int(t[k]) == b.gl_tieout[k], k


def test_demo_rollforward_identity_in_another_reporting_currency():
    b, r = _demo_recon(items=400, seed=3, reporting_currency="EUR", breaks_per_type=2)
    got = lines(r)
    assert got["unexplained difference"] == b.gl_tieout["unexplained"]
    assert sorted(zip(r.breaks["break_type"], r.breaks["document_no"])) == sorted(
        zip(b.planted["break_type"], b.planted["document_no"]))
