"""A statement of account as an .xlsx workbook (XlsxWriter): the customer's open items with
amounts as numbers in the currency's format, then the aging per currency.  Text from the data
is written as text (never a formula)."""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ..core.money import minor_unit, to_float


def statement_xlsx(ctx: dict, st, path: Path) -> Path:
    """Write ``st`` (a :class:`~.statement.Statement`) with the words of ``ctx``."""
    t, lab = ctx["t"], ctx["t"]["labels"]
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "in_memory": True})
    ws = wb.add_worksheet(t["statement"]["title"][:31])
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = {}

    def mfmt(cur: str, total: bool = False):
        key = (cur, total)
        if key not in money:
            places = minor_unit(cur)
            num = "#,##0" + ("." + "0" * places if places else "")
            money[key] = wb.add_format({"num_format": f"{num};-{num}", "bold": total})
        return money[key]

    comp, cust = ctx["company"], ctx["customer"]
    ws.write_string(0, 0, ctx["title"], title)
    ws.write_string(1, 0, comp["name"], bold)
    ws.write_string(2, 0, f"{cust['name']}  ({lab['customer_no']} {cust['id']})")
    ws.write_string(3, 0, f"{lab['date']}: {ctx['date']}")
    r = 5
    cols = [lab["document"], lab["type"], lab["document_date"], lab["due_date"], lab["days"], lab["currency"],
            lab["open"], lab["reference"]]
    for j, h in enumerate(cols):
        ws.write_string(r, j, h, head)
    doc_types = t.get("doc_types", {})
    first = r + 1
    for it in st.items.itertuples(index=False):
        r += 1
        ws.write_string(r, 0, str(it.document_no))
        ws.write_string(r, 1, doc_types.get(it.doc_type, it.doc_type))
        for j, d in ((2, it.document_date), (3, it.due_date)):
            if d is not None and d == d:
                ws.write_datetime(r, j, d.to_pydatetime(), date_fmt)
        if it.days_past_due > 0:
            ws.write_number(r, 4, int(it.days_past_due))
        ws.write_string(r, 5, it.currency)
        ws.write_number(r, 6, to_float(int(it.open_amount), it.currency), mfmt(it.currency))
        ws.write_string(r, 7, str(it.reference or it.po_number or ""))
    if r >= first:
        ws.autofilter(first - 1, 0, r, len(cols) - 1)
    r += 2
    ws.write_string(r, 0, t["statement"]["aging_heading"], bold)
    r += 1
    labels = [lab["not_due"] if x == "not_due" else x for x in st.labels]
    for j, h in enumerate([lab["currency"], *labels, t["statement"]["total"]]):
        ws.write_string(r, j, h, head)
    for a in st.aging.to_dict("records"):
        r += 1
        ws.write_string(r, 0, a["currency"], bold)
        for j, x in enumerate([*st.labels, "total"], start=1):
            ws.write_number(r, j, to_float(int(a[x]), a["currency"]), mfmt(a["currency"], x == "total"))
    if comp["remit_to"]:
        r += 2
        ws.write_string(r, 0, t["letter"]["remit_heading"], bold)
        for line in comp["remit_to"]:
            r += 1
            ws.write_string(r, 0, line)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 3, 12)
    ws.set_column(4, 5, 10)
    ws.set_column(6, 6, 15)
    ws.set_column(7, 7, 24)
    ws.freeze_panes(first, 0)
    wb.close()
    return path
