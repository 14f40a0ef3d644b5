"""The vectorised document keys are exactly the cash-application normalisation, item by item."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.core.docno import document_keys, normalise_document_no

PIECES = ["INV", "inv", "RE", "REF", "NO", "No.", "NR", "NUM", "NUMBER", "INVOICE", "CM", "DM", "#", "-", " ", "/", ".",
          "0", "00", "000", "1", "7", "42", "0012345", "A", "B", "O", "X", "ß", "É", "ü", "_", "(", ")"]


def test_known_examples():
    values = ["INV-0012345", "#12345", "CM-00042", "inv 12345", "No. 00123", "RE-2024-001", "X 0 5", "A00B", "00A007",
              "INVO5", "RENO5", "NUMB5", "", "   ", "0", "000", "INV", "INV0", "INVINV007", "ÄB-0012", "12 0034", "ß-01"]
    assert document_keys(pd.Series(values, dtype=object)).to_pylist() == [normalise_document_no(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=6).map("".join), max_size=30))
def test_same_keys_as_the_scalar_normalisation(values):
    keys = document_keys(pd.Series(values, dtype=object)).to_pylist()
    assert keys == [normalise_document_no(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=20))
def test_same_keys_for_any_text(values):
    keys = document_keys(pd.Series(values, dtype=object)).to_pylist()
    assert keys == [normalise_document_no(v) for v in values]
