"""``xl-collections allowance``: the contract's files and columns, approvals from a filled-in
proposals file, refused inputs (exit 1, nothing written) and usage errors (exit 2)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from xl_collections.cli.dispatch import main as cli

OPEN_ITEMS = """customer_id,document_no,doc_type,document_date,due_date,open_amount,status,reason_code
C1,INV1,INV,2026-10-15,2026-11-15,900.00,OPEN,
C1,CM1,CM,2026-10-01,2026-10-20,-50.00,OPEN,
C2,INV2,INV,2026-09-10,2026-10-10,260.00,OPEN,
C2,INV3,INV,2026-09-05,2026-10-05,100.00,DISPUTED,PRICING
C3,INV4,INV,2026-08-15,2026-09-15,90.00,OPEN,
C3,INV5,INV,2026-06-01,2026-07-01,80.00,OPEN,
C4,INV6,INV,2026-07-01,2026-08-01,50.00,DISPUTED,BANKRUPT
"""
OLD = "C5,OLD1,INV,2025-09-01,2025-10-01,700.00,OPEN,\n"       # 395 days past due: AGE
HISTORY = """period,customer_id,bucket,amount
2026-08,C1,not_due,1000.00
2026-08,C2,1-30,400.00
2026-08,C3,31-60,150.00
2026-08,C2,31-60,50.00
2026-08,C3,61+,100.00
2026/09,C1,not_due,1200.00
2026/09,C2,1-30,300.00
2026/09,C3,31-60,150.00
2026/09,C3,61+,120.00
"""
WRITE_OFFS = """period,customer_id,document_no,amount
2026-09,C9,INV90,25.00
2026-09,C9,INV90,-5.00
2026-10,C8,INV80,30.00
2026-10,C8,INV70,-5.00
"""
SETTINGS = "name,value\nAgingBuckets,\"0,30,60\"\nAllowanceLookbackMonths,2\n"


@pytest.fixture
def files(tmp_path):
    for name, text in (("open_items.csv", OPEN_ITEMS), ("history.csv", HISTORY), ("write_offs.csv", WRITE_OFFS),
                       ("settings.csv", SETTINGS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def args(d: Path, out: Path, *extra):
    return ["allowance", "--open-items", str(d / "open_items.csv"), "--history", str(d / "history.csv"),
            "--write-offs", str(d / "write_offs.csv"), "--settings", str(d / "settings.csv"), "--as-of", "2026-10-31",
            "--out", str(out), *extra]


def rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_contract_files_and_the_hand_worked_figures(files, capsys):
    out = files / "out"
    assert cli(args(files, out, "--opening", "100.00")) == 0
    heads = {p.name: p.read_text().splitlines()[0] for p in out.glob("*.csv")}
    assert heads["loss_rates.csv"] == "bucket,balance,roll_rate,loss_rate,provision"
    assert heads["specific_reserves.csv"] == "customer_id,document_no,open_amount,reason,pct,reserve"
    assert heads["movement.csv"] == "line,amount"
    assert heads["journal.csv"] == "account,debit,credit,memo"
    assert heads["writeoff_proposals.csv"] == "customer_id,document_no,open_amount,days_past_due,rule"
    assert "writeoff_postings.csv" not in heads
    # the hand-worked example of test_allowance.py, read from CSV files
    loss = {r["bucket"]: r for r in rows(out / "loss_rates.csv")}
    assert [loss[b]["provision"] for b in ("not_due", "1-30", "31-60", "61+")] == ["13.53", "13.02", "13.15", "16.36"]
    assert loss["not_due"]["roll_rate"] == "0.300000" and loss["61+"]["loss_rate"] == "0.204545"
    assert rows(out / "specific_reserves.csv")[0]["pct"] in ("0.500000", "1.000000")
    mov = {r["line"]: r["amount"] for r in rows(out / "movement.csv")}
    assert mov == {"opening": "100.00", "write_offs": "30.00", "recoveries": "5.00", "charge": "81.06",
                   "closing": "156.06"}
    j = rows(out / "journal.csv")
    assert [(r["account"], r["debit"], r["credit"]) for r in j] == [("6420", "81.06", "0.00"), ("1290", "0.00", "81.06")]
    assert [(r["document_no"], r["rule"], r["days_past_due"]) for r in rows(out / "writeoff_proposals.csv")] == \
        [("INV6", "BANKRUPT", "91")]
    hist = rows(out / "aging_history.csv")
    assert {r["period"] for r in hist} == {"2026-08", "2026-09", "2026-10"}
    assert "closing USD 156.06" in capsys.readouterr().out


def test_approvals_from_a_filled_in_proposals_file(files):
    (files / "open_items.csv").write_text(OPEN_ITEMS + OLD, encoding="utf-8")
    out = files / "out"
    assert cli(args(files, out)) == 0
    props = rows(out / "writeoff_proposals.csv")
    approved = files / "approved.csv"
    with approved.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=[*props[0], "approve", "approver"])
        w.writeheader()
        for r in props:
            w.writerow({**r, "approve": "TRUE" if r["document_no"] == "OLD1" else "", "approver": "Kim"})
    out2 = files / "out2"
    assert cli(args(files, out2, "--proposals", str(approved))) == 0
    post = rows(out2 / "writeoff_postings.csv")
    assert [(p["document_no"], p["amount"], p["debit_account"], p["credit_account"], p["approver"]) for p in post] == \
        [("OLD1", "700.00", "1290", "1200", "Kim")]
    assert [r["document_no"] for r in rows(out2 / "writeoff_proposals.csv")] == ["INV6"]
    assert {r["line"]: r["amount"] for r in rows(out2 / "movement.csv")}["write_offs"] == "730.00"


def test_a_bad_period_in_the_history_is_refused_naming_the_row(files, capsys):
    (files / "history.csv").write_text(HISTORY + "last month,C1,not_due,5.00\n", encoding="utf-8")
    out = files / "out"
    assert cli(args(files, out)) == 1
    err = capsys.readouterr().err
    assert "history.csv" in err and "row 11" in err and "period is not a month" in err, err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("extra,needle", [(("--opening", "lots"), "--opening"), (("--as-of", "soon"), "--as-of")])
def test_usage_errors(files, capsys, extra, needle):
    assert cli(args(files, files / "out", *extra)) == 2
    assert needle in capsys.readouterr().err


def test_an_unknown_setting_is_refused(files, capsys):
    (files / "settings.csv").write_text("name,value\nAllowanceLookback,3\n", encoding="utf-8")
    assert cli(args(files, files / "out")) == 1
    assert "unknown setting 'AllowanceLookback'" in capsys.readouterr().err
