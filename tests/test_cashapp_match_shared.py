"""XLC_MATCH reads a reference with the engine's document-number rule: for a payer the engine
cannot identify (so both look only at the amount to confirm a variant), the documents and the
confidence of XLC_MATCH are those of apply_cash's DOC_REF rule."""
import pandas as pd
import pytest

from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.match import match_reference

OPEN_ITEMS = pd.DataFrame({
    "Customer": ["C100", "C100", "C100", "C100", "C200"],
    "Invoice Number": ["INV0012345", "INV0012346", "DM0025352", "1234", "00020001"],
    "Invoice Date": ["2026-08-01", "2026-08-15", "2026-09-01", "2026-09-10", "2026-08-01"],
    "Open Amount": ["1,250.00", "300.00", "57.07", "10.00", "2,000.00"],
    "Currency": ["USD"] * 5,
})
DOCS = OPEN_ITEMS["Invoice Number"].tolist()
OPEN_MINOR = [125000, 30000, 5707, 1000, 200000]


@pytest.mark.parametrize("reference,amount", [
    ("INV0012345", 1250.00),             # exact key
    ("Payment INV 12345 thank you", 1250.00),
    ("INVOO12346", 300.00),              # OCR-style O for 0, the amount confirms
    ("INV0012354", 1250.00),             # transposed digits, the amount confirms
    ("0025352", 57.07),                  # the digits without the DM prefix
    ("RE 20001", 2000.00),
    ("1243", 10.00),                     # a 4-character number: never a typo of 1234
    ("INV0012346", 999.00),              # the amount differs
])
def test_xlc_match_is_the_engines_document_rule(reference, amount):
    payments = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-25"], "amount": [amount],
                             "payer_name": ["Someone Unknown"], "reference": [reference], "currency": ["USD"]})
    res = apply_cash(OPEN_ITEMS, payments)
    doc_ref = res.applications[res.applications["rule"] == "DOC_REF"]
    m = match_reference(reference, DOCS, round(amount * 100), OPEN_MINOR)
    assert set(m.documents) == set(doc_ref["document_no"])
    if len(doc_ref):
        assert m.score == pytest.approx(doc_ref["confidence"].iat[0])
