"""Render letters and statements to files: one renderer per format (PDF from the HTML
templates, .docx, .eml drafts with the PDF attached, .xlsx statements), all PDFs of a run in
one LibreOffice batch (:mod:`.pdf`).

Letters go to ``<out>/<customer_id>_L<level>.<ext>``, statements to ``<out>/<customer_id>.<ext>``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..core.settings import Settings
from .documents import statement_context
from .eml import letter_eml
from .pdf import PdfBatch
from .templates import Templates
from .word import letter_docx, statement_docx
from .workbook import statement_xlsx

LETTER_FORMATS = ("pdf", "docx", "eml")
STATEMENT_FORMATS = ("pdf", "docx", "xlsx")


def parse_formats(text: str | None, allowed: tuple[str, ...], default: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """``"pdf,docx"`` -> ("pdf", "docx"); blank -> ``default`` (all ``allowed``); raises ValueError."""
    if text is None or not str(text).strip():
        return default or allowed
    out = []
    for part in str(text).replace(";", ",").split(","):
        p = part.strip().lower().lstrip(".")
        if not p:
            continue
        if p not in allowed:
            raise ValueError(f"unknown format {part.strip()!r}: expected some of {', '.join(allowed)}")
        out.append(p)
    if not out:
        raise ValueError(f"no format given: expected some of {', '.join(allowed)}")
    return tuple(dict.fromkeys(out))


def render_letters(contexts: list[dict], out_dir: Path, formats, templates: Templates, *, sender: str = "",
                   pdf_engine: str | None = None) -> dict[str, list[Path]]:
    """Write every letter in every format; returns ``stem -> files``.  An ``.eml`` carries the
    PDF even when PDF is not among ``formats`` (then the PDF is not kept)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Path]] = {c["stem"]: [] for c in contexts}
    pdfs: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="xlc-letters-") as tmp:
        if "pdf" in formats or "eml" in formats:
            target = out_dir if "pdf" in formats else Path(tmp)
            pages = {c["stem"]: templates.render("letter.html.j2", **c) for c in contexts}
            batch = PdfBatch(pages, target, engine=pdf_engine)      # LibreOffice converts meanwhile
        if "docx" in formats:
            for c in contexts:
                files[c["stem"]].append(letter_docx(c, out_dir / f"{c['stem']}.docx"))
        if "pdf" in formats or "eml" in formats:
            for p in batch.wait():
                pdfs[p.stem] = p
                if "pdf" in formats:
                    files[p.stem].insert(0, p)
        for c in contexts:
            if "eml" in formats:
                body = templates.render("letter.txt.j2", **c)
                files[c["stem"]].append(letter_eml(c, body, pdfs.get(c["stem"]), out_dir / f"{c['stem']}.eml",
                                                   sender=sender))
    return files


def render_statements(stmts: list, settings: Settings, templates: Templates, out_dir: Path, formats, *,
                      pdf_engine: str | None = None) -> dict[str, list[Path]]:
    """Write every statement (:class:`~.statement.Statement`) in every format; ``stem -> files``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    contexts = [(st, statement_context(st, settings, templates)) for st in stmts]
    files: dict[str, list[Path]] = {c["stem"]: [] for _, c in contexts}
    pages = {c["stem"]: templates.render("statement.html.j2", **c) for _, c in contexts} if "pdf" in formats else {}
    batch = PdfBatch(pages, out_dir, engine=pdf_engine)     # LibreOffice converts meanwhile
    for st, c in contexts:
        if "docx" in formats:
            files[c["stem"]].append(statement_docx(c, out_dir / f"{c['stem']}.docx"))
        if "xlsx" in formats:
            files[c["stem"]].append(statement_xlsx(c, st, out_dir / f"{c['stem']}.xlsx"))
    for p in batch.wait():
        files[p.stem].insert(0, p)
    return files
