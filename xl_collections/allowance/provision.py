"""Specific reserves and the collective provision per bucket (CONTRACT §6 "Allowance").

Specific reserves: a receivable item (``INV``, ``DM``, ``DED``, open > 0) with reason code
``BANKRUPT`` is reserved at ``AllowanceBankruptPct``, one with status ``DISPUTED`` at
``AllowanceDisputedPct``; an item that is both is reserved once, at the bankrupt rate.  An item
whose rate is 0 % has no specific reserve and stays in the collective base.

Collective provision per bucket = the bucket's balance of the other receivable items ×
``loss_rate(b)`` × ``AllowanceForwardFactor`` (never more than the balance), rounded half away
from zero to the minor unit.  Money is integer minor units of the reporting currency.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..core.money import round_half_away

BANKRUPT, DISPUTED = "BANKRUPT", "DISPUTED"


def apply_rate(minor: int, rate: Decimal) -> int:
    """``minor × rate`` rounded half away from zero to whole minor units."""
    return int(round_half_away(Decimal(int(minor)) * rate))


def specific_reserves(items: pd.DataFrame, bankrupt_pct: Decimal, disputed_pct: Decimal) -> pd.DataFrame:
    """``items``: receivable rows of an aging detail.  One row per reserved item:
    ``customer_id, document_no, open_amount, reason, pct, reserve`` (then ``customer_name``,
    ``bucket``, ``days_past_due``), largest reserve first."""
    bankrupt = items["reason_code"] == BANKRUPT
    disputed = items["status"] == DISPUTED
    reason = pd.Series("", index=items.index, dtype=object)
    reason[disputed] = DISPUTED
    reason[bankrupt] = BANKRUPT
    pct = reason.map({BANKRUPT: bankrupt_pct, DISPUTED: disputed_pct})
    take = (reason != "") & pct.map(lambda p: p is not None and p > 0).astype(bool)
    sel = items[take]
    out = pd.DataFrame({
        "customer_id": sel["customer_id"].to_numpy(dtype=object),
        "document_no": sel["document_no"].to_numpy(dtype=object),
        "open_amount": sel["reporting_amount"].to_numpy(dtype="int64"),
        "reason": reason[take].to_numpy(dtype=object),
        "pct": pct[take].to_numpy(dtype=object),
        "reserve": [apply_rate(a, p) for a, p in zip(sel["reporting_amount"], pct[take])],
        "customer_name": (sel["customer_name"] if "customer_name" in sel else pd.Series("", index=sel.index)).to_numpy(dtype=object),
        "bucket": sel["bucket"].astype(str).to_numpy(dtype=object),
        "days_past_due": sel["days_past_due"].to_numpy(dtype="int64"),
    })
    out["reserve"] = out["reserve"].astype("int64")
    out = out.sort_values(["reserve", "customer_id", "document_no"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


def collective(items: pd.DataFrame, labels, rolls: pd.DataFrame, factor: Decimal) -> pd.DataFrame:
    """``items``: the receivable rows without a specific reserve; ``rolls``: the roll table of
    :func:`~xl_collections.allowance.rolls.roll_rates`.  One row per bucket: ``bucket, balance,
    roll_rate, loss_rate, provision`` (the CONTRACT columns), then ``applied_rate`` (loss rate ×
    factor, at most 1), ``roll_source``, ``items``."""
    bal = items.groupby(items["bucket"].astype(str))["reporting_amount"].agg(["sum", "count"])
    r = rolls.set_index("bucket")
    rows = []
    for lab in labels:
        balance = int(bal["sum"].get(lab, 0))
        loss = r.at[lab, "loss_rate"]
        applied = min(loss * factor, Decimal(1))
        rows.append({"bucket": lab, "balance": balance, "roll_rate": r.at[lab, "roll_rate"], "loss_rate": loss,
                     "provision": apply_rate(balance, applied), "applied_rate": applied,
                     "roll_source": r.at[lab, "source"], "items": int(bal["count"].get(lab, 0))})
    out = pd.DataFrame(rows)
    out["balance"] = out["balance"].astype("int64")
    out["provision"] = out["provision"].astype("int64")
    return out
