"""The close's ``returns`` step: the returned items this close met (bounced cheques, ACH/SEPA
returns, card chargebacks — CONTRACT §6 "Returned items") on the ``Returned Items`` sheet.

The matching and the reversal are the cash application's (:mod:`.returns`, inside
:func:`~.step.cash_result`), so the ``Cash App`` sheet records the ``REVERSED`` rows a later
close needs; this step lays out what happened to each returned item, keeps the earlier
closes' rows (the twelve months of returns ``CreditHoldReturnedItems`` counts), and lists the
``ReturnedItemFee`` debit memos proposed.  Money: minor units of each row's ``currency``;
``fee`` and the proposed debit memos in the reporting currency.
"""
from __future__ import annotations

import pandas as pd

from ..book.outputs import Highlight, SheetOutput, TableBlock
from ..close.state import DONE, SKIPPED, CloseState, StepResult, reporting_sum
from ..credit.step import previous_sheet, sheet_table
from ..core.money import AmountError, parse_amount
from .returns import ALREADY_REVERSED, AMOUNT_MISMATCH, RETURN_COLUMNS, RETURN_MONEY, REVERSED, UNMATCHED
from .step import cash_result

NAME, SHEET = "returns", "Returned Items"
BAD, NEUTRAL, GOOD = ("FFC7CE", "9C0006"), ("FFEB9C", "9C5700"), ("C6EFCE", "006100")
MEMO_COLUMNS = ["customer_id", "document_no", "doc_type", "document_date", "amount", "currency", "reference", "text"]


def _minor(value, currency: str) -> int:
    try:
        m = parse_amount(value, currency)
    except AmountError:
        return 0
    return int(m or 0)


