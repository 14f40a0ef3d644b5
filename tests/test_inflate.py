"""io/inflate.py: a zip member read through ISA-L gives zipfile's bytes, and fails where
zipfile fails (bad CRC, data cut short, a size header that lies)."""
from __future__ import annotations

import struct
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_collections.io import inflate
from xl_collections.io.inflate import open_member

pytestmark = pytest.mark.skipif(inflate._isal is None, reason="isal is not installed: zipfile reads every member")


def _zip(path, data: bytes, *, level: int = 6, method=zipfile.ZIP_DEFLATED, name="xl/worksheets/sheet1.xml"):
    with zipfile.ZipFile(path, "w", method, compresslevel=level if method == zipfile.ZIP_DEFLATED else None) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr(name, data)
    return path


def _chunks(f, size: int) -> list[bytes]:
    return list(iter(lambda: f.read(size), b""))


def _both(path, size: int, name="xl/worksheets/sheet1.xml"):
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
        with zf.open(info) as f:
            ours_not = _chunks(f, size)
        with open_member(zf, info) as f:
            ours = _chunks(f, size)
    return ours_not, ours


ROW = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>C%05d</t></is></c><c r="B%d"><v>%d.25</v></c></row>'


@given(rows=st.integers(0, 3000), noise=st.binary(max_size=3000), size=st.integers(1, 70_000),
       level=st.sampled_from([0, 1, 6, 9]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_same_chunks_as_zipfile(tmp_path_factory, rows, noise, size, level):
    """Sheet-like text (compresses well) and random bytes (does not), any chunk size."""
    data = b"".join(ROW % (i, i, i % 997, i, i) for i in range(1, rows + 1)) + noise
    p = _zip(tmp_path_factory.mktemp("z") / "book.xlsx", data, level=level)
    by_zipfile, by_isal = _both(p, size)
    assert by_isal == by_zipfile
    assert b"".join(by_isal) == data
    assert all(len(c) <= size for c in by_isal)


def test_a_big_member_is_read_by_isal(tmp_path):
    data = b"".join(ROW % (i, i, i, i, i) for i in range(1, 200_000))
    p = _zip(tmp_path / "big.xlsx", data)
    with zipfile.ZipFile(p) as zf, open_member(zf, zf.getinfo("xl/worksheets/sheet1.xml")) as f:
        assert isinstance(f, inflate._Inflated)
        assert b"".join(_chunks(f, 1 << 20)) == data


def test_a_stored_member_is_read_by_zipfile(tmp_path):
    p = _zip(tmp_path / "stored.xlsx", b"<worksheet/>", method=zipfile.ZIP_STORED)
    with zipfile.ZipFile(p) as zf, open_member(zf, zf.getinfo("xl/worksheets/sheet1.xml")) as f:
        assert not isinstance(f, inflate._Inflated)
        assert f.read() == b"<worksheet/>"


def _data_start(raw: bytes, info: zipfile.ZipInfo) -> int:
    n, m = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + n + m


def _spoiled(tmp_path, spoil) -> tuple:
    data = b"".join(ROW % (i, i, i, i, i) for i in range(1, 5000))
    p = _zip(tmp_path / "book.xlsx", data)
    with zipfile.ZipFile(p) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    raw = bytearray(p.read_bytes())
    spoil(raw, info)
    p.write_bytes(bytes(raw))
    errors = []
    for reader in (lambda zf, i: zf.open(i), open_member):
        try:
            with zipfile.ZipFile(p) as zf, reader(zf, zf.getinfo("xl/worksheets/sheet1.xml")) as f:
                _chunks(f, 4096)
            errors.append(None)
        except (zipfile.BadZipFile, EOFError, zlib.error, inflate._isal.error) as e:
            errors.append(type(e))
    return errors


def test_a_flipped_byte_fails_as_zipfile_fails(tmp_path):
    def flip(raw, info):
        raw[_data_start(raw, info) + info.compress_size // 2] ^= 0x55
    by_zipfile, by_isal = _spoiled(tmp_path, flip)
    assert by_zipfile is not None and by_isal is not None


def test_a_crc_that_does_not_match_is_bad_zip(tmp_path):
    def wrong_crc(raw, info):           # the central directory's CRC (zipfile reads that one)
        cd = bytes(raw).rindex(b"PK\x01\x02")
        struct.pack_into("<I", raw, cd + 16, info.CRC ^ 1)
    assert _spoiled(tmp_path, wrong_crc) == [zipfile.BadZipFile, zipfile.BadZipFile]


def test_data_cut_short_is_an_error(tmp_path):
    def cut(raw, info):                 # the compressed size claims half the data
        cd = bytes(raw).rindex(b"PK\x01\x02")
        struct.pack_into("<I", raw, cd + 20, info.compress_size // 2)
    by_zipfile, by_isal = _spoiled(tmp_path, cut)
    assert by_zipfile is not None and by_isal is not None


def test_a_size_header_that_lies_small_gives_no_more_than_declared_and_fails_its_crc(tmp_path):
    def small(raw, info):
        cd = bytes(raw).rindex(b"PK\x01\x02")
        struct.pack_into("<I", raw, cd + 24, 10)
    assert _spoiled(tmp_path, small) == [zipfile.BadZipFile, zipfile.BadZipFile]
