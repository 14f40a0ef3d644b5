"""Cash across runs (CONTRACT §6): earlier applications judged against today's extract and payments.

The four cases of issue 14 (next month's extract with earlier payments still loaded; an applied
payment's amount edited; one statement imported twice; and — in test_close_across_runs — the
Cash App sheet deleted), the rules at their thresholds, and hypothesis sequences of runs, extracts
(posted, not posted, mixed), edits and deletions: applied + unapplied = received per payment, no
document's open amount below zero from our deductions, no payment applied twice.
"""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings as hsettings, strategies as st

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.prior import read_prior
from xl_collections.cli.dispatch import main
from xl_collections.cli.cashapp import read_prior as read_prior_files
from xl_collections.core.errors import InputErrors
from xl_collections.io.write import write_tables

CUSTOMERS = pd.DataFrame({"customer_id": ["C100", "C200"], "customer_name": ["Acme Tools, Inc.", "Beta Foods GmbH"],
                          "payment_terms": ["NET30", "NET30"]})


def extract(*rows):
    """An AR extract: (document_no, customer, open amount as text, doc_type)."""
    return pd.DataFrame([{"customer_id": c, "document_no": d, "doc_type": t, "document_date": "2026-09-15",
                          "amount": a, "open_amount": a, "currency": "GBP"} for d, c, a, t in rows],
                        columns=["customer_id", "document_no", "doc_type", "document_date", "amount", "open_amount",
                                 "currency"])


def payments(*rows):
    """(payment_id, value_date, amount, reference, payer_name)."""
    return pd.DataFrame(rows, columns=["payment_id", "value_date", "amount", "reference", "payer_name"]).assign(
        currency="GBP")


MONTH1 = extract(("INV-1001", "C100", "863.14", "INV"), ("INV-1002", "C100", "612.58", "INV"),
                 ("INV-2001", "C200", "1,500.00", "INV"), ("INV-2002", "C200", "402.11", "INV"))
PAY1 = payments(("P1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS"),
                ("P2", "2026-10-07", "1,500.00", "INV-2001", "Beta Foods"),
                ("P3", "2026-10-09", "402.11", "INV 2002", "Beta Foods"))


def cash(oi, pay, prior=None, run_id="", **kw):
    return apply_cash(oi, pay, customers=CUSTOMERS, prior_applications=prior, run_id=run_id, **kw)


def open_after(res) -> dict[str, int]:
    a = res.open_items_after
    return dict(zip(a["document_no"], a["open_amount"]))


def reasons(res) -> dict[str, set]:
    out: dict[str, set] = {}
    for r in res.exceptions.itertuples():
        out.setdefault(r.payment_id, set()).add(r.reason)
    return out


def test_next_months_extract_with_earlier_payments_still_loaded_deducts_nothing_again():
    first = cash(MONTH1, PAY1, run_id="R1")
    assert set(first.applications["status"]) == {"AUTO"} and len(first.applications) == 3
    # the ledger posted October's cash: November's extract no longer shows the paid invoices
    month2 = extract(("INV-1001", "C100", "863.14", "INV"), ("INV-1003", "C100", "250.56", "INV"))
    second = cash(month2, PAY1, prior=first.applications, run_id="R2")
    assert open_after(second) == {"INV-1001": 86314, "INV-1003": 25056}       # nothing deducted twice
    assert second.exceptions.empty and second.unapplied.empty
    pd.testing.assert_frame_equal(second.applications, first.applications, check_dtype=False)


def test_the_same_extract_again_deducts_the_unposted_cash_again():
    first = cash(MONTH1, PAY1, run_id="R1")
    second = cash(MONTH1, PAY1, prior=first.applications, run_id="R2")
    assert open_after(second) == open_after(first) == {"INV-1001": 86314}


