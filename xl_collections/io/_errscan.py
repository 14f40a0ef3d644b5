"""Excel error cells (``t="e"``) of one worksheet part of an .xlsx/.xlsm, by streaming its XML.

Standard library only; :func:`scan_part` is what :mod:`xl_collections.io.sources` calls,
in a thread beside python-calamine's parse of the same sheet.
"""
from __future__ import annotations

import re
import zipfile

from ..core.a1 import col_index

_CELL_TAG = re.compile(rb"<(?:\w+:)?c\s[^>]*>")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def scan_part(path, part: str) -> dict[tuple[int, int], str]:
    """``{(excel_row, col0): "#N/A", …}`` for the error cells of the worksheet ``part`` (a zip
    member name).  Streams the XML; only the neighbourhood of each hit is parsed."""
    out: dict[tuple[int, int], str] = {}
    with zipfile.ZipFile(path) as zf:
        with zf.open(part) as fh:
            tail = b""
            while True:
                chunk = fh.read(1 << 24)
                if not chunk:
                    break
                buf = tail + chunk
                cut = buf.rfind(b"</c>")
                cut = 0 if cut < 0 else cut + 4
                head, tail = buf[:cut], buf[cut:]
                if b't="e"' in head:
                    scan_errors(head, out)
            if tail and b't="e"' in tail:
                scan_errors(tail, out)
    return out


def scan_errors(buf: bytes, out: dict) -> None:
    pos = 0
    while True:
        hit = buf.find(b't="e"', pos)
        if hit < 0:
            return
        start = buf.rfind(b"<", 0, hit)
        m = _CELL_TAG.match(buf, start)
        pos = hit + 5
        if not m:
            continue
        ref = _REF.search(m.group(0))
        end = buf.find(b"</c>", m.end())
        v = _VALUE.search(buf, m.end(), end if end >= 0 else len(buf))
        if ref and v:
            out[(int(ref.group(2)), col_index(ref.group(1).decode()))] = v.group(1).decode("utf-8", "replace")
