"""One bank entry is one payment whatever ids it comes under (CONTRACT §6 ``DUPLICATE_PAYMENT``):
``bank_reference`` and ``end_to_end_id`` are payment columns, read from bank files, carried to
applications.csv, and a second copy of an entry (same end-to-end id and amount, or same bank
reference, date and amount) is counted once — in one run and across runs."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings as hsettings, strategies as st

from xl_collections.cashapp.dupes import one_per_bank_entry
from xl_collections.cli.dispatch import main
from xl_collections.io.bank import read_bank_file
from xl_collections.io.validate import canonical

from test_cash_across_runs import CAMT, CUSTOMERS, MONTH1, cash, extract, payments, reasons

CAMT_E2E = CAMT.replace("<RltdPties>", "<Refs><EndToEndId>ACME-PAY-7781</EndToEndId></Refs><RltdPties>")


def _export(pid="CSV-17", ref="BANKREF-0001", e2e="", amount="612.58", day="2026-10-05"):
    """The same entry as the bank's CSV export gives it: another payment id."""
    return payments((pid, day, amount, "INV-1002", "ACME TOOLS INC")).assign(bank_reference=ref, end_to_end_id=e2e)


def test_a_camt_entry_carries_its_bank_reference_and_end_to_end_id(tmp_path):
    (tmp_path / "s.xml").write_text(CAMT_E2E, "utf-8")
    p = read_bank_file(tmp_path / "s.xml").payments
    assert p[["payment_id", "bank_reference", "end_to_end_id"]].values.tolist() == [
        ["BANKREF-0001", "BANKREF-0001", "ACME-PAY-7781"]]


def test_the_statement_and_its_csv_export_in_one_run_are_one_payment(tmp_path):
    (tmp_path / "s.xml").write_text(CAMT, "utf-8")
    camt = read_bank_file(tmp_path / "s.xml").payments
    camt = camt.drop(columns="source_row").assign(amount="612.58")       # as text, like the export's
    both = pd.concat([camt, _export()], ignore_index=True)
    res = cash(MONTH1, both)
    auto = res.applications[res.applications["status"] == "AUTO"]
    assert auto[["payment_id", "document_no", "applied_amount"]].values.tolist() == [
        ["BANKREF-0001", "INV-1002", 61258]]
    assert reasons(res) == {"CSV-17": {"DUPLICATE_PAYMENT"}}
    assert "CSV-17" not in set(res.unapplied["payment_id"])


def test_the_same_end_to_end_id_and_amount_is_one_payment_another_amount_is_not():
    a = _export("A1", ref="", e2e="E2E-9")
    b = _export("B1", ref="", e2e="e2e-9")
    c = _export("C1", ref="", e2e="E2E-9", amount="863.14")
    kept, exc = one_per_bank_entry(pd.concat([a, b, c], ignore_index=True).pipe(_canon))
    assert kept["payment_id"].tolist() == ["A1", "C1"]
    assert [(e[0], e[1]) for e in exc] == [("B1", "DUPLICATE_PAYMENT")]


def test_the_same_bank_reference_on_another_day_is_another_payment():
    a, b = _export("A1"), _export("B1", day="2026-10-06")
    kept, exc = one_per_bank_entry(pd.concat([a, b], ignore_index=True).pipe(_canon))
    assert kept["payment_id"].tolist() == ["A1", "B1"] and exc == []


def test_an_entry_applied_last_month_under_another_id_is_not_applied_again(tmp_path):
    first = cash(MONTH1, _export(), run_id="R1")                  # October: the CSV export
    assert first.applications["bank_reference"].tolist() == ["BANKREF-0001"]
    (tmp_path / "s.xml").write_text(CAMT, "utf-8")
    camt = read_bank_file(tmp_path / "s.xml").payments           # November: the camt statement of that day
    res = cash(MONTH1, camt, prior=first.applications, run_id="R2")
    auto = res.applications[res.applications["status"] == "AUTO"]
    assert auto[["payment_id", "run_id"]].values.tolist() == [["CSV-17", "R1"]]     # once, as October made it
    assert reasons(res) == {"CSV-17": {"DUPLICATE_PAYMENT"}}
    assert res.unapplied.empty


