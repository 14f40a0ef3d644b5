"""The ``Dunning`` and ``Dunning History`` sheets (CONTRACT §3), laid out from plain data.

``Dunning``: the letters proposed this run (``tblDunning``, one row per letter, keyed by
``letter_id`` = ``<customer_id>_L<level>_<as-of date>``, with the ``approve`` column the user
fills), the customers held back and why (``tblDunningHeld``) and the items each letter lists
(``tblDunningItems``).  ``Dunning History``: one row per letter sent, append-only
(``tblDunningHistory`` at A1, so it reads back as the ``dunning_history`` input table).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..book import SheetOutput, TableBlock
from ..core.headers import human_header
from .policy import HISTORY_COLUMNS, REASON_WORDS, DunningProposal

DUNNING_SHEET, HISTORY_SHEET = "Dunning", "Dunning History"
APPROVE = "approve"
YES = {"TRUE", "YES", "Y", "X", "1", "OK", "SI", "SÍ", "SIM", "JA", "OUI", "✓", "✔"}
PROPOSED_COLUMNS = ["letter_id", "customer_id", "customer_name", "level", "last_level", "last_letter_date", "items",
                    "oldest_days", "currencies", "amount_overdue", "interest", "fee", "total_due", "language", "email",
                    "letter_file", APPROVE]


def letter_id(customer_id: str, level: int, as_of: dt.date) -> str:
    """The key of a proposed letter: the same customer, level and as-of date is the same letter."""
    return f"{customer_id}_L{int(level)}_{as_of.isoformat()}"


def approved(value: object) -> bool:
    """An ``approve`` cell that says yes: TRUE, YES, Y, X, 1, OK (and sí, sim, ja, oui, ✓)."""
    if value is True:
        return True
    if value is None or value is False or (isinstance(value, float) and pd.isna(value)):
        return False
    if isinstance(value, int | float):
        return value == 1
    return str(value).strip().upper() in YES


def read_approvals(grid: pd.DataFrame | None) -> dict[str, object]:
    """``letter_id -> approve`` from a ``Dunning`` sheet grid: the rows under the header row that
    starts with ``letter_id`` (blank rows skipped), the ``approve`` column wherever it stands."""
    if grid is None or grid.empty:
        return {}
    firsts = grid.iloc[:, 0].tolist()          # columns and rows taken once as lists (not .at per cell)
    heads = [i for i, v in enumerate(firsts) if str(v or "").strip() == "letter_id"]
    if not heads:
        return {}
    h = heads[0]
    header = {str(v or "").strip().lower(): j for j, v in enumerate(grid.iloc[h].tolist())}
    if APPROVE not in header:
        return {}
    approve = grid.iloc[:, header[APPROVE]].tolist()
    out = {}
    for i in range(h + 1, len(firsts)):
        key = firsts[i]
        if key is None or (isinstance(key, float) and pd.isna(key)) or not str(key).strip():
            if out:
                break           # the end of the table (blank key row after rows)
            continue
        out[str(key).strip()] = approve[i]
    return out


def dunning_output(proposal: DunningProposal, approvals: dict[str, object], files: dict[str, str],
                   folder: str) -> SheetOutput:
    """The ``Dunning`` sheet.  ``approvals``: the user's ``approve`` cells by ``letter_id`` (kept);
    ``files``: customer_id -> letter file written this run; ``folder`` where letters go."""
    rep, as_of = proposal.reporting_currency, proposal.as_of
    c = proposal.customers
    send = c[c["level"] > 0]
    ids = [letter_id(cid, lv, as_of) for cid, lv in zip(send["customer_id"], send["level"])]
    proposed = pd.DataFrame({
        "letter_id": ids, "customer_id": send["customer_id"].to_numpy(),
        "customer_name": send["customer_name"].to_numpy(), "level": send["level"].to_numpy(),
        "last_level": send["last_level"].to_numpy(), "last_letter_date": send["last_letter_date"].to_numpy(),
        "items": send["items"].to_numpy(), "oldest_days": send["oldest_days"].to_numpy(),
        "currencies": send["currencies"].to_numpy(), "amount_overdue": send["reporting_overdue"].to_numpy(),
        "interest": send["reporting_interest"].to_numpy(), "fee": send["fee"].to_numpy(),
        "total_due": send["reporting_total"].to_numpy(), "language": send["language"].to_numpy(),
        "email": send["email"].to_numpy(), "letter_file": [files.get(x, "") for x in send["customer_id"]],
        APPROVE: [_cell(approvals.get(i)) for i in ids],
    }, columns=PROPOSED_COLUMNS)
    proposed["last_level"] = proposed["last_level"].astype("Int64").where(proposed["last_level"] > 0)
    proposed.attrs = {"money": ["amount_overdue", "interest", "fee", "total_due"], "currency": rep}
    held = c[c["level"] == 0]
    held_df = pd.DataFrame({
        "customer_id": held["customer_id"].to_numpy(), "customer_name": held["customer_name"].to_numpy(),
        "why": [REASON_WORDS.get(r, r) for r in held["blocked_reason"]],
        "blocked_reason": held["blocked_reason"].to_numpy(), "items": held["items"].to_numpy(),
        "amount_overdue": held["reporting_overdue"].to_numpy(), "oldest_days": held["oldest_days"].to_numpy(),
        "last_level": held["last_level"].astype("Int64").where(held["last_level"] > 0).to_numpy(),
        "last_letter_date": held["last_letter_date"].to_numpy(),
    })
    held_df.attrs = {"money": ["amount_overdue"], "currency": rep}
    it = proposal.items
    sent_ids = dict(zip(send["customer_id"], ids))
    it = it[it["customer_id"].isin(sent_ids)]
    items_df = pd.DataFrame({
        "letter_id": it["customer_id"].map(sent_ids).to_numpy(), "customer_id": it["customer_id"].to_numpy(),
        "document_no": it["document_no"].to_numpy(), "doc_type": it["doc_type"].to_numpy(),
        "due_date": it["due_date"].to_numpy(), "days_past_due": it["days_past_due"].to_numpy(),
        "currency": it["currency"].to_numpy(), "open_amount": it["open_amount"].to_numpy(),
        "interest": it["interest"].to_numpy()})
    items_df.attrs = {"money": ["open_amount", "interest"], "currency": rep}
    notes = (f"Dunning letters proposed as of {as_of.isoformat()} (amounts in {rep}; each letter lists its items "
             f"in their own currency)",
             f"Write TRUE (or x) in '{human_header(APPROVE)}' beside each letter to send, then click Generate letters: the approved "
             f"letters are written to '{folder}' as PDF, Word and e-mail drafts (never sent) and added to "
             f"{HISTORY_SHEET}.",
             "Levels open at the days past due of DunningLevels, one level at a time; disputed items and items under a "
             "pending promise are left out.")
    blocks = [TableBlock(proposed, table_name="tblDunning", key="letter_id",
                         title="Letters proposed", column_widths={"customer_name": 30, "letter_file": 36, "email": 26}),
              TableBlock(held_df, table_name="tblDunningHeld", title="Customers with overdue items and no letter",
                         column_widths={"customer_name": 30, "why": 50}),
              TableBlock(items_df, table_name="tblDunningItems", title="Items on the letters")]
    return SheetOutput(DUNNING_SHEET, blocks=tuple(blocks), notes=notes, freeze=False)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return value


def history_output(history: pd.DataFrame | None, currency: str) -> SheetOutput:
    """The ``Dunning History`` sheet: every letter sent (``amount``: total due in ``currency``)."""
    if history is None or history.empty:
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in HISTORY_COLUMNS})
    else:
        df = history[[c for c in HISTORY_COLUMNS if c in history.columns]].reset_index(drop=True)
    df.attrs = {"money": ["amount"], "currency": currency}
    return SheetOutput(HISTORY_SHEET, blocks=(TableBlock(df, table_name="tblDunningHistory", start_row=1,
                                                         column_widths={"file": 50}),), freeze=True)
