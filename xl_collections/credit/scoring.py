"""The credit score: each input scored 0–100, a weighted average, a class ``A``–``E``, a
recommended limit and the next review date.  Every weight and threshold is here, on
:class:`Policy` (defaults documented in the README, section "Credit scoring").

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
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from ..core.money import round_half_away

CLASSES = ("A", "B", "C", "D", "E")
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


def _f(name, label, weight, *points) -> Factor:
    return Factor(name, label, D(weight), tuple((D(str(a)), D(str(b))) for a, b in points))


FACTORS: tuple[Factor, ...] = (
    _f("altman_z", "Altman Z''", 20, (0, 0), (1.10, 30), (2.60, 70), (4.00, 100)),
    _f("current_ratio", "current ratio", 7, (0.5, 0), (1.0, 40), (1.5, 70), (2.0, 100)),
    _f("equity_ratio", "equity ratio", 7, (0, 0), (0.2, 40), (0.4, 75), (0.6, 100)),
    _f("interest_cover", "interest cover", 6, (1, 0), (3, 60), (6, 100)),
    # lower is better: days late, share paid late, days past due now
    _f("add_days", "average days late", 15, (0, 100), (5, 85), (15, 60), (30, 30), (60, 0)),
    _f("pct_paid_late", "share paid late", 10, (0, 100), (0.25, 70), (0.50, 40), (1, 0)),
    _f("max_days_past_due", "days past due now", 10, (0, 100), (15, 80), (30, 60), (60, 30), (90, 0)),
    _f("paydex", "PAYDEX", 15, (20, 0), (50, 40), (70, 70), (80, 100)),
    _f("failure_score", "failure score", 10, (1, 0), (50, 60), (100, 100)),
)


@dataclass(frozen=True)
class Policy:
    """Weights, thresholds and limits of the credit score (all defaults documented in the
    README).  Shares are Decimal fractions (0.10 = 10 %)."""
    factors: tuple[Factor, ...] = FACTORS
    class_floors: tuple[tuple[str, Decimal], ...] = (("A", D(80)), ("B", D(65)), ("C", D(50)), ("D", D(35)))
    tnw_share: dict = field(default_factory=lambda: {"A": D("0.10"), "B": D("0.075"), "C": D("0.05"),
                                                     "D": D("0.025"), "E": D(0)})
    agency_share: dict = field(default_factory=lambda: {"A": D(1), "B": D(1), "C": D("0.75"), "D": D("0.50"),
                                                        "E": D(0)})
    billing_months: dict = field(default_factory=lambda: {"A": D(3), "B": D(2), "C": D("1.5"), "D": D(1), "E": D(0)})
    review_months: dict = field(default_factory=lambda: {"A": 12, "B": 12, "C": 6, "D": 3, "E": 1})
    limit_rounding: Decimal = D(1000)         # recommended limits are whole thousands (major units)
    lookback_days: int = 365                  # payment history and billing looked at
    trend_days: int = 90                      # recent window of the payment trend
    trend_change_days: Decimal = D(5)         # days late more (less) than before: worsening (improving)
    min_weight: Decimal = D(25)               # a class needs factors of at least this much weight

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)


DEFAULT_POLICY = Policy()


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
        if x is None:
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
