"""Document-number keys, reference tokens, OCR folding and reason codes."""
import pytest

from xl_collections.cashapp.refs import (candidates, explain, normalise_document_no, ocr_key,
                                         reason_code, says_partial)


@pytest.mark.parametrize("text,key", [
    ("INV-0012345", "12345"), ("inv 12345", "12345"), ("#12345", "12345"), ("No. 00123", "123"),
    ("RE: 4711", "4711"), ("Invoice 0099A", "99A"), ("REINV00123", "123"), ("CM-00042", "CM42"),
    ("SO-2024-00123", "SO2024123"), ("RENT123", "RENT123"), ("000", "0"), ("", ""), (None, ""),
    ("00123", "123"), ("INV0012345", "12345"),
])
def test_normalise_document_no(text, key):
    assert normalise_document_no(text) == key


def test_prefix_is_only_dropped_before_a_number():
    assert normalise_document_no("INVENTORY") == "INVENTORY"
    assert normalise_document_no("REFUND") == "REFUND"


def test_ocr_key_folds_only_the_numeric_part():
    assert ocr_key("INVO0l2345") == ocr_key("INV-0012345") == "12345"
    assert ocr_key("12S45") == "12545"
    assert ocr_key("INVOICE 1B45") == "1845"
    assert normalise_document_no("INVO0l2345") != "12345"


def test_candidates_find_several_invoices_in_one_reference():
    keys = [k for _, k in candidates("Payment INV 12345, INV-12346 & 0012347 thanks")]
    assert {"12345", "12346", "12347"} <= set(keys)
    assert len(keys) == len(set(keys))
    raw = dict((k, r) for r, k in candidates("Payment INV 12345"))
    assert raw["12345"] == "INV 12345"


def test_candidates_split_slashes_and_skip_tiny_keys():
    keys = {k for _, k in candidates("/INV/0012345/ROC/7")}
    assert "12345" in keys and "7" not in keys


@pytest.mark.parametrize("token,doc,words", [
    ("INV0012345", "INV0012345", "same text"),
    ("inv0012345", "INV0012345", "case/punctuation"),
    ("INV 12345", "INV0012345", "lost leading zeros"),
    ("12345", "INV12345", "prefix dropped"),
    ("INVO012345", "INV0012345", "OCR confusion O->0"),
    ("12354", "12345", "one-character typo"),
])
def test_explain(token, doc, words):
    assert words in explain(token, doc)


@pytest.mark.parametrize("text,code", [
    ("2 cases damaged", "DAMAGED"), ("shortage on delivery", "SHORTAGE"), ("short shipped", "SHORTAGE"),
    ("price difference", "PRICING"), ("promo allowance", "PROMO"), ("coop advertising", "PROMO"),
    ("freight charged in error", "FREIGHT"), ("sales tax exempt", "TAX"), ("returned goods", "RETURN"),
    ("see letter", "OTHER"), ("", "OTHER"),
])
def test_reason_code(text, code):
    assert reason_code(text) == code


def test_says_partial():
    assert says_partial("partial payment inv 123") and says_partial("instalment 2 of 3")
    assert says_partial("INV1 1ST INSTALLMENT") and says_partial("on account INV1")
    assert not says_partial("INV 123")


def test_column_keys_are_the_scalar_keys():
    from xl_collections.cashapp.refs import normalise_document_nos, po_key, po_keys
    values = ["INV-0012345", "#12345", "CM-00042", "PO-4500012345", "po 0045", "ORDER 77", "PURCHASEORDER0012", "PO",
              "", "  ", None, "ÄB-0012", "ß-01", "RE-2024-001", "00A007"]
    assert normalise_document_nos(values) == [normalise_document_no(v) for v in values]
    assert po_keys(values) == [po_key(v) for v in values]
