"""A customer's statement of account against our open items: every line classified once, and
the balance difference explained exactly by those lines."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.recon import STATEMENT, reconcile_statement
from xl_collections.recon.statement import STATEMENT_COLUMNS, validate_statement
from xl_collections.core.schema import TABLES


def ours():
    return pd.DataFrame({
        "customer_id": ["C1", "C1", "C1", "C1", "C1", "C2"],
        "document_no": ["INV-000001", "INV-000002", "INV-000003", "CM-000004", "PMT-000009", "INV-000001X"],
        "doc_type": ["INV", "INV", "INV", "CM", "PMT", "INV"],
        "document_date": ["2026-09-01", "2026-09-10", "2026-10-01", "2026-10-03", "2026-10-20", "2026-10-01"],
        "amount": [1000.00, 800.00, 200.00, -50.00, -75.00, 5.00],
        "open_amount": [1000.00, 500.00, 200.00, -50.00, -75.00, 5.00],
    })


def theirs():
    return pd.DataFrame({
        "Invoice No": ["inv 1", "INV-2", "INV-3", "INV-5", "CHQ 4411"],
        "Date": ["2026-09-01", "2026-09-10", "2026-10-01", "2026-10-15", "2026-10-28"],
        "Amount": ["1,000.00", "800.00", "200.00", "120.00", "(200.00)"],
        "Reference": ["", "", "", "", "INV-3"],
        "Type": ["Invoice", "Invoice", "Invoice", "Invoice", "Payment"],
    })


def balance(result, line):
    b = result.balance
    return int(b.loc[b["line"] == line, "amount"].iloc[0])


def test_statement_lines_and_the_balance_identity():
    r = reconcile_statement(ours(), theirs(), "C1")
    assert list(r.matched.columns) == STATEMENT_COLUMNS
    assert sorted(r.matched["our_document_no"]) == ["INV-000001", "INV-000003"]
    assert "normalising" in r.matched.set_index("our_document_no").loc["INV-000001", "hint"]
    d = r.differences.iloc[0]
    assert (d["our_document_no"], int(d["our_amount"]), int(d["their_amount"]), int(d["difference"])) == ("INV-000002", 50000, 80000, 30000)
    assert "original amount" in d["hint"]
    assert sorted(r.only_ours["document_no"]) == ["CM-000004", "PMT-000009"]
    theirs_only = r.only_theirs.set_index("document_no")
    assert sorted(theirs_only.index) == ["CHQ 4411", "INV-5"]
    assert "payment we have not applied" in theirs_only.loc["CHQ 4411", "hint"]
    assert "INV-000003" in theirs_only.loc["CHQ 4411", "hint"]
    assert "payment" not in theirs_only.loc["INV-5", "hint"]
    # the identity, line by line
    ours_total, theirs_total = 1000_00 + 500_00 + 200_00 - 50_00 - 75_00, 1000_00 + 800_00 + 200_00 + 120_00 - 200_00
    assert balance(r, "our balance (open items)") == ours_total
    assert balance(r, "their balance (statement)") == theirs_total
    assert balance(r, "difference (theirs - ours)") == theirs_total - ours_total
    assert balance(r, "explained by amount differences") == 300_00
    assert balance(r, "explained by items only on theirs") == 120_00 - 200_00
    assert balance(r, "explained by items only on ours") == 50_00 + 75_00
    assert balance(r, "unexplained") == 0
    assert theirs_total - ours_total == 300_00 + (120_00 - 200_00) + (50_00 + 75_00)
    assert r.balance.attrs["money"] == ["amount"]


def test_a_payment_naming_an_invoice_is_not_that_invoice():
    st_ = theirs().iloc[[4]]            # only their payment, reference INV-3
    r = reconcile_statement(ours(), st_, "C1")
    assert r.matched.empty and r.differences.empty
    assert list(r.only_theirs["document_no"]) == ["CHQ 4411"]


def test_debit_credit_columns_and_aliases():
    raw = pd.DataFrame({"Document Number": ["1", "2", "PAY-77"], "Debit": ["1000.00", "800.00", ""],
                        "Credit": ["", "", "300.00"], "Description": ["", "", "payment INV 2"]})
    st_, errors = validate_statement(raw)
    assert errors == []
    assert list(st_["amount"]) == [100000, 80000, -30000]
    r = reconcile_statement(ours(), st_, "c1")  # customer ids compare without case
    assert sorted(r.matched["our_document_no"]) == ["INV-000001"]
    assert "payment we have not applied" in r.only_theirs["hint"].iloc[0]


def test_a_line_without_any_amount_is_refused():
    raw = pd.DataFrame({"document_no": ["1", "2"], "amount": ["10.00", ""]})
    _, errors = validate_statement(raw)
    assert [(e.row, e.column) for e in errors] == [(3, "amount")]


def test_statement_table_declaration():
    assert STATEMENT.name == "statement" and TABLES["statement"] is STATEMENT
    assert {"document_no", "document_date", "amount", "debit", "credit", "reference", "type", "currency"} <= set(STATEMENT.names)


amounts = st.integers(min_value=-10**7, max_value=10**7).filter(lambda v: v != 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), amounts), max_size=15, unique_by=lambda t: t[0]),
       st.lists(st.tuples(st.integers(1, 40), amounts, st.sampled_from(["", "PMT", "INV"])), max_size=15))
def test_identity_holds_for_any_statement(our_lines, their_lines):
    oi = pd.DataFrame({"customer_id": ["C1"] * len(our_lines), "document_no": [f"INV-{n:05d}" for n, _ in our_lines],
                       "document_date": ["2026-10-01"] * len(our_lines),
                       "open_amount": [a / 100 for _, a in our_lines]})
    stm = pd.DataFrame({"document_no": [str(n) for n, _, _ in their_lines], "amount": [a / 100 for _, a, _ in their_lines],
                        "type": [t for _, _, t in their_lines]})
    r = reconcile_statement(oi, stm, "C1")
    n_lines = len(r.matched) + len(r.differences) + len(r.only_ours) + len(r.only_theirs)
    assert n_lines == len(oi) + len(stm) - len(r.matched) - len(r.differences)
    diff = sum(a for _, a, _ in their_lines) - sum(a for _, a in our_lines)
    explained = sum(int(t["difference"].sum()) for t in (r.differences, r.only_ours, r.only_theirs))
    assert diff == explained
    assert balance(r, "unexplained") == 0 if len(r.balance) else True


def test_an_unapplied_payment_names_the_open_item_its_reference_points_to():
    oi = pd.DataFrame({"customer_id": ["C1", "C1"], "document_no": ["INV-000010", "INV-000011"],
                       "doc_type": ["INV", "INV"], "document_date": ["2026-10-01", "2026-10-02"],
                       "amount": [300.00, 300.00], "open_amount": [300.00, 300.00]})
    st_ = pd.DataFrame({"Invoice No": ["INV-10", "INV-11", "CHQ 77"], "Date": ["2026-10-01", "2026-10-02", "2026-10-20"],
                        "Amount": ["300.00", "300.00", "(300.00)"], "Reference": ["", "", "inv 11"],
                        "Type": ["Invoice", "Invoice", "Payment"]})
    r = reconcile_statement(oi, st_, "C1")
    hint = r.only_theirs.set_index("document_no").loc["CHQ 77", "hint"]
    assert hint == "looks like a payment we have not applied (equals open item INV-000011)"
