"""``age(..., detail=False)`` (what the ``aging`` command asks for, issue 20): the same summary
and rates as with the per-item detail, which is simply not built; the command still counts the
items aged (those with a non-zero open amount)."""
from __future__ import annotations

import pandas as pd
import pytest

from xl_collections.ar.aging import age
from xl_collections.cli.dispatch import main

ITEMS = """customer_id,document_no,doc_type,document_date,due_date,amount,open_amount,currency,status
C2,D1,INV,2026-08-01,2026-08-31,100.00,100.00,USD,OPEN
C1,D2,INV,2026-09-01,,250.00,0.00,EUR,OPEN
C1,D3,CM,2026-10-01,2026-10-01,-40.00,-40.00,EUR,DISPUTED
C3,D4,INV,2026-10-20,2026-11-19,5000,5000,JPY,OPEN
"""
FX = "currency,rate,date\nEUR,1.0855,2026-10-31\nJPY,0.0066,2026-10-31\n"


@pytest.mark.parametrize("by", ["customer_id", "currency"])
@pytest.mark.parametrize("basis", ["due", "document"])
def test_the_summary_is_the_same_without_the_detail(tmp_path, by, basis):
    (tmp_path / "oi.csv").write_text(ITEMS)
    (tmp_path / "fx.csv").write_text(FX)
    from xl_collections.io.readers import load_table
    oi, errors = load_table(tmp_path / "oi.csv", "open_items")
    fx, errors_fx = load_table(tmp_path / "fx.csv", "fx_rates")
    assert not errors and not errors_fx
    full = age(oi, "2026-10-31", fx_rates=fx, by=by, basis=basis)
    only = age(oi, "2026-10-31", fx_rates=fx, by=by, basis=basis, detail=False)
    assert only.detail is None and len(full.detail) == 3
    pd.testing.assert_frame_equal(only.summary, full.summary)
    assert only.summary.attrs == full.summary.attrs and only.rates == full.rates


def test_the_command_counts_the_items_with_an_open_amount(tmp_path, capsys):
    (tmp_path / "oi.csv").write_text(ITEMS)
    (tmp_path / "fx.csv").write_text(FX)
    assert main(["aging", "--open-items", str(tmp_path / "oi.csv"), "--fx", str(tmp_path / "fx.csv"),
                 "--as-of", "2026-10-31", "--out", str(tmp_path / "out.csv")]) == 0
    assert capsys.readouterr().out.startswith("aged 3 open items of 3 customer_id groups at 2026-10-31")
