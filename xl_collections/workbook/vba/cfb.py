"""Compound File Binary (MS-CFB), version 3: read every stream, write the file anew.

``xl/vbaProject.bin`` is such a file.  :func:`read` returns a :class:`CompoundFile` that
keeps every directory entry exactly as it was written (names, CLSIDs, state bits, times,
the red-black tree's links) and the bytes of every stream; :func:`write` lays the same
entries out again with any stream's new content — a stream may grow or shrink, which
``olefile`` cannot do.  Only the sector positions (start sector, size) of the entries and
the allocation tables change.  512-byte sectors (version 3), streams under 4,096 bytes in
the mini stream, as Excel writes them.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREESECT, ENDOFCHAIN, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
_HEADER_DIFAT = 109


class CompoundFileError(ValueError):
    """The bytes are not a compound file this module can read."""


@dataclass
class Entry:
    """One directory entry: ``raw`` is its 128 bytes as read (start and size are rewritten
    on :func:`write`)."""
    index: int
    name: str
    kind: int
    left: int
    right: int
    child: int
    raw: bytes


@dataclass
class CompoundFile:
    """Directory entries in their order and each stream's content by entry index."""
    entries: list[Entry]
    data: dict[int, bytes] = field(default_factory=dict)

    def paths(self) -> dict[str, int]:
        """``"VBA/dir"`` -> entry index, for every stream."""
        out: dict[str, int] = {}

        def walk(idx: int, prefix: str, seen: set[int]) -> None:
            if idx == NOSTREAM or idx >= len(self.entries) or idx in seen:
                return
            seen.add(idx)
            e = self.entries[idx]
            walk(e.left, prefix, seen)
            walk(e.right, prefix, seen)
            if e.kind == STORAGE:
                walk(e.child, prefix + e.name + "/", seen)
            elif e.kind == STREAM:
                out[prefix + e.name] = idx

        walk(self.entries[0].child, "", set())
        return out

    def stream(self, path: str) -> bytes:
        return self.data[self.paths()[path]]

    def replace(self, path: str, content: bytes) -> None:
        """Give the stream at ``path`` a new content (any length)."""
        self.data[self.paths()[path]] = bytes(content)


