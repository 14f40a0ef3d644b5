"""The ``Claims`` sheet's button, *Research claims* (CONTRACT §3 ``Claims`` → ``Claim Research``):
every claim on ``Claims`` answered from the book's ``Payments``, ``Cash App`` (the applications
of every close so far, ``REVERSED`` rows for returned payments) and ``Open Items``, written to the
program's ``Claim Research`` sheet.  Not a step of the close (CONTRACT §4 ``--steps`` lists
none): a claim is researched when someone asks, and the ``Audit Log`` records closes only.

Only the tables claims need are judged: a problem on another input sheet (an order, a
financial statement) does not stop the research; a problem on ``Claims``, ``Payments``,
``Open Items``, ``Settings`` or ``Column Map`` does, with nothing written — in live Excel the
problems are listed on ``Claim Research`` and in the status bar instead.
"""
from __future__ import annotations

import pandas as pd

from ..book import OwnedSheetsOnly, SheetOutput, TableBlock, as_workbook
from ..cashapp.step import prior_applications
from ..core.errors import InputError, InputErrors
from ..close.inputs import read_workbook_inputs
from .research import index_payments, research_claims as _research
from .sheets import CLAIMS_SHEET, RESEARCH_SHEET, claim_research_output

NEEDED = frozenset({"", "settings", "claims", "payments", "open_items"})     # "": the Column Map


def _needed(e: InputError) -> bool:
    """A problem that stops the research: in a table claims read, but not a blank as-of date."""
    return e.table in NEEDED and not (e.table == "settings" and e.column == "AsOfDate")


def research_claims(book) -> pd.DataFrame:
    """Answer every claim on the ``Claims`` sheet of ``book`` (an ``xlwings.Book`` or one of our
    workbooks) and write ``Claim Research``; returns its table (money in minor units).  Raises
    :class:`InputErrors` (nothing written) when the claims cannot be read or there are none."""
    base = as_workbook(book)
    wb = OwnedSheetsOnly(base, (RESEARCH_SHEET,))
    wb.status("Research claims: reading Claims, Payments, Cash App and Open Items…")
    try:
        settings, tables, problems = read_workbook_inputs(wb)
        problems = [e for e in problems if _needed(e)]
        file = wb.path.name if getattr(wb, "path", None) else ""
        if not problems and tables.get("claims") is None:
            problems = [InputError("the Claims sheet holds no claims", "claims", file, CLAIMS_SHEET, 2, "customer_id", "",
                                   "one row per claim: customer_id, amount, date, reference, note")]
        if problems:
            raise InputErrors(problems)
        prior = prior_applications(wb, settings)
    except InputErrors as e:
        if type(base).__name__ == "LiveBook":
            wb.write_sheet(_problems_output(e.errors))
            wb.status(f"Research claims: {len(e.errors)} problems in the inputs (listed on {RESEARCH_SHEET})")
        raise
    cur = settings.reporting_currency
    claims = tables["claims"]
    table = _research(claims, index_payments(tables.get("payments"), prior, currency=cur),
                      open_items=tables.get("open_items"), claim_days=settings.claim_days,
                      tolerance=settings.match_tolerance, currency=cur)
    wb.write_sheet(claim_research_output(table, claims=len(claims), claim_days=settings.claim_days,
                                         tolerance=settings.match_tolerance, currency=cur))
    wb.status(f"Research claims: {len(claims):,} claims answered on {RESEARCH_SHEET}")
    return table


def _problems_output(errors: list[InputError]) -> SheetOutput:
    rows = pd.DataFrame([{"sheet": e.sheet or e.table, "row": e.row, "column": e.column, "value": e.value,
                          "problem": e.message, "expected": e.expected} for e in errors])
    return SheetOutput(RESEARCH_SHEET, blocks=(TableBlock(rows),),
                       notes=("Claims could not be researched: fix these inputs and press Research claims again",))
