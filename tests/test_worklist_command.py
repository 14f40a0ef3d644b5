"""``xl-collections worklist``: the contract's CSV columns, promises met by this run's and
earlier runs' applications, returned payments first, input problems refused."""
from __future__ import annotations

import csv

import pytest

from xl_collections.cli.dispatch import main


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


@pytest.fixture
def files(tmp_path):
    cust = write(tmp_path / "customers.csv", ["customer_id", "customer_name", "collector", "risk_class"],
                 [["C1", "Acme Corp", "Ana", "B"], ["C2", "Beta LLC", "Bo", "C"], ["C3", "=HYPERLINK(1)", "Bo", ""]])
    oi = write(tmp_path / "open_items.csv",
               ["customer_id", "document_no", "doc_type", "document_date", "due_date", "open_amount", "status",
                "reason_code", "reference"],
               [["C1", "INV1", "INV", "2026-08-01", "2026-08-31", "12,000.00", "OPEN", "", ""],
                ["C1", "INV2", "INV", "2026-09-01", "2026-10-01", "3,000.00", "DISPUTED", "PRICING", ""],
                ["C2", "INV3", "INV", "2026-09-15", "2026-10-15", "800.00", "OPEN", "", ""],
                ["C2", "DED1", "DED", "2026-10-20", "2026-10-20", "50.00", "OPEN", "PROMO", "INV3"],
                ["C3", "INV4", "INV", "2026-10-01", "2026-11-30", "100.00", "OPEN", "", ""]])
    act = write(tmp_path / "activity.csv",
                ["customer_id", "date", "type", "document_no", "amount", "promise_date", "note", "collector"],
                [["C1", "2026-10-05", "PROMISE", "", "12,000.00", "2026-10-20", "will pay", "Ana"],
                 ["C2", "2026-10-10", "PROMISE", "INV3", "400.00", "2026-10-15", "half now", "Bo"],
                 ["C1", "2026-10-21", "DISPUTE", "INV2", "", "", "price", "Ana"]])
    earlier = write(tmp_path / "applications_sep.csv",
                    ["payment_id", "document_no", "customer_id", "applied_amount", "rule", "confidence", "status",
                     "value_date", "currency"],
                    [["P1", "INV0", "C1", "7,000.00", "REF", "1", "AUTO", "2026-10-12", "USD"]])
    today = write(tmp_path / "applications.csv",
                  ["payment_id", "document_no", "customer_id", "applied_amount", "rule", "confidence", "status",
                   "value_date", "currency"],
                  [["P2", "INV9", "C1", "5,000.00", "REF", "1", "AUTO", "", "USD"],
                   ["P3", "INV3", "C2", "400.00", "AMOUNT", "0.5", "REVIEW", "2026-10-14", "USD"]])
    pay = write(tmp_path / "payments.csv", ["payment_id", "value_date", "amount", "customer_id"],
                [["P1", "2026-10-12", "7,000.00", "C1"], ["P2", "2026-10-22", "5,000.00", "C1"],
                 ["P3", "2026-10-14", "400.00", "C2"]])
    ret = write(tmp_path / "returns.csv",
                ["return_id", "value_date", "amount", "currency", "reason_code", "reason", "payment_id", "customer_id",
                 "documents", "reopened", "fee", "status"],
                [["R1", "2026-10-25", "100.00", "USD", "R01", "insufficient funds", "P7", "C3", "INV4", "100.00", "0",
                  "REVERSED"]])
    return tmp_path, dict(customers=cust, oi=oi, activity=act, earlier=earlier, today=today, payments=pay, returns=ret)


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def header(path):
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def test_worklist_command_writes_the_contract_tables(files, capsys):
    tmp, f = files
    out = tmp / "out"
    code = main(["worklist", "--customers", f["customers"], "--open-items", f["oi"], "--activity", f["activity"],
                 "--applications", f["earlier"], "--applications", f["today"], "--payments", f["payments"],
                 "--returns", f["returns"], "--as-of", "2026-10-31", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert header(out / "worklist.csv") == ["rank", "customer_id", "customer_name", "collector", "past_due",
                                            "max_days_past_due", "priority_score", "broken_promises", "open_disputes",
                                            "next_action", "next_action_date", "escalate", "reasons"]
    assert header(out / "promises.csv") == ["customer_id", "document_no", "promise_date", "promised_amount",
                                            "paid_amount", "status", "paid_date"]
    assert header(out / "disputes.csv") == ["case_id", "customer_id", "document_no", "amount", "reason_code", "opened",
                                            "age_days", "owner", "response_due", "sla_breached", "status"]
    assert header(out / "large_balances.csv") == ["customer_id", "customer_name", "collector", "total_open",
                                                  "change_7d", "past_due", "promises", "open_disputes", "last_note"]
    prom = {r["customer_id"]: r for r in read(out / "promises.csv")}
    # 7,000 of an earlier run + 5,000 today (its value date from the payments file) keep C1's promise
    assert prom["C1"]["status"] == "KEPT" and prom["C1"]["paid_amount"] == "12000.00"
    assert prom["C1"]["paid_date"] == "2026-10-22"
    # a REVIEW row is a proposal, not cash
    assert prom["C2"]["status"] == "BROKEN" and prom["C2"]["paid_amount"] == "0.00"
    work = read(out / "worklist.csv")
    assert work[0]["customer_id"] == "C3" and work[0]["next_action"] == "CALL_RETURNED_PAYMENT"
    assert work[0]["customer_name"] == "=HYPERLINK(1)" or work[0]["customer_name"] == "'=HYPERLINK(1)"
    assert {r["escalate"] for r in work} <= {"TRUE", "FALSE"}
    c2 = next(r for r in work if r["customer_id"] == "C2")
    assert c2["next_action"] == "CALL_BROKEN_PROMISE" and c2["broken_promises"] == "1"
    disputes = {r["document_no"]: r for r in read(out / "disputes.csv")}
    assert set(disputes) == {"INV2", "DED1"} and disputes["INV2"]["opened"] == "2026-10-21"
    assert disputes["INV2"]["sla_breached"] == "TRUE" and disputes["DED1"]["amount"] == "50.00"
    checks = read(out / "deduction_checks.csv")
    assert [(r["document_no"], r["check"]) for r in checks] == [("DED1", "PROMO_NO_REFERENCE")]
    assert "worklist at 2026-10-31" in capsys.readouterr().out


def test_settings_file_changes_the_thresholds(files):
    tmp, f = files
    s = write(tmp / "settings.csv", ["name", "value"], [["LargeBalanceThreshold", "10,000"], ["PromiseGraceDays", "20"]])
    out = tmp / "out"
    assert main(["worklist", "--customers", f["customers"], "--open-items", f["oi"], "--activity", f["activity"],
                 "--settings", s, "--as-of", "2026-10-31", "--out", str(out)]) == 0
    assert [r["customer_id"] for r in read(out / "large_balances.csv")] == ["C1"]
    # 20 grace days: 10-20 + 20 = 11-09 and 10-15 + 20 = 11-04 are after the as-of date: unpaid, still pending
    assert {r["status"] for r in read(out / "promises.csv")} == {"PENDING"}


def test_bad_inputs_are_refused_and_nothing_written(files, capsys):
    tmp, f = files
    bad = write(tmp / "apps_bad.csv", ["payment_id", "applied_amount", "value_date"], [["P1", "abc", "2026-13-45"]])
    out = tmp / "out"
    code = main(["worklist", "--customers", f["customers"], "--open-items", f["oi"], "--applications", bad,
                 "--as-of", "2026-10-31", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "apps_bad.csv" in err and "applied_amount" in err and "value_date" in err
    assert not out.exists()
    assert main(["worklist", "--customers", f["customers"], "--open-items", f["oi"], "--as-of", "tomorrow",
                 "--out", str(out)]) == 2
