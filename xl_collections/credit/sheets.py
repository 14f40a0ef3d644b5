"""The ``Credit Review`` and ``Order Decisions`` sheets, laid out from a
:class:`~xl_collections.credit.review.CreditResult` (money: reporting minor units).

``Credit Review``: one row per customer, the riskiest first (class ``E`` … ``A``, then
utilisation), the class the order rules use and the computed one, exposure against the limit
and the recommendation, and ``reasons``: why the class (the three factors that weighed most)
and what needs a look (limit above the recommendation, review overdue, no limit, group over
its limit).

``Order Decisions``: one row per open order, held orders first, with the reasons a sales rep
reads; the user columns ``final_decision`` and ``approved_by`` right of the table are the
specialist's and travel with their ``order_no`` from run to run.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..book.outputs import ColorScale, Highlight, SheetOutput, TableBlock
from ..close.sheets import BAD, GOOD, NEUTRAL
from ..core.money import money_text as fmt
from .orders import FLEX, HOLD, RELEASE
from .review import REVIEW_MONEY, CreditResult

CREDIT_REVIEW_SHEET = "Credit Review"
ORDER_DECISIONS_SHEET = "Order Decisions"
USER_COLUMNS = ("final_decision", "approved_by")
SHEET_COLUMNS = ("customer_id", "customer_name", "risk_class", "computed_class", "score", "credit_limit", "exposure",
                 "utilisation", "recommended_limit", "review_date", "reasons", "open_ar", "open_orders", "past_due",
                 "max_days_past_due", "oldest_document", "altman_z", "altman_zone", "paydex", "add_days",
                 "pct_paid_late", "payment_trend")
CLASS_ORDER = {"E": 0, "D": 1, "C": 2, "B": 3, "A": 4, "": 5}
NUMBER = {"score": "0.0", "altman_z": "0.00", "paydex": "0", "add_days": "0.0", "current_ratio": "0.00",
          "quick_ratio": "0.00", "debt_to_equity": "0.00", "interest_cover": "0.0", "dso": "0", "dpo": "0",
          "failure_score": "0", "delinquency_score": "0", "max_days_past_due": "#,##0"}
PERCENT = ("utilisation", "pct_paid_late", "group_utilisation", "equity_ratio")


def _floats(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Decimal columns as floats for the cells (the engine's figures stay exact)."""
    for c in cols:
        if c in df.columns:
            df[c] = [None if v is None or (not isinstance(v, Decimal) and pd.isna(v)) else float(v) for v in df[c]]
    return df


def credit_review_output(res: CreditResult) -> SheetOutput:
    """The ``Credit Review`` sheet."""
    cur = res.currency
    rv = res.review
    order = rv.assign(_c=rv["risk_class"].map(CLASS_ORDER).fillna(5),
                      _u=[-(float(u) if u is not None else -1.0) for u in rv["utilisation"]])
    order = order.sort_values(["_c", "_u", "customer_id"], kind="stable")
    cols = list(SHEET_COLUMNS) + [c for c in rv.columns if c not in SHEET_COLUMNS]
    df = _floats(order[cols].reset_index(drop=True), [*NUMBER, *PERCENT])
    df.attrs = {"money": [c for c in REVIEW_MONEY if c in df.columns], "currency": cur}
    counts = rv["risk_class"].value_counts()
    classes = ", ".join(f"{k} {int(counts.get(k, 0)):,}" for k in "ABCDE")
    flags = rv["flags"].astype(str)
    notes = (f"Credit review as of {res.as_of} ({cur}): exposure, score and class per customer",
             f"{len(rv):,} customers — class {classes}; {int(flags.str.contains('above the recommended').sum()):,} "
             f"limits above the recommendation, {int(flags.str.contains('review overdue').sum()):,} reviews overdue, "
             f"{int(rv['credit_limit'].isna().sum()):,} without a limit.",
             "risk_class is the class the order rules use: the customer master's, else computed_class. reasons: "
             "why the class (the three factors that weighed most) and what to look at. The README explains "
             "every weight.")
    block = TableBlock(df, table_name="tblCreditReview", percent_columns=PERCENT, number_formats=dict(NUMBER),
                       column_widths={"customer_name": 30, "reasons": 90, "flags": 50,
                                      **{c: 14 for c in df.attrs["money"]}},
                       conditional=(ColorScale(("score",), ("F8696B", "FFEB84", "63BE7B")),
                                    Highlight(("risk_class",), "E", *BAD), Highlight(("risk_class",), "D", *NEUTRAL),
                                    Highlight(("altman_zone",), "DISTRESS", *BAD),
                                    Highlight(("altman_zone",), "SAFE", *GOOD)))
    return SheetOutput(CREDIT_REVIEW_SHEET, [block], notes=notes, freeze_columns=2)


