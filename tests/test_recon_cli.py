"""``xl-collections recon`` and ``statement-recon`` end to end on files, and the demo book's
planted breaks: every one found, no other."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from xl_collections.cli.dispatch import main
from xl_collections.recon import reconcile


def write(path: Path, rows: list[list]) -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def files(tmp_path):
    oi = write(tmp_path / "open_items.csv", [
        ["Customer", "Invoice Number", "Invoice Date", "Balance", "Currency"],
        ["00123", "INV-0001", "10/02/2026", "1,000.00", "USD"],
        ["00123", "INV-0002", "10/05/2026", "250.00", "USD"],
        ["00456", "INV-0003", "10/07/2026", "80.00", "EUR"],
    ])
    reg = write(tmp_path / "register.csv", [
        ["Bill No", "Sold-To", "Bill Date", "Invoice Total", "Ccy"],
        ["inv 1", "00123", "2026-10-02", "1000.00", "USD"],
        ["INV-0002", "00123", "2026-10-05", "255.00", "USD"],
        ["INV-0003", "00456", "2026-10-07", "80.00", "EUR"],
        ["INV-0004", "00456", "2026-10-30", "12.34", "USD"],
    ])
    led = write(tmp_path / "ledger.csv", [
        ["document_no", "customer_id", "doc_type", "document_date", "posting_date", "amount", "currency"],
        ["INV-0001", "00123", "INV", "2026-10-02", "2026-10-02", "1000.00", "USD"],
        ["INV-0002", "00123", "INV", "2026-10-05", "2026-10-06", "250.00", "USD"],
        ["INV-0003", "00456", "INV", "2026-10-07", "2026-10-07", "80.00", "EUR"],
        ["PMT-0009", "00123", "PMT", "2026-10-20", "2026-10-20", "-400.00", "USD"],
    ])
    gl = write(tmp_path / "gl.csv", [["period", "account", "opening_balance", "closing_balance", "currency"],
                                    ["Oct 2026", "1200", "500.00", "1350.00", "USD"]])
    fx = write(tmp_path / "fx.csv", [["currency", "rate"], ["EUR", "1.0855"]])
    cmap = write(tmp_path / "map.csv", [["table", "source", "canonical"], ["register", "Bill No", "document_no"],
                                        ["register", "Bill Date", "document_date"]])
    return dict(oi=oi, reg=reg, led=led, gl=gl, fx=fx, map=cmap, tmp=tmp_path)


def test_recon_command_writes_the_contract_files(files, capsys):
    out = files["tmp"] / "out"
    code = main(["recon", "--open-items", files["oi"], "--register", files["reg"], "--ledger", files["led"],
                 "--gl", files["gl"], "--fx", files["fx"], "--period", "2026-10", "--map", files["map"], "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    breaks = read(out / "breaks.csv")
    assert list(breaks[0])[:7] == ["break_type", "document_no", "customer_id", "register_amount", "ledger_amount",
                                   "difference", "detail"]
    assert [(b["break_type"], b["document_no"], b["customer_id"], b["register_amount"], b["ledger_amount"], b["difference"])
            for b in breaks] == [("MISSING_IN_LEDGER", "INV-0004", "00456", "12.34", "", "-12.34"),
                                 ("AMOUNT_MISMATCH", "INV-0002", "00123", "255.00", "250.00", "-5.00")]
    tie = read(out / "gl_tieout.csv")
    assert tie == [{"period": "2026-10", "subledger_total": "1336.84", "gl_balance": "1350.00", "difference": "-13.16",
                    "explained": "-17.34", "unexplained": "4.18"}]
    roll = read(out / "rollforward.csv")
    assert list(roll[0]) == ["line", "amount", "source"]
    assert roll[-1]["line"] == "closing AR" and roll[-1]["amount"] == "1336.84"
    printed = capsys.readouterr().out
    assert "recon 2026-10: 2 breaks" in printed
    assert "GL tie-out: difference USD -13.16, unexplained 4.18" in printed


def test_recon_refuses_bad_inputs_and_writes_nothing(files, capsys):
    bad = write(files["tmp"] / "bad_register.csv", [["document_no", "customer_id", "document_date", "amount"],
                                                    ["INV-1", "C1", "someday", "ten"]])
    out = files["tmp"] / "out"
    code = main(["recon", "--open-items", files["oi"], "--register", bad, "--period", "2026-10", "--out", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "bad_register.csv" in err and "row 2" in err and "someday" in err and "ten" in err
    assert not out.exists()


def test_recon_usage_errors(files):
    assert main(["recon", "--open-items", files["oi"], "--register", files["reg"], "--period", "13/2026",
                 "--out", str(files["tmp"] / "o")]) == 2
    assert main(["recon", "--open-items", files["oi"], "--register", files["reg"], "--period", "2026-10",
                 "--currency", "XXX", "--out", str(files["tmp"] / "o")]) == 2


def test_statement_recon_command(files, capsys):
    stmt = write(files["tmp"] / "statement.csv", [
        ["Doc No", "Date", "Debit", "Credit", "Description"],
        ["1", "2026-10-02", "1000.00", "", ""],
        ["2", "2026-10-05", "300.00", "", ""],
        ["CHQ-881", "2026-10-25", "", "250.00", "payment"],
    ])
    out = files["tmp"] / "st"
    code = main(["statement-recon", "--open-items", files["oi"], "--statement", stmt, "--customer", "00123", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert {p.name for p in out.iterdir()} - {".xl-collections-out"} == {"matched.csv", "amount_differences.csv", "only_ours.csv", "only_theirs.csv",
                                               "balance.csv"}
    assert [r["our_document_no"] for r in read(out / "matched.csv")] == ["INV-0001"]
    diff = read(out / "amount_differences.csv")
    assert [(r["our_amount"], r["their_amount"], r["difference"]) for r in diff] == [("250.00", "300.00", "50.00")]
    theirs = read(out / "only_theirs.csv")
    assert theirs[0]["their_amount"] == "-250.00" and "payment we have not applied" in theirs[0]["hint"]
    bal = {r["line"]: r["amount"] for r in read(out / "balance.csv")}
    assert bal["difference (theirs - ours)"] == "-200.00" and bal["unexplained"] == "0.00"


def test_statement_recon_refuses_a_statement_without_amounts(files):
    stmt = write(files["tmp"] / "statement.csv", [["Doc No", "Date"], ["1", "2026-10-02"]])
    assert main(["statement-recon", "--open-items", files["oi"], "--statement", stmt, "--customer", "00123",
                 "--out", str(files["tmp"] / "st")]) == 1


def test_demo_planted_breaks_found_and_no_other():
    from xl_collections.demo import generate

    book = generate(items=2000, seed=11, breaks_per_type=4)
    r = reconcile(book.open_items, book.register, ledger=book.ledger, gl=book.gl, fx_rates=book.fx_rates,
                  period=book.gl_tieout["period"], reporting_currency=book.settings.reporting_currency,
                  as_of=book.settings.as_of)
    found = sorted(zip(r.breaks["break_type"], r.breaks["document_no"]))
    planted = sorted(zip(book.planted["break_type"], book.planted["document_no"]))
    assert len(planted) >= 27
    assert found == planted
    # amounts of the planted breaks, to the cent
    got = r.breaks.set_index(["break_type", "document_no"])
    for p in book.planted.itertuples():
        row = got.loc[(p.break_type, p.document_no)]
        if p.break_type not in ("CURRENCY_MISMATCH",):
            for col in ("register_amount", "ledger_amount"):
                want = getattr(p, col)
                if not pd.isna(want) and not pd.isna(row[col]):
                    assert int(row[col]) == int(want), (p.break_type, col)
    # normalised pairs are not breaks
    assert not set(book.normalised_pairs["register_document_no"]) & set(r.breaks["document_no"])
    t = r.gl_tieout.iloc[0]
    for k in ("subledger_total", "gl_balance", "difference", "explained", "unexplained"):
        assert int(t[k]) == book.gl_tieout[k], k


def test_statement_recon_with_a_column_map_for_the_statement(files, capsys):
    # their payables export: their Credit is what they owe us (our debit), their Debit what they paid
    stmt = write(files["tmp"] / "ap_export.csv", [
        ["Vendor Invoice", "Posting Date", "Their Debit", "Their Credit"],
        ["INV-0001", "2026-10-02", "", "1000.00"],
        ["INV-0002", "2026-10-05", "", "250.00"],
    ])
    cmap = write(files["tmp"] / "stmt_map.csv", [["table", "source", "canonical"],
                                                 ["statement", "Their Credit", "debit"],
                                                 ["statement", "Their Debit", "credit"]])
    out = files["tmp"] / "st"
    code = main(["statement-recon", "--open-items", files["oi"], "--statement", stmt, "--customer", "00123",
                 "--map", cmap, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert [r["our_document_no"] for r in read(out / "matched.csv")] == ["INV-0001", "INV-0002"]
    assert {r["line"]: r["amount"] for r in read(out / "balance.csv")}["difference (theirs - ours)"] == "0.00"
