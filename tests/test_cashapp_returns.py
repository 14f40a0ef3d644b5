"""Returned items (issue 23 item 2, CONTRACT §6 "Returned items"): a bounced cheque, an ACH or
SEPA return or a card chargeback undoes the payment exactly — in this run and in earlier runs —
or is reported with nothing changed.

Hypothesis: apply → return → the open items are what they were before the payment, to the
cent, whatever the engine did with it (full, partial, several invoices, on account, deduction,
write-off, proposal only), in the same run and in a later run whether or not the ledger has
posted the application.
"""
from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from xl_collections.cashapp import apply_cash
from xl_collections.core.settings import Settings

CUSTOMERS = pd.DataFrame({"customer_id": ["C100", "C200"], "customer_name": ["Harbor Marine Supply", "Okafor Foods Ltd"],
                          "payment_terms": ["NET30", "NET30"],
                          "bank_accounts": ["GB29NWBK60161331926819", "GB94BARC10201530093459"]})


def extract(*rows):
    """(document_no, customer, open amount as text)."""
    return pd.DataFrame([{"customer_id": c, "document_no": d, "doc_type": "INV", "document_date": "2026-09-15",
                          "amount": a, "open_amount": a, "currency": "GBP"} for d, c, a in rows])


OI = extract(("INV-1001", "C100", "863.14"), ("INV-1002", "C100", "612.58"), ("INV-2001", "C200", "1,500.00"),
             ("INV-2002", "C200", "402.11"))
PAY_COLS = ["payment_id", "value_date", "amount", "reference", "payer_name", "payer_account", "record_type",
            "original_ref", "reason_code", "reason"]


def pay(*rows):
    """(payment_id, value_date, amount, reference, payer_name, payer_account[, record_type, original_ref, code, reason])."""
    full = [tuple(r) + ("PAYMENT", "", "", "")[len(r) - 6:] if len(r) < 10 else r for r in rows]
    return pd.DataFrame(full, columns=PAY_COLS).assign(currency="GBP")


P1 = ("P1", "2026-10-05", "612.58", "INV-1002", "HARBOR MARINE", "GB29NWBK60161331926819")
P2 = ("P2", "2026-10-07", "1,902.11", "INV-2001 INV-2002", "OKAFOR FOODS", "GB94BARC10201530093459")


def ret(rid, day, amount, original="", account="", code="AC04", reason="account closed"):
    return (rid, day, amount, "", "", account, "RETURN", original, code, reason)


def cash(oi, payments, prior=None, run_id="R1", **kw):
    return apply_cash(oi, payments, customers=CUSTOMERS, prior_applications=prior, run_id=run_id, **kw)


def open_of(df) -> dict[str, int]:
    return {d: int(a) for d, a in zip(df["document_no"], df["open_amount"]) if int(a) != 0}


def canon_open(oi) -> dict[str, int]:
    return open_of(cash(oi, pay()).open_items_after)


def one(res, rid):
    return res.returns.set_index("return_id").loc[rid]


# ------------------------------------------------------------------ in one run

def test_a_payment_returned_in_the_same_run_is_reversed_exactly():
    res = cash(OI, pay(P1, P2, ret("RT-9", "2026-10-12", "1,902.11", original="P2")))
    r = one(res, "RT-9")
    assert (r["status"], r["payment_id"], r["customer_id"]) == ("REVERSED", "P2", "C200")
    assert (r["documents"], r["reopened"], r["fee"]) == ("INV-2001, INV-2002", 190211, 0)
    assert open_of(res.open_items_after) == {"INV-1001": 86314, "INV-2001": 150000, "INV-2002": 40211}
    a = res.applications[res.applications["payment_id"] == "P2"]
    assert a["status"].tolist().count("AUTO") == 2 and a["status"].tolist().count("REVERSED") == 2
    rev = a[a["status"] == "REVERSED"]
    assert rev["applied_amount"].sum() == -190211 and set(rev["return_id"]) == {"RT-9"}
    post = res.posting[res.posting["payment_id"] == "P2"]
    assert post.groupby("posting_type")["amount"].sum().to_dict() == {"APPLICATION": 190211, "REVERSAL": -190211}
    assert "RT-9" not in set(res.applications["payment_id"])          # a return is never applied as cash