def test_an_applied_payments_amount_edited_is_an_exception_and_the_cash_still_adds_up():
    first = cash(MONTH1, PAY1, run_id="R1")
    edited = PAY1.copy()
    edited.loc[edited["payment_id"] == "P3", "amount"] = "400.00"
    second = cash(MONTH1, edited, prior=first.applications, run_id="R2")
    assert reasons(second) == {"P3": {"PAYMENT_CHANGED"}}
    assert "INV-2002" in open_after(second) and open_after(second)["INV-2002"] == 40211     # nothing deducted
    u = second.unapplied.set_index("payment_id").loc["P3"]
    applied = second.applications.loc[second.applications["payment_id"] == "P3", "applied_amount"].sum()
    assert (u["reason"], applied + u["amount_unapplied"]) == ("PAYMENT_CHANGED", 40000)     # nothing vanished
    assert "402.11" in second.exceptions["detail"].iat[0] and "400.00" in second.exceptions["detail"].iat[0]


def test_one_statement_imported_twice_is_one_payment():
    twice = pd.concat([PAY1, PAY1], ignore_index=True)
    res = cash(MONTH1, twice)
    assert res.applications.groupby("payment_id")["applied_amount"].sum().to_dict() == {
        "P1": 61258, "P2": 150000, "P3": 40211}
    assert reasons(res) == {"P1": {"DUPLICATE_PAYMENT"}, "P2": {"DUPLICATE_PAYMENT"}, "P3": {"DUPLICATE_PAYMENT"}}


def test_the_same_payment_id_with_other_content_is_refused_naming_both_rows():
    other = pd.concat([PAY1, PAY1.iloc[[0]].assign(amount="612.59")], ignore_index=True)
    with pytest.raises(InputErrors) as e:
        cash(MONTH1, other)
    msg = e.value.render()
    assert "row 5" in msg and "also on row 2" in msg and "P1" in msg


CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-10-10T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>GB33BUKB20201555555555</IBAN></Id><Ccy>GBP</Ccy></Acct>
<Ntry><Amt Ccy="GBP">612.58</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-10-05</Dt></BookgDt>
<ValDt><Dt>2026-10-05</Dt></ValDt><AcctSvcrRef>BANKREF-0001</AcctSvcrRef><NtryDtls><TxDtls>
<RltdPties><Dbtr><Nm>ACME TOOLS INC</Nm></Dbtr></RltdPties><RmtInf><Ustrd>INV-1002</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def test_one_camt_statement_given_twice_on_the_command_line_is_one_payment(tmp_path):
    MONTH1.to_csv(tmp_path / "oi.csv", index=False)
    CUSTOMERS.to_csv(tmp_path / "cus.csv", index=False)
    (tmp_path / "oct.xml").write_text(CAMT, "utf-8")
    (tmp_path / "oct_again.xml").write_text(CAMT, "utf-8")
    out = tmp_path / "out"
    assert main(["cashapp", "--open-items", str(tmp_path / "oi.csv"), "--customers", str(tmp_path / "cus.csv"),
                 "--payments", str(tmp_path / "oct.xml"), "--payments", str(tmp_path / "oct_again.xml"),
                 "--currency", "GBP", "--out", str(out)]) == 0
    apps = pd.read_csv(out / "applications.csv", dtype=str)
    assert apps[["payment_id", "document_no", "applied_amount", "status"]].values.tolist() == [
        ["BANKREF-0001", "INV-1002", "612.58", "AUTO"]]
    exc = pd.read_csv(out / "exceptions.csv", dtype=str)
    assert exc["reason"].tolist() == ["DUPLICATE_PAYMENT"]


def test_prior_without_open_before_is_refused(tmp_path, capsys):
    MONTH1.to_csv(tmp_path / "oi.csv", index=False)
    PAY1.to_csv(tmp_path / "pay.csv", index=False)
    pd.DataFrame({"payment_id": ["P1"], "document_no": ["INV-1002"], "applied_amount": ["612.58"],
                  "status": ["AUTO"]}).to_csv(tmp_path / "old.csv", index=False)
    code = main(["cashapp", "--open-items", str(tmp_path / "oi.csv"), "--payments", str(tmp_path / "pay.csv"),
                 "--prior", str(tmp_path / "old.csv"), "--currency", "GBP", "--out", str(tmp_path / "out")])
    assert code == 1 and not (tmp_path / "out").exists()
    assert "open_before" in capsys.readouterr().err


