"""The ``Allowance``, ``Write-off Proposals`` and ``Aging History`` sheets as declarative
:class:`~xl_collections.book.SheetOutput` records, laid out from an
:class:`~xl_collections.allowance.AllowanceResult`; and what the next run reads back from them
(the allowance by period, the recorded write-offs, the user's approvals).

``Allowance``: the movement and the journal entry first (what gets booked), then the provision
matrix (balance, roll rate, loss rate and provision per bucket), the roll rates per month (the
triangle, charted), the balances per month behind them, the allowance of every period closed in
this book (kept across runs: the next month's opening), and the specific reserves.
``Write-off Proposals``: the proposals (key ``document_no``; the user's ``approve``,
``approver`` and ``approved_on`` columns right of the table), then every write-off approved in
this book so far (kept across runs).
"""
from __future__ import annotations

import pandas as pd

from ..book.outputs import ChartSpec, SheetOutput, TableBlock
from ..core.a1 import col_letter
from ..core.money import parse_amount
from .engine import AllowanceResult
from ..ar.aging_history import COLUMNS as HISTORY_COLUMNS
from .proposals import WRITTEN_OFF_COLUMNS, empty_written_off

ALLOWANCE_SHEET, PROPOSALS_SHEET, HISTORY_SHEET = "Allowance", "Write-off Proposals", "Aging History"
BY_PERIOD_TABLE, WRITTEN_OFF_TABLE, PROPOSALS_TABLE = "tblAllowanceByPeriod", "tblWrittenOff", "tblWriteOffProposals"
BY_PERIOD_COLUMNS = ("period", "opening", "write_offs", "recoveries", "charge", "closing", "collective", "specific")
USER_COLUMNS = ("approve", "approver", "approved_on")
PCT = "0.00%"


def _pct(values) -> list:
    """Decimal rates -> floats for the sheet's cells (display only; the engine keeps Decimals)."""
    return [None if v is None or (isinstance(v, float) and pd.isna(v)) else float(v) for v in values]


def _money(df: pd.DataFrame, money: list[str], currency: str) -> pd.DataFrame:
    df.attrs = {"money": money, "currency": currency, "money_currency": {c: currency for c in money}}
    return df


def by_period(previous: pd.DataFrame | None, res: AllowanceResult) -> pd.DataFrame:
    """Every earlier period's row of the allowance by period, and this period's (replaced)."""
    t = res.totals
    row = pd.DataFrame([{"period": res.period, **{k: t[k] for k in BY_PERIOD_COLUMNS[1:]}}])
    parts = [row]
    if previous is not None and len(previous):
        parts.append(previous[previous["period"] != res.period][list(BY_PERIOD_COLUMNS)])
    out = pd.concat(parts, ignore_index=True).sort_values("period", ascending=False, kind="stable")
    for c in BY_PERIOD_COLUMNS[1:]:
        out[c] = out[c].astype("int64")
    return _money(out.reset_index(drop=True), list(BY_PERIOD_COLUMNS[1:]), res.currency)