def has_user_columns(grid: pd.DataFrame | None) -> bool:
    """Whether a previous ``Order Decisions`` grid already has the user columns in the row of
    its ``order_no`` header (then they are the user's and travel by key)."""
    if grid is None or grid.empty:
        return False
    for _, row in grid.iterrows():
        cells = {str(v).strip() for v in row if v is not None and not (isinstance(v, float) and v != v)}
        if "order_no" in cells:
            return set(USER_COLUMNS) <= cells
    return False


def order_decisions_output(res: CreditResult, *, add_user_columns: bool = True) -> SheetOutput:
    """The ``Order Decisions`` sheet.  The user columns ``final_decision`` and ``approved_by``
    are the specialist's: keyed by ``order_no``, the writer carries them from run to run
    (:mod:`xl_collections.book.usercols`).  ``add_user_columns``: write them, blank, at the
    table's right end — on the first run, when the sheet does not have them yet."""
    cur = res.currency
    d = res.decisions
    rank = {HOLD: 0, FLEX: 1, RELEASE: 2}
    names = dict(zip(res.review["customer_id"], res.review["customer_name"]))
    df = d.assign(_r=d["decision"].map(rank)).sort_values(["_r", "customer_id"], kind="stable").drop(columns="_r")
    df.insert(2, "customer_name", df["customer_id"].map(names).fillna(""))
    df = df[[*df.columns[:3], "order_date", *[c for c in df.columns[3:] if c != "order_date"]]].reset_index(drop=True)
    if add_user_columns:
        for c in USER_COLUMNS:
            df[c] = ""
    df.attrs = dict(d.attrs)
    n = d["decision"].value_counts()
    held = int(d.loc[d["decision"] == HOLD, "amount"].sum()) if len(d) else 0
    notes = (f"Order decisions as of {res.as_of} ({cur}): RELEASE / FLEX / HOLD per open order",
             f"{len(d):,} open orders: {int(n.get(HOLD, 0)):,} HOLD ({fmt(held, cur)}), {int(n.get(FLEX, 0)):,} FLEX, "
             f"{int(n.get(RELEASE, 0)):,} RELEASE. Held first; reasons say why, in words for the sales rep.",
             "Record your call in final_decision and who approved it in approved_by (the columns right of the "
             "table): they stay with their order on every run. Exposure is open AR + orders before this one "
             "that were released or flexed.")
    block = TableBlock(df, table_name="tblOrderDecisions", key="order_no",
                       column_widths={"reasons": 100, "customer_name": 30, "amount": 14, "exposure_before": 16,
                                      "exposure_after": 16, "final_decision": 16, "approved_by": 16},
                       conditional=(Highlight(("decision",), HOLD, *BAD), Highlight(("decision",), FLEX, *NEUTRAL),
                                    Highlight(("decision",), RELEASE, *GOOD)))
    return SheetOutput(ORDER_DECISIONS_SHEET, [block], notes=notes, print_fit_width=True)


def credit_outputs(res: CreditResult, previous_decisions: pd.DataFrame | None = None) -> list[SheetOutput]:
    """Both sheets; ``previous_decisions``: the ``Order Decisions`` sheet's grid as it stands (None: none)."""
    return [credit_review_output(res),
            order_decisions_output(res, add_user_columns=not has_user_columns(previous_decisions))]
