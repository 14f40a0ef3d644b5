"""XLC_MATCH / XLC_MATCH_SCORE: called the way xlwings calls them (ranges as lists of rows)."""
import pytest

from udfs.matching import NO_MATCH, XLC_MATCH, XLC_MATCH_SCORE

DOCS = [["INV0012345"], ["INV0012346"], ["DM0025352"], [None], ["00020001"]]
OPEN = [[1250.0], [300.0], [57.07], [None], [2000.0]]


@pytest.mark.parametrize("ref,want", [
    ("INV0012345", "INV0012345"),
    ("Payment INV 12345 thank you", "INV0012345"),
    ("#12346", "INV0012346"),
    ("RE 20001", "00020001"),
    ("0025352", "DM0025352"),
    ("INV12345/12346", "INV0012345; INV0012346"),
    ("ACH CREDIT 1,250.00", NO_MATCH),
    ("", NO_MATCH),
])
def test_xlc_match(ref, want):
    assert XLC_MATCH(ref, DOCS) == want


def test_excel_numbers_are_document_numbers():
    assert XLC_MATCH(20001.0, [[20001.0], [20002.0]]) == "20001"


def test_ocr_and_typo_only_when_the_amount_confirms():
    assert XLC_MATCH("INVOO12346", DOCS) == NO_MATCH
    assert XLC_MATCH("INVOO12346", DOCS, 300.0, OPEN) == "INV0012346"
    assert XLC_MATCH_SCORE("INVOO12346", DOCS, 300.0, OPEN) == pytest.approx(0.95)
    assert XLC_MATCH("INV0012354", DOCS, 1250.0, OPEN) == "INV0012345"          # transposed digits
    assert XLC_MATCH_SCORE("INV0012354", DOCS, 1250.0, OPEN) == pytest.approx(0.93)


def test_scores():
    assert XLC_MATCH_SCORE("INV0012345", DOCS) == pytest.approx(0.99)
    assert XLC_MATCH_SCORE("INV0012345", DOCS, 1000.0, OPEN) < 0.9              # amount differs
    assert XLC_MATCH_SCORE("nothing here", DOCS) == 0


def test_ambiguous_and_errors_show_as_text():
    assert XLC_MATCH("12345", [["INV0012345"], ["RE-12345"]]).startswith("AMBIGUOUS: ")
    assert XLC_MATCH("#N/A", DOCS).startswith("#XLC!")
    assert XLC_MATCH("INV1", []).startswith("#XLC!")
    assert XLC_MATCH("INV0012345", DOCS, "abc", OPEN).startswith("#XLC!")
    assert XLC_MATCH("INV0012345", DOCS, 1250.0, [[1.0]]).startswith("#XLC!")
