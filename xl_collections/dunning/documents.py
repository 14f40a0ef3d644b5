"""What a letter or a statement says, as plain text values every renderer shares (HTML → PDF,
.docx, .eml, .xlsx): amounts and dates formatted in the customer's language, labels and
paragraphs from that language's texts file (:mod:`.templates`).

A *context* is a dict: ``t`` (the language's texts), ``company`` / ``customer`` (name, id,
address lines, e-mail), ``date``, ``items`` (rows of formatted cells), ``totals`` (one row per
currency) and, for letters, ``level``, ``subject`` and the paragraphs.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pandas as pd

from ..core.money import minor_unit, to_decimal
from ..core.settings import Settings
from .policy import DunningProposal
from .statement import Statement
from .templates import Templates

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_stem(customer_id: str) -> str:
    """A customer id as a file name part (characters other than letters, digits, ``._-`` become ``_``)."""
    stem = _UNSAFE.sub("_", str(customer_id)).strip(".") or "_"
    return stem


def letter_stem(customer_id: str, level: int) -> str:
    """``<customer_id>_L<level>`` (CONTRACT §4)."""
    return f"{file_stem(customer_id)}_L{int(level)}"


def money_text(minor: int, currency: str, fmt: dict) -> str:
    """``123456`` USD -> ``1,234.56`` (English) / ``1.234,56`` (Spanish, Portuguese)."""
    d = to_decimal(int(minor), currency)
    text = f"{d:,.{minor_unit(currency)}f}"
    dec, th = fmt.get("decimal", "."), fmt.get("thousands", ",")
    return text.replace(",", "\0").replace(".", dec).replace("\0", th)


def date_text(value, fmt: dict) -> str:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return ""
    d = value.date() if hasattr(value, "date") and not isinstance(value, dt.date) else value
    if isinstance(d, dt.datetime):
        d = d.date()
    return d.strftime(fmt.get("date", "%Y-%m-%d"))


def _lines(text: object) -> list[str]:
    """Multi-line text (newlines, or ``;`` / ``|`` between parts of a one-line address) -> lines."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    parts = re.split(r"\r\n|\r|\n|\s*\|\s*|;\s*", s) if "\n" not in s else re.split(r"\r\n|\r|\n", s)
    return [p.strip() for p in parts if p.strip()]


def company(settings: Settings) -> dict:
    return {"name": settings.company_name or "", "address": _lines(settings.company_address),
            "remit_to": _lines(settings.remit_to)}


def _customer(cid: str, info: dict) -> dict:
    return {"id": cid, "name": str(info.get("customer_name") or cid), "address": _lines(info.get("address")),
            "email": str(info.get("email") or "").strip()}


def _pick(seq, level: int) -> str:
    if isinstance(seq, str):
        return seq
    return seq[min(level, len(seq)) - 1] if seq else ""