def allowance_output(res: AllowanceResult, periods: pd.DataFrame) -> SheetOutput:
    """The ``Allowance`` sheet; ``periods``: :func:`by_period`."""
    cur, labels = res.currency, list(res.labels)
    rolls = res.rolls
    notes = (f"Allowance as of {res.as_of.isoformat()} ({cur})",      # short: the sheet's button sits at E1
             "Booked first, then how.",
             "Allowance for doubtful accounts: the movement and the journal entry first; how they were reached below.",
             "Movement: closing = opening − write_offs + recoveries + charge; closing = collective + specific.",
             f"Collective: roll rates over the {len(rolls.window)} month-to-month transitions ending {res.period} "
             f"({rolls.used} in Aging History); loss rate = the product of the rolls from the bucket to the last,",
             "times AllowanceForwardFactor. Specific reserves: bankrupt and disputed items (not in the collective).",
             *res.notes)
    mov = _money(res.movement.copy(), ["amount"], cur)
    journal = _money(res.journal.copy(), ["debit", "credit"], cur)
    p = res.provision
    matrix = pd.DataFrame({"bucket": p["bucket"], "balance": p["balance"], "roll_rate": _pct(p["roll_rate"]),
                           "loss_rate": _pct(p["loss_rate"]), "applied_rate": _pct(p["applied_rate"]),
                           "provision": p["provision"], "roll_source": p["roll_source"],
                           "rolled": rolls.table["rolled"].to_numpy(), "base": rolls.table["base"].to_numpy(),
                           "items": p["items"]})
    total = {"bucket": "Total", "balance": int(p["balance"].sum()), "provision": int(p["provision"].sum()),
             "items": int(p["items"].sum()), "rolled": None, "base": None}
    matrix = pd.concat([matrix, pd.DataFrame([total])], ignore_index=True)
    for c in ("balance", "provision", "rolled", "base", "items"):
        matrix[c] = pd.array(matrix[c], dtype="Int64")
    matrix = _money(matrix, ["balance", "provision", "rolled", "base"], cur)
    monthly = rolls.monthly
    tri = pd.DataFrame({"period": monthly["period"].astype(object), "from_period": monthly["from_period"].astype(object),
                        **{lab: _pct(monthly[lab]) for lab in labels},
                        "net_write_offs": pd.array(monthly["net_write_offs"], dtype="Int64")})
    tri = _money(tri, ["net_write_offs"], cur)
    bal = res.balances.copy()
    bal = bal[bal["period"] <= res.period].sort_values("period", ascending=False, kind="stable").reset_index(drop=True)
    bal.insert(len(bal.columns), "total", bal[labels].sum(axis=1).astype("int64"))
    bal = _money(bal, [*labels, "total"], cur)
    spec = res.specific[["customer_id", "document_no", "bucket", "days_past_due", "open_amount", "reason", "pct",
                         "reserve", "customer_name"]].copy()
    spec["pct"] = _pct(spec["pct"])
    spec = _money(spec, ["open_amount", "reserve"], cur)
    widths = {"bucket": 10, "period": 10, "customer_name": 28}
    rates = {c: PCT for c in ("roll_rate", "loss_rate", "applied_rate", *labels, "pct")}
    blocks = (
        TableBlock(mov, table_name="tblAllowanceMovement", title=f"Movement of the allowance, {res.period}",
                   column_widths=widths),
        TableBlock(journal, table_name="tblAllowanceJournal", title="Journal entry (journal.csv)",
                   column_widths={"memo": 12}),    # the memo runs on into the empty cells beside it
        TableBlock(matrix, table_name="tblProvisionMatrix", title="Provision matrix (collective, per aging bucket)",
                   percent_columns=("roll_rate", "loss_rate", "applied_rate"), number_formats=rates, total_row=True,
                   column_widths=widths),
        TableBlock(tri, table_name="tblRollRates", title="Roll rates per month (bucket → next bucket; last: written off)",
                   percent_columns=tuple(labels), number_formats=rates, column_widths=widths),
        TableBlock(bal, table_name="tblAllowanceBalances", title="Receivables per month-end and bucket (Aging History)",
                   column_widths=widths),
        TableBlock(periods, table_name=BY_PERIOD_TABLE, title="Allowance by period (the next month opens at this closing)",
                   column_widths=widths),
        TableBlock(spec, table_name="tblSpecificReserves", title="Specific reserves (bankrupt and disputed items)",
                   percent_columns=("pct",), number_formats={"pct": PCT}, column_widths=widths),
    )
    out = SheetOutput(ALLOWANCE_SHEET, blocks=blocks, notes=notes, freeze=False, print_fit_width=True)
    if len(tri):
        row = out.layout()[3]
        out = SheetOutput(ALLOWANCE_SHEET, blocks=blocks, notes=notes, freeze=False, print_fit_width=True, charts=(
            ChartSpec("period", tuple(labels), kind="line", stacked=False, title="Roll rates per month",
                      anchor=f"{col_letter(len(tri.columns) + 1)}{max(row - 1, 1)}", width_cols=10, height_rows=16, block=3),))
    return out



def proposals_output(res: AllowanceResult, *, offer_user_columns: bool = False) -> SheetOutput:
    """The ``Write-off Proposals`` sheet: the proposals (key ``document_no``: the user's columns
    travel with their document), then every write-off recorded so far.  ``offer_user_columns``:
    add empty ``approve``, ``approver`` and ``approved_on`` columns (a sheet that has none yet);
    once on the sheet they are the user's, carried by the writer."""
    cur = res.currency
    cols = ["customer_id", "customer_name", "document_no", "doc_type", "document_date", "due_date", "days_past_due",
            "rule", "written_off", "reason_code", "status", "open_amount", "currency", "item_open_amount"]
    pending = res.proposals.assign(written_off="")
    both = [pending, res.booked] if res.booked is not None and len(res.booked) else [pending]
    prop = pd.concat(both, ignore_index=True)[cols] if len(both) > 1 else pending[cols].copy()
    if offer_user_columns:
        for c in USER_COLUMNS:
            prop[c] = pd.Series([None] * len(prop), index=prop.index, dtype=object)
    prop.attrs = dict(res.proposals.attrs)
    w = res.written_off.copy()
    w.attrs = {"money": ["amount", "item_amount"], "currency": cur, "money_currency": {"amount": cur}}
    notes = (f"Write-off proposals, {res.as_of.isoformat()}",           # short: a button may sit at E1
             "Approve: TRUE to book",
             "Rules: AGE (days past due ≥ WriteOffMinDays), SMALL_BALANCE (open ≤ WriteOffSmallBalance, 90+ days),",
             "BANKRUPT (reason code); none under a pending promise to pay.",
             "Your approve, approver and approved_on stay with their document across runs.",
             "The next run books approved rows in its month (writeoff_postings.csv, the movement, the roll rates)",
             "and lists them under 'Written off'; the Write-offs sheet stays yours.")
    widths = {"customer_name": 28, "approve": 10, "approver": 14, "approved_on": 12}
    blocks = (
        TableBlock(prop, table_name=PROPOSALS_TABLE, title="Proposed for write-off", column_widths=widths,
                   key="document_no"),
        TableBlock(w, table_name=WRITTEN_OFF_TABLE, title="Written off (approved here; kept across runs)",
                   column_widths=widths),
    )
    return SheetOutput(PROPOSALS_SHEET, blocks=blocks, notes=notes, freeze=False, print_fit_width=True)