def test_several_applications_to_one_document_are_judged_together_in_run_order():
    oi = extract(("INV0090001", "C100", "1,000.00", "INV"))
    r1 = cash(oi, payments(("PA", "2026-10-01", "300.00", "part payment INV0090001", "ACME TOOLS")), run_id="R1")
    assert r1.applications[["applied_amount", "open_before"]].values.tolist() == [[30000, 100000]]
    r2 = cash(oi, payments(("PB", "2026-10-02", "200.00", "part payment INV0090001", "ACME TOOLS")), prior=r1.applications,
              run_id="R2")
    assert r2.applications.set_index("payment_id")["open_before"].to_dict() == {"PA": 100000, "PB": 70000}
    # today's open amount says how many of them the ledger has posted, first ones first
    for today, left in (("1,000.00", 50000), ("700.00", 50000), ("500.00", 50000)):
        res = cash(extract(("INV0090001", "C100", today, "INV")), payments(), prior=r2.applications)
        assert open_after(res) == {"INV0090001": left} and res.exceptions.empty, today
    # any other amount: PRIOR_MISMATCH for both, nothing deducted
    res = cash(extract(("INV0090001", "C100", "800.00", "INV")), payments(), prior=r2.applications)
    assert open_after(res) == {"INV0090001": 80000}
    assert reasons(res) == {"PA": {"PRIOR_MISMATCH"}, "PB": {"PRIOR_MISMATCH"}}


def test_a_payment_is_removed_only_when_the_payments_cover_its_value_date():
    first = cash(MONTH1, PAY1, run_id="R1")
    # P2 (7 Oct) deleted while the file still spans 5-9 Oct: removed, its invoice stays open
    res = cash(MONTH1, PAY1[PAY1["payment_id"] != "P2"], prior=first.applications)
    assert reasons(res) == {"P2": {"PAYMENT_REMOVED"}} and open_after(res)["INV-2001"] == 150000
    # November's payments only: October's are outside what was loaded, carried as applied
    nov = payments(("P9", "2026-11-03", "863.14", "INV-1001", "ACME TOOLS"))
    res = cash(MONTH1, nov, prior=first.applications)
    assert res.exceptions.empty and open_after(res) == {}
    # the command line's own spans: one file per month
    res = cash(MONTH1, nov, prior=first.applications, payment_spans=[(pd.Timestamp("2026-10-01").date(),
                                                                      pd.Timestamp("2026-11-30").date())])
    assert reasons(res) == {"P1": {"PAYMENT_REMOVED"}, "P2": {"PAYMENT_REMOVED"}, "P3": {"PAYMENT_REMOVED"}}


def test_a_change_that_touches_neither_payment_nor_its_documents_changes_nothing():
    oi = extract(("INV0010001", "C100", "500.00", "INV"), ("INV0020002", "C200", "100.00", "INV"))
    pay = payments(("PS", "2026-10-03", "450.00", "INV0010001 damaged goods", "ACME TOOLS"),
                   ("PO", "2026-10-04", "130.00", "INV0020002", "Beta Foods"))
    r1 = cash(oi, pay, run_id="R1")
    ded = r1.applications.set_index("payment_id").loc["PS"]
    assert ded["deduction_amount"] == 5000
    other = pd.concat([oi, extract(("INV-3", "C200", "75.00", "INV"))], ignore_index=True)
    r2 = cash(other, pay, prior=r1.applications, run_id="R2")
    after = r2.open_items_after.set_index("document_no")
    assert after.loc["DED-PS-1", ["doc_type", "open_amount"]].tolist() == ["DED", 5000]
    assert after.loc["PO", ["doc_type", "open_amount"]].tolist() == ["PMT", -3000]
    pd.testing.assert_frame_equal(r2.applications, r1.applications, check_dtype=False)
    # the ledger posts the deduction and the on-account cash: not carried any more
    posted = pd.concat([other, extract(("D77", "C100", "50.00", "DED"), ("X88", "C200", "-30.00", "PMT"))],
                       ignore_index=True)
    posted = posted[~posted["document_no"].isin(["INV0010001", "INV0020002"])]
    r3 = cash(posted, pay, prior=r2.applications)
    assert set(r3.open_items_after["document_no"]) == {"INV-3", "D77", "X88"}


