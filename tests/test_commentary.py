"""The monthly commentary: drafted text word for word, figures tying to the aging, and the
specialist's notes surviving two consecutive month-end refreshes."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from xl_collections.ar.aging import age
from xl_collections.book import open_book
from xl_collections.commentary.drafts import build_commentary, fmt_money, merge_with_previous
from xl_collections.ar import aging_history as hist
from xl_collections.commentary.sheet import COMMENTARY_SHEET, commentary_outputs, read_commentary
from xl_collections.core.headers import contract_name, human_header
from xl_collections.io.readers import table_from_grid
from xl_collections.io.validate import canonical

SEP30, OCT31 = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
HEAD = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "open_amount", "status", "reason_code"]


def read_history(book):
    """The Aging History sheet as the close reads it (the aging_history table)."""
    if hist.HISTORY_SHEET not in book.sheet_names():
        return None
    df, errors = table_from_grid(book.read_sheet(hist.HISTORY_SHEET), "aging_history")
    assert errors == []
    return df


def write_commentary(book, aging, **kw):
    """What the close's aging and commentary steps do with a book: this month into Aging History,
    the Commentary sheet from the previous one and the history."""
    period = hist.period_of(kw["as_of"])
    rows = hist.snapshot(aging.detail, period, aging.labels, "USD")
    history = hist.merge(read_history(book), rows, period, aging.labels, "USD")
    grid = book.read_sheet(COMMENTARY_SHEET) if COMMENTARY_SHEET in book.sheet_names() else None
    outputs, counts = commentary_outputs(grid, history, aging, **kw)
    for out in [*outputs, hist.history_output(history, "USD")]:
        book.write_sheet(out)
    return counts


def open_items(rows):
    return canonical(pd.DataFrame(rows, columns=HEAD), "open_items")


CUSTOMERS = canonical(pd.DataFrame([
    ["C001", "Acme Corp", "5,000.00", "Ana"],
    ["C002", "Beta Supplies LLC", "", "Bo"],
    ["C003", "Cobalt Retail", "20,000.00", "Ana"],
    ["C004", "Delta Foods", "", "Bo"],
], columns=["customer_id", "customer_name", "credit_limit", "collector"]), "customers")

ACTIVITY = canonical(pd.DataFrame([
    ["C001", "2026-10-05", "CALL", "", "", "", "left message", "Ana"],
    ["C001", "2026-10-12", "PROMISE", "INV100", "5000", "2026-10-25", "will pay INV100", "Ana"],
    ["C001", "2026-10-20", "PROMISE", "", "1,000.00", "2026-11-10", "partial next month", "Ana"],
    ["C003", "2026-10-28", "EMAIL", "", "", "", "sent statement", "Ana"],
], columns=["customer_id", "date", "type", "document_no", "amount", "promise_date", "note", "collector"]), "activity")

SEPTEMBER = open_items([
    ["C001", "INV100", "INV", "2026-05-01", "2026-05-31", "5,000.00", "OPEN", ""],
    ["C001", "INV101", "INV", "2026-08-01", "2026-08-31", "2,500.00", "DISPUTED", "PRICING"],
    ["C002", "INV200", "INV", "2026-07-01", "2026-07-31", "3,000.00", "OPEN", ""],
    ["C003", "INV300", "INV", "2026-08-15", "2026-09-14", "1,500.00", "OPEN", ""],
])
OCTOBER = open_items([
    ["C001", "INV100", "INV", "2026-05-01", "2026-05-31", "5,000.00", "OPEN", ""],
    ["C001", "INV101", "INV", "2026-09-01", "2026-10-01", "2,500.00", "DISPUTED", "PRICING"],
    ["C001", "DED7", "DED", "2026-09-15", "2026-09-15", "120.00", "OPEN", "DAMAGED"],
    ["C001", "CM5", "CM", "2026-10-10", "2026-10-10", "-300.00", "OPEN", ""],
    # C002 paid up: only a current invoice left
    ["C002", "INV201", "INV", "2026-10-20", "2026-11-19", "800.00", "OPEN", ""],
    ["C003", "INV300", "INV", "2026-08-15", "2026-09-14", "1,500.00", "OPEN", ""],
    ["C003", "PMT9", "PMT", "2026-10-29", "2026-10-29", "-200.00", "OPEN", ""],
    # C004 new past due
    ["C004", "INV400", "INV", "2026-09-01", "2026-10-01", "4,200.00", "HOLD", ""],
])


def test_draft_comment_word_for_word():
    aging = age(OCTOBER, OCT31, customers=CUSTOMERS)
    res = build_commentary(aging, as_of=OCT31, threshold=100000, customers=CUSTOMERS, activity=ACTIVITY)
    by_id = res.rows.set_index("customer_id")
    assert list(res.rows["customer_id"]) == ["C001", "C004", "C003"]  # largest past due first
    assert by_id.at["C001", "comment"] == (
        "Past due USD 7,320.00, of which USD 5,000.00 is 121+ days. "
        "Oldest item INV100 is 153 days past due. "
        "Disputed USD 2,500.00: PRICING USD 2,500.00 (1 item). "
        "Open deductions USD 120.00: DAMAGED USD 120.00 (1 item). "
        "Unused credit memos USD 300.00 could offset past-due invoices. "
        "Promise of 2026-10-12 to pay USD 5,000.00 for INV100 by 2026-10-25 was broken. "
        "Promise to pay USD 1,000.00 by 2026-11-10 (made 2026-10-20). "
        "Last contact: 2026-10-20 (promise, Ana). "
        "Over credit limit by USD 2,320.00 (exposure USD 7,320.00, limit USD 5,000.00).")
    assert by_id.at["C004", "comment"] == (
        "Past due USD 4,200.00, all of it 1-30 days. Oldest item INV400 is 30 days past due. "
        "No contact logged. 1 item on hold.")
    assert by_id.at["C003", "comment"] == (
        "Past due USD 1,300.00, of which USD 1,500.00 is 31-60 days. "
        "Oldest item INV300 is 47 days past due. "
        "Unapplied cash USD 200.00 could offset past-due invoices. "
        "Last contact: 2026-10-28 (email, Ana).")
    # many promises of one state are summed up, broken ones first
    many = canonical(pd.DataFrame(
        [["C004", f"2026-10-{d:02d}", "PROMISE", "", "100", f"2026-11-{d:02d}", "", "Bo"] for d in (3, 1, 2)]
        + [["C004", "2026-09-01", "PROMISE", "INV400", "4200", "2026-09-20", "", "Bo"]],
        columns=["customer_id", "date", "type", "document_no", "amount", "promise_date", "note", "collector"]), "activity")
    c4 = build_commentary(aging, as_of=OCT31, threshold=100000, activity=many).rows.set_index("customer_id").at["C004", "comment"]
    assert ("Promise of 2026-09-01 to pay USD 4,200.00 for INV400 by 2026-09-20 was broken. "
            "3 promises to pay open for USD 300.00, the next by 2026-11-01. Last contact: 2026-10-03 (promise, Bo).") in c4
    # deterministic: same data, same words
    again = build_commentary(aging, as_of=OCT31, threshold=100000, customers=CUSTOMERS, activity=ACTIVITY)
    assert again.rows["comment"].tolist() == res.rows["comment"].tolist()


def test_every_figure_in_a_comment_ties_to_the_aging():
    aging = age(OCTOBER, OCT31, customers=CUSTOMERS)
    res = build_commentary(aging, as_of=OCT31, threshold=0, customers=CUSTOMERS, activity=ACTIVITY)
    summ = aging.summary.set_index("customer_id")
    labels = list(res.buckets)
    for _, row in res.rows.iterrows():
        text = row["comment"]
        cid = row["customer_id"]
        assert fmt_money(summ.at[cid, "past_due"], "USD") in text
        positive = [lab for lab in labels if int(summ.at[cid, lab]) > 0]
        if positive:   # the oldest bucket with anything in it is named with its Aging figure
            oldest = positive[-1]
            assert f"{fmt_money(int(summ.at[cid, oldest]), 'USD')} is {oldest} days" in text or \
                f"all of it {oldest} days" in text
        # no amount in the text that the data does not hold
        amounts = {Decimal(a.replace(",", "")) for a in re.findall(r"USD (-?[\d,]+\.\d\d)", text)}
        assert amounts, text


def test_threshold_and_summary_block():
    aging = age(OCTOBER, OCT31, customers=CUSTOMERS)
    res = build_commentary(aging, as_of=OCT31, threshold=200000, customers=CUSTOMERS)
    assert set(res.rows["customer_id"]) == {"C001", "C004"}
    s = res.summary.set_index("measure")
    total = aging.summary.set_index("customer_id").loc["TOTAL"]
    assert s.at["Past due", "value"] == int(total["past_due"])
    assert s.at["Total open", "value"] == int(total["total_open"])
    assert s.at["% past due", "value"] == (Decimal(int(total["past_due"])) * 100 / Decimal(int(total["total_open"]))).quantize(Decimal("0.1"))
    assert list(res.top10["customer_id"])[:2] == ["C001", "C004"]


def test_merge_keeps_notes_by_customer_and_resolves_the_paid_up():
    rows = pd.DataFrame({"customer_id": ["B", "A"], "customer_name": ["Bee", "Ay"], "past_due": [5, 7],
                         "comment": ["draft B2", "draft A2"], "comment_status": "drafted",
                         "latest_draft": ["draft B2", "draft A2"]})
    prev = pd.DataFrame({"customer_id": ["A", "C", "B"], "customer_name": ["Ay", "Cee", "Bee"], "past_due": [1, 2, 3],
                         "comment": ["draft A1", "draft C1", "my words on B"], "comment_status": "drafted",
                         "latest_draft": ["draft A1", "draft C1", "draft B1"],
                         "Analyst comment": ["call CFO", "paid in full", None], "Risk flag": ["", "low", "high"]})
    out, resolved = merge_with_previous(rows, prev, None, OCT31)
    o = out.set_index("customer_id")
    assert o.at["A", "Analyst comment"] == "call CFO"
    assert o.at["B", "Risk flag"] == "high"
    assert o.at["A", "comment"] == "draft A2" and o.at["A", "comment_status"] == "drafted"
    assert o.at["B", "comment"] == "my words on B" and o.at["B", "comment_status"] == "edited (kept)"
    assert o.at["B", "latest_draft"] == "draft B2"
    assert resolved["customer_id"].tolist() == ["C"]
    assert resolved.at[0, "Analyst comment"] == "paid in full"
    assert resolved.at[0, "resolved_on"] == pd.Timestamp(OCT31)
    # a resolved customer that comes back takes its notes back; nothing is ever dropped
    back = pd.DataFrame({"customer_id": ["C"], "customer_name": ["Cee"], "past_due": [9], "comment": ["d"],
                         "comment_status": "drafted", "latest_draft": ["d"]})
    out2, resolved2 = merge_with_previous(back, out, resolved, dt.date(2026, 11, 30))
    assert out2.at[0, "Analyst comment"] == "paid in full"
    assert set(resolved2["customer_id"]) == {"A", "B"}


def _new_book(path):
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Settings").write(0, 0, "AsOfDate")
    wb.close()


def _find(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c
    raise AssertionError(text)


def test_two_month_ends_keep_every_note(tmp_path):
    path = tmp_path / "collections.xlsx"
    _new_book(path)
    book = open_book(path)
    sep = age(SEPTEMBER, SEP30, customers=CUSTOMERS)
    counts = write_commentary(book, sep, as_of=SEP30, threshold=100000, customers=CUSTOMERS)
    book.save()
    assert counts["rows"] == 3

    # the specialist works on the sheet: notes, a new column, an edited comment, re-sorted rows
    wb = openpyxl.load_workbook(path)
    ws = wb[COMMENTARY_SHEET]
    head = _find(ws, human_header("comment_status")).row
    header = {contract_name(c.value): c.column for c in ws[head] if c.value}
    rows = {ws.cell(r, 1).value: r for r in range(head + 1, head + 4)}
    assert set(rows) == {"C001", "C002", "C003"}
    ws.cell(rows["C001"], header["Analyst comment"]).value = "CFO promised to clear INV100"
    ws.cell(rows["C002"], header["Next action"]).value = "chase remittance"
    new_col = max(header.values()) + 1
    ws.cell(head, new_col).value = "Escalated to"
    ws.cell(rows["C003"], new_col).value = "Sales VP"
    ws.cell(rows["C003"], header["comment"]).value = "Customer says cheque is in the post."
    # re-sort: swap the first two customer rows, whole rows
    r1, r2 = head + 1, head + 2
    for col in range(1, new_col + 1):
        a, b = ws.cell(r1, col).value, ws.cell(r2, col).value
        ws.cell(r1, col).value, ws.cell(r2, col).value = b, a
    wb.save(path)

    book = open_book(path)
    octo = age(OCTOBER, OCT31, customers=CUSTOMERS)
    counts = write_commentary(book, octo, as_of=OCT31, threshold=100000, customers=CUSTOMERS, activity=ACTIVITY)
    book.save()

    book = open_book(path)
    rows, resolved = read_commentary(book.read_sheet(COMMENTARY_SHEET))
    r = rows.set_index("customer_id")
    assert set(r.index) == {"C001", "C003", "C004"}
    assert r.at["C001", "Analyst comment"] == "CFO promised to clear INV100"
    assert r.at["C003", "Escalated to"] == "Sales VP"
    assert r.at["C003", "comment"] == "Customer says cheque is in the post."
    assert r.at["C003", "comment_status"] == "edited (kept)"
    assert r.at["C001", "comment_status"] == "drafted"
    # both months from Aging History (receivables): Sep INV100 5,000 + INV101 2,500; Oct the same + DED7 120
    assert ("Receivables past due up USD 120.00 since 2026-09-30 (USD 7,500.00 to USD 7,620.00)"
            in r.at["C001", "comment"])
    assert r.at["C001", "change_vs_prior"] == 120     # read back from the sheet: USD
    assert "Newly past due since 2026-09-30" in r.at["C004", "comment"]
    assert resolved["customer_id"].tolist() == ["C002"]
    assert resolved.iloc[0]["Next action"] == "chase remittance"
    assert pd.Timestamp(resolved.iloc[0]["resolved_on"]).date() == OCT31
    # every figure on the row equals the Aging figure for that customer
    summ = octo.summary.set_index("customer_id")
    for cid in r.index:
        assert r.at[cid, "past_due"] == int(summ.at[cid, "past_due"])
    history = read_history(book)
    assert sorted(set(history["period"])) == ["2026-09", "2026-10"]
    assert set(history["bucket"]) <= set(octo.labels) and "CM5" not in set(history["customer_id"])
    assert counts == {"rows": 3, "resolved": 1, "edited_kept": 1, "past_due": int(summ.loc[["C001", "C003", "C004"], "past_due"].sum())}


def test_rerun_in_the_same_month_compares_with_the_prior_month(tmp_path):
    path = tmp_path / "b.xlsx"
    _new_book(path)
    for as_of, items in ((SEP30, SEPTEMBER), (OCT31, OCTOBER), (OCT31, OCTOBER)):
        book = open_book(path)
        write_commentary(book, age(items, as_of, customers=CUSTOMERS), as_of=as_of, threshold=100000, customers=CUSTOMERS)
        book.save()
    rows, _ = read_commentary(open_book(path).read_sheet(COMMENTARY_SHEET))
    assert "since 2026-09-30" in rows.set_index("customer_id").at["C001", "comment"]


@pytest.mark.parametrize("threshold,expected", [      # past due: C001 7,320.00, C004 4,200.00, C003 1,300.00
    (1, {"C001", "C004", "C003"}), (130000, {"C001", "C004", "C003"}), (130001, {"C001", "C004"}),
    (732000, {"C001"}), (732001, set()), (10**9, set())])
def test_a_customer_has_a_row_exactly_when_its_past_due_reaches_the_threshold(threshold, expected):
    aging = age(OCTOBER, OCT31, customers=CUSTOMERS)
    res = build_commentary(aging, as_of=OCT31, threshold=threshold, customers=CUSTOMERS)
    assert set(res.rows["customer_id"]) == expected
    assert (res.rows["past_due"] >= threshold).all()
