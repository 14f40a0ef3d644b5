"""The ``Claim Research`` sheet (CONTRACT §3: the user's ``Claims`` → the program's answer):
one block of rows per claim, in the order of the ``Claims`` sheet — the claim's row there and
the customer who claims, then ``claim.csv``'s columns (``rank, payment_id, value_date, amount,
payer_name, reference, where, documents, customer_id, evidence``) and the payment's
``currency``.  Payments applied elsewhere stand out in red, returned ones in amber, unapplied
ones in yellow.  Money: ``amount`` in minor units of the row's ``currency``."""
from __future__ import annotations

import pandas as pd

from ..book.outputs import Highlight, SheetOutput, TableBlock
from ..core.money import money_text
from .research import APPLIED_ELSEWHERE, CSV_COLUMNS, NOT_FOUND, RETURNED, UNAPPLIED

CLAIMS_SHEET, RESEARCH_SHEET = "Claims", "Claim Research"
TABLE_NAME = "tblClaimResearch"
BUTTON_CAPTION, BUTTON_CELL = "Research claims", "G1"
COLUMNS = ["claim", "claimed_customer", *CSV_COLUMNS[:4], "currency", *CSV_COLUMNS[4:]]


def claim_research_output(table: pd.DataFrame, *, claims: int, claim_days: int, tolerance: int,
                          currency: str) -> SheetOutput:
    """The sheet of :func:`xl_collections.claims.research_claims`' table (``claims``: how many
    claims it answers; ``tolerance`` minor units of ``currency``)."""
    df = table.reindex(columns=COLUMNS).copy()
    df.attrs = {"money": ["amount"], "currency": currency}
    found = df.loc[df["where"] != NOT_FOUND, "claim"].nunique() if len(df) else 0
    notes = (
        "Claim research: where the payments customers say they made went",
        f"{claims:,} claim{'s' if claims != 1 else ''} from the Claims sheet (claim = its row there), "
        f"{found:,} with candidate payments; looked up in Payments, Cash App (every run) and Open Items.",
        f"Candidates: paid within {claim_days} days (ClaimDays) of the claimed date, by anyone, with a reference "
        f"naming the claimed invoice or text, or the claimed amount within {money_text(tolerance, currency)} "
        "(MatchTolerance).",
        "Ranked per claim: reference match, then exact amount, then days from the claimed date. "
        "Press Research claims on the Claims sheet to refresh.",
    )
    block = TableBlock(df, table_name=TABLE_NAME, wrap_columns=("evidence",),
                       column_widths={"claim": 7, "claimed_customer": 18, "rank": 6, "payment_id": 16,
                                      "value_date": 12, "amount": 14, "currency": 9, "payer_name": 24,
                                      "reference": 24, "where": 20, "documents": 18, "customer_id": 14,
                                      "evidence": 90},
                       conditional=(Highlight(("where",), APPLIED_ELSEWHERE),
                                    Highlight(("where",), RETURNED, fill="FFE0B2", font="7F3F00"),
                                    Highlight(("where",), UNAPPLIED, fill="FFEB9C", font="9C5700")))
    return SheetOutput(RESEARCH_SHEET, blocks=(block,), notes=notes, print_fit_width=True)
