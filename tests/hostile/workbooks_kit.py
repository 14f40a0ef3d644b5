"""Builders for hostile workbooks: a small valid open-items workbook, and ways to spoil it
(a part replaced, truncated, a byte flipped in the compressed data, a renamed file)."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

OPEN_ITEMS = [("customer_id", "document_no", "document_date", "due_date", "open_amount", "currency"),
              ("C1", "INV-1", "2026-09-01", "2026-10-01", 1000.0, "USD"),
              ("C2", "INV-2", "2026-10-01", "2026-10-31", 250.5, "USD")]


def valid_xlsx(path: Path, extra: dict[str, object] | None = None) -> Path:
    """An .xlsx with one sheet ``Open Items`` the aging command accepts; ``extra`` puts more
    values in cells (``{"XFD1048576": "x"}``)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open Items"
    for row in OPEN_ITEMS:
        ws.append(row)
    for ref, v in (extra or {}).items():
        ws[ref] = v
    wb.save(path)
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, *, level: int = 6,
          declared: dict[str, int] | None = None) -> Path:
    """``src``'s parts into ``dst`` with some replaced (or added); ``declared`` lies about a
    part's uncompressed size in the headers."""
    content = parts(src)
    content.update(replace or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in content.items():
            z.writestr(name, data)
    data = buf.getvalue()
    for name, size in (declared or {}).items():
        data = _patch_size(data, name, size)
    dst.write_bytes(data)
    return dst


def _patch_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local header and central directory."""
    raw = bytearray(data)
    enc = name.encode()
    i = 0
    while (i := raw.find(b"PK\x03\x04", i)) >= 0:
        n = struct.unpack_from("<H", raw, i + 26)[0]
        if bytes(raw[i + 30:i + 30 + n]) == enc:
            struct.pack_into("<I", raw, i + 22, size)
        i += 4
    i = 0
    while (i := raw.find(b"PK\x01\x02", i)) >= 0:
        n = struct.unpack_from("<H", raw, i + 28)[0]
        if bytes(raw[i + 46:i + 46 + n]) == enc:
            struct.pack_into("<I", raw, i + 24, size)
        i += 4
    return bytes(raw)


def flip_in_part(src: Path, dst: Path, name: str) -> Path:
    """Flip one byte inside ``name``'s compressed data (the CRC no longer matches)."""
    raw = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(name)
    off = info.header_offset
    n, m = struct.unpack_from("<HH", raw, off + 26)
    start = off + 30 + n + m
    raw[start + info.compress_size // 2] ^= 0x55
    dst.write_bytes(bytes(raw))
    return dst


def stored_sheet_bomb(src: Path, dst: Path, megabytes: int) -> Path:
    """A sheet part padded with ``megabytes`` MB of spaces (compresses about 1000 to 1)."""
    sheet = parts(src)["xl/worksheets/sheet1.xml"]
    pad = b" " * (megabytes * 2**20)
    bomb = sheet.replace(b"<sheetData>", b"<sheetData>" + pad, 1)
    return rezip(src, dst, {"xl/worksheets/sheet1.xml": bomb}, level=9)


def with_dtd(xml: bytes, decl: bytes) -> bytes:
    """``xml`` with ``decl`` (a DOCTYPE) after its XML declaration."""
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + decl + xml[end:]
    return decl + xml


XXE = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
PLAIN_DTD = b'<!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd">'


def deflate_ratio(data: bytes) -> float:
    return len(data) / max(len(zlib.compress(data, 9)), 1)
