"""Allowance for doubtful accounts and write-off proposals (CONTRACT §6 "Allowance").

``compute_allowance(tables, settings, as_of)`` -> ``(AllowanceResult, errors)``: the provision
matrix from the company's own aging history (roll rates over the look-back, loss rates per
bucket, a forward-looking factor), specific reserves for bankrupt and disputed items, the
movement and the journal entry, and the items to propose for write-off.

Modules: :mod:`.history` (the month-end aging snapshots), :mod:`.rolls` (roll and loss rates),
:mod:`.provision` (specific reserves, collective provision), :mod:`.movement` (movement,
journal, write-off postings), :mod:`.proposals` (proposal rules, approvals), :mod:`.engine`.
"""
from .engine import AllowanceResult, compute_allowance

__all__ = ["AllowanceResult", "compute_allowance"]
