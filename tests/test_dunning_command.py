"""``xl-collections dunning`` and ``xl-collections statement`` (CONTRACT §4)."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from xl_collections.cli.dispatch import main

AS_OF = dt.date(2026, 10, 31)


def write(path: Path, rows: list[list]) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def due(days: int) -> str:
    return (AS_OF - dt.timedelta(days=days)).isoformat()


@pytest.fixture()
def files(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    oi = write(d / "open_items.csv", [
        ["Customer", "Invoice Number", "Type", "Invoice Date", "Due Date", "Open Amount", "Currency", "Status"],
        ["C1", "INV-1", "INV", due(90), due(60), "1,200.00", "USD", ""],
        ["C1", "INV-2", "INV", due(50), due(20), "300.00", "USD", ""],
        ["C2", "INV-3", "INV", due(60), due(30), "800.00", "USD", ""],
        ["C3", "INV-4", "INV", due(60), due(30), "900.00", "USD", "DISPUTED"],
        ["C4", "INV-5", "INV", due(60), due(30), "40.00", "USD", ""],
        ["C5", "INV-6", "INV", due(60), due(30), "700.00", "USD", ""],
        ["C1", "CM-1", "CM", due(20), due(20), "-50.00", "USD", ""],
    ])
    cust = write(d / "customers.csv", [
        ["customer_id", "customer_name", "address", "language", "email", "dunning_block"],
        ["C1", "Cardinal Foods Inc", "400 Market St\nPhiladelphia, PA", "en", "ap@cardinal.example", ""],
        ["C2", "Benítez S.A.", "Calle Mayor 5", "es", "", ""],
        ["C3", "Disputed Co", "", "", "", ""],
        ["C4", "Small Co", "", "", "", ""],
        ["C5", "Blocked Co", "", "", "", "TRUE"],
    ])
    hist = write(d / "history.csv", [["customer_id", "level", "letter_date", "items", "amount", "file"],
                                      ["C1", "1", due(20), "1", "1200.00", "letters/C1_L1.pdf"]])
    sett = write(d / "settings.csv", [["name", "value"], ["CompanyName", "Northwind Supply Co"],
                                      ["RemitTo", "IBAN US64 NWBK 6016 1331 9268 19"]])
    return {"oi": oi, "cust": cust, "hist": hist, "settings": sett, "dir": tmp_path}


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_dunning_writes_table_letters_and_history(files, capsys):
    out = files["dir"] / "out"
    hist_before = Path(files["hist"]).read_bytes()
    rc = main(["dunning", "--customers", files["cust"], "--open-items", files["oi"], "--history", files["hist"],
               "--settings", files["settings"], "--as-of", AS_OF.isoformat(), "--out", str(out), "--format", "docx,eml"])
    assert rc == 0, capsys.readouterr().err
    rows = read_csv(out / "dunning.csv")
    assert list(rows[0]) == ["customer_id", "level", "items", "currency", "amount_overdue", "interest", "fee",
                             "total_due", "last_level", "last_letter_date", "letter_file", "blocked_reason"]
    by = {r["customer_id"]: r for r in rows}
    assert by["C1"]["level"] == "2" and by["C1"]["last_level"] == "1" and by["C1"]["amount_overdue"] == "1500.00"
    assert by["C1"]["letter_file"] == "letters/C1_L2.docx"
    assert by["C2"]["level"] == "1" and by["C2"]["total_due"] == "800.00"
    assert (by["C3"]["level"], by["C3"]["blocked_reason"]) == ("", "NOTHING_DUNNABLE")
    assert (by["C4"]["level"], by["C4"]["blocked_reason"]) == ("", "BELOW_MIN_AMOUNT")
    assert (by["C5"]["level"], by["C5"]["blocked_reason"]) == ("", "DUNNING_BLOCK")
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["C1_L2.docx", "C1_L2.eml", "C2_L1.docx", "C2_L1.eml"]
    hist = read_csv(out / "dunning_history.csv")
    assert [(h["customer_id"], h["level"], h["letter_date"]) for h in hist] == [
        ("C1", "1", due(20)), ("C1", "2", AS_OF.isoformat()), ("C2", "1", AS_OF.isoformat())]
    assert Path(files["hist"]).read_bytes() == hist_before          # --history is never changed
    assert "2 letters" in capsys.readouterr().out


def test_a_second_run_with_the_new_history_sends_nothing_again(files, capsys):
    out1, out2 = files["dir"] / "o1", files["dir"] / "o2"
    args = ["--customers", files["cust"], "--open-items", files["oi"], "--as-of", AS_OF.isoformat(), "--format", "docx"]
    assert main(["dunning", *args, "--out", str(out1)]) == 0
    assert main(["dunning", *args, "--history", str(out1 / "dunning_history.csv"), "--out", str(out2)]) == 0
    rows = read_csv(out2 / "dunning.csv")
    assert {r["blocked_reason"] for r in rows if r["customer_id"] in ("C1", "C2")} == {"INTERVAL"}
    assert not (out2 / "letters").exists() or not any((out2 / "letters").iterdir())


def test_bad_history_level_is_refused_and_nothing_written(files, capsys):
    bad = write(files["dir"] / "in" / "bad.csv", [["customer_id", "level", "letter_date"], ["C1", "two", due(20)]])
    out = files["dir"] / "out"
    rc = main(["dunning", "--customers", files["cust"], "--open-items", files["oi"], "--history", bad,
               "--as-of", AS_OF.isoformat(), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and "row 2" in err and "'level'" in err and "two" in err
    assert not (out / "dunning.csv").exists()


def test_unknown_format_is_a_usage_error(files, capsys):
    rc = main(["dunning", "--customers", files["cust"], "--open-items", files["oi"], "--as-of", AS_OF.isoformat(),
               "--out", str(files["dir"] / "out"), "--format", "pdf,fax"])
    assert rc == 2 and "fax" in capsys.readouterr().err


def test_statement_for_a_list_and_for_all(files, capsys):
    out = files["dir"] / "st"
    rc = main(["statement", "--customers", files["cust"], "--open-items", files["oi"], "--customer", "C1",
               "--customer", "C2", "--as-of", AS_OF.isoformat(), "--out", str(out), "--format", "xlsx,docx"])
    assert rc == 0, capsys.readouterr().err
    assert sorted(p.name for p in (out / "statements").iterdir()) == ["C1.docx", "C1.xlsx", "C2.docx", "C2.xlsx"]
    out2 = files["dir"] / "st2"
    assert main(["statement", "--customers", files["cust"], "--open-items", files["oi"], "--as-of", AS_OF.isoformat(),
                 "--out", str(out2), "--format", "xlsx"]) == 0
    assert sorted(p.stem for p in (out2 / "statements").iterdir()) == ["C1", "C2", "C3", "C4", "C5"]


def test_statement_for_an_unknown_customer_is_refused(files, capsys):
    rc = main(["statement", "--customers", files["cust"], "--open-items", files["oi"], "--customer", "C9",
               "--as-of", AS_OF.isoformat(), "--out", str(files["dir"] / "st")])
    assert rc == 1 and "C9" in capsys.readouterr().err
