"""Card payments: a processor's settlement report (CONTRACT §2 ``card_settlements``).

Each ``SALE`` transaction is a payment of its **gross** amount (``payment_id`` =
``transaction_id``, value date = the batch's ``settlement_date``); the fees are the
merchant's cost, reported per batch; the batch's **net** (Σ gross − Σ fees) is what reaches
the bank.  A bank entry equal to a batch's net (within ``MatchTolerance``; exactly, in
another currency than the reporting one), dated on or after its settlement date and in its
currency, is that batch's deposit: it is never applied as a payment, and ``card_batches``
names it in ``bank_payment_id``.  ``REFUND``, ``CHARGEBACK`` and ``CHARGEBACK_REVERSAL``
rows count in their batch's totals and are reported, never applied.

:func:`normalise_layout` reads the common processor exports into the canonical columns
(Stripe's payout reconciliation report, Adyen's settlement details report); other layouts
(Worldpay-style batch reports) come through the column aliases and the Column Map.

Money is integer minor units of each row's ``currency``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.money import parse_amount, to_decimal

BATCH_COLUMNS = ["batch_id", "settlement_date", "transactions", "gross", "fees", "net", "applied", "unapplied",
                 "bank_payment_id", "currency"]

# processor words for what a row is -> record_type
RECORD_WORDS = {"charge": "SALE", "payment": "SALE", "sale": "SALE", "settled": "SALE", "captured": "SALE",
                "refund": "REFUND", "refunded": "REFUND", "refundedexternally": "REFUND",
                "dispute": "CHARGEBACK", "chargeback": "CHARGEBACK", "secondchargeback": "CHARGEBACK",
                "dispute_reversal": "CHARGEBACK_REVERSAL", "chargebackreversed": "CHARGEBACK_REVERSAL",
                "chargeback_reversal": "CHARGEBACK_REVERSAL"}
# Adyen fee columns (net currency): together the row's fee
ADYEN_FEES = ("commission (nc)", "markup (nc)", "scheme fees (nc)", "interchange (nc)")


def _low(df: pd.DataFrame) -> dict[str, str]:
    return {str(c).strip().lower(): c for c in df.columns}


def normalise_layout(raw: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``(table, layout)``: a processor export with its own headers and words turned into the
    canonical ``card_settlements`` columns; ``layout`` names what was recognised (``stripe``,
    ``adyen``, or ``""`` when the table is left to the column aliases).  Rows that are not
    transactions (Adyen's fee, payout and balance-transfer lines; Stripe's payout and fee
    lines) are dropped here: their money is in the batch's net."""
    cols = _low(raw)
    if {"automatic_payout_id", "gross", "fee", "net"} <= set(cols) and ("balance_transaction_id" in cols
                                                                        or "source_id" in cols):
        kind = raw[cols["reporting_category"]].astype(str).str.strip().str.lower() if "reporting_category" in cols \
            else pd.Series(["charge"] * len(raw))
        keep = kind.isin(RECORD_WORDS).to_numpy()
        r = raw[keep].reset_index(drop=True)
        get = lambda *names: next((r[cols[n]] for n in names if n in cols), pd.Series([""] * len(r)))  # noqa: E731
        out = pd.DataFrame({
            "batch_id": get("automatic_payout_id"),
            "settlement_date": get("automatic_payout_effective_at", "automatic_payout_effective_at_utc", "available_on",
                                   "available_on_utc"),
            "transaction_id": get("source_id", "charge_id", "balance_transaction_id"),
            "gross_amount": get("gross"), "fee_amount": get("fee"), "net_amount": get("net"),
            "currency": get("currency").astype(str).str.upper(),
            "card_brand": get("card_brand"),
            "reference": get("description", "statement_descriptor"),
            "cardholder_name": get("customer_name", "customer_description"),
            "record_type": kind[keep].map(RECORD_WORDS).to_numpy(),
            "original_transaction_id": "",
        })
        out["settlement_date"] = out["settlement_date"].astype(str).str.slice(0, 10)
        return out, "stripe"
    if {"psp reference", "type", "batch number"} <= set(cols) and ("net credit (nc)" in cols or "gross credit (gc)" in cols):
        kind = raw[cols["type"]].astype(str).str.strip().str.lower()
        keep = kind.isin(RECORD_WORDS).to_numpy()
        r = raw[keep].reset_index(drop=True)
        cur = r[cols.get("net currency", cols.get("gross currency"))].astype(str).str.strip().str.upper()

        def money(name: str) -> list[int]:
            if name not in cols:
                return [0] * len(r)
            return [parse_amount(v if str(v).strip() else None, c) or 0 for v, c in zip(r[cols[name]], cur)]
        credit, debit = np.array(money("net credit (nc)")), np.array(money("net debit (nc)"))
        fees = sum(np.array(money(f)) for f in ADYEN_FEES)
        net = credit - debit
        gross = net + fees
        dec = lambda a: [str(to_decimal(int(x), c)) for x, c in zip(a, cur)]  # noqa: E731
        out = pd.DataFrame({
            "batch_id": r[cols["batch number"]].astype(str).str.strip(),
            "settlement_date": r[cols.get("booking date", cols.get("creation date"))].astype(str).str.slice(0, 10),
            "transaction_id": r[cols["psp reference"]].astype(str).str.strip(),
            "gross_amount": dec(gross), "fee_amount": dec(fees), "net_amount": dec(net),
            "currency": cur.to_numpy(),
            "card_brand": r[cols["payment method"]] if "payment method" in cols else "",
            "reference": r[cols["merchant reference"]] if "merchant reference" in cols else "",
            "cardholder_name": "",
            "record_type": kind[keep].map(RECORD_WORDS).to_numpy(),
            "original_transaction_id": "",
        })
        return out, "adyen"
    return raw, ""