def test_applications_csv_carries_the_bank_reference_and_end_to_end_id(tmp_path):
    MONTH1.to_csv(tmp_path / "oi.csv", index=False)
    CUSTOMERS.to_csv(tmp_path / "cus.csv", index=False)
    (tmp_path / "s.xml").write_text(CAMT_E2E, "utf-8")
    out = tmp_path / "out"
    assert main(["cashapp", "--open-items", str(tmp_path / "oi.csv"), "--customers", str(tmp_path / "cus.csv"),
                 "--payments", str(tmp_path / "s.xml"), "--currency", "GBP", "--out", str(out)]) == 0
    apps = pd.read_csv(out / "applications.csv", dtype=str, keep_default_na=False)
    assert apps[["payment_id", "bank_reference", "end_to_end_id"]].values.tolist() == [
        ["BANKREF-0001", "BANKREF-0001", "ACME-PAY-7781"]]


def _canon(df: pd.DataFrame) -> pd.DataFrame:
    return canonical(df, "payments", reporting_currency="GBP")


ENTRIES = [("BR-1", "2026-10-05", "612.58", "INV-1002", "ACME TOOLS"),
           ("BR-2", "2026-10-07", "1,500.00", "INV-2001", "Beta Foods"), ("BR-3", "2026-10-09", "402.11", "INV-2002", "Beta Foods"), ("BR-4", "2026-10-09", "863.14", "", "ACME TOOLS")]


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["statement", "export", "notification"])), min_size=1,
                max_size=8), st.integers(1, 3))
def test_bank_entries_loaded_under_any_ids_over_runs_are_applied_once(loads, runs):
    """Each run loads some of the bank's entries, each as the statement (id = bank reference),
    its CSV export (id CSV-…, both references) or a notification (id N-…, the end-to-end id
    only: a copy must be found by either key); between runs the ledger posts what was applied
    and bills the same amounts again (recurring invoices, so a copy of an entry would find a
    document to pay): every entry's cash is applied by one payment id at most, in one run, and
    what is applied never exceeds it."""
    prior = None
    oi = MONTH1
    for n in range(1, runs + 1):
        if prior is not None:
            auto = prior[prior["status"] == "AUTO"]
            cleared = auto.groupby("document_no")[["applied_amount", "write_off_amount", "discount_amount",
                                                  "deduction_amount"]].sum().sum(axis=1)
            left = [(d, c, a / 100 - cleared.get(d, 0) / 100) for d, c, a in
                    zip(oi["document_no"], oi["customer_id"], _pence(oi["open_amount"]))]
            oi = extract(*[(d, c, f"{a:.2f}", "INV") for d, c, a in left if a > 0],
                         *[(f"{d}-R{n}", c, a, "INV") for d, c, a in
                           zip(MONTH1["document_no"], MONTH1["customer_id"], MONTH1["open_amount"])])
        rows = []
        for k, how in loads[: max(1, len(loads) * n // runs)]:
            ref, day, amount, text, name = ENTRIES[k]
            pid = {"statement": ref, "export": f"CSV-{ref}", "notification": f"N-{ref}"}[how]
            rows.append({"payment_id": pid, "value_date": day, "amount": amount, "reference": text,
                         "payer_name": name, "currency": "GBP", "end_to_end_id": f"E2E-{ref}",
                         "bank_reference": "" if how == "notification" else ref})
        pay = pd.DataFrame(rows).drop_duplicates("payment_id")
        res = cash(oi, pay, prior=prior, run_id=f"R{n}")
        auto = res.applications[res.applications["status"] == "AUTO"]
        entry = auto["payment_id"].str.replace(r"^(CSV|N)-", "", regex=True)
        assert (auto.groupby(entry)["payment_id"].nunique() <= 1).all(), auto
        assert (auto.groupby(entry)["run_id"].nunique() <= 1).all(), auto
        cap = {ref: int(round(float(a.replace(",", "")) * 100)) for ref, _, a, _, _ in ENTRIES}
        for ref, applied in auto.groupby(entry)["applied_amount"].sum().items():
            assert applied <= cap[ref]
        prior = res.applications


def _pence(col) -> list[int]:
    return [int(round(float(str(v).replace(",", "")) * 100)) for v in col]
