"""Cash application: match payments to open items and explain every match.

``apply_cash(open_items, payments, ...)`` is the entry point (CONTRACT §4); the reference
reading lives in :mod:`.refs` (``normalise_document_no`` is shared with reconciliation).
"""
from .engine import CashAppResult, apply_cash
from .refs import normalise_document_no, ocr_key, reason_code

__all__ = ["CashAppResult", "apply_cash", "normalise_document_no", "ocr_key", "reason_code"]
