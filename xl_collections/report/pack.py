"""The management pack: the sheets a controller reads (``Dashboard``, ``Aging``, ``Commentary``,
``Recon``, ``Allowance``), in that order, as one PDF (``xl-collections report BOOK --pdf OUT``).

Headless, through LibreOffice: the workbook is copied to a temporary folder with only the pack's
sheets, in pack order (its ``workbook.xml`` is rewritten; the user's file is only read), and ``soffice --headless --convert-to pdf`` prints it with each sheet's own print set-up
(landscape, one page wide, header row repeated, the as-of date and page x of n in the footer:
:mod:`xl_collections.book.sheetxml`).  In live Excel the book prints itself (``Book.to_pdf``).
The PDF is written beside ``OUT`` and renamed over it at the end, so a failed export leaves ``OUT``
as it was.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..book import package as pk
from ..book.sheetxml import NS_MAIN

PACK_SHEETS = ("Dashboard", "Aging", "Commentary", "Recon", "Allowance")
SOFFICE_ENV = "XLC_SOFFICE"          # path of LibreOffice's soffice when it is not on PATH
TIMEOUT = 600                        # seconds LibreOffice may take


class PackError(Exception):
    """The pack cannot be made; the message says why and what to do."""


@dataclass
class Pack:
    path: Path
    sheets: list[str]       # the sheets in the PDF, in order
    missing: list[str]      # pack sheets the book does not have (yet)
    pages: int


def find_soffice() -> str | None:
    """LibreOffice's ``soffice``: ``$XLC_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    env = os.environ.get(SOFFICE_ENV)
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_pages(path: Path) -> int:
    """Pages of a PDF LibreOffice wrote (its page tree's ``/Count``; else the page objects)."""
    data = Path(path).read_bytes()
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(counts) if counts else len(re.findall(rb"/Type\s*/Page\b", data))


def pack_copy(src: Path, dst: Path, sheets: tuple[str, ...] = PACK_SHEETS) -> tuple[list[str], list[str]]:
    """Write ``dst``: ``src`` with only ``sheets``, in that order (the other sheets are left out of
    the copy's ``workbook.xml``, their sheet-scoped names dropped and the others renumbered; the
    calculation chain goes: nothing is recalculated).  Returns (sheets in the copy, missing)."""
    with zipfile.ZipFile(src) as z:
        rels = pk.parse_rels(z.read("_rels/.rels"))
        wb = next((r for r in rels if r.get("Type", "").endswith("/officeDocument")), None)
        if wb is None:
            raise PackError(f"{src.name}: not an Excel workbook")
        wb_part = pk.resolve("", wb["Target"])
        wb_rels_part = pk.rels_path(wb_part)
        root = etree.fromstring(z.read(wb_part))
        q = lambda tag: f"{{{NS_MAIN}}}{tag}"  # noqa: E731
        holder = root.find(q("sheets"))
        old = list(holder)
        by_name = {el.get("name").lower(): el for el in old}
        found = [by_name[s.lower()].get("name") for s in sheets if s.lower() in by_name]
        missing = [s for s in sheets if s.lower() not in by_name]
        if not found:
            raise PackError(f"{src.name} has none of the pack's sheets ({', '.join(sheets)}): run the close first "
                            f"(xl-collections close {src.name})")
        keep = [by_name[n.lower()] for n in found]
        for el in old:
            holder.remove(el)
        for el in keep:
            el.attrib.pop("state", None)
            holder.append(el)
        renumber = {old.index(el): i for i, el in enumerate(keep)}
        for d in list(root.iter(q("definedName"))):
            local = d.get("localSheetId")
            if local is None:
                continue
            if int(local) in renumber:
                d.set("localSheetId", str(renumber[int(local)]))
            else:
                d.getparent().remove(d)
        for view in root.iter(q("workbookView")):
            view.set("activeTab", "0")
            view.set("firstSheet", "0")
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        wb_rels = pk.parse_rels(z.read(wb_rels_part))
        chain = {r["Id"] for r in wb_rels if r.get("Type") == pk.RT_CALCCHAIN}
        rels_xml = pk.remove_rels(z.read(wb_rels_part), chain) if chain else None
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
            for info in z.infolist():
                if info.filename == wb_part:
                    out.writestr(info, xml)
                elif info.filename == wb_rels_part and rels_xml is not None:
                    out.writestr(info, rels_xml)
                else:
                    out.writestr(info, z.read(info.filename))
    return found, missing


def export_pdf(book: str | os.PathLike, pdf: str | os.PathLike, *, sheets: tuple[str, ...] = PACK_SHEETS,
               soffice: str | None = None, timeout: float = TIMEOUT) -> Pack:
    """The management pack of ``book`` as the PDF ``pdf`` (module doc); raises :class:`PackError`."""
    src, out = Path(book), Path(pdf)
    if not src.exists():
        raise PackError(f"{src}: no such workbook")
    if out.suffix.lower() != ".pdf":
        raise PackError(f"{out}: the pack is written as a .pdf file")
    exe = soffice or find_soffice()
    if not exe:
        raise PackError("LibreOffice is needed to print the pack without Excel, and its 'soffice' was not found: "
                        "install LibreOffice (https://www.libreoffice.org) or set XLC_SOFFICE to its soffice program; "
                        "in Excel, use the Report button of the Collections tab instead")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlc-pack-") as tmp:
        t = Path(tmp)
        copy = t / ("pack" + src.suffix.lower())
        found, missing = pack_copy(src, copy, sheets)
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation={(t / 'profile').as_uri()}",
               "--convert-to", "pdf", "--outdir", str(t), str(copy)]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PackError(f"LibreOffice did not finish the pack within {timeout:.0f} s; nothing was written") from None
        except OSError as e:
            raise PackError(f"LibreOffice could not be started ({exe}: {e.strerror or e}); nothing was written") from None
        made = copy.with_suffix(".pdf")
        if run.returncode != 0 or not made.exists():
            why = (run.stderr or run.stdout or "").strip().splitlines()
            raise PackError(f"LibreOffice could not print {src.name}" + (f": {why[-1]}" if why else "")
                            + "; nothing was written")
        tmp_out = out.with_name(f".{out.name}.xlc-tmp")
        shutil.copyfile(made, tmp_out)
        os.replace(tmp_out, out)
    return Pack(out, found, missing, pdf_pages(out))
