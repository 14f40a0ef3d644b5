"""Deterministic demo AR book: customers, open items, the month's payments with messy
remittance text, register/ledger/GL with planted breaks, activity, FX rates — and the
ground truth to score cash application and reconciliation against.

>>> from xl_collections.demo import generate, write_csv
>>> book = generate(items=3000, seed=7)          # doctest: +SKIP
>>> write_csv(book, "demo_out")                  # doctest: +SKIP

See ``docs/demo.md`` for what is planted and the noise mix.
"""
from .book import MONEY_COLUMNS, TABLE_NAMES, DemoBook, generate, write_csv
from .cash import NOISE_MIX, PAYER_ACCOUNT_MIX, PAYER_NAME_MIX
from .ledgers import BREAK_TYPES

__all__ = ["generate", "write_csv", "DemoBook", "NOISE_MIX", "PAYER_NAME_MIX", "PAYER_ACCOUNT_MIX",
           "BREAK_TYPES", "TABLE_NAMES", "MONEY_COLUMNS"]