def test_a_return_without_reference_is_matched_by_payer_account_and_amount_within_the_days():
    res = cash(OI, pay(P1, ret("RT-1", "2026-11-20", "612.58", account="GB29 NWBK 6016 1331 9268 19")))
    assert one(res, "RT-1")["status"] == "REVERSED" and open_of(res.open_items_after)["INV-1002"] == 61258
    late = cash(OI, pay(P1, ret("RT-1", "2026-12-10", "612.58", account="GB29NWBK60161331926819")))
    r = one(late, "RT-1")                                              # 66 days > ReturnMatchDays 60
    assert r["status"] == "RETURN_UNMATCHED" and "60 days" in r["detail"]
    assert "INV-1002" not in open_of(late.open_items_after)             # nothing changed
    wider = cash(OI, pay(P1, ret("RT-1", "2026-12-10", "612.58", account="GB29NWBK60161331926819")),
                 settings=Settings(return_match_days=90))
    assert one(wider, "RT-1")["status"] == "REVERSED"


def test_two_payments_that_fit_are_not_guessed_between():
    twin = ("P1B", "2026-10-06", "612.58", "", "HARBOR MARINE", "GB29NWBK60161331926819")
    res = cash(OI, pay(P1, twin, ret("RT-1", "2026-10-20", "612.58", account="GB29NWBK60161331926819")))
    r = one(res, "RT-1")
    assert r["status"] == "RETURN_UNMATCHED" and "2 payments" in r["detail"]
    assert "RT-1" in set(res.exceptions["payment_id"])


def test_a_return_of_another_amount_changes_nothing():
    base = cash(OI, pay(P1, P2))
    res = cash(OI, pay(P1, P2, ret("RT-2", "2026-10-12", "1,900.00", original="P2")))
    r = one(res, "RT-2")
    assert (r["status"], r["payment_id"], r["reopened"]) == ("RETURN_AMOUNT_MISMATCH", "P2", 0)
    assert open_of(res.open_items_after) == open_of(base.open_items_after)
    assert len(res.applications) == len(base.applications) and "REVERSAL" not in set(res.posting["posting_type"])
    assert res.exceptions.set_index("payment_id").loc["RT-2", "reason"] == "RETURN_AMOUNT_MISMATCH"


def test_an_unknown_reference_is_unmatched_and_reported():
    res = cash(OI, pay(P1, ret("RT-3", "2026-10-12", "612.58", original="NOT-A-PAYMENT")))
    assert one(res, "RT-3")["status"] == "RETURN_UNMATCHED"
    assert "INV-1002" not in open_of(res.open_items_after)


def test_unapplied_cash_returned_is_reduced_and_the_fee_is_a_proposed_debit_memo():
    stranger = ("P9", "2026-10-08", "77.00", "thank you", "J DOE", "DE02120300000000202051")
    res = cash(OI, pay(stranger, ret("RT-4", "2026-10-15", "77.00", original="P9")),
               settings=Settings(returned_item_fee=2500))
    r = one(res, "RT-4")
    assert r["status"] == "UNAPPLIED_REDUCED" and r["fee"] == 0     # nobody to charge: the payer is unknown
    assert "P9" not in set(res.unapplied["payment_id"])
    onacct = ("P8", "2026-10-08", "700.00", "INV-1002", "HARBOR MARINE", "GB29NWBK60161331926819")
    res = cash(OI, pay(onacct, ret("RT-5", "2026-10-15", "700.00", original="P8")),
               settings=Settings(returned_item_fee=2500, auto_apply_min_confidence=0.8))
    r = one(res, "RT-5")         # 612.58 applied to INV-1002, 87.42 on account: both undone
    assert (r["status"], r["customer_id"], r["fee"], r["reopened"]) == ("REVERSED", "C100", 2500, 61258)
    assert open_of(res.open_items_after) == canon_open(OI)               # no PMT credit left on account
    fee = res.posting[res.posting["posting_type"] == "RETURN_FEE"]
    assert fee[["customer_id", "document_no", "amount"]].values.tolist() == [["C100", "RF-RT-5", 2500]]
    post = res.posting[res.posting["payment_id"] == "P8"]
    assert post.loc[post["posting_type"] != "RETURN_FEE", "amount"].sum() == 0   # every line reversed


