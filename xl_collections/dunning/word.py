"""Letters and statements as .docx (python-docx), for editing before sending: the same
context (:mod:`.documents`) as the PDF, laid out as an A4 Word document."""
from __future__ import annotations

import copy
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt


def _new() -> Document:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2)
    sec.top_margin = sec.bottom_margin = Cm(1.8)
    style = doc.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(9.5)
    return doc


def _para(doc, text: str = "", *, bold: bool = False, size: float | None = None, align=None, lines=()) -> None:
    p = doc.add_paragraph()
    if text:
        r = p.add_run(text)
        r.bold = bold
        if size:
            r.font.size = Pt(size)
    for i, line in enumerate(lines):
        if i or text:
            p.add_run().add_break()
        p.add_run(line)
    if align is not None:
        p.alignment = align


def _header(doc, ctx: dict) -> None:
    comp, cust, t = ctx["company"], ctx["customer"], ctx["t"]
    _para(doc, comp["name"], bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, lines=comp["address"])
    _para(doc, f"{t['labels']['customer_no']}: {cust['id']}", align=WD_ALIGN_PARAGRAPH.RIGHT,
          lines=[f"{t['labels']['date']}: {ctx['date']}"])
    _para(doc, cust["name"], bold=True, lines=cust["address"])


def _table(doc, header: list[str], rows: list[list[str]], numeric: set[int], *, bold_rows: bool = False,
           widths: tuple[float, ...] = ()) -> None:
    """A table with a header row; the first data row is laid out with python-docx and every
    further row is a copy of its XML with the texts replaced (python-docx's add_row per cell is
    slow for statements of hundreds of items)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light List"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER

    def fill(cells, values, bold):
        for j, v in enumerate(values):
            para = cells[j].paragraphs[0]
            run = para.add_run(str(v))
            run.font.size = Pt(8.5)
            run.bold = bold
            if j in numeric:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    fill(table.rows[0].cells, header, True)
    if widths:                      # cm per column (the first, document numbers, wider than an even split)
        table.autofit = False
        for j, w in enumerate(widths[:len(header)]):
            table.rows[0].cells[j].width = Cm(w)
    if not rows:
        return
    model_row = table.add_row()
    fill(model_row.cells, ["x"] * len(header), bold_rows)    # every cell gets one run with one w:t
    for j, w in enumerate(widths[:len(header)]):
        model_row.cells[j].width = Cm(w)
    model = model_row._tr
    for values in rows:
        tr = copy.deepcopy(model)
        for t, v in zip(tr.iter(qn("w:t")), values):
            t.text = str(v)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        table._tbl.append(tr)
    table._tbl.remove(model)


def _remit(doc, ctx: dict, heading: str) -> None:
    if ctx["company"]["remit_to"]:
        _para(doc, heading, bold=True)
        _para(doc, lines=ctx["company"]["remit_to"])


def letter_docx(ctx: dict, path: Path) -> Path:
    """A dunning letter (context from :func:`.documents.letter_contexts`) as ``path``."""
    t, lab = ctx["t"], ctx["t"]["labels"]
    doc = _new()
    _header(doc, ctx)
    _para(doc, ctx["subject"], bold=True, size=14)
    _para(doc, f"{lab['level']} {ctx['level']}", size=8)
    _para(doc, ctx["greeting"])
    _para(doc, ctx["intro"])
    interest = ctx["show_interest"]
    head = [lab["document"], lab["type"], lab["document_date"], lab["due_date"], lab["days"], lab["currency"],
            lab["open"]] + ([lab["interest"]] if interest else [])
    rows = [[i["document_no"], i["type"], i["document_date"], i["due_date"], str(i["days"]), i["currency"], i["open"]]
            + ([i["interest"]] if interest else []) for i in ctx["items"]]
    _table(doc, head, rows, {4, 6, 7}, widths=(2.9, 1.9, 2.1, 2.1, 1.6, 1.5, 2.5, 2.0) if interest
           else (3.1, 2.2, 2.3, 2.3, 1.8, 1.6, 2.9))
    _para(doc, lab["total_due"], bold=True)
    head = [lab["currency"], lab["overdue"]] + ([lab["interest"]] if interest else []) + [lab["fee"], lab["total_due"]]
    rows = [[s["currency"], s["overdue"]] + ([s["interest"]] if interest else []) + [s["fee"], s["total_due"]]
            for s in ctx["totals"]]
    _table(doc, head, rows, set(range(1, len(head))), bold_rows=True)
    if ctx["interest_note"]:
        _para(doc, ctx["interest_note"], size=8)
    _remit(doc, ctx, ctx["remit_heading"])
    _para(doc, ctx["paid_already"])
    _para(doc, ctx["closing"], lines=["", ctx["signature"], ctx["company"]["name"]])
    doc.core_properties.title = ctx["subject"]
    doc.save(str(path))
    return path


def statement_docx(ctx: dict, path: Path) -> Path:
    """A statement of account (context from :func:`.documents.statement_context`) as ``path``."""
    t, lab = ctx["t"], ctx["t"]["labels"]
    doc = _new()
    _header(doc, ctx)
    _para(doc, ctx["title"], bold=True, size=14)
    _para(doc, ctx["intro"])
    if ctx["items"] or ctx["credits"]:
        head = [lab["document"], lab["type"], lab["document_date"], lab["due_date"], lab["days"], lab["currency"],
                lab["open"], lab["reference"]]
        _table(doc, head, [[i["document_no"], i["type"], i["document_date"], i["due_date"], str(i["days"]),
                            i["currency"], i["open"], i["reference"]] for i in ctx["items"]], {4, 6},
               widths=(2.9, 2.1, 2.0, 2.0, 1.5, 1.5, 2.5, 2.5))
        if ctx["credits"]:
            _para(doc, t["statement"]["credits_heading"], bold=True)
            _table(doc, [lab["document"], lab["type"], lab["document_date"], lab["currency"], lab["open"], lab["reference"]],
                   [[i["document_no"], i["type"], i["document_date"], i["currency"], i["open"], i["reference"]]
                    for i in ctx["credits"]], {4})
        _para(doc, t["statement"]["aging_heading"], bold=True)
        head = [lab["currency"], *ctx["bucket_labels"], t["statement"]["total"]]
        _table(doc, head, [[a["currency"], *a["buckets"], a["total"]] for a in ctx["aging"]],
               set(range(1, len(head))), bold_rows=True)
    else:
        _para(doc, t["statement"]["none"])
    _remit(doc, ctx, t["letter"]["remit_heading"])
    doc.core_properties.title = ctx["title"]
    doc.save(str(path))
    return path
