"""The VBA project of a workbook (``xl/vbaProject.bin``, MS-OVBA): its modules' source, and
a module's source replaced with text kept in the repo.

A module stream holds Excel's compiled cache up to the ``MODULEOFFSET`` the ``VBA/dir``
stream records, then the compressed source.  :func:`with_module_source` keeps the cache
and every other stream exactly as Excel wrote them and replaces only the compressed source
after that offset, so the ``dir`` stream never changes: LibreOffice ignored a project whose
``dir`` had been rewritten with a new offset, while it and oletools read this one back.
With the ``_VBA_PROJECT`` version ``0xFFFF`` (xlwings' projects carry it) Excel discards
the cache and compiles the project from source.  Module text is MBCS (cp1252) with CRLF.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from . import cfb, ovba

CODEPAGE = "cp1252"


class VbaProjectError(ValueError):
    """The project cannot be read or changed as asked."""


@dataclass(frozen=True)
class Module:
    name: str
    stream: str        # the stream's name under VBA/
    offset: int        # where the compressed source starts in the stream


def modules_of(project: cfb.CompoundFile) -> list[Module]:
    """The modules the ``VBA/dir`` stream declares, in its order."""
    dirs = ovba.decompress(project.stream("VBA/dir"))
    found: list[Module] = []
    pos, name, stream = 0, None, None
    while pos + 6 <= len(dirs):
        rid, size = struct.unpack_from("<HI", dirs, pos)
        pos += 6
        if rid == 0x0009:      # PROJECTVERSION: its size field says 4, its data is 6 bytes
            size = 6
        body = dirs[pos:pos + size]
        pos += size
        if rid == 0x0019:      # MODULENAME
            name = body.decode(CODEPAGE)
        elif rid == 0x001A:    # MODULESTREAMNAME
            stream = body.decode(CODEPAGE)
        elif rid == 0x0031 and name:   # MODULEOFFSET
            found.append(Module(name, stream or name, struct.unpack_from("<I", body)[0]))
            name = stream = None
    return found


def module_sources(vba: bytes) -> dict[str, str]:
    """Module name -> its VBA source text (CRLF line ends as stored)."""
    project = cfb.read(vba)
    out = {}
    for m in modules_of(project):
        raw = project.stream(f"VBA/{m.stream}")
        out[m.name] = ovba.decompress(raw[m.offset:]).decode(CODEPAGE) if len(raw) > m.offset else ""
    return out


def with_module_source(vba: bytes, name: str, source: str) -> bytes:
    """``vba`` with the source of module ``name`` replaced by ``source`` (line ends made CRLF;
    its ``Attribute VB_Name`` line must name the module).  Every other byte of every other
    stream, and the module's compiled cache, stay as they were."""
    text = source.replace("\r\n", "\n").replace("\n", "\r\n")
    first = text.split("\r\n", 1)[0].strip()
    if first != f'Attribute VB_Name = "{name}"':
        raise VbaProjectError(f"the source for module {name} must start with Attribute VB_Name = \"{name}\"")
    try:
        encoded = text.encode(CODEPAGE)
    except UnicodeEncodeError as e:
        raise VbaProjectError(f"module {name}: {e.object[e.start:e.end]!r} is not in {CODEPAGE}") from None
    project = cfb.read(vba)
    module = next((m for m in modules_of(project) if m.name == name), None)
    if module is None:
        raise VbaProjectError(f"the VBA project has no module {name}")
    path = f"VBA/{module.stream}"
    raw = project.stream(path)
    project.replace(path, raw[:module.offset] + ovba.compress(encoded))
    return cfb.write(project)
