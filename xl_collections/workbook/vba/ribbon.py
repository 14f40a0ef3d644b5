"""The ``Collections`` ribbon tab (CONTRACT §3): ``customUI/customUI14.xml`` and its place in
the workbook package.

Each button is a :class:`RibbonButton` declared once (id, group, label, screentip, icon);
:func:`customui_xml` writes the tab from the declarations and :func:`add_to_package` puts the
part and its relationship into a saved ``.xlsm``.  Every button's ``onAction`` is the one VBA
callback :data:`CALLBACK` (``workbooks/vba/Module1.bas``), which hands ``control.Id`` to
``xl_collections.macros.ribbon``.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ...book import package

NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
PART = "customUI/customUI14.xml"
# Office 2010+ ribbon parts hang off the package with this relationship (2006/… is the 2007 part's)
RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
TAB_ID, TAB_LABEL = "xlcCollections", "Collections"
CALLBACK = "XlcRibbon"
GROUPS = (("xlcMonthEnd", "Month-end"), ("xlcCash", "Cash"), ("xlcReceivables", "Receivables"),
          ("xlcCredit", "Credit"), ("xlcCollect", "Collections"), ("xlcReserve", "Reserve"),
          ("xlcReport", "Report"))


@dataclass(frozen=True)
class RibbonButton:
    """One button of the tab: ``id`` (``xlc_<step>``), its ``group`` (an id of :data:`GROUPS`),
    ``label``, ``screentip`` (what it does, one sentence), ``image`` (an ``imageMso`` name) and
    ``large`` for the big button."""
    id: str
    group: str
    label: str
    screentip: str
    image: str
    large: bool = False


def customui_xml(buttons: list[RibbonButton] | tuple[RibbonButton, ...]) -> str:
    """The ``customUI14.xml`` text: one tab, the groups in :data:`GROUPS` order (empty ones left
    out), each group's buttons in the order given."""
    known = {g for g, _ in GROUPS}
    stray = [b.id for b in buttons if b.group not in known]
    if stray:
        raise ValueError(f"ribbon buttons in no known group: {', '.join(stray)}")
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
             f'<customUI xmlns="{NAMESPACE}">', "  <ribbon>", "    <tabs>",
             f"      <tab id={quoteattr(TAB_ID)} label={quoteattr(TAB_LABEL)}>"]
    for gid, glabel in GROUPS:
        members = [b for b in buttons if b.group == gid]
        if not members:
            continue
        lines.append(f"        <group id={quoteattr(gid)} label={quoteattr(glabel)}>")
        for b in members:
            size = ' size="large"' if b.large else ""
            lines.append(f"          <button id={quoteattr(b.id)} label={quoteattr(b.label)}{size} "
                         f"imageMso={quoteattr(b.image)} screentip={quoteattr(b.label)} "
                         f"supertip={quoteattr(b.screentip)} onAction={quoteattr(CALLBACK)}/>")
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


def _rels_with_ribbon(rels: bytes) -> bytes:
    """The package's ``_rels/.rels`` with the ribbon relationship (added once)."""
    if any(r.get("Type") == RELATIONSHIP and r.get("Target") == PART for r in package.parse_rels(rels)):
        return rels
    return package.add_rels(rels, [{"Id": "rIdXlcRibbon", "Type": RELATIONSHIP, "Target": PART}])


def add_to_package(path: str | Path, xml: str, edit: dict[str, Callable[[bytes], bytes]] | None = None) -> None:
    """Write the ribbon part into the saved workbook at ``path`` (rewritten through a temporary
    file beside it; every other part copied unchanged, in its order, but the parts ``edit``
    names, which are passed through its function)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".~xlc-", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "wb") as out_file, zipfile.ZipFile(path) as src, \
                zipfile.ZipFile(out_file, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename == PART:
                    continue
                data = src.read(info.filename)
                if info.filename == "_rels/.rels":
                    data = _rels_with_ribbon(data)
                if edit and info.filename in edit:
                    data = edit[info.filename](data)
                dst.writestr(info, data)
            ri = zipfile.ZipInfo(PART, date_time=src.infolist()[0].date_time)
            ri.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(ri, xml.encode("utf-8"))
        shutil.move(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)

