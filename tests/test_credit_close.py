"""The credit step in the month-end close: the demo book's Credit Review and Order Decisions
sheets agree with the engine on the open items after cash, and a re-run writes the same."""
import shutil

import pandas as pd
import pytest

from xl_collections.book import open_book
from xl_collections.commands.demo import build_demo_book
from xl_collections.close import run_close


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
    h = next(c.row for c in ws["A"] if c.value == "order_no")
    head = [c.value for c in ws[h]]
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
