"""Returned items benchmark (issue 23): match and reverse returns on top of a cash application.

    python benchmarks/returns.py            # 30,000 payments + 1,000 returns vs 300,000 items (goal < 2 s)
    python benchmarks/returns.py --small    # 3,000 payments + 100 returns vs 30,000 items

Data: the demo generator's book (``xl_collections.demo.generate``: open items and the month's
payments with ground truth).  1,000 of the payments come back: four in five name the payment
in ``original_ref``, one in five is found by payer account and amount (those whose payment has
no payer account name it by reference too).  Printed side by side: the cash application
without the returns (the reference), the same run with them, and the reversal alone
(:func:`xl_collections.cashapp.returns.reverse` on the finished application) against the goal.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xl_collections.cashapp import apply_cash  # noqa: E402
from xl_collections.cashapp import returns as rt  # noqa: E402
from xl_collections.demo import generate  # noqa: E402

GOAL_S = 2.0


def returned_items(payments: pd.DataFrame, n: int, seed: int = 23) -> pd.DataFrame:
    """``n`` RETURN rows for payments picked at random (their amount, a few days later)."""
    rng = np.random.default_rng(seed)
    pick = payments.iloc[np.sort(rng.choice(len(payments), size=min(n, len(payments)), replace=False))]
    by_acct = (rng.random(len(pick)) < 0.2) & (pick["payer_account"].to_numpy() != "")
    out = pd.DataFrame({
        "payment_id": [f"RTN-{i:06d}" for i in range(len(pick))],
        "value_date": pick["value_date"].to_numpy() + np.timedelta64(5, "D"),
        "amount": pick["amount"].to_numpy(), "currency": pick["currency"].to_numpy(),
        "payer_name": pick["payer_name"].to_numpy(), "payer_account": pick["payer_account"].to_numpy(),
        "reference": "RETURNED ITEM", "customer_id": "", "record_type": "RETURN",
        "original_ref": np.where(by_acct, "", pick["payment_id"].to_numpy()),
        "reason_code": "R01", "reason": "Insufficient funds"})
    for c in payments.columns:
        if c not in out:
            out[c] = payments[c].iloc[:0].reindex(range(len(out))).fillna(0 if c == "source_row" else "").to_numpy()
    out = out[list(payments.columns)]
    both = pd.concat([payments, out], ignore_index=True)
    both.attrs = dict(payments.attrs)
    return both


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    items, pays, n_ret = (30_000, 3_000, 100) if a.small else (300_000, 30_000, 1_000)
    t0 = time.perf_counter()
    book = generate(items=items, payments=pays, seed=11)
    print(f"demo book: {len(book.open_items):,} open items, {len(book.payments):,} payments "
          f"({time.perf_counter() - t0:.1f} s to generate)")
    kw = dict(customers=book.customers, remittance=book.remittance, settings=book.settings, fx_rates=book.fx_rates)
    with_returns = returned_items(book.payments, n_ret)

    t0 = time.perf_counter()
    base = apply_cash(book.open_items, book.payments, **kw)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = apply_cash(book.open_items, with_returns, **kw)
    t_both = time.perf_counter() - t0
    pay, items_, _ = rt.split(with_returns)
    t0 = time.perf_counter()
    alone = rt.reverse(base, items_, pay, book.open_items, settings=book.settings)
    t_rev = time.perf_counter() - t0

    counts = res.returns["status"].value_counts().to_dict()
    assert alone.returns["status"].value_counts().to_dict() == counts
    print(f"{'':34}{'seconds':>10}")
    print(f"{'cash application (reference)':34}{t_base:10.2f}   {len(book.payments):,} payments")
    print(f"{'cash application + returns':34}{t_both:10.2f}   + {n_ret:,} returns: "
          + ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items())))
    print(f"{'matching and reversal alone':34}{t_rev:10.2f}   goal < {GOAL_S:.0f} s: "
          f"{'met' if t_rev < GOAL_S else 'NOT met'} (difference of the two runs: {t_both - t_base:+.2f} s)")


if __name__ == "__main__":
    main()
