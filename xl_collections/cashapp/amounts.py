"""Amount arithmetic of cash application, all in integer minor units.

* :func:`tolerance` - the short payment that may be written off (MatchTolerance and
  MatchTolerancePct: the smaller of the two limits counts).
* :func:`discount_amount` - an early-payment discount percentage of an open amount.
* :func:`combinations` - 2 to 4 open items that sum exactly to a payment, or within a slack
  (bounded search: the oldest 120 candidates, 2 to 4 items, by sorted pair sums); the caller
  treats more than one combination as ambiguous.
"""
from __future__ import annotations

from decimal import Decimal

from functools import lru_cache

import numpy as np

from ..core.money import round_half_away
from ..core.settings import Settings


def tolerance(amount: int, currency: str, settings: Settings) -> int:
    """Largest short payment (minor units of ``currency``) written off instead of raised as a
    deduction: min(MatchTolerance, MatchTolerancePct % of ``amount``).  ``MatchTolerance`` is in
    the reporting currency, so for other currencies only the percentage applies."""
    pct = int(round_half_away(Decimal(abs(int(amount))) * settings.match_tolerance_pct / 100))
    if currency == settings.reporting_currency:
        return max(0, min(int(settings.match_tolerance), pct))
    return max(0, pct)


def discount_amount(open_amount: int, pct: Decimal) -> int:
    """``pct`` % of ``open_amount`` in minor units, rounded half away from zero."""
    return int(round_half_away(Decimal(int(open_amount)) * pct / 100))


@lru_cache(maxsize=256)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(n, 1)``: every pair ``i < j`` of ``n`` positions (read-only, shared)."""
    pi, pj = np.triu_indices(n, 1)
    pi.flags.writeable = False
    pj.flags.writeable = False
    return pi, pj


def combinations(amounts: list[int], target: int, *, max_items: int = 120,
                 want: int = 2, slack: int = 0) -> tuple[list[tuple[int, ...]], bool]:
    """Combinations of 2 to 4 of ``amounts`` (positive, in the order given: oldest first)
    whose sum is exactly ``target`` (with ``slack`` > 0: any sum from ``target`` to
    ``target + slack``, for a payment a little short or over).

    Only the first ``max_items`` candidate items (those not above the target) are searched.
    Returns ``(found, complete)``: up to ``want`` combinations as tuples of positions into
    ``amounts``, and whether every candidate item was searched (``False`` when the bound cut
    it short: a single combination found is then no proof that it is the only one).
    Exhaustive within the bound, by sorted pair sums (numpy), not by trying subsets."""
    hi_target = target + max(0, int(slack))
    cand = [i for i, a in enumerate(amounts) if 0 < a <= hi_target]
    complete = len(cand) <= max_items
    cand = cand[:max_items]
    n = len(cand)
    if n < 2 or target <= 0:
        return [], complete
    v = np.asarray([amounts[i] for i in cand], dtype=np.int64)
    pi, pj = _pairs(n)
    ps = v[pi] + v[pj]
    order = np.argsort(ps, kind="stable")
    ps_s, pi_s, pj_s = ps[order], pi[order], pj[order]
    found: set[tuple[int, ...]] = set()

    def done() -> bool:
        return len(found) >= want

    # two items
    for k in np.flatnonzero((ps >= target) & (ps <= hi_target))[:want]:
        found.add((int(pi[k]), int(pj[k])))
    # three items: v[k] + a pair (i, j) with k < i < j
    if not done():
        need = target - v
        lo, hi = np.searchsorted(ps_s, need, "left"), np.searchsorted(ps_s, need + (hi_target - target), "right")
        for k in np.flatnonzero(hi > lo):
            sel = slice(lo[k], hi[k])
            ok = pi_s[sel] > k
            for i, j in zip(pi_s[sel][ok], pj_s[sel][ok]):
                found.add((int(k), int(i), int(j)))
                if done():
                    break
            if done():
                break
    # four items: pair (i, j) + pair (k, l) with j < k
    if not done():
        need = target - ps
        lo, hi = np.searchsorted(ps_s, need, "left"), np.searchsorted(ps_s, need + (hi_target - target), "right")
        for p in np.flatnonzero(hi > lo):
            sel = slice(lo[p], hi[p])
            ok = pi_s[sel] > pj[p]
            for k, l in zip(pi_s[sel][ok], pj_s[sel][ok]):
                found.add((int(pi[p]), int(pj[p]), int(k), int(l)))
                if done():
                    break
            if done():
                break
    out = sorted(tuple(cand[x] for x in combo) for combo in found)[:want]
    return out, complete
