"""Dunning letters and statements of account (CONTRACT §6 "Dunning", §4 ``dunning`` and
``statement``): the policy (:mod:`.policy`, pure), statement data (:mod:`.statement`, pure),
what documents say (:mod:`.documents`), templates (:mod:`.templates`) and one renderer per
format (:mod:`.pdf`, :mod:`.word`, :mod:`.eml`, :mod:`.workbook`; :mod:`.render` runs them)."""
from .policy import DunningProposal, history_table, propose
from .render import LETTER_FORMATS, STATEMENT_FORMATS, render_letters, render_statements
from .statement import Statement, statements

__all__ = ["DunningProposal", "propose", "history_table", "Statement", "statements", "render_letters",
           "render_statements", "LETTER_FORMATS", "STATEMENT_FORMATS"]
