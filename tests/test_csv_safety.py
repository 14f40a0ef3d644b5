"""Every CSV the program writes is safe to open in a spreadsheet (CONTRACT §6 "Files on disk"),
and every CSV reader takes the program's own escaping back off (CONTRACT §1 "Real exports")."""
import csv
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from xl_collections.cli.dispatch import main
from xl_collections.io.readers import read_table
from xl_collections.io.sources import read_csv_cells
from xl_collections.io.write import csv_safe, write_csv, write_table

HOSTILE = ["=2+5", "+1", "-12345", "@SUM(A1)", "\t=1+1", "\r=1+1", "=HYPERLINK(\"x\")"]


def _cells(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("text", HOSTILE)
def test_text_starting_with_a_trigger_gets_one_apostrophe(tmp_path, text):
    df = pd.DataFrame({"customer_id": [text], "note": ["fine"]})
    rows = _cells(write_table(df, tmp_path / "a.csv"))
    assert rows[1] == ["'" + text, "fine"]


def test_numbers_stay_numbers_and_harmless_text_stays_as_is(tmp_path):
    df = pd.DataFrame({"customer_id": ["-12345", "C-1", "'quoted"], "total_open": [-50000, 5, 0],
                       "rank": [-1, 2, 3], "score": [-0.5, 1.0, 2.0], "ratio": [Decimal("-1.5"), None, Decimal(2)],
                       "currency": "USD"})
    df.attrs = {"money": ["total_open"]}
    rows = _cells(write_table(df, tmp_path / "a.csv"))
    assert rows[1] == ["'-12345", "-500.00", "-1", "-0.5", "-1.5", "USD"]
    assert rows[2][0] == "C-1" and rows[3][0] == "'quoted"


def test_csv_safe_checks_the_first_character_only():
    assert csv_safe("a=b") == "a=b" and csv_safe(" =1") == " =1" and csv_safe("") == ""
    assert csv_safe("-") == "'-"


def test_pyarrow_text_columns_are_escaped_too(tmp_path):
    df = pd.DataFrame({"x": pd.array(["=1", "ok", None], dtype="string[pyarrow]")})
    assert _cells(write_csv(df, tmp_path / "a.csv"))[1:] == [["'=1"], ["ok"], [""]]


def test_a_header_from_data_is_escaped(tmp_path):
    assert _cells(write_csv(pd.DataFrame({"=evil": [1]}), tmp_path / "a.csv"))[0] == ["'=evil"]


@given(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r'a1 ,\"\n"), max_size=8), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_round_trip_through_the_reader(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("rt") / "a.csv"
    write_csv(pd.DataFrame({"h": ["x"] + texts, "k": ["a,b"] * (len(texts) + 1)}), path)
    cells, _, _ = read_csv_cells(path)
    assert [str(v) for v in cells[2:, 0]] == texts
    # nothing a spreadsheet could read as a formula
    for row in _cells(path):
        assert not row or row[0][:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_escaped_ids_read_back_as_the_program_wrote_them(tmp_path):
    df = pd.DataFrame({"customer_id": ["-12345", "=C1"], "document_no": ["+1", "@2"], "document_date": ["2026-10-01"] * 2,
                       "open_amount": ["1.00", "2.00"]})
    write_csv(df, tmp_path / "oi.csv")
    assert (tmp_path / "oi.csv").read_text().splitlines()[1].startswith("'-12345,'+1,")
    back = read_table(tmp_path / "oi.csv", "open_items")
    assert list(back["customer_id"]) == ["-12345", "=C1"] and list(back["document_no"]) == ["+1", "@2"]


def test_cashapp_result_files_are_escaped(tmp_path):
    (tmp_path / "oi.csv").write_text("customer_id,document_no,document_date,due_date,open_amount,reference\n"
                                     "-12345,=2+5,2026-10-01,2026-10-31,100.00,@cmd\n", encoding="utf-8")
    (tmp_path / "pay.csv").write_text("payment_id,value_date,amount,payer_name,reference\n"
                                      "+P1,2026-10-20,100.00,=HYPERLINK(\"x\"),=2+5 -12345\n"
                                      "-P2,2026-10-21,7.00,\t=1+1,nothing\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["cashapp", "--open-items", str(tmp_path / "oi.csv"), "--payments", str(tmp_path / "pay.csv"),
                 "--out", str(out)]) == 0
    written = list(out.glob("*.csv"))
    assert {p.name for p in written} >= {"applications.csv", "posting.csv", "unapplied.csv", "open_items_after.csv"}
    for p in written:
        for row in _cells(p):
            for cell in row:
                assert cell[:1] not in ("=", "+", "@", "\t", "\r"), (p.name, row)
                if cell[:1] == "-":      # only numbers may start with a minus
                    float(cell)
    post = _cells(out / "posting.csv")
    assert any("'-12345" in r and "'+P1" in r for r in post)
    assert any("'=2+5" in r for r in _cells(out / "open_items_after.csv"))
    assert "'-P2" in {r[0] for r in _cells(out / "unapplied.csv")}


def test_aging_csv_is_escaped(tmp_path):
    (tmp_path / "oi.csv").write_text("customer_id,document_no,document_date,open_amount\n"
                                     "=1+1,A1,2026-10-01,-5.00\n", encoding="utf-8")
    assert main(["aging", "--open-items", str(tmp_path / "oi.csv"), "--as-of", "2026-10-31",
                 "--out", str(tmp_path / "aging.csv")]) == 0
    rows = _cells(tmp_path / "aging.csv")
    assert rows[1][0] == "'=1+1" and rows[1][3] == "-5.00"


def test_program_csvs_read_back_by_the_commands_that_take_them(tmp_path):
    """cashapp --prior and worklist --applications read what cashapp wrote: '-P1' is -P1 again."""
    from xl_collections.cli.cashapp import read_prior
    from xl_collections.cli.worklist import _result_file

    df = pd.DataFrame({"payment_id": ["-P1", "=P2"], "document_no": ["INV-1", "INV-2"],
                       "applied_amount": ["10.00", "20.00"], "status": ["AUTO", "AUTO"],
                       "open_before": ["10.00", "20.00"]})
    write_csv(df, tmp_path / "applications.csv")
    prior, errors = read_prior([tmp_path / "applications.csv"], "USD")
    assert errors == [] and prior["payment_id"].tolist() == ["-P1", "=P2"]
    back, errors = _result_file(str(tmp_path / "applications.csv"), "applications", ("payment_id",))
    assert errors == [] and back["payment_id"].tolist() == ["-P1", "=P2"]
