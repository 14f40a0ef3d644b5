"""The credit step in the month-end close: the demo book's Credit Review and Order Decisions
sheets agree with the engine on the open items after cash, and a re-run writes the same."""
import shutil

import pandas as pd
import pytest

from xl_collections.book import open_book
from xl_collections.cli.demo import build_demo_book
from xl_collections.close.pipeline import run_close
from xl_collections.core.headers import contract_name, human_header


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    d = tmp_path_factory.mktemp("credit_close")
    gen, path = build_demo_book(d, items=1500, seed=5)
    with open_book(path) as book:
        report = run_close(book)
        book.save()
    first = d / "first.xlsm"
    shutil.copy(path, first)
    with open_book(path) as book:
        run_close(book)
        book.save()
    return gen, report, first, path


def test_the_close_writes_both_sheets_from_the_engine(closed):
    gen, report, first, _ = closed
    step = report.state.steps["credit"]
    res = report.state.results["credit"]
    assert step.status == "done" and step.sheets == ("Credit Review", "Order Decisions")
    book = open_book(first)
    review = book.read_table("tblCreditReview")
    decisions = book.read_table("tblOrderDecisions")
    assert len(review) == len(res.review) == len(set(gen.customers["customer_id"]) | set(gen.tables["orders"]["customer_id"])
                                                 | set(gen.tables["financials"]["customer_id"])
                                                 | set(gen.tables["credit_reports"]["customer_id"]))
    assert len(decisions) == int((gen.tables["orders"]["status"] == "OPEN").sum())
    assert list(review.columns[:5]) == ["customer_id", "customer_name", "risk_class", "computed_class", "score"]
    assert set(decisions["decision"]) == {"RELEASE", "FLEX", "HOLD"}
    # held first, then flexed, then released
    order = decisions["decision"].map({"HOLD": 0, "FLEX": 1, "RELEASE": 2}).tolist()
    assert order == sorted(order)
    engine = res.decisions.set_index("order_no")
    for r in decisions.itertuples():
        assert r.decision == engine.at[r.order_no, "decision"] and r.reasons == engine.at[r.order_no, "reasons"]
        assert round(r.exposure_after * 100) == engine.at[r.order_no, "exposure_after"]
    held = int(engine.loc[engine["decision"] == "HOLD", "amount"].sum())
    assert step.amount == held
    assert "customers reviewed" in step.message


def test_the_new_prospects_and_distressed_customers_show(closed):
    _, report, _, _ = closed
    rv = report.state.results["credit"].review.set_index("customer_id")
    new = rv[rv.index.str.startswith("NEW")]
    assert len(new) >= 2 and new["reasons"].str.contains("new customer without a limit").all()
    assert (rv["altman_zone"] == "DISTRESS").any() and (rv["altman_zone"] == "SAFE").any()


def test_a_rerun_writes_the_same_values(closed):
    _, _, first, again = closed
    for table in ("tblCreditReview", "tblOrderDecisions"):
        a, b = open_book(first).read_table(table), open_book(again).read_table(table)
        pd.testing.assert_frame_equal(a, b)


def test_final_decision_and_approved_by_stay_with_their_order(closed, tmp_path):
    import openpyxl

    _, _, first, _ = closed
    path = tmp_path / "book.xlsm"
    shutil.copy(first, path)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Order Decisions"]
    h = next(c.row for c in ws["A"] if c.value == human_header("order_no"))
    head = [contract_name(c.value) if c.value else c.value for c in ws[h]]
    col_final, col_by = head.index("final_decision") + 1, head.index("approved_by") + 1
    rows = {ws.cell(r, 1).value: r for r in range(h + 1, ws.max_row + 1) if ws.cell(r, 1).value}
    held = next(o for o, r in rows.items() if ws.cell(r, head.index("decision") + 1).value == "HOLD")
    ws.cell(rows[held], col_final).value = "RELEASE"
    ws.cell(rows[held], col_by).value = "J. Carter (CFO)"
    wb.save(path)
    with open_book(path) as book:
        run_close(book)
        book.save()
    again = open_book(path).read_table("tblOrderDecisions").set_index("order_no")
    assert (again.at[held, "final_decision"], again.at[held, "approved_by"]) == ("RELEASE", "J. Carter (CFO)")
    assert again.at[held, "decision"] == "HOLD"
    assert list(again.columns[-2:]) == ["final_decision", "approved_by"]
    assert (again.drop(index=held)["final_decision"].fillna("") == "").all()


class SheetsOnly:
    """A book that has only the sheets given (name -> grid as the readers return it)."""

    def __init__(self, sheets):
        self.sheets = sheets

    def sheet_names(self):
        return list(self.sheets)

    def read_sheet(self, name):
        return self.sheets[name]


def test_returns_left_on_returned_items_by_earlier_closes_hold_orders():
    import datetime as dt

    from xl_collections.close.state import CloseState
    from xl_collections.credit.step import step_credit
    from xl_collections.io.validate import canonical
    from xl_collections.core.settings import Settings

    tables = {"open_items": canonical(pd.DataFrame({"customer_id": ["C1"], "document_no": ["INV-1"],
                                                    "document_date": ["2026-10-01"], "due_date": ["2026-10-31"],
                                                    "open_amount": [100]}), "open_items"),
              "customers": canonical(pd.DataFrame({"customer_id": ["C1"], "customer_name": ["Acme"],
                                                   "credit_limit": [10000]}), "customers"),
              "orders": canonical(pd.DataFrame({"order_no": ["SO-1"], "customer_id": ["C1"],
                                                "order_date": ["2026-10-20"], "amount": [10]}), "orders")}
    grid = pd.DataFrame([["Returned items", None, None, None, None], [None] * 5,
                         ["return_id", "value_date", "customer_id", "amount", "status"],
                         ["R1", dt.datetime(2026, 9, 1), "C1", 100.0, "REVERSED"],
                         ["R2", dt.datetime(2026, 10, 2), "C1", 50.0, "REVERSED"],
                         [None] * 5, ["R9", dt.datetime(2026, 10, 2), "C1", 50.0, "REVERSED"]])
    state = CloseState(Settings(as_of=dt.date(2026, 10, 31)), tables, {},
                       book=SheetsOnly({"Returned Items": grid}))
    res = step_credit(state)
    d = state.results["credit"].decisions.set_index("order_no")
    assert d.at["SO-1", "decision"] == "HOLD"
    assert d.at["SO-1", "reasons"].startswith("RETURNED_PAYMENTS: 2 payments")     # R9 is below the table's end
    assert res.status == "done"
    state = CloseState(Settings(as_of=dt.date(2026, 10, 31)), tables, {}, book=SheetsOnly({}))
    step_credit(state)
    assert state.results["credit"].decisions.at[0, "decision"] == "RELEASE"
