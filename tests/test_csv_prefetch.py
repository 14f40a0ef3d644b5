"""The aging command's CSV parse started before pandas loads (issue 20: ``core.csv_arrow``)
gives the reader exactly what it reads without it, and is not used when the reader would have
parsed otherwise (another delimiter, a changed file)."""
from __future__ import annotations

import os

import pytest

from xl_collections.cli import dispatch
from xl_collections.core import csv_arrow
from xl_collections.io import arrow_sources

HEAD = "customer_id,document_no,amount\n"


def read(path):
    got = arrow_sources.read_csv_arrow(path, header_is_first=lambda cells: True)
    return got.header, [list(c) for c in got.columns], got.delimiter


@pytest.mark.parametrize("text", [HEAD + "C1,D1,12.50\nC2,D2,-3\n",
                                  "\ufeff" + HEAD + 'C1,"D,1",12.50\n"C2",D2,\n',
                                  "customer_id;document_no;amount\nC1;D1;12,50\n",
                                  HEAD + "C1,D1\n"])
def test_the_early_parse_reads_what_the_reader_reads(tmp_path, text):
    path = tmp_path / "open_items.csv"
    path.write_bytes(text.encode("utf-8"))
    want = arrow_sources.read_csv_arrow(path, header_is_first=lambda cells: True)
    csv_arrow.prefetch(path)
    got = arrow_sources.read_csv_arrow(path, header_is_first=lambda cells: True)
    assert (want is None) == (got is None)
    if want is not None:
        assert got.header == want.header and got.delimiter == want.delimiter
        assert [list(c) for c in got.columns] == [list(c) for c in want.columns]
    assert csv_arrow.take(path) is None                     # taken once


def test_the_early_parse_is_used_only_with_the_readers_options(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(HEAD + "C1,D1,1.00\n")
    csv_arrow.prefetch(path)
    early = csv_arrow.take(path)
    assert early.data == path.read_bytes()
    assert early.table(";", 3, False) is None and early.table(",", 3, True) is None
    t = early.table(",", 3, False)
    assert t.num_rows == 1 and t.column(1).to_pylist() == ["D1"]


def test_a_file_changed_after_the_prefetch_is_read_again(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(HEAD + "C1,D1,1.00\n")
    csv_arrow.prefetch(path)
    csv_arrow._PENDING[os.path.realpath(path)][1].join()
    path.write_text(HEAD + "C9,D9,9.00\nC8,D8,8.00\n")
    assert csv_arrow.take(path) is None
    assert read(path)[1][0] == ["C9", "C8"]


def test_only_the_aging_commands_csv_is_prefetched(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(csv_arrow, "prefetch", seen.append)
    for argv in (["aging", "--open-items", "x.csv"], ["aging", "--open-items=y.CSV", "--as-of", "d"],
                 ["aging", "--open-items", "x.xlsx"], ["aging", "--encoding", "cp1252", "--open-items", "x.csv"],
                 ["close", "--open-items", "x.csv"], ["aging", "--open-items"]):
        dispatch._prefetch(argv)
    assert seen == ["x.csv", "y.CSV"]
