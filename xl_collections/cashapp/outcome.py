"""What a rule proposes for one payment: an :class:`Outcome` of :class:`Allocation` s, one per
document.  Money is int minor units of the payment's currency.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Allocation:
    """Payment cash to one open item (``item``: its position in the run's open-item index).
    ``applied`` is cash; ``discount``, ``write_off`` and ``deduction`` are not, and with it make
    up what the allocation clears from the document."""
    item: int
    applied: int
    discount: int = 0
    write_off: int = 0
    deduction: int = 0
    reason_code: str = ""
    evidence: str = ""


@dataclass
class Outcome:
    """A rule's finding for one payment: its allocations (none when it found only problems),
    confidence in [0, 1], evidence, and what to do with cash left over."""
    rule: str
    allocs: list[Allocation]
    confidence: float
    evidence: list[str] = field(default_factory=list)
    customer: str = ""
    ambiguous: bool = False
    review_reason: str = "REVIEW"
    excess_reason: str = "ON_ACCOUNT"
    excess_detail: str = ""
    exceptions: list[tuple[str, str]] = field(default_factory=list)
    amount_confirmed: bool = False      # the amount equals the documents' open amount (less earned discount)
    overridable: bool = False           # a later rule that can be applied may replace this proposal
    review_only: bool = False           # never AUTO (an FX difference a person must book)
    manual: bool = False                # a person accepted it (decision ACCEPT): applied as given
