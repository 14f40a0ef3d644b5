"""The confidence table of cash application (documented in docs/cashapp.md): one place for
the engine's rules (:mod:`.rules`, :mod:`.amount_rules`) and the ``XLC_MATCH`` worksheet functions (:mod:`.match`).

``C_*`` are a rule's confidence in [0, 1]; ``F_*`` are factors applied to it (the amount
confirms, is off, was stated by the payer).  A match is applied automatically when its
confidence reaches ``AutoApplyMinConfidence`` (default 0.90).
"""
from __future__ import annotations

from functools import lru_cache

# document numbers in the reference: exact key, digits of a prefixed number, a short key (< 5
# characters), an OCR-style variant, a one-character typo
C_EXACT, C_TAIL, C_SHORT_KEY, C_OCR, C_TYPO = 0.99, 0.97, 0.90, 0.95, 0.93
# the amount: equal to the open amount, within tolerance, off but confirmed by the payer /
# unconfirmed, more than half short, the difference stated in the reference
F_AMOUNT_EQUAL, F_TOLERANCE = 1.0, 0.99
F_OFF_CONFIRMED, F_OFF_UNCONFIRMED, F_LARGE_SHORT, F_STATED = 0.96, 0.88, 0.85, 0.97
C_REMIT, C_REMIT_FUZZY = 0.99, 0.93
C_PO, C_PO_COMBO = 0.95, 0.92
C_AMT_EXACT, C_AMT_DISCOUNT, C_AMT_ALL, C_AMT_COMBO, C_AMT_TOL = 0.95, 0.94, 0.95, 0.93, 0.88
# the payer's only item (or combination) within tolerance of the payment: short written off / over on account
C_AMT_TOL_ONE = 0.93
C_AMOUNT_ONLY = 0.5
C_CONFLICT = 0.6
C_FX = 0.85             # a payment in another currency than its documents: at most this, and never AUTO


@lru_cache(maxsize=1024)         # a run asks about a handful of distinct values, tens of thousands of times
def reported(confidence: float) -> float:
    """A rule's confidence as reported and compared with AutoApplyMinConfidence: in [0, 1], 3 decimals."""
    return round(max(0.0, min(1.0, confidence)), 3)