def test_the_return_of_one_of_two_payments_to_an_invoice_reopens_only_its_part():
    first = ("P5", "2026-10-03", "300.00", "INV-1001 partial payment", "HARBOR MARINE", "GB29NWBK60161331926819")
    second = ("P6", "2026-10-09", "563.14", "INV-1001", "HARBOR MARINE", "GB29NWBK60161331926819")
    res = cash(OI, pay(first, second, ret("RT-6", "2026-10-16", "300.00", original="P5")),
               settings=Settings(auto_apply_min_confidence=0.5))
    assert set(res.applications.loc[res.applications["status"] == "AUTO", "payment_id"]) == {"P5", "P6"}
    assert one(res, "RT-6")["status"] == "REVERSED"
    assert open_of(res.open_items_after)["INV-1001"] == 30000          # P6's 563.14 stays applied
    assert set(res.applications.loc[res.applications["status"] == "REVERSED", "payment_id"]) == {"P5"}


def test_a_second_return_of_the_same_payment_changes_nothing():
    res = cash(OI, pay(P1, ret("RT-1", "2026-10-12", "612.58", original="P1"), ret("RT-2", "2026-10-13", "612.58", original="P1")))
    assert one(res, "RT-1")["status"] == "REVERSED"
    r = one(res, "RT-2")
    assert r["status"] == "RETURN_UNMATCHED" and "already returned by RT-1" in r["detail"]
    assert open_of(res.open_items_after)["INV-1002"] == 61258


# ------------------------------------------------------------------ across runs

def test_a_later_return_of_a_posted_application_reopens_the_document_with_a_reversing_line():
    first = cash(OI, pay(P1, P2), run_id="R1")
    posted = extract(("INV-1001", "C100", "863.14"))                 # the ledger posted October's cash
    second = cash(posted, pay(P1, P2, ret("RT-9", "2026-11-03", "1,902.11", original="P2")),
                  prior=first.applications, run_id="R2")
    assert one(second, "RT-9")["status"] == "REVERSED"
    assert open_of(second.open_items_after) == {"INV-1001": 86314, "INV-2001": 150000, "INV-2002": 40211}
    rev = second.posting[second.posting["posting_type"] == "REVERSAL"]
    assert sorted(rev["amount"]) == [-150000, -40211] and set(rev["document_no"]) == {"INV-2001", "INV-2002"}
    # the next run meets the same return again: already reversed, nothing changed, never applied again
    reopened = extract(("INV-1001", "C100", "863.14"), ("INV-2001", "C200", "1,500.00"), ("INV-2002", "C200", "402.11"))
    third = cash(reopened, pay(P1, P2, ret("RT-9", "2026-11-03", "1,902.11", original="P2")),
                 prior=second.applications, run_id="R3")
    assert one(third, "RT-9")["status"] == "ALREADY_REVERSED" and one(third, "RT-9")["reopened"] == 0
    assert open_of(third.open_items_after) == canon_open(reopened)
    assert third.unapplied.empty and "REVERSAL" not in set(third.posting["posting_type"])
    pd.testing.assert_frame_equal(third.applications, second.applications, check_dtype=False)


def test_a_later_return_of_an_unposted_application_withdraws_it_without_a_line():
    first = cash(OI, pay(P1, P2), run_id="R1")
    second = cash(OI, pay(P1, P2, ret("RT-9", "2026-11-03", "1,902.11", original="P2")),
                  prior=first.applications, run_id="R2")
    r = one(second, "RT-9")
    assert r["status"] == "REVERSED" and "withdrawn" in r["detail"]
    assert open_of(second.open_items_after) == {"INV-1001": 86314, "INV-2001": 150000, "INV-2002": 40211}
    assert "REVERSAL" not in set(second.posting["posting_type"])


