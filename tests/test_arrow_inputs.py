"""Inputs through Arrow: the pyarrow CSV path gives exactly what the careful reader gives (or
steps aside), ISO dates parsed by Arrow equal the careful parse, and Parquet / DuckDB tables
read like the same table in a CSV (CONTRACT §4 ``FILE.parquet``, ``FILE.duckdb:table``)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.core.dates import parse_date_series
from xl_collections.io import arrow_sources, readers

HEADER = "customer_id,document_no,doc_type,document_date,due_date,amount,open_amount,currency,status\n"
GOOD = ("C001,INV-1,INV,2026-09-01,2026-10-01,1000.00,1000.00,USD,OPEN\n"
        "C002,00123,CM,2026-09-15,2026-09-15,-50.00,-50.00,EUR,\n"
        "C001,INV-3,,2026-08-01,,250.5,250.5,,DISPUTED\n")


def both(path, table="open_items", monkeypatch=None, **kw):
    """(fast result, careful result) of load_table on one file."""
    fast = readers.load_table(path, table, **kw)
    monkeypatch.setattr(arrow_sources, "read_csv_arrow", lambda *a, **k: None)
    careful = readers.load_table(path, table, **kw)
    monkeypatch.undo()
    return fast, careful


def same(fast, careful):
    (a, ea), (b, eb) = fast, careful
    assert [e.render() for e in ea] == [e.render() for e in eb]
    if not eb:
        pd.testing.assert_frame_equal(a, b)
        assert a.attrs.get("source") == b.attrs.get("source")


def test_fast_path_is_taken_for_a_plain_export(tmp_path):
    p = tmp_path / "oi.csv"
    p.write_text(HEADER + GOOD, encoding="utf-8")
    got = arrow_sources.read_csv_arrow(p, header_is_first=lambda cells: True)
    assert got is not None and got.header[0] == "customer_id"
    assert list(got.columns[1]) == ["INV-1", "00123", "INV-3"]       # identifiers stay text


@pytest.mark.parametrize("body", [
    GOOD,
    GOOD + "\n",                                                   # a blank line at the end
    GOOD.replace("INV-3", '"INV\n3"'),                             # a record over two lines
    GOOD + "C9,X9,INV,2026-01-01\n",                               # a short record
    GOOD + "C9,X9,INV,2026-01-01,,1,1,USD,,extra\n",               # a long record
    GOOD.replace("C002", "'=C002"),                                # the program's own apostrophe
    GOOD.replace("C002", "'O'Brien"),                              # an apostrophe that stays
    GOOD.replace("1000.00", '"1,000.00"'),                         # quotes and a thousands separator
    GOOD.replace("2026-09-15,2026-09-15", "15.09.2026,2026-02-30"),  # dates Arrow leaves to the careful path
    GOOD.replace("C002", ""),                                      # a required cell blank
    GOOD + GOOD,                                                   # duplicate document numbers
    GOOD.replace("\n", "\r\n"),                                    # Windows line ends
    GOOD.replace(",", ";").replace("250.5", "250,5"),              # semicolons and a decimal comma
])
def test_fast_and_careful_readers_agree(tmp_path, monkeypatch, body):
    p = tmp_path / "oi.csv"
    head = HEADER.replace(",", ";") if ";" in body else HEADER
    p.write_bytes((head + body).encode("utf-8") if "\r\n" not in body else (HEADER.replace("\n", "\r\n") + body).encode())
    same(*both(p, monkeypatch=monkeypatch))


def test_title_lines_above_the_header_take_the_careful_path(tmp_path, monkeypatch):
    p = tmp_path / "oi.csv"
    p.write_text("ACME open items\n\n" + HEADER + GOOD, encoding="utf-8")
    calls = []
    real = arrow_sources.read_csv_arrow
    monkeypatch.setattr(arrow_sources, "read_csv_arrow", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    df, errors = readers.load_table(p, "open_items")
    assert calls == [None] and not errors and list(df["source_row"]) == [4, 5, 6]


cell = st.one_of(st.sampled_from(["", " ", "C1", "00123", "INV-9", "=1+2", "'=x", "a\"b", "x,y", "2026-10-31",
                                  " 2026-01-02 ", "12.50", "-3", "1.234,56", "(5.00)", "DR", "2026-13-01"]),
                 st.text(alphabet="ab1-.,;\"' \t", max_size=6))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=9, max_size=9), min_size=1, max_size=8))
def test_any_cells_read_the_same_both_ways(tmp_path_factory, rows):
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER.strip().split(","))
    w.writerows(rows)
    p = tmp_path_factory.mktemp("h") / "oi.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    try:
        same(*both(p, monkeypatch=mp))
    finally:
        mp.undo()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.dates(dt.date(1850, 1, 1), dt.date(2300, 12, 31)).map(dt.date.isoformat),
                          st.sampled_from(["", "  ", "1899-12-30", "2026-02-30", "2026-1-5", "10/31/2026",
                                           "31.10.2026", "20261031", "x", " 2026-10-31 "])), max_size=12))
def test_arrow_iso_dates_equal_the_careful_parse(texts):
    arrow = pd.Series(pd.array(texts, dtype=pd.StringDtype("pyarrow")))
    a, bad_a = parse_date_series(arrow)
    b, bad_b = parse_date_series(pd.Series(texts, dtype=object))
    pd.testing.assert_series_equal(a, b, check_names=False)
    assert {k: (str(e.value), e.expected) for k, e in bad_a.items()} == \
        {k: (str(e.value), e.expected) for k, e in bad_b.items()}


# ------------------------------------------------------------------ Parquet and DuckDB

def typed_table():
    return pa.table({
        "Customer": ["C001", "C002", "C001"],
        "Invoice Number": ["INV-1", "00123", "INV-3"],
        "doc_type": ["INV", "CM", None],
        "document_date": pa.array([dt.date(2026, 9, 1), dt.date(2026, 9, 15), dt.date(2026, 8, 1)]),
        "due_date": pa.array([dt.datetime(2026, 10, 1, 13, 5), dt.datetime(2026, 9, 15), None]),
        "amount": pa.array([Decimal("1000.00"), Decimal("-50.00"), Decimal("250.50")], type=pa.decimal128(12, 2)),
        "open_amount": [1000.0, -50.0, 250.5],
        "currency": ["USD", "EUR", None],
        "status": ["OPEN", None, "DISPUTED"],
    })


def test_parquet_reads_like_the_same_csv(tmp_path):
    pq.write_table(typed_table(), tmp_path / "oi.parquet", row_group_size=2)
    (tmp_path / "oi.csv").write_text(
        "Customer,Invoice Number,doc_type,document_date,due_date,amount,open_amount,currency,status\n"
        "C001,INV-1,INV,2026-09-01,2026-10-01,1000.00,1000.00,USD,OPEN\n"
        "C002,00123,CM,2026-09-15,2026-09-15,-50.00,-50.00,EUR,\n"
        "C001,INV-3,,2026-08-01,,250.50,250.50,,DISPUTED\n", encoding="utf-8")
    a, ea = readers.load_table(tmp_path / "oi.parquet", "open_items")
    b, eb = readers.load_table(tmp_path / "oi.csv", "open_items")
    assert not ea and not eb
    cols = [c for c in b.columns]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert list(a["source_row"]) == [2, 3, 4]


def test_duckdb_table_reads_and_names_rows_and_the_table(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    db = tmp_path / "ledger.duckdb"
    con = duckdb.connect(str(db))
    t = typed_table()  # noqa: F841 - DuckDB reads the local variable by name below
    con.execute("CREATE TABLE open_items AS SELECT * FROM t")
    con.execute("UPDATE open_items SET \"Customer\" = NULL WHERE \"Invoice Number\" = '00123'")
    con.close()
    df, errors = readers.load_table(f"{db}:open_items", "open_items")
    assert [(e.file, e.row, e.column, e.message) for e in errors] == \
        [("ledger.duckdb:open_items", 3, "Customer", "customer_id is blank")]
    _, errors = readers.load_table(f"{db}:nothere", "open_items")
    assert "no table named 'nothere'" in errors[0].message and "open_items" in errors[0].expected
    _, errors = readers.load_table(tmp_path / "missing.parquet", "open_items")
    assert errors[0].message == "file not found"


def test_dates_outside_the_range_in_parquet_are_refused_naming_the_row(tmp_path):
    t = typed_table().set_column(3, "document_date", pa.array([dt.date(2026, 9, 1), dt.date(1850, 1, 1),
                                                               dt.date(2026, 8, 1)]))
    pq.write_table(t, tmp_path / "oi.parquet")
    _, errors = readers.load_table(tmp_path / "oi.parquet", "open_items")
    assert [(e.row, e.column) for e in errors] == [(3, "document_date")]
    assert "not a date" in errors[0].message


def test_a_code_word_after_a_removed_control_character_still_maps(tmp_path):
    # the Arrow shortcut for code words must not skip the strip a removed character leaves to do
    p = tmp_path / "oi.csv"
    p.write_text(HEADER + GOOD.replace(",INV,2026-09-01", ",\x01 Invoice,2026-09-01"), encoding="utf-8")
    df, errors = readers.load_table(p, "open_items")
    assert not errors and df["doc_type"].iloc[0] == "INV"
    assert any("control characters removed" in w.message for w in df.attrs["warnings"])


def test_timestamps_with_fractions_and_before_1970_are_their_calendar_day(tmp_path):
    t = typed_table().set_column(4, "due_date", pa.array(
        [dt.datetime(1969, 12, 31, 12, 0, 0, 500), dt.datetime(2026, 10, 1, 13, 5, 1, 250000), None],
        type=pa.timestamp("us")))
    pq.write_table(t, tmp_path / "oi.parquet")
    df, errors = readers.load_table(tmp_path / "oi.parquet", "open_items")
    assert not errors
    assert [d.date() for d in df["due_date"].iloc[:2]] == [dt.date(1969, 12, 31), dt.date(2026, 10, 1)]
