"""The OPC package (zip) of a workbook: read parts, copy untouched parts raw, write new ones.

Untouched parts are copied as their original compressed bytes (same CRC, same method, same
timestamp), so they are byte-for-byte what they were.  New parts are deflated from a stream
of byte chunks, so a 100 MB sheet never sits in memory whole.
"""
from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

from ..io.inflate import open_member

try:        # ISA-L's deflate: the same format at about four times zlib's speed at level 1
    from isal import isal_zlib as _fast_zlib
except ImportError:          # not installed: zlib does it all
    _fast_zlib = None

_FAST_INFLATE_FROM = 1 << 20     # bytes: smaller parts are read by zipfile

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT_WORKSHEET = REL + "/worksheet"
RT_TABLE = REL + "/table"
RT_DRAWING = REL + "/drawing"
RT_CHART = REL + "/chart"
RT_CALCCHAIN = REL + "/calcChain"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def rels_path(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def resolve(source_part: str, target: str) -> str:
    """Part name of a relationship target (relative to the source part's folder)."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


def parse_rels(xml: bytes | None) -> list[dict]:
    """Relationships as dicts with Id, Type, Target (and TargetMode)."""
    if not xml:
        return []
    out = []
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>", xml):
        attrs = dict((k.decode(), _unescape(v.decode())) for k, v in re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        out.append(attrs)
    return out


def rels_xml(rels: list[dict]) -> bytes:
    items = "".join("<Relationship" + "".join(f" {k}={quoteattr(v)}" for k, v in r.items()) + "/>" for r in rels)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL}">{items}</Relationships>').encode()


def add_rels(xml: bytes | None, new: list[dict]) -> bytes:
    """Append relationships to an existing .rels part as text (others keep their bytes)."""
    if not xml:
        return rels_xml(new)
    items = "".join("<Relationship" + "".join(f" {k}={quoteattr(v)}" for k, v in r.items()) + "/>" for r in new)
    m = re.search(rb"<(\w+:)?Relationships\b[^>]*?/>", xml)
    if m:   # empty <Relationships/>
        head = xml[:m.end() - 2] + b">"
        return head + items.encode() + b"</Relationships>" + xml[m.end():]
    i = xml.rindex(b"</")
    return xml[:i] + items.encode() + xml[i:]


def remove_rels(xml: bytes, ids: set[str]) -> bytes:
    def drop(m):
        rid = re.search(rb'\bId="([^"]*)"', m.group(0))
        return b"" if rid and rid.group(1).decode() in ids else m.group(0)
    return re.sub(rb"<(?:\w+:)?Relationship\b[^>]*?(?:/>|>\s*</(?:\w+:)?Relationship>)", drop, xml)


def _unescape(s: str) -> str:
    return s.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def content_types_add(xml: bytes, overrides: dict[str, str]) -> bytes:
    items = "".join(f'<Override PartName={quoteattr("/" + p)} ContentType={quoteattr(ct)}/>' for p, ct in overrides.items())
    i = xml.rindex(b"</")
    return xml[:i] + items.encode() + xml[i:]


def content_types_remove(xml: bytes, parts: set[str]) -> bytes:
    def drop(m):
        pn = re.search(rb'PartName="([^"]*)"', m.group(0))
        return b"" if pn and pn.group(1).decode().lstrip("/").lower() in {p.lower() for p in parts} else m.group(0)
    return re.sub(rb"<(?:\w+:)?Override\b[^>]*?/>", drop, xml)


class Package:
    """Read access to the original zip; remembers the raw entries for copying."""

    def __init__(self, path):
        self.path = path
        self._zf = zipfile.ZipFile(path)
        self.infos = {i.filename: i for i in self._zf.infolist()}
        self.names = [i.filename for i in self._zf.infolist()]
        self._lower = {n.lower(): n for n in self.names}

    def close(self):
        self._zf.close()

    def has(self, name: str) -> bool:
        return name.lower() in self._lower

    def read(self, name: str) -> bytes | None:
        """The part's bytes (None: no such part).  A big deflated part is inflated by ISA-L when
        it is installed (:mod:`xl_collections.io.inflate`: zipfile's checks, about half the time)."""
        real = self._lower.get(name.lower())
        if not real:
            return None
        info = self.infos[real]
        if info.file_size < _FAST_INFLATE_FROM:
            return self._zf.read(real)
        with open_member(self._zf, info) as f:
            return f.read()

    def raw(self, name: str) -> tuple[zipfile.ZipInfo, bytes]:
        """The entry's compressed bytes exactly as stored."""
        info = self.infos[name]
        with open(self.path, "rb") as f:
            f.seek(info.header_offset)
            head = f.read(30)
            if head[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for {name}")
            n, m = struct.unpack("<HH", head[26:30])
            f.seek(info.header_offset + 30 + n + m)
            return info, f.read(info.compress_size)


def _deflate_to(f, chunks: Iterable[bytes], level: int) -> tuple[int, int, int]:
    """Deflate (raw, ``level``) the byte chunks into ``f``; returns (crc32, size, compressed size).
    Level 1 (the big sheets) goes through ISA-L when it is installed: other bytes, the same
    content, a quarter of the time (and a slightly smaller file).

    When the chunks come from a generator (a part rendered as it is written), zlib (which
    releases the GIL) runs in a second thread while the next chunk is rendered: the same calls in the same
    order, so the same bytes, but the two halves of the work overlap on two cores."""
    streamed = not isinstance(chunks, list | tuple)
    it = iter(chunks)
    first = next(it, None)
    if first is None:
        first = b""
    lib = _fast_zlib if level == 1 and _fast_zlib is not None else zlib
    comp = lib.compressobj(level, lib.DEFLATED, -15)
    state = {"crc": 0, "usize": 0, "csize": 0}

    def put(chunk):
        state["crc"] = lib.crc32(chunk, state["crc"])
        state["usize"] += len(chunk)
        out = comp.compress(chunk)
        state["csize"] += len(out)
        f.write(out)

    if not streamed:
        put(first)
        for chunk in it:
            put(chunk)
    else:
        _pipelined(put, first, it)
    out = comp.flush()
    state["csize"] += len(out)
    f.write(out)
    return state["crc"], state["usize"], state["csize"]


def _pipelined(put, first: bytes, rest) -> None:
    """``put`` every chunk, in order, in a worker thread while the producer makes the next ones
    (at most two chunks wait).  An error on either side stops both and is raised here."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=2)
    failed: list[BaseException] = []
    done = object()

    def work():
        while True:
            item = q.get()
            if item is done:
                return
            if failed:
                continue          # drain, so the producer never blocks
            try:
                put(item)
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                failed.append(e)

    t = threading.Thread(target=work, name="xlc-deflate", daemon=True)
    t.start()
    try:
        q.put(first)
        for chunk in rest:
            if failed:
                break
            q.put(chunk)
    finally:
        q.put(done)
        t.join()
    if failed:
        raise failed[0]


class ZipWriter:
    """Minimal zip writer: raw copies and streamed deflate (zip64 when needed)."""

    def __init__(self, fileobj):
        self.f = fileobj
        self.central: list[bytes] = []

    def _local(self, name: bytes, flags: int, method: int, dostime: int, dosdate: int,
               crc: int, csize: int, usize: int, zip64: bool) -> bytes:
        extra = struct.pack("<HHQQ", 1, 16, usize, csize) if zip64 else b""
        return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45 if zip64 else 20, flags, method, dostime, dosdate,
                           crc, 0xFFFFFFFF if zip64 else csize, 0xFFFFFFFF if zip64 else usize,
                           len(name), len(extra)) + name + extra

    def _central(self, name, flags, method, dostime, dosdate, crc, csize, usize, offset):
        z64 = [v for v in (usize, csize, offset) if v >= 0xFFFFFFFF]
        extra = struct.pack("<HH", 1, 8 * len(z64)) + b"".join(struct.pack("<Q", v) for v in z64) if z64 else b""
        self.central.append(struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45 if z64 else 20, flags, method, dostime, dosdate, crc,
            min(csize, 0xFFFFFFFF), min(usize, 0xFFFFFFFF), len(name), len(extra), 0, 0, 0, 0,
            min(offset, 0xFFFFFFFF)) + name + extra)

    @staticmethod
    def _dos(date_time) -> tuple[int, int]:
        y, mo, d, h, mi, s = date_time
        return (h << 11) | (mi << 5) | (s // 2), ((max(y, 1980) - 1980) << 9) | (mo << 5) | d

    def copy_raw(self, info: zipfile.ZipInfo, data: bytes) -> None:
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        flags = info.flag_bits & ~0x08 & 0xFFFF          # sizes are known: no data descriptor
        dostime, dosdate = self._dos(info.date_time)
        offset = self.f.tell()
        z64 = info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF
        self.f.write(self._local(name, flags, info.compress_type, dostime, dosdate, info.CRC,
                                 info.compress_size, info.file_size, z64))
        self.f.write(data)
        self._central(name, flags, info.compress_type, dostime, dosdate, info.CRC, info.compress_size,
                      info.file_size, offset)

    def write(self, name: str, chunks: bytes | Iterable[bytes], date_time=(1980, 1, 1, 0, 0, 0), level: int = 6) -> None:
        if isinstance(chunks, bytes | bytearray):
            chunks = [chunks]
        bname = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        dostime, dosdate = self._dos(date_time)
        offset = self.f.tell()
        self.f.write(self._local(bname, flags, 8, dostime, dosdate, 0, 0, 0, False))  # patched below
        crc, usize, csize = _deflate_to(self.f, chunks, level)
        end = self.f.tell()
        if usize >= 0xFFFFFFFF or csize >= 0xFFFFFFFF:
            raise ValueError(f"{name}: a part of 4 GB or more is not supported")
        self.f.seek(offset)
        self.f.write(self._local(bname, flags, 8, dostime, dosdate, crc, csize, usize, False))
        self.f.seek(end)
        self._central(bname, flags, 8, dostime, dosdate, crc, csize, usize, offset)

    def copy_deflated(self, name: str, crc: int, usize: int, csize: int, copy, date_time=(1980, 1, 1, 0, 0, 0)) -> None:
        """A part whose raw deflate stream was made elsewhere (a save's second worker):
        the same entry :meth:`write` makes of it; ``copy(f)`` writes the ``csize`` bytes."""
        if usize >= 0xFFFFFFFF or csize >= 0xFFFFFFFF:
            raise ValueError(f"{name}: a part of 4 GB or more is not supported")
        bname = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        dostime, dosdate = self._dos(date_time)
        offset = self.f.tell()
        self.f.write(self._local(bname, flags, 8, dostime, dosdate, crc, csize, usize, False))
        copy(self.f)
        if self.f.tell() - offset != len(self._local(bname, flags, 8, dostime, dosdate, crc, csize, usize, False)) + csize:
            raise ValueError(f"{name}: the deflated part is not {csize} bytes")
        self._central(bname, flags, 8, dostime, dosdate, crc, csize, usize, offset)

    def close(self) -> None:
        start = self.f.tell()
        cd = b"".join(self.central)
        self.f.write(cd)
        n, size = len(self.central), len(cd)
        if n >= 0xFFFF or start >= 0xFFFFFFFF or size >= 0xFFFFFFFF:
            z64_at = self.f.tell()
            self.f.write(struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, size, start))
            self.f.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, z64_at, 1))
        self.f.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                 min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF), 0))
