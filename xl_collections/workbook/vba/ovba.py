"""MS-OVBA 2.4.1: the run-length compression of VBA source and of the project's ``dir`` stream.

:func:`decompress` reads what Excel wrote; :func:`compress` writes a container Excel,
LibreOffice and oletools read back (chunks of 4,096 bytes, copy tokens whose offset/length
split follows the chunk position, an uncompressed chunk where compression would not help).
"""
from __future__ import annotations

import struct


class CompressionError(ValueError):
    """The bytes are not an MS-OVBA compressed container."""


def _split(position: int) -> int:
    """Bits of a copy token's offset at ``position`` bytes into the decompressed chunk."""
    return max((position - 1).bit_length(), 4)


def decompress(data: bytes) -> bytes:
    """A compressed container -> the bytes it holds."""
    if not data or data[0] != 1:
        raise CompressionError("VBA stream is not compressed as MS-OVBA expects")
    out = bytearray()
    pos = 1
    while pos + 2 <= len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                nbits = _split(len(out) - start)
                length = (token & (0xFFFF >> nbits)) + 3
                offset = (token >> (16 - nbits)) + 1
                if offset > len(out) - start:
                    raise CompressionError("a copy token points before its chunk")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    """One chunk's token sequences (without the chunk header)."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos = 0
    n = len(chunk)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            nbits = _split(pos)
            max_len = (0xFFFF >> nbits) + 3
            best_len, best_off = 0, 0
            key = chunk[pos:pos + 3]
            if len(key) == 3:
                for cand in reversed(heads.get(key, ())[-48:]):
                    ln = 3
                    limit = min(max_len, n - pos)
                    while ln < limit and chunk[cand + ln] == chunk[pos + ln]:
                        ln += 1
                    if ln > best_len:
                        best_len, best_off = ln, pos - cand
                        if ln == limit:
                            break
            step = best_len if best_len >= 3 else 1
            if best_len >= 3:
                out += struct.pack("<H", ((best_off - 1) << (16 - nbits)) | (best_len - 3))
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
            for p in range(pos, pos + step):
                k = chunk[p:p + 3]
                if len(k) == 3:
                    heads.setdefault(k, []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Bytes -> an MS-OVBA compressed container."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        body = _compress_chunk(chunk)
        if len(body) <= 4096:           # header: size - 3 in bits 0-11, 0b011 in 12-14, compressed flag 15
            out += struct.pack("<H", 0xB000 | (len(body) - 1))
            out += body
        elif len(chunk) == 4096:        # incompressible: a raw chunk of exactly 4,096 bytes
            out += struct.pack("<H", 0x3FFF) + chunk
        else:
            raise CompressionError("an incompressible last chunk cannot be stored")
    return bytes(out)
