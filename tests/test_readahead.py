"""io/readahead.py: the same chunks and the same exceptions as reading in place."""
from __future__ import annotations

import io
import threading
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.io import guard
from xl_collections.io.guard import HostileWorkbook, check_workbook
from xl_collections.io.readahead import read_ahead


@given(st.binary(max_size=5000), st.integers(min_value=1, max_value=700), st.integers(min_value=1, max_value=5))
@settings(max_examples=60, deadline=None)
def test_the_same_chunks_as_reading_in_place(data, size, depth):
    in_place = io.BytesIO(data)
    assert list(read_ahead(io.BytesIO(data), size, depth)) == list(iter(lambda: in_place.read(size), b""))


class Failing(io.BytesIO):
    def __init__(self, data, fail_at):
        super().__init__(data)
        self.calls, self.fail_at = 0, fail_at

    def read(self, n=-1):
        self.calls += 1
        if self.calls == self.fail_at:
            raise zipfile.BadZipFile("Bad CRC-32")
        return super().read(n)


def test_an_exception_comes_after_the_chunks_read_before_it():
    got = []
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        for chunk in read_ahead(Failing(b"abcdefghij", 3), 2):
            got.append(chunk)
    assert got == [b"ab", b"cd"]


def test_leaving_the_loop_stops_the_thread():
    before = threading.active_count()
    for chunk in read_ahead(io.BytesIO(b"x" * 10_000), 10, depth=2):
        break
    assert threading.active_count() == before


def test_the_guard_reads_big_parts_ahead_with_the_same_verdicts(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "READ_AHEAD_FROM", 0)          # every part read ahead
    monkeypatch.setattr(guard, "CHUNK", 64)
    ok = tmp_path / "ok.xlsx"
    with zipfile.ZipFile(ok, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + "<row r=\"1\"><c r=\"A1\"/></row>" * 50
                   + "</sheetData></worksheet>")
    check_workbook(ok)
    bad = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + " " * 500 + "<!DOCTYPE x [<!ENTITY a 'b'>]></worksheet>")
    with pytest.raises(HostileWorkbook, match="DTD"):
        check_workbook(bad)
    far = tmp_path / "far.xlsx"
    with zipfile.ZipFile(far, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + "<row r=\"1\"><c r=\"A1\"/></row>" * 20
                   + "<row r=\"2000000\"><c r=\"A2000000\"/></row></sheetData></worksheet>")
    with pytest.raises(HostileWorkbook, match="A2000000"):
        check_workbook(far)
