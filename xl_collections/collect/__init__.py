"""Collections: promises to pay, disputes and deductions, the worklist and large balances.

:func:`collections` is the engine the ``worklist`` command and the close step run: a pure
function of the canonical tables, the settings and the as-of date (no files, no clock).

* :mod:`.cash` — applied cash (``AUTO`` applications of this and earlier runs) and cleared
  documents, the cash that meets promises;
* :mod:`.promises` — every promise to pay and its status (KEPT / PARTIAL / BROKEN / PENDING);
* :mod:`.disputes` — one case per disputed item or deduction, SLA, deduction checks;
* :mod:`.worklist` — the ranked worklist (priority score, escalation, next action) and the
  large-balance report.

Money is integer minor units of the reporting currency throughout.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..ar.aging import AgingResult, age
from ..core.errors import InputError
from .cash import applied_cash
from .disputes import deduction_checks, dispute_cases
from .promises import evaluate_promises, kept_pct, kept_rates
from .worklist import build_worklist, large_balances


@dataclass(frozen=True)
class CollectionsResult:
    """``worklist``, ``promises``, ``disputes`` (with ``check``/``check_detail``),
    ``large_balances`` (CONTRACT §4 columns first); ``kept_by_collector`` (promises kept per
    collector); ``promises_kept_pct`` (fraction of judged promises kept, None when none)."""
    worklist: pd.DataFrame
    promises: pd.DataFrame
    disputes: pd.DataFrame
    large_balances: pd.DataFrame
    kept_by_collector: pd.DataFrame
    promises_kept_pct: float | None
    currency: str


def due_date_aging(open_items: pd.DataFrame, *, as_of: dt.date, settings, customers=None, fx_rates=None,
                   aging: AgingResult | None = None) -> AgingResult:
    """The aging by due date the collections rules count past due with (an aging already
    made on that basis is reused)."""
    if aging is not None and aging.basis == "due" and aging.as_of == as_of:
        return aging
    return age(open_items, as_of, customers=customers, fx_rates=fx_rates, buckets=settings.aging_buckets,
               basis="due", reporting_currency=settings.reporting_currency)


def collections(open_items: pd.DataFrame, settings, as_of: dt.date, *, customers: pd.DataFrame | None = None,
                activity: pd.DataFrame | None = None, applications: pd.DataFrame | None = None,
                payments: pd.DataFrame | None = None, cleared: pd.DataFrame | None = None,
                returns: pd.DataFrame | None = None, fx_rates: pd.DataFrame | None = None,
                aging: AgingResult | None = None, resolutions: dict | None = None,
                cash: pd.DataFrame | None = None, promises: pd.DataFrame | None = None
                ) -> tuple[CollectionsResult, list[InputError]]:
    """Promises, dispute cases, the worklist and the large balances at ``as_of``.

    ``open_items``: the open items after cash (the close's ``open_items_after``);
    ``applications``: cash applications of this run and earlier ones (AUTO rows count);
    ``payments``: fills an application's value date and customer; ``cleared``: the
    ``cleared_items`` history; ``returns``: a ``returns.csv``; ``resolutions``: case_id ->
    resolution the user recorded on ``Disputes``; ``cash`` / ``promises``: what
    :func:`applied_cash` / :func:`evaluate_promises` give for these inputs, when the caller has
    them already (``promises`` is not changed).  Returns ``(result, errors)``."""
    cur = settings.reporting_currency
    res = due_date_aging(open_items, as_of=as_of, settings=settings, customers=customers, fx_rates=fx_rates,
                         aging=aging)
    detail = res.detail
    detail.attrs["reporting_currency"] = cur
    if cash is None:
        cash = applied_cash(applications, payments=payments, cleared=cleared, fx_rates=fx_rates, as_of=as_of,
                            reporting_currency=cur)
    if promises is None:
        promises = evaluate_promises(activity, cash, as_of=as_of, grace_days=settings.promise_grace_days, currency=cur)
    else:
        promises = promises.copy()           # its collector column is filled in below
    collectors = {}
    if customers is not None and len(customers) and "collector" in customers.columns:
        collectors = dict(zip(customers["customer_id"], customers["collector"].fillna("")))
    cases = dispute_cases(detail, activity, as_of=as_of, response_days=settings.dispute_response_days,
                          collectors=collectors, resolutions=resolutions)
    checks = deduction_checks(cases, detail, cleared=cleared, currency=cur)
    cases = pd.concat([cases, checks], axis=1)
    cases.attrs = {"money": ["amount"], "currency": cur}
    if len(promises) and collectors:
        promises["collector"] = [c or collectors.get(k, "") for c, k in zip(promises["collector"], promises["customer_id"])]
    work = build_worklist(detail, as_of=as_of, settings=settings, customers=customers, activity=activity,
                          promises=promises, cases=cases, returns=returns)
    big = large_balances(detail, as_of=as_of, threshold=settings.large_balance_threshold, currency=cur,
                         customers=customers, cash=cash, promises=promises, cases=cases, activity=activity)
    result = CollectionsResult(worklist=work, promises=promises, disputes=cases, large_balances=big,
                               kept_by_collector=kept_rates(promises, "collector"),
                               promises_kept_pct=kept_pct(promises), currency=cur)
    return result, []


__all__ = ["collections", "CollectionsResult", "applied_cash", "evaluate_promises", "dispute_cases",
           "deduction_checks", "build_worklist", "large_balances", "kept_rates", "kept_pct"]