def test_prior_read_back_from_the_csv_is_the_same_as_the_engines(tmp_path):
    first = cash(MONTH1, PAY1, run_id="R1")
    write_tables({"applications": first.applications}, tmp_path)
    back, errors = read_prior_files([tmp_path / "applications.csv", tmp_path / "applications.csv"], "USD")
    assert errors == []
    direct, _ = read_prior(first.applications)
    cols = ["payment_id", "document_no", "applied_amount", "open_before", "payment_amount", "status", "run_id"]
    pd.testing.assert_frame_equal(back[cols], direct[cols], check_dtype=False)


# ------------------------------------------------------------------ sequences of runs (hypothesis)

DOCS = [("INV0010001", "C100", 10000), ("INV0010002", "C100", 25000), ("INV0010003", "C100", 4000),
        ("INV0020001", "C200", 50000), ("INV0020002", "C200", 12000), ("INV0020003", "C200", 7000)]
NAMES = {"C100": "ACME TOOLS", "C200": "Beta Foods"}


@st.composite
def payment_pool(draw):
    pool = []
    for k in range(draw(st.integers(1, 7))):
        doc, cust, amt = draw(st.sampled_from(DOCS))
        kind = draw(st.sampled_from(["exact", "part", "over", "none", "two"]))
        if kind == "part":
            amt = draw(st.integers(1, amt))
        elif kind == "over":
            amt += draw(st.integers(1, 5000))
        elif kind == "two":
            other = draw(st.sampled_from([d for d in DOCS if d[1] == cust and d[0] != doc]))
            amt += other[2]
            doc = f"{doc} {other[0]}"
        ref = "" if kind == "none" else doc
        pool.append((f"P{k}", f"2026-10-{k + 1:02d}", amt, ref, NAMES[cust]))
    return pool


def _frame(pool, edits):
    rows = [(p, d, f"{edits.get(p, a) / 100:.2f}", r, n) for p, d, a, r, n in pool]
    return payments(*rows)


RUN = st.tuples(st.just("run"), st.integers(0, 7))
STEP = st.one_of(RUN, RUN, st.tuples(st.just("post"), st.floats(0, 1)), st.tuples(st.just("post"), st.just(1.0)),
                 st.tuples(st.just("edit"), st.integers(0, 6), st.integers(1, 60000)),
                 st.tuples(st.just("drop"), st.integers(0, 6)), st.tuples(st.just("dup"), st.integers(0, 6)),
                 st.tuples(st.just("csv"),))


@hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(payment_pool(), st.lists(STEP, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_any_sequence_of_runs_keeps_cash_whole(tmp_path_factory, pool, steps, rnd):
    ledger = {d: a for d, _, a in DOCS}         # the ledger's true open amounts
    cust_of = {d: c for d, c, _ in DOCS}
    posted: set[tuple] = set()                   # (payment_id, document_no) the ledger has booked
    extra: list[tuple] = []                      # DED / PMT items the ledger booked
    edits: dict[str, int] = {}
    dropped: set[str] = set()
    dups: set[str] = set()
    prior = None
    doubtful: set[str] = set()
    via_csv = False
    n_run = 0
    for step in steps + [("run", 7)]:
        kind = step[0]
        if kind == "edit" and step[1] < len(pool):
            edits[pool[step[1]][0]] = step[2]
        elif kind == "drop" and step[1] < len(pool):
            dropped.add(pool[step[1]][0])
        elif kind == "dup" and step[1] < len(pool):
            dups.add(pool[step[1]][0])
        elif kind == "csv":
            via_csv = not via_csv
        elif kind == "post" and prior is not None:
            auto = prior[(prior["status"] == "AUTO") & ~prior["payment_id"].isin(doubtful)]
            for r in auto.itertuples():
                if (r.payment_id, r.document_no) in posted or rnd.random() > step[1]:
                    continue
                posted.add((r.payment_id, r.document_no))
                ledger[r.document_no] -= r.applied_amount + r.write_off_amount + r.discount_amount + r.deduction_amount
                if r.deduction_amount:
                    extra.append((f"DX{len(extra)}", r.customer_id, r.deduction_amount, "DED"))
        elif kind == "run":
            n_run += 1
            live = [p for p in pool[: step[1] + 1] if p[0] not in dropped]
            pay = _frame(live, edits)
            pay = pd.concat([pay, pay[pay["payment_id"].isin(dups)]], ignore_index=True)
            oi = extract(*[(d, cust_of[d], f"{a / 100:.2f}", "INV") for d, a in ledger.items() if a],
                         *[(d, c, f"{a / 100:.2f}", t) for d, c, a, t in extra])
            if via_csv and prior is not None:
                out = tmp_path_factory.mktemp("prior")
                write_tables({"applications": prior}, out)
                prior, errors = read_prior_files([out / "applications.csv"], "GBP")
                assert not errors
            res = cash(oi, pay, prior=prior, run_id=f"R{n_run}")
            apps = res.applications
            event(f"{int((apps['status'] == 'AUTO').sum() > 0)} applied, {len(posted) > 0} posted, "
                  f"{sorted(set(res.exceptions['reason']) & {'PRIOR_MISMATCH', 'PAYMENT_CHANGED', 'PAYMENT_REMOVED', 'DUPLICATE_PAYMENT'})}")
            auto = apps[apps["status"] == "AUTO"]
            # applied + unapplied = received, per payment of today's inputs (once, however often listed)
            received = dict(zip(pay["payment_id"], (pay["amount"].astype(float) * 100).round().astype(int)))
            applied = auto.groupby("payment_id")["applied_amount"].sum()
            unapplied = res.unapplied.groupby("payment_id")["amount_unapplied"].sum()
            for pid, amount in received.items():
                assert applied.get(pid, 0) + unapplied.get(pid, 0) == amount, (pid, steps)
            # no payment applied twice: all of a payment's applications come from one run, each document once
            assert (auto.groupby("payment_id")["run_id"].nunique() <= 1).all()
            assert not auto.duplicated(["payment_id", "document_no"]).any()
            # no document's open amount below zero from our deductions
            after = res.open_items_after
            inv = after[after["doc_type"] == "INV"]
            assert (inv["open_amount"] >= 0).all(), (inv, steps)
            # what is deducted never exceeds what the ledger has not booked yet
            for doc, left in zip(inv["document_no"], inv["open_amount"]):
                unbooked = auto[(auto["document_no"] == doc)
                                & ~auto.apply(lambda r: (r.payment_id, r.document_no) in posted, axis=1)]
                assert left >= ledger[doc] - sum(unbooked[c].sum() for c in ("applied_amount", "write_off_amount",
                                                                               "discount_amount", "deduction_amount"))
            prior = apps
            doubtful = set(res.exceptions.loc[res.exceptions["reason"].isin(
                ["PAYMENT_CHANGED", "PAYMENT_REMOVED", "PRIOR_MISMATCH"]), "payment_id"])   # a person looks first


def test_no_cash_goes_automatically_to_a_document_whose_earlier_application_is_in_question():
    first = cash(MONTH1, PAY1, run_id="R1")
    edited = PAY1.copy()
    edited.loc[edited["payment_id"] == "P3", "amount"] = "0.95"
    again = pd.concat([edited, payments(("P4", "2026-10-08", "402.11", "INV 2002", "Beta Foods"))])
    res = cash(MONTH1, again, prior=first.applications)
    p4 = res.applications[res.applications["payment_id"] == "P4"]
    assert p4["status"].tolist() == ["REVIEW"] and "in question" in p4["evidence"].iat[0]


# ------------------------------------------------------------------ the user's decision column


def _with_decision(apps: pd.DataFrame, pid: str, decision: str) -> pd.DataFrame:
    out = apps.copy()
    out["decision"] = ["" if p != pid else decision for p in out["payment_id"]]
    out.attrs = dict(apps.attrs)
    return out


def test_accept_on_a_review_row_applies_it_in_the_next_run_as_manual():
    oi = extract(("INV0070001", "C100", "1,000.00", "INV"))
    pay = payments(("PR", "2026-10-05", "1,000.00", "", "A. N. Other"))       # unknown payer: proposed only
    first = cash(oi, pay, run_id="R1")
    assert first.applications[["payment_id", "status", "rule"]].values.tolist() == [["PR", "REVIEW", "AMOUNT_ONLY"]]
    second = cash(oi, pay, prior=_with_decision(first.applications, "PR", "ACCEPT"), run_id="R2")
    a = second.applications.iloc[0]
    assert (a["status"], a["rule"], a["applied_amount"], a["run_id"]) == ("AUTO", "MANUAL", 100000, "R2")
    assert open_after(second) == {} and second.unapplied.empty
    # the run after carries it like any application
    third = cash(oi, pay, prior=second.applications, run_id="R3")
    pd.testing.assert_frame_equal(third.applications, second.applications, check_dtype=False)


def test_accept_that_no_longer_fits_is_an_exception_and_nothing_is_applied():
    oi = extract(("INV0070001", "C100", "1,000.00", "INV"))
    pay = payments(("PR", "2026-10-05", "1,000.00", "", "A. N. Other"))
    first = cash(oi, pay)
    smaller = extract(("INV0070001", "C100", "400.00", "INV"))
    res = cash(smaller, pay, prior=_with_decision(first.applications, "PR", "ACCEPT"))
    assert "ACCEPT_NOT_APPLIED" in reasons(res)["PR"]
    assert not (res.applications["status"] == "AUTO").any()


def test_reject_on_an_unposted_auto_row_withdraws_it():
    first = cash(MONTH1, PAY1, run_id="R1")
    second = cash(MONTH1, PAY1, prior=_with_decision(first.applications, "P2", "REJECT"), run_id="R2")
    row = second.applications.set_index("payment_id").loc["P2"]
    assert row["status"] == "REVERSED"
    assert open_after(second)["INV-2001"] == 150000                       # open again
    u = second.unapplied.set_index("payment_id").loc["P2"]
    assert (u["reason"], u["amount_unapplied"]) == ("REJECTED", 150000)   # applied + unapplied = received
    third = cash(MONTH1, PAY1, prior=second.applications, run_id="R3")     # never applied again
    assert not ((third.applications["payment_id"] == "P2") & (third.applications["status"] == "AUTO")).any()
    assert third.unapplied.set_index("payment_id").loc["P2", "amount_unapplied"] == 150000


def test_reject_on_a_posted_row_is_an_exception_and_changes_nothing():
    first = cash(MONTH1, PAY1, run_id="R1")
    posted = MONTH1[MONTH1["document_no"] != "INV-2001"]
    res = cash(posted, PAY1, prior=_with_decision(first.applications, "P2", "REJECT"))
    assert reasons(res) == {"P2": {"REJECT_POSTED"}}
    assert res.applications.set_index("payment_id").loc["P2", "status"] == "AUTO"


def test_remittance_advising_more_than_was_received_is_never_applied_even_with_a_low_bar():
    from decimal import Decimal

    from xl_collections.core.settings import Settings
    oi = extract(("INV0000002", "C100", "20.00", "INV"))
    pay = payments(("P4", "2026-10-05", "19.99", "#INV0000002 short", "ACME TOOLS"))
    rem = pd.DataFrame({"payment_id": ["P4"], "document_no": ["INV0000002"], "amount_paid": ["20.00"]})
    res = apply_cash(oi, pay, customers=CUSTOMERS, remittance=rem,
                     settings=Settings(auto_apply_min_confidence=Decimal("0.5"), reporting_currency="GBP"))
    assert not (res.applications["status"] == "AUTO").any()
    assert res.unapplied["amount_unapplied"].tolist() == [1999]
