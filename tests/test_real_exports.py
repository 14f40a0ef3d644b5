"""Real exports read right (CONTRACT §1 "Real exports"): an SAP customer line-item export
(FBL5N, tab-delimited, decimal comma, trailing minus, dd.mm.yyyy, fiscal year and line item,
document types DR/DG/DZ mapped through the Column Map) and a DATEV open-items export (German
headers, ``;``, cp1252, decimal comma, the Soll/Haben indicator giving the sign)."""
from pathlib import Path

import pandas as pd
import pytest

from xl_collections.cli.dispatch import main
from xl_collections.io.readers import load_table, read_column_map
from xl_collections.io.validate import validate

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def _load(name, mapname, **kw):
    return load_table(EXPORTS / name, "open_items", column_map=read_column_map(EXPORTS / mapname), **kw)


def test_sap_fbl5n_line_items():
    df, errors = _load("sap_fbl5n_open_items.txt", "sap_fbl5n_map.csv")
    assert errors == []
    assert df["doc_type"].tolist() == ["INV", "INV", "CM", "PMT", "INV", "INV", "INV", "INV"]
    # trailing minus, decimal comma, doc currency
    assert df["open_amount"].tolist() == [1245000, 398050, -45000, -100000, 750000, 250000, 1800000, 98000]
    assert df["currency"].tolist()[3:5] == ["EUR", "USD"]
    # dd.mm.yyyy is day-first whatever DayFirst says; identifiers keep their zeros
    assert df["due_date"].iloc[0] == pd.Timestamp("2026-10-02") and df["customer_id"].iloc[0] == "0000100234"
    # 1800000101 three times: fiscal years 2026 and 2025, items 001 and 002 -> no duplicate
    assert df["fiscal_year"].tolist()[4:6] == ["2025", "2025"] and df["item"].tolist()[4:6] == ["001", "002"]
    assert df.attrs["source"]["encoding"] == "utf-8" and df["source_row"].iloc[0] == 5


def test_sap_same_document_fiscal_year_and_item_twice_is_a_duplicate(tmp_path):
    text = (EXPORTS / "sap_fbl5n_open_items.txt").read_text(encoding="utf-8").replace("\t2025\t002\t", "\t2025\t001\t")
    (tmp_path / "fbl5n.txt").write_text(text, encoding="utf-8")
    _, errors = load_table(tmp_path / "fbl5n.txt", "open_items", column_map=read_column_map(EXPORTS / "sap_fbl5n_map.csv"))
    assert [(e.message, e.row, e.value) for e in errors] == [
        ("duplicate document_no per fiscal_year and item", 10, "1800000101 / 2025 / 001")]


def test_sap_document_type_not_in_the_map_is_refused_naming_it(tmp_path):
    text = (EXPORTS / "sap_fbl5n_open_items.txt").read_text(encoding="utf-8").replace("\tDG\t", "\tDA\t")
    (tmp_path / "fbl5n.txt").write_text(text, encoding="utf-8")
    _, errors = load_table(tmp_path / "fbl5n.txt", "open_items", column_map=read_column_map(EXPORTS / "sap_fbl5n_map.csv"))
    assert [(e.message, e.row, e.column, e.value) for e in errors] == [("unknown doc_type", 7, "Document Type", "DA")]
    assert "Column Map" in errors[0].expected


def test_datev_soll_haben_gives_the_sign():
    df, errors = _load("datev_offene_posten.csv", "datev_map.csv")
    assert errors == []
    assert df.attrs["source"]["encoding"] == "cp1252"
    assert df["customer_name" if "customer_name" in df else "reference"].iloc[0] == "Rechnung 815 Fräsmaschine"
    assert df["doc_type"].tolist() == ["INV", "CM", "INV", "PMT", "INV", "INV"]
    assert df["open_amount"].tolist() == [1190000, -119000, 238000, -50000, 4522050, 875000]
    assert df["amount"].tolist() == df["open_amount"].tolist()
    assert df["document_date"].iloc[0] == pd.Timestamp("2026-10-05") and df["currency"].iloc[5] == "CHF"
    assert any("cp1252" in w.message for w in df.attrs["warnings"])