def test_an_unmatched_return_is_tried_again_in_a_later_run():
    first = cash(OI, pay(ret("RT-7", "2026-10-20", "612.58", original="P1")), run_id="R1")
    assert one(first, "RT-7")["status"] == "RETURN_UNMATCHED"
    second = cash(OI, pay(P1, ret("RT-7", "2026-10-20", "612.58", original="P1")), prior=first.applications, run_id="R2")
    assert one(second, "RT-7")["status"] == "REVERSED"


def test_a_card_chargeback_reverses_its_sale():
    cs = pd.DataFrame({"batch_id": ["B1", "B1", "B2"], "settlement_date": ["2026-10-05", "2026-10-05", "2026-10-19"],
                       "transaction_id": ["ch_1", "ch_2", "dp_1"], "gross_amount": ["612.58", "863.14", "-612.58"],
                       "fee_amount": ["17.76", "25.03", "15.00"], "net_amount": ["594.82", "838.11", "-627.58"],
                       "currency": ["GBP"] * 3, "reference": ["INV-1002", "INV-1001", ""],
                       "customer_id": ["C100", "C100", "C100"], "record_type": ["SALE", "SALE", "CHARGEBACK"],
                       "original_transaction_id": ["", "", "ch_1"]})
    res = cash(OI, pay(), card_settlements=cs)
    r = one(res, "dp_1")
    assert (r["status"], r["payment_id"], r["amount"], r["fee"]) == ("REVERSED", "ch_1", 61258, 0)
    assert open_of(res.open_items_after) == {"INV-2001": 150000, "INV-2002": 40211, "INV-1002": 61258}
    assert "CARD_CHARGEBACK" not in set(res.exceptions["reason"])


# ------------------------------------------------------------------ property: apply -> return -> as before

_docs = st.lists(st.integers(1, 500_000), min_size=1, max_size=5)


@st.composite
def _case(draw):
    amounts = draw(_docs)
    oi = pd.DataFrame([{"customer_id": "C100", "document_no": f"INV-{7000 + i}", "doc_type": "INV",
                        "document_date": "2026-09-01", "amount": a / 100, "open_amount": a / 100, "currency": "GBP"}
                       for i, a in enumerate(amounts)])
    named = draw(st.lists(st.sampled_from(range(len(amounts))), min_size=0, max_size=len(amounts), unique=True))
    kind = draw(st.sampled_from(["full", "partial", "over", "short", "any"]))
    base = sum(amounts[i] for i in named) if named else draw(st.integers(1, 900_000))
    amount = {"full": base, "partial": max(1, base // 2), "over": base + draw(st.integers(1, 50_000)),
              "short": max(1, base - draw(st.integers(1, 2_000))), "any": draw(st.integers(1, 900_000))}[kind]
    text = " ".join(f"INV-{7000 + i}" for i in named) + (" partial payment" if kind == "partial" else "")
    payer = draw(st.sampled_from(["HARBOR MARINE", ""]))
    return oi, ("PX", "2026-10-10", f"{amount / 100:.2f}", text, payer,
                "GB29NWBK60161331926819" if payer else "")


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_case(), when=st.sampled_from(["same_run", "later_unposted", "later_posted"]))
def test_apply_then_return_gives_the_open_items_before_the_payment(case, when):
    oi, p = case
    before = canon_open(oi)
    r = ret("RX", "2026-10-20", p[2], original="PX")
    if when == "same_run":
        res = cash(oi, pay(p, r))
    else:
        first = cash(oi, pay(p), run_id="R1")
        extract_now = oi
        if when == "later_posted":          # the ledger posted everything run 1 proposed as applied
            extract_now = first.open_items_after
        res = cash(extract_now, pay(p, r), prior=first.applications, run_id="R2")
    row = one(res, "RX")
    assert row["status"] in ("REVERSED", "UNAPPLIED_REDUCED")
    assert open_of(res.open_items_after) == before
    assert res.unapplied.empty or "PX" not in set(res.unapplied["payment_id"])
    # run again with the return: already reversed, the open items stay as they were
    again = cash(res.open_items_after if when == "later_posted" else oi, pay(p, r), prior=res.applications, run_id="R9")
    assert one(again, "RX")["status"] == "ALREADY_REVERSED"
    assert open_of(again.open_items_after) == before
