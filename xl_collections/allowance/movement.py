"""The allowance's movement for the period and the journal entries (CONTRACT §6 "Allowance").

``closing = collective + specific``; ``charge = closing − opening + write_offs − recoveries``,
so ``closing = opening − write_offs + recoveries + charge``.  ``write_offs`` and ``recoveries``
are positive magnitudes booked in the as-of period (``write_offs`` rows with a positive amount,
and with a negative amount, sign turned).  The journal debits bad-debt expense and credits the
allowance by the charge (the other way round when the charge is negative); an approved
write-off debits the allowance and credits receivables.  Money is integer minor units of the
reporting currency.
"""
from __future__ import annotations

import pandas as pd

MOVEMENT_LINES = ("opening", "write_offs", "recoveries", "charge", "closing")


def charge_for(opening: int, closing: int, write_offs: int, recoveries: int) -> int:
    return closing - opening + write_offs - recoveries


def movement(opening: int, write_offs: int, recoveries: int, closing: int, currency: str) -> pd.DataFrame:
    """``line, amount`` in the order of :data:`MOVEMENT_LINES`."""
    charge = charge_for(opening, closing, write_offs, recoveries)
    out = pd.DataFrame({"line": list(MOVEMENT_LINES),
                        "amount": pd.array([opening, write_offs, recoveries, charge, closing], dtype="int64")})
    out.attrs = {"money": ["amount"], "currency": currency}
    return out


def journal(charge: int, *, expense_account: str, allowance_account: str, period: str, currency: str) -> pd.DataFrame:
    """``account, debit, credit, memo``: two balanced lines, none when the charge is 0."""
    rows = []
    if charge > 0:
        memo = f"Allowance for doubtful accounts {period}: charge for the period"
        rows = [(expense_account, charge, 0, memo), (allowance_account, 0, charge, memo)]
    elif charge < 0:
        memo = f"Allowance for doubtful accounts {period}: release for the period"
        rows = [(allowance_account, -charge, 0, memo), (expense_account, 0, -charge, memo)]
    out = pd.DataFrame(rows, columns=["account", "debit", "credit", "memo"])
    out["account"] = out["account"].astype(object)
    out["debit"] = out["debit"].astype("int64")
    out["credit"] = out["credit"].astype("int64")
    out.attrs = {"money": ["debit", "credit"], "currency": currency}
    return out


POSTING_COLUMNS = ("posting_date", "period", "customer_id", "document_no", "currency", "amount", "reporting_amount",
                   "debit_account", "credit_account", "reason_code", "approver", "approved_on", "text")


def postings(written_off: pd.DataFrame, period: str, as_of, *, ar_account: str, allowance_account: str,
             currency: str) -> pd.DataFrame:
    """One line per write-off approved for ``period`` (``written_off`` rows): the document's open
    amount in its own currency (``amount``) and in the reporting currency, debit the allowance,
    credit receivables."""
    w = written_off[written_off["period"] == period]
    out = pd.DataFrame({
        "posting_date": pd.Timestamp(as_of).normalize(),
        "period": w["period"].to_numpy(dtype=object),
        "customer_id": w["customer_id"].to_numpy(dtype=object),
        "document_no": w["document_no"].to_numpy(dtype=object),
        "currency": w["currency"].to_numpy(dtype=object),
        "amount": w["item_amount"].to_numpy(dtype="int64"),
        "reporting_amount": w["amount"].to_numpy(dtype="int64"),
        "debit_account": allowance_account,
        "credit_account": ar_account,
        "reason_code": w["reason_code"].to_numpy(dtype=object),
        "approver": w["approver"].to_numpy(dtype=object),
        "approved_on": w["approved_on"].to_numpy(dtype=object),
        "text": [f"Write-off {d} ({r}) against the allowance" for d, r in zip(w["document_no"], w["reason_code"])],
    }, columns=list(POSTING_COLUMNS))
    out["posting_date"] = out["posting_date"].astype("datetime64[ns]")
    out.attrs = {"money": ["amount", "reporting_amount"], "currency": currency,
                 "money_currency": {"reporting_amount": currency}}
    return out
