"""What cash application returns: :class:`CashAppResult` and its tables' columns (the
contract's first, CONTRACT §4).  Money is integer minor units of each row's ``currency``;
``attrs["money"]`` names each table's money columns.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# CONTRACT §4 order (everything a later run needs to judge an application), then the evidence
APPLICATION_COLUMNS = ["payment_id", "document_no", "customer_id", "applied_amount", "rule", "confidence",
                       "status", "open_before", "write_off_amount", "discount_amount", "deduction_amount",
                       "value_date", "payment_amount", "payer_account", "bank_reference", "end_to_end_id",
                       "return_id", "evidence", "currency", "reason_code", "run_id"]
APPLICATION_MONEY = ["applied_amount", "open_before", "write_off_amount", "discount_amount", "deduction_amount",
                     "payment_amount"]
UNAPPLIED_COLUMNS = ["payment_id", "amount_unapplied", "reason", "currency", "payer_name", "reference",
                     "detail", "customer_id"]
EXCEPTION_COLUMNS = ["payment_id", "reason", "detail", "customer_id", "document_no"]
DEDUCTION_COLUMNS = ["customer_id", "document_no", "related_document_no", "amount", "reason_code",
                     "payment_id", "currency", "value_date"]
POSTING_COLUMNS = ["payment_id", "posting_type", "customer_id", "document_no", "amount", "currency",
                   "value_date", "text"]


@dataclass(frozen=True)
class CashAppResult:
    """Result tables of :func:`apply_cash` (money: int minor units of the row's currency)."""
    applications: pd.DataFrame
    unapplied: pd.DataFrame
    exceptions: pd.DataFrame
    deductions: pd.DataFrame
    open_items_after: pd.DataFrame
    posting: pd.DataFrame
    card_batches: pd.DataFrame | None = None     # with a card settlement report: one row per batch
    returns: pd.DataFrame | None = None          # with returned items among the inputs: one row per item

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result files of the ``cashapp`` command, by name."""
        out = {"applications": self.applications, "unapplied": self.unapplied, "exceptions": self.exceptions,
               "deductions": self.deductions, "posting": self.posting}
        if self.card_batches is not None:
            out["card_batches"] = self.card_batches
        if self.returns is not None:
            out["returns"] = self.returns
        return out