def history_output(res: AllowanceResult) -> SheetOutput:
    """``Aging History``: every period's rows, this month's from this close."""
    h = res.history[list(HISTORY_COLUMNS)].copy()
    h.attrs = {"money": ["amount"], "currency": res.currency}
    return SheetOutput(HISTORY_SHEET, blocks=(TableBlock(h, table_name="tblAgingHistory"),))


# ---------------------------------------------------------------- reading the previous sheets back


def find_block(grid: pd.DataFrame | None, required: set[str]) -> pd.DataFrame | None:
    """The block of ``grid`` (a sheet's cells) whose header row holds every name in ``required``:
    all its headed columns (the user's right of the program's included), down to the first
    blank row; None when there is none."""
    if grid is None or grid.empty:
        return None
    cells = grid.to_numpy(dtype=object)
    for i, row in enumerate(cells):
        names = [_text(v) for v in row]
        if not required <= set(names):
            continue
        cols = [j for j, n in enumerate(names) if n]
        body = []
        for r in cells[i + 1:]:
            vals = [r[j] for j in cols]
            if all(_text(v) == "" for v in vals):
                break
            body.append(vals)
        return pd.DataFrame(body, columns=[names[j] for j in cols], dtype=object)
    return None


def _text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _period(v) -> str:
    if hasattr(v, "strftime"):
        return pd.Timestamp(v).strftime("%Y-%m")
    return _text(v)


def _amounts(df: pd.DataFrame, col: str, currencies) -> list[int]:
    vals = df[col].tolist() if col in df.columns else [None] * len(df)
    out = []
    for v, c in zip(vals, currencies):
        try:
            out.append(parse_amount(v, c) or 0)
        except ValueError:
            out.append(0)
    return out


def read_by_period(grid: pd.DataFrame | None, currency: str) -> pd.DataFrame | None:
    """The allowance by period of a previous ``Allowance`` sheet (minor units); None when absent."""
    df = find_block(grid, {"period", "opening", "charge", "closing"})
    if df is None or not len(df):
        return None
    out = pd.DataFrame({"period": [_period(v) for v in df["period"]]})
    for c in BY_PERIOD_COLUMNS[1:]:
        out[c] = pd.array(_amounts(df, c, [currency] * len(df)), dtype="int64")
    return out[out["period"] != ""].reset_index(drop=True)


def read_written_off(grid: pd.DataFrame | None, currency: str) -> pd.DataFrame:
    """The write-offs recorded on a previous ``Write-off Proposals`` sheet (minor units)."""
    df = find_block(grid, {"period", "document_no", "item_amount", "approver"})
    if df is None or not len(df):
        return empty_written_off()
    out = pd.DataFrame({c: [_text(v) for v in df[c]] if c in df.columns else [""] * len(df)
                        for c in WRITTEN_OFF_COLUMNS})
    out["period"] = [_period(v) for v in df["period"]]
    out["approved_on"] = [_day(v) for v in df.get("approved_on", [""] * len(df))]
    out["currency"] = [c or currency for c in out["currency"]]
    out["amount"] = pd.array(_amounts(df, "amount", [currency] * len(df)), dtype="int64")
    out["item_amount"] = pd.array(_amounts(df, "item_amount", out["currency"]), dtype="int64")
    return out[out["document_no"] != ""].reset_index(drop=True)


def _day(v) -> str:
    if hasattr(v, "strftime"):
        return pd.Timestamp(v).date().isoformat()
    return _text(v)


def read_approvals(grid: pd.DataFrame | None) -> pd.DataFrame | None:
    """The proposals of a previous ``Write-off Proposals`` sheet with the user's ``approve``,
    ``approver`` and ``approved_on`` (None when there is no ``approve`` column)."""
    df = find_block(grid, {"document_no", "rule", "days_past_due"})
    if df is None or not len(df) or "approve" not in df.columns:
        return None
    out = pd.DataFrame({"document_no": [_text(v) for v in df["document_no"]]})
    for c in USER_COLUMNS:
        out[c] = df[c].tolist() if c in df.columns else ""
    return out
