"""One bank entry is one payment, however often and under whatever ids it is loaded
(CONTRACT §6 "Cash across runs", ``DUPLICATE_PAYMENT``).

Two payment rows are the same bank entry when they carry

* the same ``end_to_end_id`` (the payer's id for the transfer) with the same currency and amount, or
* the same ``bank_reference`` (the bank's id for the entry) with the same value date, currency and amount,

e.g. a camt.054 notification and the camt.053 statement of the same day, or a CSV export of
the statement loaded beside the statement itself, whose payment ids differ.  (The same
``payment_id`` with the same content is counted once before this, by :func:`one_row_per_payment`.)

:func:`one_per_bank_entry` keeps one row per entry — the one an earlier run applied when there
is one — and when an earlier run applied the entry under another id, the row takes that id,
so the earlier application is judged as always and the cash is never applied twice.
Money: ``amount`` and ``payment_amount`` are integer minor units of the row's currency.
"""
from __future__ import annotations

import pandas as pd

from ..core.money import to_decimal
from .prior import APPLIED


def _keys(e2e: str, ref: str, day, cur: str, amount: int) -> list[tuple]:
    keys = []
    if e2e:
        keys.append(("E2E", e2e.upper(), cur, int(amount)))
    if ref and day is not None:
        keys.append(("REF", ref.upper(), day, cur, int(amount)))
    return keys


def _why(k: tuple) -> str:
    """What two rows share, in words (for the exception's detail)."""
    if k[0] == "E2E":
        _, e2e, cur, amt = k
        return f"same end-to-end id {e2e} and amount {cur} {to_decimal(amt, cur):,}"
    _, ref, day, cur, amt = k
    return f"same bank reference {ref}, value date {day} and amount {cur} {to_decimal(amt, cur):,}"


def _day(v):
    return None if v is None or pd.isna(v) else pd.Timestamp(v).date()


def _texts(df: pd.DataFrame, col: str) -> list[str]:
    if col not in df.columns:
        return [""] * len(df)
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in df[col]]


def _prior_keys(prior: pd.DataFrame | None) -> dict[tuple, str]:
    """Bank-entry key -> payment_id of the earlier runs' applications (AUTO and REVERSED rows)."""
    if prior is None or not len(prior) or "status" not in prior.columns:
        return {}
    rows = prior[prior["status"].isin(APPLIED | {"REVERSED"})]
    out: dict[tuple, str] = {}
    for pid, g in rows.groupby("payment_id", sort=True):
        amounts = g["payment_amount"].dropna() if "payment_amount" in g.columns else pd.Series([], dtype="Int64")
        if not len(amounts):
            continue            # an old file without the payment's amount: no key
        e2e = next((t for t in _texts(g, "end_to_end_id") if t), "")
        ref = next((t for t in _texts(g, "bank_reference") if t), "")
        day = next((_day(v) for v in g["value_date"] if _day(v) is not None), None) if "value_date" in g else None
        for k in _keys(e2e, ref, day, str(g["currency"].iat[0]), int(amounts.iat[0])):
            out.setdefault(k, pid)
    return out


def one_per_bank_entry(pay: pd.DataFrame, prior: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[tuple]]:
    """``pay`` (canonical payments, one row per ``payment_id``) with one row per bank entry, and
    a ``DUPLICATE_PAYMENT`` exception per copy left out or per row given an earlier run's id
    (rows in the engine's EXCEPTION column order).  ``prior``: earlier applications as
    :func:`.prior.read_prior` returns them."""
    if not len(pay) or ("end_to_end_id" not in pay.columns and "bank_reference" not in pay.columns):
        return pay, []
    if not any(c in pay.columns and pay[c].fillna("").astype(str).str.strip().ne("").any()
               for c in ("end_to_end_id", "bank_reference")):
        return pay, []
    e2e, ref = _texts(pay, "end_to_end_id"), _texts(pay, "bank_reference")
    known = _prior_keys(prior)
    prior_ids = set(known.values())
    ids = pay["payment_id"].tolist()
    present = set(ids)
    curs, amounts = pay["currency"].tolist(), pay["amount"].astype("int64").tolist()
    days = [_day(v) for v in pay["value_date"]]
    rows = pay["source_row"].tolist() if "source_row" in pay.columns else [""] * len(pay)
    custs = _texts(pay, "customer_id")
    order = sorted(range(len(pay)), key=lambda i: (ids[i] not in prior_ids, i))     # earlier runs' rows first
    seen: dict[tuple, str] = {}
    renamed: dict[int, str] = {}
    drop: list[int] = []
    exc: list[tuple] = []

    for i in order:
        pid = ids[i]
        keys = _keys(e2e[i], ref[i], days[i], curs[i], amounts[i])
        if not keys:
            continue
        target, how = pid, ""
        if pid not in prior_ids:
            k = next((k for k in keys if known.get(k, pid) != pid), None)
            if k is not None:
                target, how = known[k], _why(k)
        first = next(((seen[k], k) for k in keys if k in seen), None)
        if first is not None and first[0] != pid:
            drop.append(i)
            exc.append((pid, "DUPLICATE_PAYMENT", f"row {rows[i]} is the bank entry of payment {first[0]} "
                        f"({_why(first[1])}), loaded again under another id: counted once", custs[i], ""))
            continue
        if target != pid:
            if target in present:
                drop.append(i)
                exc.append((pid, "DUPLICATE_PAYMENT", f"row {rows[i]} is the bank entry of payment {target} "
                            f"({how}), loaded again under another id: counted once", custs[i], ""))
                continue
            renamed[i] = target
            present.add(target)
            exc.append((target, "DUPLICATE_PAYMENT", f"row {rows[i]} (payment {pid}) is the bank entry an earlier run "
                        f"applied as payment {target} ({how}): counted as {target}, not applied again", custs[i], ""))
        for k in keys:
            seen.setdefault(k, target)
    if not drop and not renamed:
        return pay, exc
    out = pay.copy()
    for i, new in renamed.items():
        out.iat[i, out.columns.get_loc("payment_id")] = new
    out = out.drop(index=out.index[drop]).reset_index(drop=True)
    out.attrs = dict(pay.attrs)
    return out, exc


def one_row_per_payment(pay: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple]]:
    """``pay`` with a payment listed again with the same content (a statement loaded twice)
    once; an exception ``DUPLICATE_PAYMENT`` per copy.  (The same ``payment_id`` with other
    content is refused when the table is read.)"""
    dup = pay["payment_id"].duplicated(keep="first")
    if not dup.any():
        return pay, []
    first = dict(zip(pay.loc[~dup, "payment_id"], pay.loc[~dup, "source_row"] if "source_row" in pay else [""] * int((~dup).sum())))
    exc = []
    for r in pay[dup].itertuples(index=False):
        row = getattr(r, "source_row", "")
        exc.append((r.payment_id, "DUPLICATE_PAYMENT",
                    f"row {row} repeats the payment of row {first.get(r.payment_id, '')} (same bank entry, loaded "
                    f"twice): counted once", r.customer_id, ""))
    out = pay[~dup].reset_index(drop=True)
    out.attrs = dict(pay.attrs)
    return out, exc
