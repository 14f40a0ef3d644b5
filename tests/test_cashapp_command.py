"""``xl-collections cashapp``: files in, the contract's result files out."""
import csv
from pathlib import Path

import pytest

from conftest import external, external_path
from xl_collections.cli.dispatch import main


OPEN_ITEMS = """Customer No,Invoice Number,Invoice Date,Due Date,Open Amount,Currency,PO
C100,INV0012345,10/01/2026,10/31/2026,"1,250.00",USD,
C100,INV0012346,10/05/2026,11/04/2026,300.00,USD,PO-7788
C200,00020001,09/15/2026,10/15/2026,"2,000.00",USD,
"""
CUSTOMERS = """customer_id,customer_name,payment_terms,bank_accounts
C100,Acme Tools Inc.,NET30,DE89370400440532013000
C200,Beta Foods GmbH,NET30,
"""
PAYMENTS = """Payment No,Value Date,Amount,Payer,Remittance Text
P-1,10/20/2026,1250.00,ACME TOOLS,Payment INV 12345
P-2,10/21/2026,"1,900.00",Beta Foods,RE 20001 damaged goods
P-3,10/22/2026,99.99,Somebody,transfer
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def files(tmp_path):
    return {"oi": _write(tmp_path, "open_items.csv", OPEN_ITEMS), "cus": _write(tmp_path, "customers.csv", CUSTOMERS),
            "pay": _write(tmp_path, "payments.csv", PAYMENTS), "out": tmp_path / "out"}


def test_cashapp_writes_the_contract_files(files, capsys):
    code = main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--customers", files["cus"],
                 "--out", str(files["out"])])
    assert code == 0
    out = files["out"]
    for name in ("applications", "unapplied", "exceptions", "deductions", "posting", "open_items_after"):
        assert (out / f"{name}.csv").is_file()
    with open(out / "applications.csv", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    assert header[:7] == ["payment_id", "document_no", "customer_id", "applied_amount", "rule", "confidence", "status"]
    assert (out / "unapplied.csv").read_text().splitlines()[0].startswith("payment_id,amount_unapplied,reason")
    assert (out / "exceptions.csv").read_text().splitlines()[0].startswith("payment_id,reason,detail")
    apps = {r["payment_id"]: r for r in _rows(out / "applications.csv")}
    assert apps["P-1"]["document_no"] == "INV0012345" and apps["P-1"]["applied_amount"] == "1250.00"
    assert apps["P-1"]["status"] == "AUTO"
    assert apps["P-2"]["document_no"] == "00020001" and apps["P-2"]["deduction_amount"] == "100.00"
    ded = _rows(out / "deductions.csv")
    assert [(d["related_document_no"], d["amount"], d["reason_code"]) for d in ded] == [("00020001", "100.00", "DAMAGED")]
    un = _rows(out / "unapplied.csv")
    assert [(u["payment_id"], u["amount_unapplied"], u["reason"]) for u in un] == [("P-3", "99.99", "UNKNOWN_PAYER")]
    assert "applied automatically" in capsys.readouterr().out


def test_prior_run_is_never_applied_again(files):
    assert main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--customers", files["cus"],
                 "--out", str(files["out"])]) == 0
    second = files["out"].parent / "second"
    assert main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--customers", files["cus"],
                 "--prior", str(files["out"] / "applications.csv"), "--out", str(second)]) == 0
    assert _rows(second / "applications.csv") == _rows(files["out"] / "applications.csv")    # carried, once
    reasons = {u["payment_id"]: u["reason"] for u in _rows(second / "unapplied.csv")}
    assert reasons == {"P-3": "UNKNOWN_PAYER"}
    assert _rows(second / "posting.csv") == [r for r in _rows(files["out"] / "posting.csv") if r["payment_id"] == "P-3"]
    # the same extract: nothing posted yet, so the open items after are the first run's
    assert _rows(second / "open_items_after.csv") == _rows(files["out"] / "open_items_after.csv")


def test_refused_inputs_exit_1_and_write_nothing(tmp_path, files, capsys):
    bad = _write(tmp_path, "bad_payments.csv", "payment_id,value_date,amount\nP1,31/31/2026,10\nP2,2026-10-01,abc\n")
    code = main(["cashapp", "--open-items", files["oi"], "--payments", bad, "--out", str(files["out"])])
    assert code == 1
    err = capsys.readouterr().err
    assert "bad_payments.csv" in err and "row 2" in err and "row 3" in err
    assert not files["out"].exists()


def test_usage_errors_exit_2(files):
    assert main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--currency", "XXX",
                 "--out", str(files["out"])]) == 2
    assert main(["cashapp", "--open-items", files["oi"], "--out", str(files["out"])]) == 2


def test_payments_straight_from_a_camt053_statement(tmp_path):
    """The two credits of the OCA camt.053 file carry Swiss ESR references; the open items
    carry the same references as document numbers (as Swiss billing systems do)."""
    oi = _write(tmp_path, "oi.csv", "customer_id,document_no,document_date,open_amount,currency\n"
                                    "K1,302388292000011111111111111,2017-03-01,2187.00,CHF\n"
                                    "K2,302388292000022222222222222,2017-03-01,1296.00,CHF\n")
    out = tmp_path / "out"
    code = main(["cashapp", "--open-items", oi, "--payments", str(external("camt/oca_test-camt053-txdtls.xml")),
                 "--currency", "CHF", "--out", str(out)])
    assert code == 0
    apps = _rows(out / "applications.csv")
    assert sorted((a["document_no"], a["applied_amount"], a["status"]) for a in apps) == [
        ("302388292000011111111111111", "2187.00", "AUTO"), ("302388292000022222222222222", "1296.00", "AUTO")]


def test_settings_file_sets_the_matching_thresholds(files, tmp_path):
    assert main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--customers", files["cus"],
                 "--out", str(files["out"])]) == 0
    first = {r["payment_id"]: r for r in _rows(files["out"] / "applications.csv")}
    conf = float(first["P-1"]["confidence"])
    assert first["P-1"]["status"] == "AUTO" and conf < 1
    # asking for more confidence than P-1's match has: proposed for review instead of applied
    strict = _write(tmp_path, "settings.csv", f"name,value\nAutoApplyMinConfidence,{(conf + 1) / 2:.4f}\n")
    assert main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--customers", files["cus"],
                 "--settings", strict, "--out", str(tmp_path / "strict")]) == 0
    assert {r["payment_id"]: r["status"] for r in _rows(tmp_path / "strict" / "applications.csv")}["P-1"] == "REVIEW"


def test_an_unknown_setting_is_refused_and_nothing_is_written(files, tmp_path, capsys):
    bad = _write(tmp_path, "settings.csv", "name,value\nMatchTolerence,5\n")
    assert main(["cashapp", "--open-items", files["oi"], "--payments", files["pay"], "--settings", bad,
                 "--out", str(files["out"])]) == 1
    assert "unknown setting 'MatchTolerence'" in capsys.readouterr().err
    assert not files["out"].exists() or not any(files["out"].iterdir())
