"""Customers' "we paid" claims (CONTRACT §6 "Payment claims"): ranked candidate payments and
where each went.  Engine in :mod:`.research`, the ``Claim Research`` sheet in :mod:`.sheets`,
the ``Claims`` sheet's button in :mod:`.action`; the command is ``xl-collections claim``."""
from .research import (APPLIED_ELSEWHERE, APPLIED_TO_CLAIMED, CSV_COLUMNS, NOT_FOUND, RETURNED, UNAPPLIED, WHERE,
                       Claim, ClaimResult, PaymentIndex, index_payments, research, research_claims)

__all__ = ["APPLIED_ELSEWHERE", "APPLIED_TO_CLAIMED", "CSV_COLUMNS", "NOT_FOUND", "RETURNED", "UNAPPLIED", "WHERE",
           "Claim", "ClaimResult", "PaymentIndex", "index_payments", "research", "research_claims"]
