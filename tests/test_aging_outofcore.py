"""Aging beyond a sheet (CONTRACT §4 ``FILE.parquet``, ``FILE.duckdb:table``): the demo's open
items aged batch by batch from Parquet and from DuckDB give the in-memory table to the cent,
through the API and through ``xl-collections aging``; problems are the validator's own."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from xl_collections import demo
from xl_collections.ar import aging_outofcore
from xl_collections.ar.aging import age
from xl_collections.ar.aging_outofcore import age_source
from xl_collections.cli.dispatch import main
from xl_collections.core.errors import InputErrors
from xl_collections.io.readers import load_table

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    book = demo.generate(items=2500, seed=11)
    demo.write_csv(book, d)
    oi = d / "open_items.csv"
    typed = pacsv.read_csv(oi, convert_options=pacsv.ConvertOptions(
        column_types={"customer_id": pa.string(), "document_no": pa.string(), "po_number": pa.string(),
                      "reference": pa.string()}))
    pq.write_table(typed, d / "open_items.parquet", row_group_size=700)
    con = duckdb.connect(str(d / "ledger.duckdb"))
    con.execute(f"CREATE TABLE open_items AS SELECT * FROM read_csv('{oi}', all_varchar=true)")
    con.close()
    return d, book.settings.as_of


@pytest.mark.parametrize("by", ["customer_id", "region", "currency"])
@pytest.mark.parametrize("source", ["open_items.parquet", "ledger.duckdb:open_items"])
def test_batches_add_up_to_the_in_memory_aging_to_the_cent(data, source, by):
    d, as_of = data
    kw = dict(reporting_currency="USD")
    oi, errors = load_table(d / "open_items.csv", "open_items", **kw)
    assert not errors
    customers, _ = load_table(d / "customers.csv", "customers", **kw)
    fx, _ = load_table(d / "fx_rates.csv", "fx_rates", **kw) if (d / "fx_rates.csv").exists() else (None, [])
    want = age(oi, as_of, customers=customers, fx_rates=fx, by=by)
    got = age_source(f"{d / source}", as_of, customers=customers, fx_rates=fx, by=by, batch_rows=333)
    pd.testing.assert_frame_equal(got.summary, want.summary)
    assert got.summary.attrs == want.summary.attrs
    assert got.items == len(want.detail) and got.records == len(oi)


def test_the_command_ages_a_table_beyond_a_sheet_out_of_core(data, tmp_path, monkeypatch, capsys):
    d, as_of = data
    args = ["--customers", str(d / "customers.csv"), "--as-of", as_of.isoformat()]
    if (d / "fx_rates.csv").exists():
        args += ["--fx", str(d / "fx_rates.csv")]
    assert main(["aging", "--open-items", str(d / "open_items.csv"), *args, "--out", str(tmp_path / "a.csv")]) == 0
    in_memory = capsys.readouterr().out
    calls = []
    real = aging_outofcore.age_source
    monkeypatch.setattr(aging_outofcore, "SHEET_ROWS", 1000)           # "a sheet" of 1,000 rows
    monkeypatch.setattr("xl_collections.cli.aging.age_source",
                        lambda *a, **k: calls.append(1) or real(*a, batch_rows=400, **k))
    assert main(["aging", "--open-items", str(d / "open_items.parquet"), *args, "--out", str(tmp_path / "b.csv")]) == 0
    assert calls == [1]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert capsys.readouterr().out.replace("b.csv", "a.csv") == in_memory


def test_a_summary_longer_than_a_sheet_is_not_written_to_xlsx(data, tmp_path, monkeypatch, capsys):
    d, as_of = data
    monkeypatch.setattr("xl_collections.cli.aging.SHEET_ROWS", 10)
    out = tmp_path / "a.xlsx"
    assert main(["aging", "--open-items", str(d / "open_items.parquet"), "--as-of", as_of.isoformat(),
                 "--fx", str(d / "fx_rates.csv"), "--out", str(out)]) == 2
    assert "more than a sheet holds" in capsys.readouterr().err and not out.exists()


def test_problems_across_batches_are_the_validators_own(tmp_path):
    t = pa.table({"customer_id": ["C1", "C2", "", "C4", "C5", "C6", "C7"],
                  "document_no": ["D1", "D2", "D3", "D1", "D5", "D2", "D1"],
                  "document_date": ["2026-10-01"] * 6 + ["2026-13-01"],
                  "open_amount": ["10.00", "5", "1", "x", "2", "3", "4"]})
    pq.write_table(t, tmp_path / "oi.parquet")
    t.to_pandas().to_csv(tmp_path / "oi.csv", index=False)
    _, want = load_table(tmp_path / "oi.csv", "open_items")
    with pytest.raises(InputErrors) as e:
        age_source(tmp_path / "oi.parquet", dt.date(2026, 10, 31), batch_rows=2)

    def key(x):
        return (x.row, x.column, x.message, x.value, x.expected)
    assert sorted(map(key, e.value.errors)) == sorted(map(key, want))
    assert any(x.message == "duplicate document_no" and x.expected.endswith("(also on row 2)") for x in want)


def test_payment_behaviour_of_a_history_in_batches_equals_the_whole(tmp_path):
    from xl_collections.credit.behaviour import payment_behaviour
    from xl_collections.credit.behaviour_outofcore import behaviour_source

    book = demo.generate(items=1500, seed=3)
    ci = book.tables.get("cleared_items")
    assert ci is not None and len(ci) > 100
    demo.write_csv(book, tmp_path)
    csv_path = tmp_path / "cleared_items.csv"
    typed = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={"customer_id": pa.string(), "document_no": pa.string()}))
    pq.write_table(typed, tmp_path / "cleared.parquet", row_group_size=250)
    whole, errors = load_table(csv_path, "cleared_items")
    assert not errors
    fx, _ = load_table(tmp_path / "fx_rates.csv", "fx_rates")
    as_of = book.settings.as_of
    want = payment_behaviour(whole, as_of, fx_rates=fx)
    got, records = behaviour_source(tmp_path / "cleared.parquet", as_of, fx_rates=fx, batch_rows=97)
    pd.testing.assert_frame_equal(got, want)
    assert records == len(whole) and len(want) > 5