def read(blob: bytes) -> CompoundFile:
    """Parse a compound file (version 3 or 4 sectors are read; :func:`write` writes 3)."""
    if len(blob) < 512 or blob[:8] != SIGNATURE:
        raise CompoundFileError("not an OLE compound file")
    ssz = 1 << struct.unpack_from("<H", blob, 30)[0]
    msz = 1 << struct.unpack_from("<H", blob, 32)[0]
    n_fat, dir_start, _, cutoff, mfat_start, n_mfat, difat_start, n_difat = struct.unpack_from("<IIIIIIII", blob, 44)
    base = max(ssz, 512)

    def sector(i: int) -> bytes:
        off = base + i * ssz
        if off + ssz > len(blob):
            raise CompoundFileError(f"sector {i} lies beyond the end of the file")
        return blob[off:off + ssz]

    difat = list(struct.unpack_from(f"<{_HEADER_DIFAT}I", blob, 76))
    d = difat_start
    for _ in range(n_difat):
        s = sector(d)
        difat += struct.unpack_from(f"<{ssz // 4 - 1}I", s)
        d = struct.unpack_from("<I", s, ssz - 4)[0]
    fat: list[int] = []
    for f in difat[:n_fat]:
        fat += struct.unpack(f"<{ssz // 4}I", sector(f))

    def chain(start: int, table: list[int]) -> list[int]:
        out, i = [], start
        while i < len(table) and i not in (ENDOFCHAIN, FREESECT):
            if len(out) > len(table):
                raise CompoundFileError("a sector chain loops")
            out.append(i)
            i = table[i]
        return out

    def read_chain(start: int) -> bytes:
        return b"".join(sector(i) for i in chain(start, fat))

    dirs = read_chain(dir_start)
    entries = []
    for k in range(len(dirs) // 128):
        raw = dirs[k * 128:(k + 1) * 128]
        nlen = struct.unpack_from("<H", raw, 64)[0]
        name = raw[:max(min(nlen, 64) - 2, 0)].decode("utf-16-le", "replace")
        left, right, child = struct.unpack_from("<III", raw, 68)
        entries.append(Entry(k, name, raw[66], left, right, child, raw))
    if not entries or entries[0].kind != ROOT:
        raise CompoundFileError("the compound file has no root entry")
    root_start, _ = struct.unpack_from("<IQ", entries[0].raw, 116)
    ministream = read_chain(root_start)
    minifat: list[int] = []
    if n_mfat:
        mf = read_chain(mfat_start)
        minifat = list(struct.unpack(f"<{len(mf) // 4}I", mf))
    cf = CompoundFile(entries)
    for e in entries:
        if e.kind != STREAM:
            continue
        start, size = struct.unpack_from("<IQ", e.raw, 116)
        size &= 0xFFFFFFFF if ssz == 512 else size
        if size == 0:
            cf.data[e.index] = b""
        elif size < cutoff:
            cf.data[e.index] = b"".join(ministream[i * msz:(i + 1) * msz] for i in chain(start, minifat))[:size]
        else:
            cf.data[e.index] = read_chain(start)[:size]
    return cf


def _pad(b: bytes, unit: int) -> bytes:
    return b + b"\0" * (-len(b) % unit)


def _with_position(raw: bytes, start: int, size: int) -> bytes:
    return raw[:116] + struct.pack("<IQ", start, size) + raw[128:]


def write(cf: CompoundFile) -> bytes:
    """The compound file's bytes (version 3): the same entries, their streams laid out anew."""
    entries = [bytearray(e.raw) for e in cf.entries]
    sectors: list[bytes] = []          # regular sectors in file order
    fat: list[int] = []

    def add_chain(blob: bytes, mark: int | None = None) -> int:
        """Append ``blob`` as a chain of sectors; its first sector (ENDOFCHAIN when empty)."""
        blob = _pad(blob, SECTOR)
        n = len(blob) // SECTOR
        if n == 0:
            return ENDOFCHAIN
        first = len(sectors)
        for k in range(n):
            sectors.append(blob[k * SECTOR:(k + 1) * SECTOR])
            fat.append(mark if mark is not None else (first + k + 1 if k < n - 1 else ENDOFCHAIN))
        return first

    # big streams in their own sectors, small ones in the mini stream
    mini = bytearray()
    minifat: list[int] = []
    for e in cf.entries:
        if e.kind != STREAM:
            continue
        content = cf.data.get(e.index, b"")
        if not content:
            entries[e.index][:] = _with_position(bytes(entries[e.index]), ENDOFCHAIN, 0)
        elif len(content) < MINI_CUTOFF:
            first = len(mini) // MINI_SECTOR
            blk = _pad(content, MINI_SECTOR)
            n = len(blk) // MINI_SECTOR
            mini += blk
            minifat += [first + k + 1 if k < n - 1 else ENDOFCHAIN for k in range(n)]
            entries[e.index][:] = _with_position(bytes(entries[e.index]), first, len(content))
        else:
            entries[e.index][:] = _with_position(bytes(entries[e.index]), add_chain(content), len(content))
    mini_start = add_chain(bytes(mini))
    entries[0][:] = _with_position(bytes(entries[0]), mini_start, len(mini))
    n_mfat = -(-len(minifat) * 4 // SECTOR)
    minifat += [FREESECT] * (n_mfat * (SECTOR // 4) - len(minifat))
    mfat_start = add_chain(struct.pack(f"<{len(minifat)}I", *minifat)) if minifat else ENDOFCHAIN
    unused = bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(128 - 80)
    dir_blob = b"".join(bytes(e) for e in entries)
    dir_blob += unused * (-len(entries) % (SECTOR // 128))
    dir_start = add_chain(dir_blob)
    # the FAT covers every sector, its own included
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise CompoundFileError("compound file too large for a header-only DIFAT")
    fat_first = len(sectors)
    fat += [FATSECT] * n_fat
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    fat_blob = struct.pack(f"<{len(fat)}I", *fat)
    for k in range(n_fat):
        sectors.append(fat_blob[k * SECTOR:(k + 1) * SECTOR])
    difat = [fat_first + k for k in range(n_fat)] + [FREESECT] * (_HEADER_DIFAT - n_fat)
    header = (SIGNATURE + bytes(16) + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, MINI_CUTOFF, mfat_start, n_mfat, ENDOFCHAIN, 0)
              + struct.pack(f"<{_HEADER_DIFAT}I", *difat))
    assert len(header) == 512
    return header + b"".join(sectors)
