"""The demo's loss history: 18 month-ends of aging history before the as-of month and the
write-offs and recoveries booked in them (and in the as-of month), consistent with the open items.

The open items' own aging (receivable items, reporting currency) sets the level.  Month-end
balances are simulated forward from 18 months back: new not-due balances follow the current
one with a gentle trend and noise; each bucket rolls into the next at the current aging's own
bucket-to-bucket ratio (with noise); the oldest bucket keeps what is neither collected nor
written off, and a share of it is written off each month (``WRITE_OFF_RATE``), with now and
then a small recovery of an earlier write-off.  Each month's bucket totals are split over the
customers in proportion to their receivables today (with noise), exact in integer minor units.
The opening allowance (``AllowanceOpening``) is the month before's, by the program's own method.

Uses its own random generator (the demo seed and :data:`SALT`), so the other tables are the same
whether or not this runs.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..ar.aging import age
from ..ar.aging_history import balances, receivable
from ..core.dates import month_number, period_name
from ..allowance.provision import apply_rate, specific_reserves
from ..allowance.rolls import roll_rates
from ..core.settings import Settings
from ._common import canonical_table

SALT = 18                       # issue 18
MONTHS = 18
WRITE_OFF_RATE = 0.06           # of the oldest bucket, per month
OLDEST_KEPT = 0.74              # share of the oldest bucket still open a month later (not collected, not written off)
MAX_ROLL = 0.85
FIRST_WRITE_OFF_NO = 90_000_001


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` minor units over ``weights``, exact (largest remainders)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    rest = int(total - out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def make_loss_history(tables: dict, as_of: dt.date, reporting: str, seed: int, buckets=(0, 30, 60, 90, 120)):
    """``(aging_history, write_offs, opening)``: canonical tables and the opening allowance in
    minor units of ``reporting``."""
    rng = np.random.default_rng([seed, SALT])
    aging = age(tables["open_items"], as_of, fx_rates=tables.get("fx_rates"), buckets=buckets,
                reporting_currency=reporting)
    labels = list(aging.labels)
    d = aging.detail[receivable(aging.detail)]
    now = d.groupby(d["bucket"].astype(str))["reporting_amount"].sum().reindex(labels, fill_value=0).to_numpy(np.int64)
    share = d.groupby("customer_id")["reporting_amount"].sum()
    customers = share.index.to_numpy(dtype=object)
    n = len(labels)
    rolls = np.minimum(np.where(now[:-1] > 0, now[1:] / np.maximum(now[:-1], 1), 0.2), MAX_ROLL)
    rolls[-1] = min(rolls[-1], 0.6)                   # into the oldest bucket, which also accumulates
    end = month_number(as_of.strftime("%Y-%m"))
    periods = [period_name(m) for m in range(end - MONTHS, end)]
    # steady state at today's level, then forward month by month
    bal = np.zeros((MONTHS + 1, n), dtype=float)
    bal[0, 0] = now[0] * 0.82
    for i in range(1, n - 1):
        bal[0, i] = bal[0, i - 1] * rolls[i - 1]
    bal[0, -1] = bal[0, -2] * rolls[-1] / (1 - OLDEST_KEPT)
    written = np.zeros(MONTHS + 1)
    for t in range(1, MONTHS + 1):
        growth = (1 + 0.01 * t) * rng.lognormal(0, 0.05)
        bal[t, 0] = now[0] * 0.82 * growth
        noisy = np.minimum(rolls * rng.lognormal(0, 0.12, size=n - 1), MAX_ROLL)
        bal[t, 1:] = bal[t - 1, :-1] * noisy
        wo_rate = WRITE_OFF_RATE * rng.lognormal(0, 0.3)
        written[t] = bal[t - 1, -1] * wo_rate
        bal[t, -1] += bal[t - 1, -1] * OLDEST_KEPT
    months = bal[1:].round().astype(np.int64)            # the 18 month-ends before the as-of month
    rows = []
    w = share.to_numpy(dtype=float)
    for t, period in enumerate(periods):
        for i, lab in enumerate(labels):
            amounts = _split(int(months[t, i]), w * rng.lognormal(0, 0.25, size=len(w)))
            for cid, a in zip(customers[amounts > 0], amounts[amounts > 0]):
                rows.append((period, cid, lab, int(a)))
    hist = pd.DataFrame(rows, columns=["period", "customer_id", "bucket", "amount"])
    # write-offs booked in each month (and the as-of month), a few documents each; some recoveries
    oldest = d[d["bucket"].astype(str) == labels[-1]]["customer_id"].unique()
    pool = oldest if len(oldest) else customers
    wo_rows, doc = [], FIRST_WRITE_OFF_NO
    last_written = written[1:].tolist() + [months[-1, -1] * WRITE_OFF_RATE]
    for period, total in zip(periods[1:] + [period_name(end)], last_written[1:]):
        k = int(rng.integers(1, 5))
        parts = _split(int(round(total)), rng.uniform(0.5, 1.5, size=k))
        for who, a in zip(rng.choice(pool, size=k), parts):
            wo_rows.append((period, who, f"INV{doc:08d}", int(a), "AGE"))
            doc += 1
        if rng.random() < 0.35:
            back = wo_rows[int(rng.integers(0, len(wo_rows)))]
            wo_rows.append((period, back[1], back[2], -int(back[3] * rng.uniform(0.1, 0.3)), "RECOVERY"))
    wo = pd.DataFrame(wo_rows, columns=["period", "customer_id", "document_no", "amount", "reason_code"])
    hist_t = canonical_table("aging_history", _columns(hist), reporting)
    wo_t = canonical_table("write_offs", _columns(wo), reporting)
    return hist_t, wo_t, _opening(hist_t, wo_t, d, periods[-1], labels)


def _opening(hist: pd.DataFrame, wo: pd.DataFrame, items: pd.DataFrame, last: str, labels) -> int:
    """The allowance at the end of ``last`` (the month before the as-of month) by the program's own
    method: that month's balances at the roll rates of the 12 transitions ending there, plus
    today's specific reserves at the default rates."""
    bal = balances(hist, labels)
    net = wo.groupby("period")["amount"].sum().to_dict()
    defaults = Settings().allowance_default_rolls
    rates = roll_rates(bal, net, last, 12, defaults).table["loss_rate"].to_numpy()
    collective = sum(apply_rate(int(b), r) for b, r in zip(bal.loc[last].to_numpy(), rates))
    s = Settings()
    return int(collective + specific_reserves(items, s.allowance_bankrupt_pct, s.allowance_disputed_pct)["reserve"].sum())


def _columns(df: pd.DataFrame) -> dict:
    """Generated columns for :func:`canonical_table`: money as int64, the rest as text objects."""
    return {c: df[c].to_numpy(dtype=np.int64) if c == "amount" else df[c].to_numpy(dtype=object) for c in df.columns}
