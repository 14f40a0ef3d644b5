"""Demo book CSVs: contract headers, money as decimal text, and a lossless round trip
through the readers back into the same canonical tables."""
from __future__ import annotations

import pandas as pd
import pytest

from xl_collections.demo import TABLE_NAMES, generate, write_csv
from xl_collections.io.sources import unescape_cells
from xl_collections.io.validate import validate
from xl_collections.core.schema import TABLES


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    book = generate(items=500, seed=21)
    out = tmp_path_factory.mktemp("demo")
    return book, out, write_csv(book, out)


def test_one_csv_per_table_with_contract_headers(written):
    book, out, paths = written
    names = sorted(p.name for p in paths)
    assert names == sorted([f"{t}.csv" for t in book.tables] + ["truth.csv", "planted_breaks.csv", "planted_gl.csv"])
    for t in book.tables:
        header = (out / f"{t}.csv").read_text().splitlines()[0].split(",")
        assert header == TABLES[t].always
    oi = pd.read_csv(out / "open_items.csv", dtype=str, keep_default_na=False)
    first = book.open_items.iloc[0]
    assert oi.loc[0, "open_amount"] == f"{first['open_amount'] / 100:.2f}"
    assert oi.loc[0, "document_date"] == first["document_date"].date().isoformat()
    assert oi["document_no"].str.match(r"^0\d{7}$").any()                 # leading zeros kept as text
    truth = pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns[:5]) == ["payment_id", "document_no", "customer_id", "kind", "applied_amount"]
    planted = pd.read_csv(out / "planted_breaks.csv", dtype=str, keep_default_na=False)
    assert list(planted.columns[:4]) == ["break_type", "document_no", "customer_id", "currency"]
    assert len(planted) == len(book.planted)
    gl = pd.read_csv(out / "planted_gl.csv", dtype=str)
    assert gl.loc[0, "period"] == book.gl_tieout["period"]


def test_csv_text_validates_back_to_the_same_tables(written):
    book, out, _ = written
    for t in book.tables:
        raw = pd.read_csv(out / f"{t}.csv", dtype=str, keep_default_na=False)
        cells = raw.to_numpy(dtype=object)
        unescape_cells(cells)      # the one apostrophe of CONTRACT §6 ('+1 200-555-0000)
        raw = pd.DataFrame(cells, columns=raw.columns)
        again, errors = validate(raw, t, reporting_currency=book.settings.reporting_currency)
        assert errors == []
        pd.testing.assert_frame_equal(again, book.tables[t])


def test_csv_round_trip_through_read_table(written):
    readers = pytest.importorskip("xl_collections.io.readers")
    book, out, _ = written
    for t in book.tables:
        again = readers.read_table(out / f"{t}.csv", t)
        pd.testing.assert_frame_equal(again, book.tables[t])


def test_csv_text_is_what_write_table_writes(written, tmp_path):
    from xl_collections.demo import MONEY_COLUMNS
    from xl_collections.io.write import write_table

    book, out, _ = written
    for t in TABLE_NAMES:
        d = book.tables[t].drop(columns=["source_row"])      # payments: with the planted returned items
        d.attrs = {"money": MONEY_COLUMNS[t], "currency": book.settings.reporting_currency}
        ref = write_table(d, tmp_path / f"{t}.csv")
        assert (out / f"{t}.csv").read_bytes() == ref.read_bytes(), t


def test_money_text_in_other_minor_units():
    from xl_collections.demo.book import _format

    got = _format(pd.Series(pd.array([-5, 0, 123456, None, 7], dtype="Int64")),
                  pd.Series(["USD", "USD", "JPY", "USD", "KWD"]))
    assert got.tolist() == ["-0.05", "0.00", "123456", "", "0.007"]
