"""Returned items through the workbook close (issue 23 item 3): the ``returns`` step, the
``Returned Items`` sheet, the fee debit memo, and the people who act — the worklist puts the
customer first with ``CALL_RETURNED_PAYMENT``; a second close meets the same return as already
reversed and applies nothing again."""
from __future__ import annotations

import pandas as pd

from test_close_across_runs import CUSTOMERS, OCTOBER, minor, replace_input
from xl_collections.book import open_book
from xl_collections.cli.dispatch import main as cli
from xl_collections.core.settings import Settings
from xl_collections.workbook.template import build_template

PAYMENTS = pd.DataFrame({"payment_id": ["P1", "P2", "RT-77"], "value_date": ["2026-10-05", "2026-10-07", "2026-10-21"],
                         "amount": [612.58, 1500.00, 1500.00], "currency": "GBP",
                         "payer_name": ["ACME TOOLS", "Beta Foods", ""],
                         "reference": ["INV0001002", "INV0002001", "R01 NSF"],
                         "record_type": ["PAYMENT", "PAYMENT", "RETURN"], "original_ref": ["", "", "P2"],
                         "reason_code": ["", "", "R01"], "reason": ["", "", "Insufficient funds"]})


def _book(tmp_path, fee=0) -> str:
    s = Settings(as_of=pd.Timestamp("2026-10-31").date(), reporting_currency="GBP", returned_item_fee=fee)
    inputs = {"open_items": minor(OCTOBER, "amount", "open_amount"), "customers": minor(CUSTOMERS, "credit_limit"),
              "payments": minor(PAYMENTS, "amount")}
    return str(build_template(tmp_path / "returns.xlsm", settings=s, inputs=inputs))


def _table(path, name) -> pd.DataFrame:
    return open_book(path).read_table(name)


def test_close_reverses_the_return_and_lists_it_on_returned_items(tmp_path):
    path = _book(tmp_path, fee=2500)
    assert cli(["close", path, "--as-of", "2026-10-31", "--steps", "cashapp,returns,aging,commentary,worklist"]) == 0
    ri = _table(path, "tblReturnedItems")
    row = ri.set_index("return_id").loc["RT-77"]
    assert (row["status"], row["payment_id"], row["customer_id"], row["documents"]) == ("REVERSED", "P2", "C200", "INV0002001")
    assert float(row["reopened"]) == 1500.00 and float(row["fee"]) == 25.00
    memos = _table(path, "tblReturnFeeMemos")
    assert memos[["customer_id", "document_no", "doc_type"]].values.tolist() == [["C200", "RF-RT-77", "DM"]]
    cash = _table(path, "tblCashApp")
    rev = cash[cash["status"] == "REVERSED"]
    assert rev[["payment_id", "document_no", "return_id"]].values.tolist() == [["P2", "INV0002001", "RT-77"]]
    aging = _table(path, "tblAging")
    total = aging[aging["customer_id"] == "TOTAL"].iloc[0]
    assert round(float(total["total_open"]), 2) == 2765.25                 # 863.14 + 1,500.00 (open again) + 402.11
    com = open_book(path).read_sheet("Commentary")
    text = " ".join(str(v) for v in com.to_numpy().ravel() if isinstance(v, str))
    assert "Payment of GBP 1,500.00 returned on 2026-10-21 (Insufficient funds): INV0002001 open again." in text
    wl = _table(path, "tblWorklist")
    assert wl.iloc[0]["customer_id"] == "C200" and wl.iloc[0]["next_action"] == "CALL_RETURNED_PAYMENT"
    # the close's return amount is minor units: shown as money (it read "(150000 GBP)")
    assert wl.iloc[0]["reasons"].startswith("payment returned 2026-10-21 (1,500.00 GBP): Insufficient funds")
    # a second close with the same inputs: the same sheets, nothing reversed or applied twice
    assert cli(["close", path, "--as-of", "2026-10-31", "--steps", "cashapp,returns,aging"]) == 0
    again = _table(path, "tblReturnedItems").set_index("return_id").loc["RT-77"]
    assert again["status"] == "REVERSED"
    cash2 = _table(path, "tblCashApp")
    assert (cash2["status"] == "REVERSED").sum() == 1 and (cash2["status"] == "AUTO").sum() == 2


def test_a_return_met_again_counts_as_a_returned_payment_for_the_credit_hold():
    import datetime as dt

    from xl_collections.credit.inputs import returned_payments
    rows = pd.DataFrame({"return_id": ["R1", "R2", "R3", "R4"], "customer_id": ["C1", "C1", "C1", "C2"],
                         "value_date": ["2026-09-01", "2026-10-02", "2026-10-03", "2026-10-03"],
                         "status": ["REVERSED", "ALREADY_REVERSED", "RETURN_UNMATCHED", "RETURN_AMOUNT_MISMATCH"]})
    counts, errors = returned_payments(rows, dt.date(2026, 10, 31))
    assert counts == {"C1": 2} and errors == []


def test_a_return_of_an_earlier_close_keeps_the_customer_first_and_is_not_undone(tmp_path):
    path = _book(tmp_path)
    assert cli(["close", path, "--as-of", "2026-10-31", "--steps", "cashapp,returns,aging,worklist"]) == 0
    # next week's statement no longer holds the return: the Returned Items sheet remembers it
    replace_input(path, "Payments", PAYMENTS[PAYMENTS["record_type"] == "PAYMENT"].drop(
        columns=["record_type", "original_ref", "reason_code", "reason"]))
    assert cli(["close", path, "--as-of", "2026-11-06", "--steps", "cashapp,returns,aging,worklist"]) == 0
    ri = _table(path, "tblReturnedItems")
    assert ri["return_id"].tolist() == ["RT-77"] and ri["status"].tolist() == ["REVERSED"]
    cash = _table(path, "tblCashApp")
    assert sorted(cash["status"]) == ["AUTO", "AUTO", "REVERSED"]          # P2 not applied again
    aging = _table(path, "tblAging")
    assert round(float(aging[aging["customer_id"] == "TOTAL"].iloc[0]["total_open"]), 2) == 2765.25
    wl = _table(path, "tblWorklist")
    assert (wl.iloc[0]["customer_id"], wl.iloc[0]["next_action"]) == ("C200", "CALL_RETURNED_PAYMENT")
