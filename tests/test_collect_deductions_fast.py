"""The deduction checks look up only the document keys the deductions quote (every document's
key computed at once): the findings are those of keying every document one by one, as the
checks did before, for invoices quoted in any spelling, duplicates, other customers' numbers,
cleared invoices and no reference at all."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.ar.aging import age
from xl_collections.collect import disputes as dmod
from xl_collections.collect.disputes import PROMOTION_REF, _invoice, deduction_checks, dispute_cases
from xl_collections.core.docno import normalise_document_no
from xl_collections.core.money import format_amount
from xl_collections.io.validate import canonical

OCT31 = dt.date(2026, 10, 31)
HEAD = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "open_amount", "status",
        "reason_code", "reference"]


def checks_keying_every_document(cases, detail, *, cleared=None, currency="USD"):
    """``deduction_checks`` as it was: a record and a key for every document."""
    docs = detail[detail["doc_type"].isin(["INV", "DM"])][["customer_id", "document_no", "amount", "currency"]
                                                           + (["tax_amount"] if "tax_amount" in detail else [])]
    if cleared is not None and len(cleared):
        cl = cleared[["customer_id", "document_no", "amount"] + (["currency"] if "currency" in cleared else [])]
        docs = pd.concat([docs, cl[~cl["document_no"].isin(set(docs["document_no"]))]], ignore_index=True)
    by_key = {}
    for r in docs.to_dict("records"):
        by_key.setdefault((r["customer_id"], normalise_document_no(str(r["document_no"]))), r)
    ded = {r["document_no"]: r for r in detail[detail["doc_type"] == "DED"].to_dict("records")}
    checks, details, seen = [], [], {}
    for c in cases.itertuples(index=False):
        if c.kind != "DEDUCTION":
            checks.append("")
            details.append("")
            continue
        item = ded[c.document_no]
        ref_text = " ".join(str(item.get(k) or "") for k in ("reference", "po_number"))
        invoice, quoted = _invoice(c.customer_id, ref_text, by_key)
        found, words = [], []
        if not c.reason_code:
            found.append("NO_REASON")
            words.append("no reason code")
        if not quoted:
            found.append("NO_INVOICE")
            words.append("quotes no invoice number")
        elif invoice is not None:
            if int(item["open_amount"]) > int(invoice["amount"]) and item["currency"] == invoice.get("currency", item["currency"]):
                found.append("OVER_INVOICE")
                words.append(f"more than invoice {invoice['document_no']} "
                             f"({format_amount(int(invoice['amount']), item['currency'])})")
            tax = invoice.get("tax_amount")
            if c.reason_code == "TAX" and tax is not None and not pd.isna(tax) and int(tax) != int(item["open_amount"]):
                found.append("TAX_MISMATCH")
                words.append(f"invoice {invoice['document_no']} carries tax {format_amount(int(tax), item['currency'])}")
        if c.reason_code == "PROMO" and not PROMOTION_REF.search(ref_text):
            found.append("PROMO_NO_REFERENCE")
            words.append("no promotion or deal number quoted")
        key = (c.customer_id, c.reason_code, int(item["open_amount"]), invoice["document_no"] if invoice else ref_text)
        if key in seen:
            found.append("DUPLICATE")
            words.append(f"same reason, amount and invoice as {seen[key]}")
        else:
            seen[key] = c.document_no
        checks.append(",".join(found))
        details.append("; ".join(words))
    return pd.DataFrame({"check": checks, "check_detail": details}, index=cases.index)


refs = st.sampled_from(["INV-0007", "inv 7", "INV7 promo 2026-118", "#00012", "12", "no invoice", "", "INV-9",
                        "RE: 0003 and 4", "PO 55/2026", "cm-0042", "deal 7"])
deduction = st.tuples(st.sampled_from(["C1", "C2", "C3"]), st.integers(1, 90_000),
                      st.sampled_from(["PROMO", "PRICING", "TAX", ""]), refs)
invoice = st.tuples(st.sampled_from(["C1", "C2", "C3"]), st.sampled_from(["INV7", "INV-0007", "0012", "INV9", "3", "4",
                                                                          "CM42", "55"]),
                    st.integers(1, 90_000))


@settings(max_examples=120, deadline=None)
@given(st.lists(invoice, max_size=8), st.lists(deduction, max_size=8), st.lists(invoice, max_size=4))
def test_findings_are_those_of_keying_every_document(invoices, deductions, cleared_rows):
    rows, seen_docs = [], set()
    for cid, doc, cents in invoices:
        if doc in seen_docs:
            continue
        seen_docs.add(doc)
        rows.append([cid, doc, "INV", "2026-09-01", "2026-10-01", f"{cents / 100:.2f}", "OPEN", "", ""])
    for i, (cid, cents, reason, ref) in enumerate(deductions):
        rows.append([cid, f"D{i}", "DED", "2026-10-01", "2026-10-01", f"{cents / 100:.2f}", "OPEN", reason, ref])
    if not rows:
        return
    items = canonical(pd.DataFrame(rows, columns=HEAD), "open_items")
    detail = age(items, OCT31, basis="due").detail
    cases = dispute_cases(detail, None, as_of=OCT31)
    cleared = None
    if cleared_rows:
        cleared = pd.DataFrame({"customer_id": [c for c, _, _ in cleared_rows],
                                "document_no": [f"{d}X" if d in seen_docs else d for _, d, _ in cleared_rows],
                                "amount": [a for _, _, a in cleared_rows], "currency": "USD"})
    got = deduction_checks(cases, detail, cleared=cleared)
    want = checks_keying_every_document(cases, detail, cleared=cleared)
    pd.testing.assert_series_equal(got["check"], want["check"])
    pd.testing.assert_series_equal(got["check_detail"], want["check_detail"])
    assert dmod._documents_by_key(detail.iloc[:0], {("C1", "7")}) == {}


@settings(max_examples=60, deadline=None)
@given(st.lists(invoice, min_size=1, max_size=6), st.lists(deduction, min_size=1, max_size=6),
       st.lists(invoice, min_size=1, max_size=5), st.sampled_from([object, "string[pyarrow]", "str"]))
def test_cleared_documents_also_open_are_taken_from_the_open_items(invoices, deductions, cleared_rows, text):
    """A cleared document whose number is also an open item's is left out (the open item is the
    invoice), whatever the text columns' dtype."""
    rows, seen_docs = [], set()
    for cid, doc, cents in invoices:
        if doc not in seen_docs:
            seen_docs.add(doc)
            rows.append([cid, doc, "INV", "2026-09-01", "2026-10-01", f"{cents / 100:.2f}", "OPEN", "", ""])
    for i, (cid, cents, reason, ref) in enumerate(deductions):
        rows.append([cid, f"D{i}", "DED", "2026-10-01", "2026-10-01", f"{cents / 100:.2f}", "OPEN", reason, ref])
    detail = age(canonical(pd.DataFrame(rows, columns=HEAD), "open_items"), OCT31, basis="due").detail
    cases = dispute_cases(detail, None, as_of=OCT31)
    cleared = pd.DataFrame({"customer_id": pd.Series([c for c, _, _ in cleared_rows], dtype=text),
                            "document_no": pd.Series([d for _, d, _ in cleared_rows], dtype=text),
                            "amount": [a for _, _, a in cleared_rows], "currency": "USD"})
    got = deduction_checks(cases, detail, cleared=cleared)
    want = checks_keying_every_document(cases, detail, cleared=cleared.astype(object))
    pd.testing.assert_series_equal(got["check"], want["check"])
    pd.testing.assert_series_equal(got["check_detail"], want["check_detail"])
