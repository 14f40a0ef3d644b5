"""Roll rates and loss rates (CONTRACT §6 "Allowance"): how balances migrate from one aging
bucket to the next, month to month.

The window is the ``AllowanceLookbackMonths`` (L) month-to-month transitions ending at the
as-of period P, i.e. ``t → t+1`` for t+1 = P−L+1 … P.  A transition counts when both of its
months are in the history; a missing month is skipped.  Over the transitions that count:

    roll(b)    = Σ balance(next bucket, t+1) / Σ balance(b, t)     every bucket but the last
    roll(last) = Σ net write-offs booked in t+1 / Σ balance(last, t)

each kept between 0 and 1 (a roll above 1 is capped at 1); when Σ balance(b, t) = 0 the roll is
the bucket's ``AllowanceDefaultRolls`` entry.  ``loss_rate(b) = Π roll(k)`` for k = b … last.

The monthly rolls (the triangle the sheet shows and charts) are the same ratios for one
transition at a time.  Rates are exact Decimals; balances integer minor units.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ..core.dates import month_number, period_name

ONE, ZERO = Decimal(1), Decimal(0)


def default_roll(defaults, i: int, n: int) -> Decimal:
    """The ``AllowanceDefaultRolls`` entry of bucket ``i`` of ``n``: the i-th entry when the list
    has one per bucket; otherwise the last bucket takes the last entry and the others take
    theirs in order, the last-but-one entry standing in for buckets beyond the list."""
    d = tuple(defaults) or (ZERO,)
    if len(d) == n or len(d) == 1:
        return d[min(i, len(d) - 1)]
    if i == n - 1:
        return d[-1]
    return d[min(i, len(d) - 2)]


def _ratio(num: int, den: int) -> tuple[Decimal, bool]:
    """num/den kept between 0 and 1; and whether it was capped."""
    r = Decimal(int(num)) / Decimal(int(den))
    if r > ONE:
        return ONE, True
    return max(r, ZERO), False


@dataclass(frozen=True)
class RollRates:
    """``table``: one row per bucket — ``bucket``, ``rolled`` (the numerator, minor units),
    ``base`` (the denominator), ``roll_rate`` (Decimal), ``source`` (``history``, ``default``),
    ``capped`` (bool), ``loss_rate`` (Decimal).  ``monthly``: one row per transition that
    counted — ``period`` (t+1), ``from_period`` (t), one roll (Decimal, None when the bucket was
    empty at t) per bucket, ``net_write_offs`` (minor units).  ``window``: the t+1 periods of
    the look-back; ``missing``: those skipped."""
    table: pd.DataFrame
    monthly: pd.DataFrame
    window: tuple[str, ...]
    missing: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def used(self) -> int:
        return len(self.window) - len(self.missing)


def roll_rates(balances: pd.DataFrame, net_write_offs: dict[str, int], period: str, lookback: int,
               defaults) -> RollRates:
    """``balances``: period x bucket (from :func:`~xl_collections.allowance.history.balances`);
    ``net_write_offs``: period -> written off less recovered (minor units)."""
    labels = list(balances.columns)
    n = len(labels)
    have = set(balances.index)
    end = month_number(period)
    window = tuple(period_name(m) for m in range(end - lookback + 1, end + 1))
    rows, missing = [], []
    num = [0] * n
    den = [0] * n
    for t1 in window:
        t0 = period_name(month_number(t1) - 1)
        if t0 not in have or t1 not in have:
            missing.append(t1)
            continue
        b0, b1 = balances.loc[t0], balances.loc[t1]
        wo = int(net_write_offs.get(t1, 0))
        row = {"period": t1, "from_period": t0}
        for i, lab in enumerate(labels):
            nxt = wo if i == n - 1 else int(b1[labels[i + 1]])
            base = int(b0[lab])
            num[i] += nxt
            den[i] += base
            row[lab] = _ratio(nxt, base)[0] if base > 0 else None
        row["net_write_offs"] = wo
        rows.append(row)
    table = []
    notes = []
    for i, lab in enumerate(labels):
        if den[i] > 0:
            r, capped = _ratio(num[i], den[i])
            source = "history"
        else:
            r, capped, source = default_roll(defaults, i, n), False, "default"
        table.append({"bucket": lab, "rolled": num[i], "base": den[i], "roll_rate": r, "source": source,
                      "capped": capped})
    loss = ONE
    for row in reversed(table):
        loss = loss * row["roll_rate"]
        row["loss_rate"] = loss
    used = len(window) - len(missing)
    if used == 0:
        notes.append(f"No aging history for the {lookback} month-to-month transitions ending {period}: "
                     "every roll rate is the default (AllowanceDefaultRolls)")
    elif missing:
        notes.append(f"Short history: {used} of the {lookback} month-to-month transitions ending {period} are in "
                     f"Aging History; months skipped: {_ranges(missing)}")
    defaulted = [r["bucket"] for r in table if r["source"] == "default"]
    if defaulted and used:
        notes.append(f"No balance in bucket{'s' if len(defaulted) > 1 else ''} {', '.join(defaulted)} over the "
                     "look-back: default roll rate used (AllowanceDefaultRolls)")
    capped = [r["bucket"] for r in table if r["capped"]]
    if capped:
        notes.append(f"Roll rate above 100% capped at 100% for {', '.join(capped)}")
    tdf = pd.DataFrame(table, columns=["bucket", "rolled", "base", "roll_rate", "source", "capped", "loss_rate"])
    mdf = pd.DataFrame(rows, columns=["period", "from_period", *labels, "net_write_offs"])
    return RollRates(tdf, mdf, window, tuple(missing), tuple(notes))


def _ranges(periods) -> str:
    """``2026-01, 2026-02, 2026-03, 2026-07`` -> ``2026-01…2026-03, 2026-07``."""
    nums = sorted(month_number(p) for p in periods)
    parts, start = [], None
    for k, m in enumerate(nums):
        if start is None:
            start = m
        if k + 1 == len(nums) or nums[k + 1] != m + 1:
            parts.append(period_name(start) if start == m else f"{period_name(start)}…{period_name(m)}")
            start = None
    return ", ".join(parts)
