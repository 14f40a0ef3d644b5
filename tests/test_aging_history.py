"""Aging History rows of one close (CONTRACT §2 ``aging_history``): receivable items summed per
customer and bucket, newest period first."""
from __future__ import annotations

import pandas as pd

from xl_collections.ar.aging_history import COLUMNS, snapshot

LABELS = ("not_due", "1-30", "31-60", "61-90", "91-120", "121+")


def _detail(rows):
    return pd.DataFrame(rows, columns=["customer_id", "doc_type", "open_amount", "bucket", "reporting_amount"])


def test_a_month_with_nothing_open_gives_no_rows_instead_of_failing():
    """Every invoice paid (or only credits open): the aging step must still write its history."""
    for rows in ([], [("C1", "CM", -5000, "not_due", -5000), ("C2", "INV", 0, "1-30", 0)]):
        out = snapshot(_detail(rows), "2026-10", LABELS, "USD")
        assert list(out.columns) == list(COLUMNS) and len(out) == 0
        assert out["amount"].dtype == "int64"


def test_receivables_summed_per_customer_and_bucket_in_aging_order():
    rows = [("C2", "INV", 1000, "1-30", 1000), ("C1", "DM", 250, "121+", 250), ("C1", "INV", 700, "not_due", 700),
            ("C1", "DED", 50, "121+", 50), ("C1", "CM", -300, "not_due", -300), ("C2", "PMT", -90, "1-30", -90)]
    out = snapshot(_detail(rows), "2026-10", LABELS, "USD")
    assert out[["customer_id", "bucket", "amount"]].values.tolist() == [
        ["C1", "not_due", 700], ["C1", "121+", 300], ["C2", "1-30", 1000]]
    assert set(out["period"]) == {"2026-10"}