def check_net(cs: pd.DataFrame) -> list[InputError]:
    """Every row's ``net_amount`` must be ``gross_amount − fee_amount`` (CONTRACT §2)."""
    bad = cs["net_amount"] != cs["gross_amount"] - cs["fee_amount"]
    src = cs.attrs.get("source", {}) or {}
    return [InputError("net_amount is not gross_amount - fee_amount", "card_settlements", src.get("file", ""),
                       src.get("sheet", ""), row=int(r.source_row) if "source_row" in cs else None, column="net_amount",
                       value=str(r.transaction_id), expected="net = gross - fee on every row")
            for r in cs[bad].itertuples(index=False)]


def card_payments(cs: pd.DataFrame) -> pd.DataFrame:
    """The ``SALE`` transactions as canonical payments: gross amount, settlement date."""
    sale = cs[cs["record_type"] == "SALE"]
    n = len(sale)
    out = pd.DataFrame({
        "payment_id": sale["transaction_id"].to_numpy(dtype=object),
        "value_date": sale["settlement_date"].to_numpy(),
        "amount": sale["gross_amount"].to_numpy(dtype="int64"),
        "currency": sale["currency"].to_numpy(dtype=object),
        "payer_name": sale["cardholder_name"].to_numpy(dtype=object),
        "payer_account": np.array([""] * n, dtype=object),
        "reference": sale["reference"].to_numpy(dtype=object),
        "customer_id": sale["customer_id"].to_numpy(dtype=object),
        "record_type": np.array(["PAYMENT"] * n, dtype=object),
        "original_ref": np.array([""] * n, dtype=object),
        "reason_code": np.array([""] * n, dtype=object),
        "reason": np.array([""] * n, dtype=object),
        "source_row": sale["source_row"].to_numpy(dtype="int64") if "source_row" in sale else np.zeros(n, dtype="int64"),
    })
    out["value_date"] = pd.to_datetime(out["value_date"]).astype("datetime64[ns]")
    out.attrs = {"table": "payments", "money": {"amount": "currency"}}
    return out


def batches(cs: pd.DataFrame) -> pd.DataFrame:
    """One row per batch (and currency): settlement date, transactions, gross, fees, net."""
    g = cs.groupby(["batch_id", "currency"], sort=True)
    out = pd.DataFrame({"settlement_date": g["settlement_date"].max(), "transactions": g.size(),
                        "gross": g["gross_amount"].sum(), "fees": g["fee_amount"].sum(),
                        "net": g["net_amount"].sum()}).reset_index()
    return out


def match_deposits(bat: pd.DataFrame, pay: pd.DataFrame, tolerance: int, reporting_currency: str) -> dict[str, str]:
    """batch_id -> payment_id of its bank deposit: the earliest bank entry in the batch's
    currency, dated on or after its settlement date, whose amount is its net (within
    ``tolerance`` minor units in the reporting currency, exactly in others); each entry once."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    if not len(pay):
        return out
    cand = pay.sort_values(["value_date", "payment_id"], kind="stable")
    for b in bat.sort_values(["settlement_date", "batch_id"], kind="stable").itertuples(index=False):
        if b.net <= 0:
            continue
        tol = tolerance if b.currency == reporting_currency else 0
        hit = cand[(cand["currency"] == b.currency) & (cand["value_date"] >= b.settlement_date)
                   & ((cand["amount"] - b.net).abs() <= tol) & ~cand["payment_id"].isin(taken)]
        if len(hit):
            pid = hit["payment_id"].iat[0]
            taken.add(pid)
            out[b.batch_id] = pid
    return out


def batch_report(bat: pd.DataFrame, cs: pd.DataFrame, applications: pd.DataFrame, unapplied: pd.DataFrame,
                 deposits: dict[str, str]) -> pd.DataFrame:
    """``card_batches``: per batch what was applied of its transactions (AUTO, this run's and
    earlier runs'), what is left unapplied, and its bank deposit."""
    tx_batch = dict(zip(cs["transaction_id"], cs["batch_id"]))
    auto = applications[applications["status"] == "AUTO"]
    applied = auto.groupby(auto["payment_id"].map(tx_batch))["applied_amount"].sum()
    left = unapplied.groupby(unapplied["payment_id"].map(tx_batch))["amount_unapplied"].sum()
    out = bat.copy()
    out["applied"] = out["batch_id"].map(applied).fillna(0).astype("int64")
    out["unapplied"] = out["batch_id"].map(left).fillna(0).astype("int64")
    out["bank_payment_id"] = pd.Series([deposits.get(b, "") for b in out["batch_id"]], index=out.index, dtype=object)
    for c in ("transactions", "gross", "fees", "net"):
        out[c] = out[c].astype("int64")
    out = out[BATCH_COLUMNS].reset_index(drop=True)
    out.attrs = {"money": ["gross", "fees", "net", "applied", "unapplied"]}
    return out
