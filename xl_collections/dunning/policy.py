"""Dunning policy: which customers get a letter today, at which level, for which items
(CONTRACT §6 "Dunning").  Pure: tables, settings and the as-of date in; results out.

- **Dunnable items**: receivable items (``INV``, ``DM``, ``DED``) with open amount > 0 that are
  past due by at least one day (``as_of - due_date >= 1``; due today is not), without an open
  dispute case (status ``DISPUTED``, every ``DED``, or a document named by a ``DISPUTE``
  activity — :mod:`xl_collections.collect.disputes`; a case resolved on ``Disputes`` is no
  longer open), and not covered by a pending promise: item status ``PROMISED``, a ``PENDING``
  promise naming the document, or a pending promise without a document, which covers the
  customer's otherwise dunnable items oldest first, as long as each fits in what is left of
  its amount (the first item that does not fit ends it; a promise without an amount covers
  them all).  Promise statuses are :mod:`xl_collections.collect.promises`'.
- A customer gets a letter when its dunnable total (in the reporting currency) is at least
  ``DunningMinAmount``, it has no ``dunning_block``, and its last letter (``Dunning History``)
  is at least ``DunningIntervalDays`` old.
- **Level** = the highest level whose threshold (``DunningLevels``, days past due) the oldest
  dunnable item has reached, but at most the last level sent + 1: no level is skipped.  At the
  last level the letter repeats that level.
- ``interest`` per item = open × ``DunningInterestRate`` × days past due / 365, rounded half
  away from zero to the item currency's minor unit; ``fee`` = the level's ``DunningFees``
  entry (reporting currency); ``total_due = amount_overdue + interest + fee`` per currency.

Money is integer minor units: item amounts and per-currency totals in the row's ``currency``,
``reporting_*`` columns and the fee in the reporting currency.  Amounts are positive (owed).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ..ar.aging import age, convert_minor, to_date
from ..collect.cash import empty_cash
from ..collect.disputes import OPEN, dispute_cases
from ..collect.promises import PENDING, evaluate_promises
from ..core.errors import InputError, InputErrors
from ..io.validate import canonical
from ..core.money import minor_unit, round_half_away
from ..core.settings import Settings

RECEIVABLE = ("INV", "DM", "DED")
NOT_BLOCKED = ("", "FALSE", "NO", "N", "0", "NONE")

# why a customer with overdue items gets no letter (dunning.csv ``blocked_reason``)
DUNNING_BLOCK = "DUNNING_BLOCK"            # the customer master says never dun
NOTHING_DUNNABLE = "NOTHING_DUNNABLE"      # every overdue item is disputed or under a pending promise
BELOW_MIN_AMOUNT = "BELOW_MIN_AMOUNT"      # dunnable total under DunningMinAmount
BELOW_FIRST_LEVEL = "BELOW_FIRST_LEVEL"    # oldest dunnable item not yet at the first level's days
INTERVAL = "INTERVAL"                      # last letter younger than DunningIntervalDays
REASON_WORDS = {
    DUNNING_BLOCK: "dunning block on the customer master",
    NOTHING_DUNNABLE: "every overdue item is disputed or under a pending promise",
    BELOW_MIN_AMOUNT: "overdue total below DunningMinAmount",
    BELOW_FIRST_LEVEL: "oldest overdue item has not reached the first level",
    INTERVAL: "last letter more recent than DunningIntervalDays",
}

LETTER_COLUMNS = ["customer_id", "level", "items", "currency", "amount_overdue", "interest", "fee", "total_due",
                  "last_level", "last_letter_date", "letter_file", "blocked_reason"]
ITEM_COLUMNS = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "days_past_due", "currency",
                "open_amount", "interest", "reporting_amount", "reference", "po_number"]
HISTORY_COLUMNS = ["customer_id", "level", "letter_date", "items", "amount", "file"]


@dataclass(frozen=True, eq=False)
class DunningProposal:
    """What :func:`propose` returns.

    ``customers``: one row per customer with overdue receivable items: ``customer_id``,
    ``customer_name``, ``language``, ``email``, ``address``, ``level`` (0: no letter),
    ``last_level`` (0: never dunned), ``last_letter_date`` (NaT), ``items`` (dunnable),
    ``oldest_days``, ``reporting_overdue``, ``reporting_interest``, ``fee``,
    ``reporting_total`` (reporting currency), ``currencies`` (text such as ``EUR; USD``),
    ``blocked_reason`` (a code above, '' when a letter goes out).
    ``letters``: the ``dunning.csv`` rows: one per customer and currency (the fee sits on the
    reporting currency's row), columns :data:`LETTER_COLUMNS` (``letter_file`` blank here).
    ``items``: every dunnable item of every customer (letter or not), :data:`ITEM_COLUMNS`.
    ``reporting_currency`` names the currency of the reporting columns and the fee."""
    customers: pd.DataFrame
    letters: pd.DataFrame
    items: pd.DataFrame
    as_of: dt.date
    reporting_currency: str

    @property
    def to_send(self) -> pd.DataFrame:
        """The customers that get a letter today."""
        return self.customers[self.customers["level"] > 0]


def blocked(value: object) -> bool:
    """A ``dunning_block`` cell means blocked unless blank, FALSE, NO, N, 0 or NONE (SAP's
    dunning-block codes such as ``A`` block)."""
    return str("" if value is None or (isinstance(value, float) and np.isnan(value)) else value
               ).strip().upper() not in NOT_BLOCKED


def item_interest(open_minor: int, days: int, annual_rate: Decimal) -> int:
    """Interest on one item in its own minor units: open × rate × days / 365, rounded half
    away from zero (0 when the rate or the days are 0)."""
    if not annual_rate or days <= 0:
        return 0
    return int(round_half_away(Decimal(int(open_minor)) * annual_rate * days / 365, 0))


def level_for(days: int, levels: tuple[int, ...], last_level: int) -> int:
    """The highest level whose threshold ``days`` reached, at most ``last_level + 1`` (0: none)."""
    reached = sum(1 for t in levels if days >= t)
    return min(reached, last_level + 1)


def last_letters(history: pd.DataFrame | None) -> pd.DataFrame:
    """Per customer the latest letter of ``history`` (``customer_id``, ``level`` int,
    ``letter_date``): index ``customer_id``, columns ``last_level``, ``last_letter_date``."""
    if history is None or history.empty:
        return pd.DataFrame({"last_level": pd.Series(dtype="int64"),
                             "last_letter_date": pd.Series(dtype="datetime64[ns]")},
                            index=pd.Index([], name="customer_id"))
    h = history.sort_values(["letter_date", "level"], kind="stable")
    last = h.groupby("customer_id", sort=True).tail(1).set_index("customer_id")
    return pd.DataFrame({"last_level": last["level"].astype("int64"),
                         "last_letter_date": pd.to_datetime(last["letter_date"])})


def open_dispute_docs(aged: pd.DataFrame, activity: pd.DataFrame | None, as_of: dt.date,
                      disputes: pd.DataFrame | None = None) -> set[str]:
    """Documents with an open dispute case: ``disputes`` (the collections engine's cases, with
    the user's resolutions) when given, else the cases made here by
    :func:`xl_collections.collect.disputes.dispute_cases`."""
    if disputes is None:
        disputes = dispute_cases(aged, activity, as_of=as_of)
    if disputes is None or disputes.empty:
        return set()
    return set(disputes.loc[disputes["status"] == OPEN, "document_no"].astype(str))


def pending_promises(promises: pd.DataFrame | None, activity: pd.DataFrame | None, as_of: dt.date,
                     grace_days: int, currency: str) -> pd.DataFrame:
    """The ``PENDING`` promises (:mod:`xl_collections.collect.promises`): ``promises`` when
    given (judged against applied cash by the collections engine), else the activity log judged
    without cash — a promise is then pending from the day it was made until its date plus
    ``PromiseGraceDays``.  Columns ``customer_id``, ``document_no``, ``amount``: what is still
    promised (promised − paid, minor units of the reporting currency; <NA> without an amount)."""
    if promises is None:
        promises = evaluate_promises(activity, empty_cash(), as_of=as_of, grace_days=grace_days, currency=currency)
    p = promises[promises["status"] == PENDING]
    amount = (p["promised_amount"].astype("Int64") - p["paid_amount"].fillna(0).astype("Int64"))
    return pd.DataFrame({"customer_id": p["customer_id"].astype(str), "document_no": p["document_no"].fillna("").astype(str),
                         "amount": amount}).reset_index(drop=True)


def _promised(items: pd.DataFrame, candidate: np.ndarray, promises: pd.DataFrame) -> np.ndarray:
    """Mask of items covered by a pending promise (see the module docstring).  ``items`` is
    sorted oldest first; ``candidate`` marks the items dunnable so far."""
    covered = (items["status"] == "PROMISED").to_numpy().copy()
    if promises is None or promises.empty:
        return covered
    key = list(zip(items["customer_id"], items["document_no"]))
    named = promises[promises["document_no"].astype(str).str.strip() != ""]
    docs = set(zip(named["customer_id"], named["document_no"]))
    covered |= np.array([k in docs for k in key], bool)
    general = promises[promises["document_no"].astype(str).str.strip() == ""]
    if general.empty:
        return covered
    # a promise without an amount covers all the customer's items; otherwise what is still promised
    room = {c: (None if g["amount"].isna().any() else int(g["amount"].sum()))
            for c, g in general.groupby("customer_id")}
    rep = items["reporting_amount"].to_numpy()
    cust = items["customer_id"].to_numpy()
    for i in np.flatnonzero(candidate & ~covered):
        if cust[i] not in room:
            continue
        left = room[cust[i]]
        if left is None:
            covered[i] = True
        elif left > 0 and rep[i] <= left:
            covered[i] = True
            room[cust[i]] = left - int(rep[i])
        else:                       # oldest first: the first item it cannot cover ends the promise's reach
            room[cust[i]] = 0
    return covered


def propose(open_items: pd.DataFrame, customers: pd.DataFrame | None, settings: Settings, as_of=None, *,
            activity: pd.DataFrame | None = None, history: pd.DataFrame | None = None,
            promises: pd.DataFrame | None = None, disputes: pd.DataFrame | None = None,
            fx_rates: pd.DataFrame | None = None) -> tuple[DunningProposal | None, list[InputError]]:
    """The letters to propose at ``as_of`` (default ``settings.as_of``); see the module docstring.

    ``history``: earlier letters (``customer_id``, ``level`` int, ``letter_date``).
    ``promises`` / ``disputes``: the collections engine's promises (with their status) and
    dispute cases (with the user's resolutions); None judges them from ``activity`` here
    (:func:`pending_promises`, :func:`open_dispute_docs`).
    Returns ``(proposal, [])`` or ``(None, errors)`` when the inputs cannot be used."""
    rep = settings.reporting_currency
    try:
        as_of = to_date(as_of if as_of is not None else settings.as_of)
        oi = canonical(open_items, "open_items", reporting_currency=rep)
        cust = canonical(customers, "customers", reporting_currency=rep) if customers is not None else None
        act = canonical(activity, "activity", reporting_currency=rep) if activity is not None else None
        aged = age(oi, as_of, customers=cust, fx_rates=fx_rates, basis="due", reporting_currency=rep).detail
    except InputErrors as e:
        return None, list(e.errors)
    except ValueError as e:
        return None, [InputError(str(e), "open_items")]
    pending = pending_promises(promises, act, as_of, settings.promise_grace_days, rep)

    overdue = aged[aged["doc_type"].isin(RECEIVABLE) & (aged["open_amount"] > 0) & (aged["days_past_due"] >= 1)]
    overdue = overdue.sort_values(["customer_id", "due_date", "document_date", "document_no"], kind="stable")
    overdue = overdue.reset_index(drop=True)
    disputed = overdue["document_no"].isin(open_dispute_docs(aged, act, as_of, disputes)).to_numpy()
    promised = _promised(overdue, ~disputed, pending)
    items = overdue[~disputed & ~promised].reset_index(drop=True)
    rate = Decimal(settings.dunning_interest_rate or 0)
    items = items.assign(interest=[item_interest(o, d, rate) for o, d in
                                   zip(items["open_amount"], items["days_past_due"])]).astype({"interest": "int64"})
    items = items[[c for c in (*ITEM_COLUMNS, "fx_rate") if c in items.columns]]

    master = _master(cust)
    last = last_letters(history)
    levels = tuple(settings.dunning_levels)
    fees = tuple(settings.dunning_fees)
    rows, letters = [], []
    # each customer's dunnable items as positions into these columns (taken once: slicing the
    # frame per customer costs more than the rest of the loop)
    by_cust = _positions(items["customer_id"])
    dpd, rep_amt = items["days_past_due"].to_numpy(), items["reporting_amount"].to_numpy()
    item_cur, open_amt = items["currency"].to_numpy(dtype=object), items["open_amount"].to_numpy()
    item_int = items["interest"].to_numpy()
    item_rate = None
    for cid in pd.unique(overdue["customer_id"]):
        its = by_cust.get(cid)
        info = master.get(cid, {})
        last_level = int(last["last_level"].get(cid, 0)) if cid in last.index else 0
        last_date = last["last_letter_date"].get(cid, pd.NaT) if cid in last.index else pd.NaT
        n = 0 if its is None else len(its)
        oldest = int(dpd[its].max()) if n else 0
        rep_overdue = int(rep_amt[its].sum()) if n else 0
        reason = ""
        if blocked(info.get("dunning_block", "")):
            reason = DUNNING_BLOCK
        elif not n:
            reason = NOTHING_DUNNABLE
        elif rep_overdue < int(settings.dunning_min_amount or 0):
            reason = BELOW_MIN_AMOUNT
        elif level_for(oldest, levels, last_level) == 0:
            reason = BELOW_FIRST_LEVEL
        elif pd.notna(last_date) and (as_of - last_date.date()).days < settings.dunning_interval_days:
            reason = INTERVAL
        level = 0 if reason else level_for(oldest, levels, last_level)
        fee = int(fees[min(level, len(fees)) - 1]) if level and fees else 0
        currencies = sorted(set(item_cur[its].tolist())) if n else []
        if level and fee and rep not in currencies:
            currencies = sorted([*currencies, rep])
        interest_rep = 0
        for cur in currencies or [rep]:
            part = its[item_cur[its] == cur] if n else None      # the customer's items in ``cur``
            amt = int(open_amt[part].sum()) if part is not None else 0
            intr = int(item_int[part].sum()) if part is not None else 0
            f = fee if cur == rep else 0
            if intr:   # in the reporting currency: each item's interest converted at its rate, exactly
                item_rate = items["fx_rate"].to_numpy() if item_rate is None else item_rate
                interest_rep += int(convert_minor(item_int[part].astype("int64"), item_rate[part[0]],
                                                  minor_unit(cur), minor_unit(rep)).sum())
            letters.append({"customer_id": cid, "level": level or None, "items": 0 if part is None else len(part),
                            "currency": cur, "amount_overdue": amt, "interest": intr, "fee": f,
                            "total_due": amt + intr + f, "last_level": last_level or None,
                            "last_letter_date": last_date, "letter_file": "", "blocked_reason": reason})
        rows.append({"customer_id": cid, "customer_name": info.get("customer_name", ""),
                     "language": info.get("language", ""), "email": info.get("email", ""),
                     "address": info.get("address", ""), "level": level, "last_level": last_level,
                     "last_letter_date": last_date, "items": n, "oldest_days": oldest,
                     "reporting_overdue": rep_overdue, "reporting_interest": interest_rep, "fee": fee,
                     "reporting_total": rep_overdue + interest_rep + fee, "currencies": "; ".join(currencies),
                     "blocked_reason": reason})
    cust_df = pd.DataFrame(rows, columns=["customer_id", "customer_name", "language", "email", "address", "level",
                                          "last_level", "last_letter_date", "items", "oldest_days",
                                          "reporting_overdue", "reporting_interest", "fee", "reporting_total",
                                          "currencies", "blocked_reason"])
    cust_df = cust_df.astype({"level": "int64", "last_level": "int64", "items": "int64", "oldest_days": "int64",
                              "reporting_overdue": "int64", "reporting_interest": "int64", "fee": "int64",
                              "reporting_total": "int64"})
    cust_df["last_letter_date"] = pd.to_datetime(cust_df["last_letter_date"])
    cust_df.attrs = {"money": ["reporting_overdue", "reporting_interest", "fee", "reporting_total"], "currency": rep}
    letters_df = pd.DataFrame(letters, columns=LETTER_COLUMNS)
    letters_df = letters_df.astype({"level": "Int64", "last_level": "Int64", "items": "int64",
                                     "amount_overdue": "int64", "interest": "int64", "fee": "int64",
                                     "total_due": "int64"})
    letters_df["last_letter_date"] = pd.to_datetime(letters_df["last_letter_date"])
    letters_df.attrs = {"money": ["amount_overdue", "interest", "fee", "total_due"], "currency": rep}
    items.attrs = {"money": ["open_amount", "interest", "reporting_amount"], "currency": rep,
                   "money_currency": {"reporting_amount": rep}}
    return DunningProposal(cust_df, letters_df, items, as_of, rep), []


def _positions(keys: pd.Series) -> dict[object, np.ndarray]:
    """Key -> the positions of its rows, in row order (what ``groupby(keys, sort=False)``
    groups; a missing key forms no group)."""
    out: dict[object, list[int]] = {}
    for i, k in enumerate(keys.tolist()):
        if not (k is None or k is pd.NA or k is pd.NaT or isinstance(k, float) and k != k):
            out.setdefault(k, []).append(i)
    return {k: np.array(v, dtype=np.intp) for k, v in out.items()}


def _master(cust: pd.DataFrame | None) -> dict[str, dict]:
    if cust is None or cust.empty:
        return {}
    cols = [c for c in ("customer_name", "language", "email", "address", "dunning_block") if c in cust.columns]
    return cust.set_index("customer_id")[cols].to_dict("index")


def history_table(history: pd.DataFrame | None, *, file: str = "", sheet: str = ""
                  ) -> tuple[pd.DataFrame | None, list[InputError]]:
    """The canonical ``dunning_history`` table with ``level`` as int (``2`` or ``L2``); a
    level that is not a whole number from 1 is refused naming its row."""
    if history is None:
        return None, []
    try:
        h = canonical(history, "dunning_history")
    except InputErrors as e:
        return None, list(e.errors)
    src = h.attrs.get("source") or {}
    file = file or (src.get("file", "") if isinstance(src, dict) else str(src))
    sheet = sheet or (src.get("sheet", "") if isinstance(src, dict) else "")
    levels, errors = [], []
    rows = h["source_row"] if "source_row" in h.columns else pd.Series(range(2, len(h) + 2), index=h.index)
    for v, row in zip(h["level"], rows):
        text = str(v).strip().upper().removeprefix("L")
        try:
            lv = int(float(text))
            if lv < 1 or lv != float(text):
                raise ValueError
        except ValueError:
            errors.append(InputError("dunning level is not a level", "dunning_history", file, sheet, int(row), "level",
                                     str(v), "a whole number from 1 such as 2"))
            lv = 0
        levels.append(lv)
    out = h.assign(level=pd.array(levels, dtype="int64"))
    out.attrs = dict(h.attrs)
    return (None, errors) if errors else (out, [])
