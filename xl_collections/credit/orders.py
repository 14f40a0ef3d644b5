"""Order decisions: RELEASE / FLEX / HOLD for every open order (CONTRACT §6).

Orders with status ``OPEN`` are decided per customer in (``order_date``, ``order_no``) order,
starting from ``exposure_before = open_ar + Σ SHIPPED_NOT_BILLED``;
``exposure_after = exposure_before + amount``.

- ``HOLD`` when the customer has no credit limit, or its class is ``E``, or it has more than
  ``CreditHoldDaysPastDue`` days past due with past due above ``CreditHoldMinPastDue``, or
  ``exposure_after > credit_limit × (1 + CreditFlexPct)``, or ``CreditHoldReturnedItems``
  payments came back within twelve months;
- else ``FLEX`` when ``exposure_after > credit_limit`` or it has more than
  ``CreditGraceDays`` days past due;
- else ``RELEASE``.

A released or flexed order adds its amount to the next order's ``exposure_before``; a held
one does not.  ``reasons`` names every rule that fired, each as ``CODE: words for a sales
rep`` joined by ``; `` (codes ``NO_LIMIT``, ``CLASS_E``, ``PAST_DUE_HOLD``, ``OVER_FLEX``,
``RETURNED_PAYMENTS``, ``OVER_LIMIT``, ``PAST_DUE_GRACE``).  Amounts are integer minor units
of the reporting currency.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..core.money import money_text as fmt
from ..core.settings import Settings

RELEASE, FLEX, HOLD = "RELEASE", "FLEX", "HOLD"
COLUMNS = ("order_no", "customer_id", "amount", "exposure_before", "exposure_after", "decision", "reasons")


@dataclass(frozen=True)
class CustomerCredit:
    """What the order rules need to know of one customer (money: reporting minor units)."""
    credit_limit: int | None
    risk_class: str
    max_days_past_due: int
    past_due: int
    oldest_document: str = ""
    returned_payments: int = 0


def flex_ceiling(credit_limit: int, flex: Decimal) -> Decimal:
    """``credit_limit × (1 + flex)`` exactly (minor units, not rounded)."""
    return Decimal(int(credit_limit)) * (1 + flex)


def _pct(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def decide(amount: int, exposure_before: int, c: CustomerCredit, s: Settings) -> tuple[str, list[str]]:
    """Decision and reasons for one order of ``amount`` given ``exposure_before``."""
    cur = s.reporting_currency
    after = exposure_before + amount
    hold, flex = [], []
    if c.credit_limit is None:
        hold.append("NO_LIMIT: no credit limit set for this customer")
    if c.risk_class == "E":
        hold.append("CLASS_E: risk class E")
    on = f" on {c.oldest_document}" if c.oldest_document else ""
    if c.max_days_past_due > s.credit_hold_days_past_due and c.past_due > s.credit_hold_min_past_due:
        hold.append(f"PAST_DUE_HOLD: {c.max_days_past_due} days past due{on} (hold after "
                    f"{s.credit_hold_days_past_due} days), {fmt(c.past_due, cur)} past due")
    elif c.max_days_past_due > s.credit_grace_days:
        flex.append(f"PAST_DUE_GRACE: {c.max_days_past_due} days past due{on} (grace {s.credit_grace_days} days)")
    if c.returned_payments >= s.credit_hold_returned_items:
        hold.append(f"RETURNED_PAYMENTS: {c.returned_payments} payments returned in the last twelve months "
                    f"(hold from {s.credit_hold_returned_items})")
    if c.credit_limit is not None:
        limit = int(c.credit_limit)
        over = after - limit
        if Decimal(after) > flex_ceiling(limit, s.credit_flex_pct):
            hold.append(f"OVER_FLEX: over limit by {fmt(over, cur)} (limit {fmt(limit, cur)}, "
                        f"flex allows {_pct(s.credit_flex_pct)})")
        elif after > limit:
            flex.append(f"OVER_LIMIT: over limit by {fmt(over, cur)} (limit {fmt(limit, cur)}, "
                        f"within the {_pct(s.credit_flex_pct)} flex)")
    if hold:
        return HOLD, hold + flex
    if flex:
        return FLEX, flex
    room = f"; {fmt(int(c.credit_limit) - after, cur)} of the limit left" if c.credit_limit is not None else ""
    return RELEASE, [f"within limit and terms{room}"]


def decide_orders(orders: pd.DataFrame, amounts: np.ndarray, start: dict[str, int],
                  credit: dict[str, CustomerCredit], settings: Settings) -> pd.DataFrame:
    """Every ``OPEN`` order of ``orders`` decided; ``amounts``: each order's amount in
    reporting minor units (aligned with ``orders``); ``start``: customer -> ``open_ar + Σ
    SHIPPED_NOT_BILLED``; ``credit``: customer -> :class:`CustomerCredit`.  Rows in decision
    order (customer, order date, order number): :data:`COLUMNS`, then ``order_date``."""
    is_open = (orders["status"] == "OPEN").to_numpy()
    todo = pd.DataFrame({"order_no": orders["order_no"].astype(str).to_numpy()[is_open],
                         "customer_id": orders["customer_id"].astype(str).to_numpy()[is_open],
                         "order_date": orders["order_date"].to_numpy()[is_open],
                         "amount": np.asarray(amounts, dtype="int64")[is_open]})
    todo = todo.sort_values(["customer_id", "order_date", "order_no"], kind="stable")
    rows = []
    none = CustomerCredit(None, "", 0, 0)
    running: dict[str, int] = {}
    for order_no, cid, amount in zip(todo["order_no"], todo["customer_id"], todo["amount"]):
        before = running.get(cid, start.get(cid, 0))
        decision, reasons = decide(int(amount), before, credit.get(cid, none), settings)
        after = before + int(amount)
        if decision != HOLD:
            running[cid] = after
        else:
            running[cid] = before
        rows.append((order_no, cid, int(amount), before, after, decision, "; ".join(reasons)))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["order_date"] = pd.Series(todo["order_date"].to_numpy(), dtype="datetime64[ns]")
    for c in ("amount", "exposure_before", "exposure_after"):
        out[c] = out[c].astype("int64")
    out.attrs = {"money": ["amount", "exposure_before", "exposure_after"], "currency": settings.reporting_currency}
    return out