def letter_contexts(proposal: DunningProposal, settings: Settings, templates: Templates,
                    customer_ids=None) -> list[dict]:
    """One context per letter of ``proposal.to_send`` (only ``customer_ids`` when given)."""
    send = proposal.to_send
    if customer_ids is not None:
        send = send[send["customer_id"].isin(set(customer_ids))]
    items_by = dict(tuple(proposal.items.groupby("customer_id", sort=False)))
    letters_by = dict(tuple(proposal.letters.groupby("customer_id", sort=False)))
    comp = company(settings)
    rate = Decimal(settings.dunning_interest_rate or 0)
    out = []
    for row in send.itertuples(index=False):
        lang = templates.language(row.language)
        t = templates.texts(lang)
        fmt = t.get("format", {})
        level = int(row.level)
        cust = _customer(row.customer_id, row._asdict())
        date = date_text(proposal.as_of, fmt)
        fill = dict(customer_name=cust["name"], customer_id=cust["id"], level=level, date=date,
                    company_name=comp["name"], days=int(row.oldest_days))
        its = items_by[row.customer_id]
        doc_types = t.get("doc_types", {})
        items = [{"document_no": r.document_no, "type": doc_types.get(r.doc_type, r.doc_type),
                  "document_date": date_text(r.document_date, fmt), "due_date": date_text(r.due_date, fmt),
                  "days": int(r.days_past_due), "currency": r.currency,
                  "open": money_text(r.open_amount, r.currency, fmt),
                  "interest": money_text(r.interest, r.currency, fmt)} for r in its.itertuples(index=False)]
        totals = [{"currency": r.currency, "overdue": money_text(r.amount_overdue, r.currency, fmt),
                   "interest": money_text(r.interest, r.currency, fmt), "fee": money_text(r.fee, r.currency, fmt),
                   "has_fee": bool(r.fee), "total_due": money_text(r.total_due, r.currency, fmt),
                   "total_due_minor": int(r.total_due)}
                  for r in letters_by[row.customer_id].itertuples(index=False)]
        lt = t["letter"]
        rate_text = f"{(rate * 100).normalize():f} %".replace(".", fmt.get("decimal", "."))
        out.append({
            "kind": "letter", "t": t, "language": lang, "company": comp, "customer": cust, "date": date,
            "level": level, "stem": letter_stem(row.customer_id, level),
            "subject": templates.fill(_pick(lt["subject"], level), **fill),
            "greeting": templates.fill(lt["greeting"], **fill),
            "intro": templates.fill(_pick(lt["intro"], level), **fill),
            "paid_already": templates.fill(lt["paid_already"], **fill),
            "closing": templates.fill(lt["closing"], **fill), "signature": templates.fill(lt["signature"], **fill),
            "interest_note": templates.fill(lt["interest_note"], rate=rate_text, **fill) if rate else "",
            "show_interest": bool(rate), "remit_heading": templates.fill(lt["remit_heading"], **fill),
            "items": items, "totals": totals, "n_items": len(items),
            "reporting_total": int(row.reporting_total),
        })
    return out


def statement_context(st: Statement, settings: Settings, templates: Templates) -> dict:
    """The context of one statement of account."""
    lang = templates.language(st.customer.get("language"))
    t = templates.texts(lang)
    fmt = t.get("format", {})
    date = date_text(st.as_of, fmt)
    cust = _customer(st.customer_id, st.customer)
    doc_types = t.get("doc_types", {})

    def row(r):
        return {"document_no": r.document_no, "type": doc_types.get(r.doc_type, r.doc_type),
                "document_date": date_text(r.document_date, fmt), "due_date": date_text(r.due_date, fmt),
                "days": int(r.days_past_due) if r.days_past_due > 0 else "", "currency": r.currency,
                "open": money_text(r.open_amount, r.currency, fmt), "open_minor": int(r.open_amount),
                "reference": str(r.reference or r.po_number or "")}
    its = st.items
    receivable = [row(r) for r in its[its["open_amount"] > 0].itertuples(index=False)]
    credits = [row(r) for r in its[its["open_amount"] < 0].itertuples(index=False)]
    labels = [t["labels"]["not_due"] if lab == "not_due" else lab for lab in st.labels]
    aging = [{"currency": r["currency"],
              "buckets": [money_text(r[lab], r["currency"], fmt) for lab in st.labels],
              "total": money_text(r["total"], r["currency"], fmt), "total_minor": int(r["total"])}
             for r in st.aging.to_dict("records")]
    fill = dict(customer_name=cust["name"], customer_id=cust["id"], date=date, company_name=settings.company_name or "")
    return {"kind": "statement", "t": t, "language": lang, "company": company(settings), "customer": cust,
            "date": date, "stem": file_stem(st.customer_id),
            "title": templates.fill(t["statement"]["title"], **fill),
            "intro": templates.fill(t["statement"]["intro"], **fill),
            "items": receivable, "credits": credits, "bucket_labels": labels, "aging": aging}
