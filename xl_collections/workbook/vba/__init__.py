"""The workbook's VBA and ribbon: the compound file (:mod:`.cfb`), MS-OVBA compression
(:mod:`.ovba`), module sources of a project (:mod:`.project`) and the ``Collections`` tab
(:mod:`.ribbon`).  :func:`with_kept_vba` puts the modules kept as text in
``workbooks/vba/*.bas`` into xlwings' Excel-made project."""
from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

from .project import VbaProjectError, module_sources, with_module_source

# the .bas files: in the repository (editable install, tests), else installed as data files
VBA_DIRS = (Path(__file__).resolve().parents[3] / "workbooks" / "vba",
            Path(sysconfig.get_path("data")) / "share" / "xl_collections" / "vba",
            Path(sys.prefix) / "share" / "xl_collections" / "vba")


def kept_modules() -> dict[str, str]:
    """Module name -> source text of every ``workbooks/vba/<Module>.bas``."""
    for folder in VBA_DIRS:
        files = sorted(folder.glob("*.bas"))
        if files:
            return {f.stem: f.read_bytes().decode("cp1252") for f in files}
    raise VbaProjectError("the workbook's VBA sources (workbooks/vba/*.bas) are not installed")


def with_kept_vba(vba: bytes) -> bytes:
    """``vba`` (a vbaProject.bin) with each kept module's source replaced by its .bas text."""
    for name, text in kept_modules().items():
        vba = with_module_source(vba, name, text)
    return vba


__all__ = ["kept_modules", "with_kept_vba", "module_sources", "VbaProjectError"]