def earlier_rows(grid: pd.DataFrame | None, reporting_currency: str) -> pd.DataFrame:
    """The returned items an earlier close wrote on the sheet (``grid`` as read), money back in
    minor units; empty when there is no such table."""
    old = sheet_table(grid, ("return_id", "status", "value_date"))
    if old is None or old.empty:
        return pd.DataFrame(columns=RETURN_COLUMNS)
    old = old.reindex(columns=RETURN_COLUMNS)
    for c in RETURN_COLUMNS:
        if c not in RETURN_MONEY and c != "value_date":
            old[c] = old[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    old["return_id"] = old["return_id"].str.removesuffix(".0")
    for c in RETURN_MONEY:
        cur = old["currency"] if c != "fee" else pd.Series(reporting_currency, index=old.index)
        old[c] = [_minor(v, k or reporting_currency) for v, k in zip(old[c], cur)]
    old["value_date"] = pd.to_datetime(old["value_date"], errors="coerce")
    return old[old["return_id"] != ""].reset_index(drop=True)


def returned_items_table(now: pd.DataFrame, earlier: pd.DataFrame) -> pd.DataFrame:
    """This close's rows, then the earlier closes' rows of other returns; a return this close
    met again (``ALREADY_REVERSED``) keeps the row of the close that reversed it."""
    earlier = earlier[earlier["status"] != ""]
    keep_old = set(earlier.loc[earlier["status"] == REVERSED, "return_id"])
    mine = now[~((now["status"] == ALREADY_REVERSED) & now["return_id"].isin(keep_old))]
    old = earlier[~earlier["return_id"].isin(set(mine["return_id"]))]
    out = pd.concat([mine, old], ignore_index=True) if len(old) else mine.reset_index(drop=True)
    for c in RETURN_MONEY:
        out[c] = out[c].astype("int64")
    out["value_date"] = pd.to_datetime(out["value_date"]).astype("datetime64[ns]")
    out = out.sort_values(["value_date", "return_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs = {"money": list(RETURN_MONEY)}
    return out


def close_returns(state: CloseState) -> pd.DataFrame | None:
    """The returned items this close knows (memoised): its own, then the earlier closes' rows on
    ``Returned Items`` (:func:`returned_items_table`); None when there are none."""
    if "returned_items" in state.results:
        return state.results["returned_items"]
    res = cash_result(state)
    now = res.returns if res is not None and res.returns is not None else None
    earlier = earlier_rows(previous_sheet(state.book, SHEET), state.settings.reporting_currency)
    if now is None and earlier.empty:
        return None
    if now is None:
        now = earlier.iloc[:0]
    state.results["returned_items"] = returned_items_table(now, earlier)
    return state.results["returned_items"]


def fee_memos(posting: pd.DataFrame, as_of) -> pd.DataFrame:
    """The ``RETURN_FEE`` posting lines as debit memos proposed to the customers."""
    fees = posting[posting["posting_type"] == "RETURN_FEE"]
    df = pd.DataFrame({"customer_id": fees["customer_id"].to_numpy(), "document_no": fees["document_no"].to_numpy(),
                       "doc_type": "DM", "document_date": pd.Timestamp(as_of), "amount": fees["amount"].to_numpy(),
                       "currency": fees["currency"].to_numpy(),
                       "reference": fees["document_no"].str.removeprefix("RF-").to_numpy(),
                       "text": fees["text"].to_numpy()}, columns=MEMO_COLUMNS)
    df["amount"] = df["amount"].astype("int64")
    df["document_date"] = pd.to_datetime(df["document_date"]).astype("datetime64[ns]")
    df.attrs["money"] = ["amount"]
    return df


def returns_output(table: pd.DataFrame, memos: pd.DataFrame, settings) -> SheetOutput:
    """The ``Returned Items`` sheet (layout only)."""
    n = table["status"].value_counts().to_dict()
    notes = (f"Returned items as of {settings.as_of}: {n.get(REVERSED, 0):,} reversed, "
             f"{n.get(UNMATCHED, 0) + n.get(AMOUNT_MISMATCH, 0):,} to research (nothing changed for them)",
             "REVERSED: the documents the payment cleared are open again (reopened); call the customer "
             "(Worklist: CALL_RETURNED_PAYMENT). RETURN_UNMATCHED / RETURN_AMOUNT_MISMATCH: find the payment by hand; "
             "the return is tried again in the next close.",
             f"Payments are matched by original reference, else by payer account and amount within "
             f"{settings.return_match_days} days (ReturnMatchDays); fee: ReturnedItemFee.")
    colours = {REVERSED: GOOD, "UNAPPLIED_REDUCED": GOOD, UNMATCHED: BAD, AMOUNT_MISMATCH: BAD,
               ALREADY_REVERSED: NEUTRAL}
    blocks = [TableBlock(table, table_name="tblReturnedItems", title="Returned items (newest first)",
                         column_widths={"detail": 70, "reason": 30, "documents": 24}, wrap_columns=("detail",),
                         conditional=tuple(Highlight(("status",), v, *c) for v, c in colours.items()))]
    if len(memos):
        blocks.append(TableBlock(memos, table_name="tblReturnFeeMemos", style="TableStyleLight9",
                                 title="Debit memos proposed for returned-item fees (book them in the ledger)",
                                 column_widths={"text": 50}))
    return SheetOutput(SHEET, blocks, notes=notes, print_fit_width=True)


def step_returns(state: CloseState) -> StepResult:
    res = cash_result(state)
    if res is None or res.returns is None:
        return StepResult(NAME, SKIPPED, rows=0, message="no returned items among the payments")
    now = res.returns
    table = close_returns(state)
    memos = fee_memos(res.posting, state.settings.as_of)
    done = now[now["status"] == REVERSED]
    n = now["status"].value_counts().to_dict()
    reopened = reporting_sum(done, "reopened", state)
    msg = (f"{len(now):,} returned items: {n.get(REVERSED, 0):,} reversed, {n.get('UNAPPLIED_REDUCED', 0):,} "
           f"unapplied cash reduced, {n.get(ALREADY_REVERSED, 0):,} already reversed, "
           f"{n.get(UNMATCHED, 0) + n.get(AMOUNT_MISMATCH, 0):,} to research"
           + (f"; {len(memos):,} fee debit memos proposed" if len(memos) else ""))
    return StepResult(NAME, DONE, rows=len(now), amount=reopened, message=msg,
                      outputs=[returns_output(table, memos, state.settings)])
