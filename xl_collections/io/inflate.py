"""A zip member's bytes, inflated by ISA-L where it is installed (the guard's pass over a
workbook, :mod:`xl_collections.io.guard`).

``zipfile`` inflates with zlib; ISA-L's inflate (``isal``, already the save's deflate) gives
the same bytes in about half the CPU time, and its CRC-32 in a fifth.  :func:`open_member`
first opens the member through ``zipfile`` — so every check ``zipfile`` makes before the
data (the local header's signature and name, overlapping entries, encryption, the method)
is made as before — then reads the compressed bytes straight from the file and inflates
them with the checks ``zipfile`` makes while reading: at most the size the central directory
declares, the CRC-32 of what was read, and a stream that ends before its end marker.  A
stored member, or no ``isal`` (xlwings Lite), is read by ``zipfile`` itself.
"""
from __future__ import annotations

import os
import struct
import zipfile

try:        # ISA-L: the same inflate as zlib at about twice its speed
    from isal import isal_zlib as _isal
except ImportError:          # not installed: zipfile (zlib) reads every member
    _isal = None

LOCAL_HEADER = struct.Struct("<4s22xHH")      # signature ... file name length, extra field length
RAW_READ = 1 << 18                              # compressed bytes handed to the inflater at a time


def open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A file object over ``info``'s uncompressed bytes (``read(n)``, ``close()``, a context
    manager), raising what ``zipfile`` raises for the same damage."""
    member = zf.open(info)
    if _isal is None or info.compress_type != zipfile.ZIP_DEFLATED or not (
            isinstance(zf.filename, (str, os.PathLike)) and os.path.isfile(zf.filename)):
        return member
    member.close()           # its checks are made; the data is read below
    return _Inflated(zf.filename, info)


class _Inflated:
    """``info``'s deflated data read from ``path`` and inflated by ISA-L, ``read(n)`` giving at
    most ``n`` bytes, ``b""`` at the end; raises ``zipfile.BadZipFile`` for a CRC that does not
    match and ``EOFError`` for data that ends early, as ``zipfile`` does."""

    def __init__(self, path, info: zipfile.ZipInfo):
        self._fh = open(path, "rb")
        try:
            self._fh.seek(info.header_offset)
            sig, name_len, extra_len = LOCAL_HEADER.unpack(self._fh.read(LOCAL_HEADER.size))
            self._fh.seek(info.header_offset + LOCAL_HEADER.size + name_len + extra_len)
        except BaseException:
            self._fh.close()
            raise
        self._name = info.filename
        self._crc_expected = info.CRC
        self._raw_left = info.compress_size      # compressed bytes not yet read
        self._left = info.file_size              # bytes still to give, as declared
        self._inflater = _isal.decompressobj(-15)
        self._pending = b""                      # compressed bytes read but not yet inflated
        self._crc = 0

    def read(self, n: int = -1) -> bytes:
        if n == 0:
            return b""
        want = self._left if n is None or n < 0 else min(n, self._left)
        out, got = [], 0
        while got < want and not self._inflater.eof:
            if not self._pending and self._raw_left > 0:
                self._pending = self._fh.read(min(RAW_READ, self._raw_left))
                self._raw_left -= len(self._pending) or self._raw_left     # a file shorter than its directory
            chunk = self._inflater.decompress(self._pending, want - got)
            self._pending = self._inflater.unconsumed_tail
            if not chunk and not self._pending and self._raw_left <= 0 and not self._inflater.eof:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            out.append(chunk)
            got += len(chunk)
        data = b"".join(out)
        self._left -= len(data)
        self._crc = _isal.crc32(data, self._crc)
        if not data or not self._left:
            self._check_crc()
        return data

    def _check_crc(self) -> None:
        if self._crc != self._crc_expected:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")

    def close(self) -> None:
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