def test_datev_through_the_aging_command(tmp_path, capsys):
    out = tmp_path / "aging.csv"
    (tmp_path / "fx.csv").write_text("currency,rate\nCHF,1.07\n", encoding="utf-8")
    assert main(["aging", "--open-items", str(EXPORTS / "datev_offene_posten.csv"), "--map", str(EXPORTS / "datev_map.csv"),
                 "--fx", str(tmp_path / "fx.csv"), "--as-of", "2026-10-31", "--currency", "EUR", "--out", str(out)]) == 0
    assert "read as cp1252" in capsys.readouterr().err
    rows = {r.split(",")[0]: r for r in out.read_text(encoding="utf-8").splitlines()[1:]}
    assert rows["10001"].split(",")[3] == "10710.00"          # 11,900.00 S less 1,190.00 H


def test_by_type_gives_credits_their_sign_and_signed_refuses_them():
    raw = pd.DataFrame({"customer_id": ["C1"] * 3, "document_no": ["1", "2", "3"], "doc_type": ["INV", "CM", "PMT"],
                        "document_date": ["2026-10-01"] * 3, "amount": ["100.00", "40.00", "10.00"],
                        "open_amount": ["100.00", "40.00", "10.00"]})
    df, errors = validate(raw, "open_items", amount_sign="by_type")
    assert errors == [] and df["open_amount"].tolist() == [10000, -4000, -1000] and df["amount"].tolist()[1] == -4000
    _, errors = validate(raw, "open_items")
    assert [(e.message, e.row, e.column, e.value) for e in errors] == [
        ("a CM (a credit) with a positive amount", 3, "amount", "40.00"),
        ("a PMT (a credit) with a positive amount", 4, "amount", "10.00"),
        ("a CM (a credit) with a positive open_amount", 3, "open_amount", "40.00"),
        ("a PMT (a credit) with a positive open_amount", 4, "open_amount", "10.00")]
    assert "AmountSign" in errors[0].expected


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_delimiter_reads_the_same(tmp_path, delimiter):
    rows = [["customer_id", "document_no", "document_date", "open_amount", "reference"],
            ["C1", "A-1", "2026-10-01", "1234.56", "x y"], ["C2", "A-2", "20261002", "(10.00)", "z"]]
    (tmp_path / "oi.csv").write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    df, errors = load_table(tmp_path / "oi.csv", "open_items")
    assert errors == [] and df["open_amount"].tolist() == [123456, -1000]
    assert df["document_date"].tolist() == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-02")]


@pytest.mark.parametrize("amounts, minor", [
    (["1.234,56", "99,50"], [123456, 9950]), (["1,234.56", "99.50"], [123456, 9950]),
    (["1.234,56-", "(2.000,00)"], [-123456, -200000]), (["1.234", "5,00"], [123400, 500]),
])
def test_decimal_comma_detected_per_file(tmp_path, amounts, minor):
    lines = ["customer_id;document_no;document_date;open_amount"] + [f"C;D{i};2026-10-01;{a}" for i, a in enumerate(amounts)]
    (tmp_path / "oi.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    df, errors = load_table(tmp_path / "oi.csv", "open_items")
    assert errors == [] and df["open_amount"].tolist() == minor


def test_decimal_comma_can_be_forced(tmp_path):
    (tmp_path / "oi.csv").write_text("customer_id;document_no;document_date;open_amount\nC;D;2026-10-01;1.234\n",
                                     encoding="utf-8")
    df, _ = load_table(tmp_path / "oi.csv", "open_items", decimal_comma=True)
    assert df["open_amount"].tolist() == [123400]
    _, errors = load_table(tmp_path / "oi.csv", "open_items", decimal_comma=False)
    assert [(e.row, e.value, e.expected) for e in errors] == [(2, "1.234", "at most 2 decimals for USD")]
    _, errors = load_table(tmp_path / "oi.csv", "open_items")     # nothing says comma: read with a point
    assert len(errors) == 1
