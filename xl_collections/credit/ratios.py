"""Ratios of a customer's financial statements, and Altman's Z'' score.

A :class:`Statement` holds one fiscal year in **Decimal major units of its currency, already
multiplied by its ``scale``** (a statement "in thousands" of 1,250 cash holds 1,250,000).
Ratios are unitless, days are days, ``tangible_net_worth`` is money in the statement's
currency (converted to the reporting currency by the caller).

Altman Z'' (private and non-manufacturing firms; Altman 1995, CONTRACT §6)::

    Z'' = 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4
    X1 = (current assets − current liabilities) / total assets
    X2 = retained earnings / total assets
    X3 = EBIT / total assets
    X4 = book equity / total liabilities

Zones from the unrounded value: ``SAFE`` above 2.60, ``GREY`` from 1.10 to 2.60 (both
included), ``DISTRESS`` below 1.10.  Z'' is shown to two decimals.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..ar.kpi import dso as _days_of
from ..core.money import round_half_away

SAFE, GREY, DISTRESS = "SAFE", "GREY", "DISTRESS"
SAFE_ABOVE = Decimal("2.60")
DISTRESS_BELOW = Decimal("1.10")
COEFFICIENTS = (Decimal("6.56"), Decimal("3.26"), Decimal("6.72"), Decimal("1.05"))
YEAR_DAYS = 365
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Statement:
    """One fiscal year of a customer's statements (Decimal major units × scale; None = not given)."""
    current_assets: Decimal
    current_liabilities: Decimal
    total_assets: Decimal
    total_liabilities: Decimal
    retained_earnings: Decimal
    equity: Decimal
    ebit: Decimal | None = None
    revenue: Decimal | None = None
    cost_of_sales: Decimal | None = None
    interest_expense: Decimal | None = None
    net_income: Decimal | None = None
    cash: Decimal | None = None
    accounts_receivable: Decimal | None = None
    inventory: Decimal | None = None
    intangible_assets: Decimal | None = None
    accounts_payable: Decimal | None = None


def altman_z(current_assets, current_liabilities, total_assets, total_liabilities, retained_earnings, ebit,
             equity) -> Decimal | None:
    """Z'' unrounded; None when it is undefined (total assets or total liabilities not
    positive, or EBIT not given).  Any consistent unit: the ratios cancel it."""
    if ebit is None or total_assets is None or total_liabilities is None:
        return None
    ta, tl = Decimal(total_assets), Decimal(total_liabilities)
    if ta <= 0 or tl <= 0:
        return None
    x = ((Decimal(current_assets) - Decimal(current_liabilities)) / ta, Decimal(retained_earnings) / ta,
         Decimal(ebit) / ta, Decimal(equity) / tl)
    return sum((c * xi for c, xi in zip(COEFFICIENTS, x)), Decimal(0))


def zone(z: Decimal | None) -> str:
    """``SAFE`` (> 2.60), ``GREY`` (1.10 … 2.60), ``DISTRESS`` (< 1.10); '' when Z'' is undefined."""
    if z is None:
        return ""
    if z > SAFE_ABOVE:
        return SAFE
    return DISTRESS if z < DISTRESS_BELOW else GREY


def shown(z: Decimal | None) -> Decimal | None:
    """Z'' as reported: two decimals, half away from zero."""
    return None if z is None else round_half_away(z, 2)


def _div(a, b) -> Decimal | None:
    if a is None or b is None or b == 0:
        return None
    return Decimal(a) / Decimal(b)


@dataclass(frozen=True)
class Ratios:
    """The ratios of one statement (None where a figure is missing or a denominator is zero).

    ``debt_to_equity`` is total liabilities / equity (negative when equity is: ``negative_equity``
    says so; None when equity is zero); ``equity_ratio`` is equity / total assets;
    ``interest_cover`` is EBIT / interest expense, None when
    there is no interest to cover; ``dso``/``dpo`` are days (receivables / revenue × 365,
    payables / cost of sales × 365); ``tangible_net_worth`` = equity − intangible assets."""
    current_ratio: Decimal | None
    quick_ratio: Decimal | None
    debt_to_equity: Decimal | None
    equity_ratio: Decimal
    negative_equity: bool
    interest_cover: Decimal | None
    dso: Decimal | None
    dpo: Decimal | None
    tangible_net_worth: Decimal
    altman_z: Decimal | None
    altman_zone: str


def ratios(s: Statement) -> Ratios:
    """Every ratio of ``s``."""
    quick_assets = s.current_assets - s.inventory if s.inventory is not None else (
        s.cash + s.accounts_receivable if s.cash is not None and s.accounts_receivable is not None else None)
    z = altman_z(s.current_assets, s.current_liabilities, s.total_assets, s.total_liabilities,
                 s.retained_earnings, s.ebit, s.equity)
    return Ratios(
        current_ratio=_div(s.current_assets, s.current_liabilities),
        quick_ratio=_div(quick_assets, s.current_liabilities),
        debt_to_equity=_div(s.total_liabilities, s.equity),
        equity_ratio=s.equity / s.total_assets,
        negative_equity=s.equity <= 0,
        interest_cover=_div(s.ebit, s.interest_expense) if s.interest_expense else None,
        dso=None if s.accounts_receivable is None or not s.revenue else _days_of(s.accounts_receivable, s.revenue,
                                                                                YEAR_DAYS),
        dpo=None if s.accounts_payable is None or not s.cost_of_sales else _days_of(s.accounts_payable,
                                                                                   s.cost_of_sales, YEAR_DAYS),
        tangible_net_worth=s.equity - (s.intangible_assets or 0),
        altman_z=z,
        altman_zone=zone(z),
    )
