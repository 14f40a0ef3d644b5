"""The credit score: each input scored 0–100, a weighted average, a class ``A``–``E``, a
recommended limit and the next review date.  Every weight and threshold is a named cell of
``Settings`` (group "Credit scoring", declared in :mod:`xl_collections.core.settings` with its
default; the defaults are documented in the README); :func:`policy` gathers them into a
:class:`Policy`.

**Factor points.**  Each factor maps its input to 0–100 by straight lines between the points
of its table (below the first point: the first score; above the last: the last).  Every
table runs one way, so a better input never scores lower.  Leverage is scored as the equity ratio
(equity / total assets, negative with negative equity), which runs one way; debt to equity,
which flips sign with equity, is shown but not scored.

**Score.**  ``score = Σ weight × points / Σ weight`` over the factors that have an input (a
customer without financial statements is scored on the rest), rounded to one decimal.  The
class comes from the rounded score: ``A`` ≥ 80, ``B`` ≥ 65, ``C`` ≥ 50, ``D`` ≥ 35, else
``E``.  Too little to go on — factors weighing less than ``min_weight`` (25) together, e.g.
only the days past due of our own invoices — gives a score but no class.

**Recommended limit** (reporting currency): the smallest of what the class allows from each
source given — a share of tangible net worth, a share of the agency's recommended limit,
months of the customer's average monthly billing — rounded down to a whole 1,000.  Class
``E``: 0.  No source: blank.

**Review date**: the as-of date plus the class's review interval in months; a customer whose
``credit_review_date`` comes earlier keeps that date.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from ..core.money import round_half_away, to_decimal
from ..core.settings import CLASSES as CLASS_LETTERS, CREDIT_FACTORS, Settings

CLASSES = tuple(CLASS_LETTERS)
D = Decimal


@dataclass(frozen=True)
class Factor:
    """One scored input: ``name`` (the input's key), ``label`` (words on the sheet),
    ``weight``, ``points`` ((input, points) pairs with increasing inputs)."""
    name: str
    label: str
    weight: Decimal
    points: tuple[tuple[Decimal, Decimal], ...]

    def score(self, x: Decimal) -> Decimal:
        """Points for input ``x``: linear between the table's points, flat outside them."""
        pts = self.points
        if x <= pts[0][0]:
            return pts[0][1]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if x <= x1:
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return pts[-1][1]


def factors(settings: Settings) -> tuple[Factor, ...]:
    """The factors with the weights and points tables of ``settings``."""
    return tuple(Factor(f.key, f.label, getattr(settings, f"credit_weight_{f.stem}"),
                        getattr(settings, f"credit_points_{f.stem}")) for f in CREDIT_FACTORS)


@dataclass(frozen=True)
class Policy:
    """Weights, thresholds and limits of the credit score, from ``Settings`` (:func:`policy`).
    Shares are Decimal fractions (0.10 = 10 %); per-class values are dicts class -> value;
    ``limit_rounding`` is in Decimal major units of the reporting currency."""
    factors: tuple[Factor, ...]
    class_floors: tuple[tuple[str, Decimal], ...]
    tnw_share: dict
    agency_share: dict
    billing_months: dict
    review_months: dict
    limit_rounding: Decimal
    lookback_days: int                        # payment history and billing looked at
    trend_days: int                           # recent window of the payment trend
    trend_change_days: Decimal                # days late more (less) than before: worsening (improving)
    min_weight: Decimal                       # a class needs factors of at least this much weight

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)


def policy(settings: Settings) -> Policy:
    """The credit policy of a run: the ``Credit scoring`` settings (named cells of ``Settings``)."""
    def per_class(values) -> dict:
        return dict(zip(CLASSES, values))
    return Policy(factors=factors(settings),
                  class_floors=tuple(zip(CLASSES, settings.credit_class_scores)),
                  tnw_share=per_class(settings.credit_limit_net_worth_pct),
                  agency_share=per_class(settings.credit_limit_agency_pct),
                  billing_months=per_class(settings.credit_limit_billing_months),
                  review_months=per_class(settings.credit_review_months),
                  limit_rounding=to_decimal(settings.credit_limit_rounding, settings.reporting_currency),
                  lookback_days=settings.credit_history_days, trend_days=settings.credit_trend_days,
                  trend_change_days=settings.credit_trend_change_days, min_weight=settings.credit_min_weight)


DEFAULT_POLICY = policy(Settings())


@dataclass(frozen=True)
class Score:
    """``score`` (0–100, one decimal) and ``credit_class`` ('' without inputs); ``points``:
    factor name -> points (Decimal) for the factors that had an input."""
    score: Decimal | None
    credit_class: str
    points: dict


def score(inputs: dict, policy: Policy = DEFAULT_POLICY) -> Score:
    """Weighted score of ``inputs`` (factor name -> Decimal or None = not known)."""
    pts, total, weights = {}, D(0), D(0)
    for f in policy.factors:
        x = inputs.get(f.name)
        if x is None or not f.weight:          # a weight of 0 leaves the factor out
            continue
        p = f.score(D(x))
        pts[f.name] = p
        total += f.weight * p
        weights += f.weight
    if not weights:
        return Score(None, "", pts)
    s = round_half_away(total / weights, 1)
    if weights < policy.min_weight:
        return Score(s, "", pts)
    return Score(s, class_of(s, policy), pts)


def class_of(value: Decimal, policy: Policy = DEFAULT_POLICY) -> str:
    """Class of a score: the first class whose floor it reaches, else ``E``."""
    for cls, floor in policy.class_floors:
        if value >= floor:
            return cls
    return "E"


def top_factors(s: Score, policy: Policy = DEFAULT_POLICY, n: int = 3) -> list[tuple[str, Decimal]]:
    """The ``n`` factors that moved the score most: largest weight × |points − 50|, the
    weightier first on a tie.  (name, points) pairs."""
    order = {f.name: (i, f.weight) for i, f in enumerate(policy.factors)}
    ranked = sorted(s.points.items(), key=lambda kv: (-order[kv[0]][1] * abs(kv[1] - 50), order[kv[0]][0]))
    return ranked[:n]


def _floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step if value > 0 else D(0)


def recommended_limit(credit_class: str, *, tangible_net_worth: Decimal | None = None,
                      agency_limit: Decimal | None = None, monthly_billing: Decimal | None = None,
                      policy: Policy = DEFAULT_POLICY) -> Decimal | None:
    """Recommended limit in Decimal major units of the reporting currency: the smallest of
    the class's share of tangible net worth, share of the agency's limit and months of
    monthly billing (those given), rounded down to ``limit_rounding``; None without a class
    or a source."""
    if credit_class not in CLASSES:
        return None
    cands = []
    if tangible_net_worth is not None:
        cands.append(max(tangible_net_worth, D(0)) * policy.tnw_share[credit_class])
    if agency_limit is not None:
        cands.append(agency_limit * policy.agency_share[credit_class])
    if monthly_billing is not None and monthly_billing > 0:
        cands.append(monthly_billing * policy.billing_months[credit_class])
    if not cands:
        return None
    return _floor_to(min(cands), policy.limit_rounding)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months (the 31st becomes the month's last day)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def review_date(credit_class: str, as_of: dt.date, scheduled: dt.date | None = None,
                policy: Policy = DEFAULT_POLICY) -> dt.date | None:
    """Next review: as-of + the class's interval, or the scheduled date when earlier."""
    if credit_class not in CLASSES:
        return scheduled
    due = add_months(as_of, policy.review_months[credit_class])
    return min(due, scheduled) if scheduled is not None else due
