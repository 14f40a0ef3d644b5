"""The dunning proposal's per-customer and per-currency figures, which ``propose`` sums over
positions into its columns, are what slicing its own dunnable items per customer and currency
gives (the way it did it before), for customers in several currencies with interest, fees,
earlier letters, blocks and nothing dunnable."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from xl_collections.ar.aging import convert_minor
from xl_collections.core.money import MINOR_UNITS
from xl_collections.core.settings import Settings
from xl_collections.dunning import history_table, propose

AS_OF = dt.date(2026, 10, 31)
FX = pd.DataFrame({"currency": ["EUR", "JPY", "GBP"], "rate": ["1.0875", "0.0067", "1.27"]})

item = st.tuples(st.sampled_from(["C1", "C2", "C3", "C4"]), st.integers(-5, 200), st.integers(-50_000, 5_000_000),
                 st.sampled_from(["USD", "EUR", "JPY", "GBP"]), st.sampled_from(["INV", "INV", "DM", "CM"]))


def open_items(rows) -> pd.DataFrame:
    out = []
    for i, (cid, days, minor, cur, doc_type) in enumerate(rows):
        due = AS_OF - dt.timedelta(days=days)
        minor = -abs(minor) if doc_type == "CM" else abs(minor)      # a credit carries its sign
        amount = Decimal(minor).scaleb(-MINOR_UNITS[cur])
        out.append({"customer_id": cid, "document_no": f"{doc_type}-{i:05d}", "doc_type": doc_type,
                    "document_date": (due - dt.timedelta(days=30)).isoformat(), "due_date": due.isoformat(),
                    "open_amount": f"{amount:f}", "currency": cur, "status": "OPEN"})
    return pd.DataFrame(out)


def reference(p, rep: str):
    """Per customer (items, oldest, reporting overdue, reporting interest) and per letter
    (items, amount, interest), sliced from the proposal's items one customer at a time."""
    its_all, cust, letters = p.items, {}, []
    for cid, its in its_all.groupby("customer_id", sort=False):
        interest_rep = 0
        for cur in sorted(set(its["currency"])):
            part = its[its["currency"] == cur]
            intr = int(part["interest"].sum())
            if intr:
                interest_rep += int(convert_minor(part["interest"].to_numpy(dtype="int64"), part["fx_rate"].iloc[0],
                                                  MINOR_UNITS[cur], MINOR_UNITS[rep]).sum())
            letters.append((cid, cur, len(part), int(part["open_amount"].sum()), intr))
        cust[cid] = (len(its), int(its["days_past_due"].max()), int(its["reporting_amount"].sum()), interest_rep)
    return cust, letters


@hyp_settings(max_examples=60, deadline=None)
@given(st.lists(item, min_size=1, max_size=30), st.decimals(min_value=0, max_value=Decimal("0.2"), places=3),
       st.sampled_from([(), (0,), (15, 25)]), st.booleans(), st.booleans())
def test_customer_and_letter_figures_are_the_items_sums(rows, rate, fees, with_history, block):
    oi = open_items(rows)
    ids = sorted(set(oi["customer_id"]))
    cust = pd.DataFrame({"customer_id": ids, "customer_name": [f"{c} Foods Inc" for c in ids],
                         "dunning_block": ["X" if block and c == "C2" else "" for c in ids]})
    history = None
    if with_history:
        history, errors = history_table(pd.DataFrame({"customer_id": ["C1", "C3"], "level": ["1", "3"],
                                                      "letter_date": ["2026-09-30", "2026-10-25"]}))
        assert errors == []
    s = Settings(dunning_interest_rate=rate, dunning_min_amount=0, dunning_levels=(1, 30, 60),
                 dunning_fees=fees)
    p, errors = propose(oi, cust, s, AS_OF, fx_rates=FX, history=history)
    assert errors == []
    want_cust, want_letters = reference(p, s.reporting_currency)
    for r in p.customers.itertuples():
        n, oldest, overdue, interest = want_cust.get(r.customer_id, (0, 0, 0, 0))
        assert (r.items, r.oldest_days, r.reporting_overdue, r.reporting_interest) == (n, oldest, overdue, interest)
        assert r.reporting_total == overdue + interest + r.fee
    got = [(r.customer_id, r.currency, r.items, r.amount_overdue, r.interest) for r in p.letters.itertuples()
           if r.items]
    assert got == want_letters
    fee_rows = p.letters[p.letters["items"] == 0]
    assert (fee_rows["amount_overdue"] == 0).all() and (fee_rows["interest"] == 0).all()


def _approvals_cell_by_cell(grid):
    """read_approvals as it was first written: .at per cell."""
    if grid is None or grid.empty:
        return {}
    first = grid.columns[0]
    heads = [r for r in grid.index if str(grid.at[r, first] or "").strip() == "letter_id"]
    if not heads:
        return {}
    h = heads[0]
    header = {str(grid.at[h, c] or "").strip().lower(): c for c in grid.columns}
    if "approve" not in header:
        return {}
    out = {}
    for r in grid.loc[h + 1:].index:
        key = grid.at[r, first]
        if key is None or (isinstance(key, float) and pd.isna(key)) or not str(key).strip():
            if out:
                break
            continue
        out[str(key).strip()] = grid.at[r, header["approve"]]
    return out


_cell = st.one_of(st.none(), st.sampled_from(["", " ", "L-1", "L-2 ", "yes", "Y", "x", "approve", "letter_id",
                                                 "Approve "]), st.integers(0, 2), st.just(float("nan")))


@hyp_settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=10), st.integers(0, 3), st.integers(1, 2))
def test_read_approvals_matches_the_cell_by_cell_read(rows, at, col):
    from xl_collections.book.headless import grid_from_calamine
    from xl_collections.dunning.sheets import read_approvals

    header = ["letter_id", "customer_id", "x"]
    header[col] = "Approve"
    rows = [list(r) for r in rows]
    rows.insert(min(at, len(rows)), header)
    grid = pd.DataFrame(rows, columns=range(3), dtype=object)
    grid.index = pd.RangeIndex(1, 1 + len(grid))
    assert read_approvals(grid) == _approvals_cell_by_cell(grid)
    zero = grid.reset_index(drop=True)
    assert read_approvals(zero) == _approvals_cell_by_cell(zero)
