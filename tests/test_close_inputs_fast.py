"""The close's inputs read faster, with the same results: the Audit Log's input fingerprints
(``close/state.table_fingerprint``) hash the very bytes pandas' CSV writer gives, and the input
sheets read through fastexcel give the tables and messages of the careful grid reader."""
from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from xl_collections.close.state import csv_text_bytes, table_fingerprint
from xl_collections.core import schema


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    return frame.astype(str).to_csv(index=False, header=False, lineterminator="\n").encode()


def pandas_fingerprint(df: pd.DataFrame, table_name: str) -> str:
    """The fingerprint as the close computed it before (every table through pandas)."""
    cols = [c for c in schema.TABLES[table_name].names if c in df.columns]
    h = hashlib.sha256(("|".join(cols) + "\n").encode())
    if len(df):
        h.update(pandas_bytes(df[cols]))
    return h.hexdigest()


TRICKY_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t\'=é€\u2028') + ["\ud800", "0", "-"]), max_size=6)
CELL = st.one_of(TRICKY_TEXT, st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_csv_bytes_are_pandas_bytes(data):
    n = data.draw(st.integers(0, 8))
    kinds = data.draw(st.lists(st.sampled_from(["int", "text", "mixed", "date", "datetime", "Int64", "float"]),
                               min_size=1, max_size=5))
    cols = {}
    for i, kind in enumerate(kinds):
        if kind == "int":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)),
                                      dtype="int64")
        elif kind == "text":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(TRICKY_TEXT, min_size=n, max_size=n)), dtype=object)
        elif kind == "mixed":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(CELL, min_size=n, max_size=n)), dtype=object)
        elif kind in ("date", "datetime"):
            days = data.draw(st.lists(st.one_of(st.none(), st.integers(-25567, 84000)), min_size=n, max_size=n))
            secs = data.draw(st.lists(st.integers(0, 86399), min_size=n, max_size=n)) if kind == "datetime" else [0] * n
            cols[f"c{i}"] = pd.Series([pd.NaT if d is None else pd.Timestamp("1970-01-01") + pd.Timedelta(days=d, seconds=s)
                                       for d, s in zip(days, secs)], dtype="datetime64[ns]")
        elif kind == "Int64":
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(st.one_of(st.none(), st.integers(-10**9, 10**9)),
                                                          min_size=n, max_size=n)), dtype="Int64")
        else:
            cols[f"c{i}"] = pd.Series(data.draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n)),
                                      dtype="float64")
    frame = pd.DataFrame(cols)
    try:
        want = pandas_bytes(frame)
    except UnicodeEncodeError:          # a lone surrogate: pandas cannot write it either
        return
    assert csv_text_bytes(frame) == want


def test_two_date_columns_one_with_a_time_are_formatted_as_pandas_formats_them_together():
    # pandas formats the date columns of one block alike: a time in one gives the other its time too
    frame = pd.DataFrame({"a": pd.to_datetime(["2026-10-31", "2026-11-01"]),
                          "b": pd.to_datetime(["2026-10-31 10:00", "2026-11-01 00:00"]), "c": [1, 2]})
    assert csv_text_bytes(frame) == pandas_bytes(frame)
    assert csv_text_bytes(frame[["a", "c"]]) == pandas_bytes(frame[["a", "c"]])


def test_fingerprint_of_a_canonical_table_is_unchanged():
    oi = pd.DataFrame({
        "customer_id": ["C1", "C,2", 'C"3', "C\n4"],
        "document_no": ["INV-1", "INV-2", "", "INV 4"],
        "doc_type": ["INV", "INV", "CRN", "INV"],
        "document_date": pd.to_datetime(["2026-10-01", "2026-09-15", None, "2026-08-01"]),
        "due_date": pd.to_datetime(["2026-10-31", "2026-10-15", "2026-09-01", None]),
        "amount": np.array([10000, 2550, -500, 0], dtype="int64"),
        "open_amount": np.array([10000, 2550, -500, 0], dtype="int64"),
        "currency": ["USD", "EUR", "USD", "JPY"],
        "source_row": np.arange(2, 6),
    })
    assert table_fingerprint(oi, "open_items") == pandas_fingerprint(oi, "open_items")
    assert table_fingerprint(oi.iloc[:0], "open_items") == pandas_fingerprint(oi.iloc[:0], "open_items")
    cr = oi.assign(customer_id=["C1", "C\r2", "C3", "C4"])       # a carriage return: pandas writes it
    assert table_fingerprint(cr, "open_items") == pandas_fingerprint(cr, "open_items")
