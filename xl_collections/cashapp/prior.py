"""Cash across runs (CONTRACT §6 "Cash across runs"): judge earlier runs' applications.

An earlier application is a row of a previous ``applications.csv`` (``cashapp --prior``) or
of the ``Cash App`` sheet.  It records the document's open amount before it
(``open_before``) and what it cleared (``applied_amount`` + ``discount_amount`` +
``write_off_amount`` + ``deduction_amount``, minor units of the row's ``currency``).

:func:`read_prior` turns such a table (text from a CSV, numbers from a sheet) into minor
units and refuses one without ``open_before``.  :func:`judge` decides, against today's open
items and payments, per earlier application:

* its payment is never applied again;
* the applications to one document are judged together, in run order (``open_before``
  falling, then value date): today's open amount = ``open_before`` of the first − Σ cleared
  by the first k means those k are posted by the ledger, the later ones are deducted again;
  any other open amount is ``PRIOR_MISMATCH`` for all of them, nothing deducted;
* a payment whose amount changed since (``PAYMENT_CHANGED``) or that is gone from payment
  inputs covering its value date (``PAYMENT_REMOVED``) is an exception, nothing deducted;
  a payment outside what was loaded is carried as applied;
* carried payments keep their deductions (``DED`` items) and on-account remainder (a ``PMT``
  item whose ``document_no`` is the ``payment_id``) until the open items show them posted (a
  ``DED``/``PMT`` of that customer and amount).

Pure: DataFrames in, a :class:`Judgement` out; no files, no clock.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.money import MINOR_UNITS, AmountError, is_currency, parse_amount, to_decimal

# money columns of an application row, minor units of the row's currency
PRIOR_MONEY = ("applied_amount", "open_before", "write_off_amount", "discount_amount", "deduction_amount",
               "payment_amount")
CLEARS = ("applied_amount", "discount_amount", "write_off_amount", "deduction_amount")
PRIOR_TEXT = ("payment_id", "document_no", "customer_id", "rule", "status", "currency", "evidence", "payer_account",
              "bank_reference", "end_to_end_id", "return_id", "reason_code", "run_id", "decision")
REQUIRED = ("payment_id", "document_no", "applied_amount", "status", "open_before")
APPLIED = frozenset({"AUTO", "APPLIED", ""})      # statuses that are applications (blank: an old file)


@dataclass
class Judgement:
    """What earlier runs' applications mean for this run.

    ``carried``: the earlier application rows kept as they were (AUTO and REVERSED).
    ``deduct``: document_no -> minor units to take off today's open amount again (not yet
    posted).  ``done``: payment ids never applied again.  ``unapplied`` / ``exceptions``: rows
    in the engine's UNAPPLIED / EXCEPTION column order.  ``open_items``: DED and PMT items
    carried into ``open_items_after`` (dicts of open-item columns).  ``held``: document_no -> why
    an earlier application to it is in question (changed/removed payment, PRIOR_MISMATCH): no
    cash is applied to it automatically until a person has looked.  ``accepted``: payment_id ->
    its ``REVIEW`` rows a person marked ``ACCEPT`` (applied this run, rule ``MANUAL``)."""
    carried: pd.DataFrame
    deduct: dict[str, int] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    unapplied: list[tuple] = field(default_factory=list)
    exceptions: list[tuple] = field(default_factory=list)
    open_items: list[dict] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    accepted: dict[str, pd.DataFrame] = field(default_factory=dict)
    unposted: set[tuple[str, str]] = field(default_factory=set)   # (payment, document) deducted again


def in_set(values: pd.Series, wanted) -> np.ndarray:
    """``values.isin(wanted)`` of a text column without blanks (ids), as a bool array, by set
    lookups: pandas' Arrow-backed text ``isin`` makes a scalar of every wanted value first
    (0.1 s for 30,000 payment ids)."""
    s = wanted if isinstance(wanted, (set, frozenset)) else set(wanted)
    return np.fromiter((v in s for v in values.tolist()), dtype=bool, count=len(values))


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v).strip()
    return s[1:] if s[:1] == "'" and s[1:2] in ("=", "+", "-", "@", "\t", "\r") else s


def _texts(values) -> list[str]:
    """:func:`_text` of each value (text cells, the usual case, trimmed in one pass)."""
    out = [v.strip() if type(v) is str else _text(v) for v in values]
    for i in [i for i, s in enumerate(out) if s[:1] == "'"]:        # rare: a quoted formula-like text
        if type(values[i]) is str:
            out[i] = _text(out[i])
    return out


_PLAIN = 2.0 ** 50      # below this many minor units a float's repr and m / 10**places round to the same m


def _plain_minor(values: list, places: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minor units of the plain numbers among ``values`` (a float or int, ``places`` decimals
    per value) that are exact at their decimals - what :func:`parse_amount` gives them - and
    where they are; anything else (text, blanks, more decimals, bool) is not, for the careful path."""
    n = len(values)
    plain = np.fromiter((type(v) is float or type(v) is int and -_PLAIN < v < _PLAIN for v in values), dtype=bool, count=n)
    x = np.array([v if p else 0.0 for v, p in zip(values, plain)], dtype=np.float64) if n else np.zeros(0)
    scale = 10.0 ** places
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * scale
        m = np.rint(y)
        ok = plain & np.isfinite(y) & (np.abs(y) < _PLAIN) & (m / scale == x)
    return np.where(ok, m, 0).astype(np.int64), ok


def read_prior(df: pd.DataFrame | None, *, reporting_currency: str = "USD", file: str = "", sheet: str = "",
               first_row: int = 2) -> tuple[pd.DataFrame | None, list[InputError]]:
    """Earlier applications as a table with money in minor units of each row's ``currency``
    (else ``reporting_currency``), text stripped, identical rows once (the same file given
    twice).  Refused (errors naming file/sheet, row and column) without the columns a later
    run needs to judge an application, ``open_before`` first among them."""
    if df is None:
        return None, []
    cols = {str(c).strip().lower().replace(" ", "_"): c for c in df.columns}
    missing = [c for c in REQUIRED if c not in cols]
    where = dict(table="prior_applications", file=file, sheet=sheet)
    if missing:
        return None, [InputError(f"required column {c!r} is missing", **where, row=1, column=c,
                                 expected="the applications.csv of a cashapp run of this version (it records "
                                          "open_before, the document's open amount before each application)")
                      for c in missing]
    n = len(df)
    out = pd.DataFrame(index=range(n))
    for c in PRIOR_TEXT:
        out[c] = pd.Series(_texts(df[cols[c]].tolist()) if c in cols else [""] * n, dtype=object)
    out["status"] = out["status"].str.upper()
    out["decision"] = out["decision"].str.upper()
    cur = [c if is_currency(c) else reporting_currency for c in out["currency"].str.upper()]
    out["currency"] = pd.Series(cur, dtype=object)
    errors: list[InputError] = []
    blank = (out["payment_id"] == "").tolist()     # a row emptied (or a table left one row long) is no application
    minor = set(df.attrs.get("money", ()))       # an engine result: money already in minor units
    status = out["status"].tolist()
    blank_at = np.array(blank, dtype=bool)
    places = np.array([MINOR_UNITS[k] for k in cur], dtype=np.int64)
    for c in PRIOR_MONEY:
        src = df[cols[c]].tolist() if c in cols else [None] * n
        if c in minor and c in cols and pd.api.types.is_integer_dtype(df[cols[c]].dtype):
            out[c] = pd.array(src, dtype="Int64") if c == "payment_amount" else pd.array(src, dtype="int64")
            continue
        # plain numbers (a sheet's cells) at once; text, blanks and the rest one by one, as parse_amount reads them
        vals, ok = _plain_minor(src, places)
        none = blank_at.copy()
        for i in np.flatnonzero(~ok & ~blank_at).tolist():
            v = src[i]
            try:
                m = parse_amount(_text(v) if isinstance(v, str) else v, cur[i])
            except AmountError as e:
                errors.append(InputError(f"{c} is not an amount", **where, row=first_row + i, column=str(cols[c]),
                                         value=str(v), expected=e.expected))
                m = None
            if m is None and c in ("open_before",) and status[i] in APPLIED:
                errors.append(InputError("open_before is blank", **where, row=first_row + i, column=str(cols[c]),
                                         expected="the document's open amount before the application"))
            if m is None:
                none[i] = True
            else:
                vals[i] = m
        vals[none] = 0
        out[c] = pd.arrays.IntegerArray(vals, none) if c == "payment_amount" else pd.array(vals, dtype="int64")
    vd = df[cols["value_date"]] if "value_date" in cols else pd.Series([None] * n)
    out["value_date"] = pd.to_datetime(pd.Series(vd.tolist()), errors="coerce").astype("datetime64[ns]")
    if "confidence" in cols:
        out["confidence"] = pd.to_numeric(df[cols["confidence"]], errors="coerce").fillna(0.0).astype("float64").to_numpy()
    else:
        out["confidence"] = 0.0
    if errors:
        return None, errors
    out = out[out["payment_id"] != ""]
    out = out.drop_duplicates(ignore_index=True)
    out.attrs = {"money": list(PRIOR_MONEY), "currency": reporting_currency, "prior_read": True}
    return out, []


def _covered(day, spans) -> bool:
    return day is not None and any(lo <= day <= hi for lo, hi in spans)


def judge(prior: pd.DataFrame | None, open_items: pd.DataFrame, payments: pd.DataFrame,
          spans: list[tuple[dt.date, dt.date]] | None = None) -> Judgement:
    """Judge ``prior`` (:func:`read_prior`'s table) against today's canonical ``open_items``
    and ``payments``.  ``spans``: the value-date ranges the payment inputs cover (a payment of
    an earlier run is gone only when its value date lies in one and the payments do not hold
    it); default: the payments' own first to last value date.

    The user's ``decision`` column: ``ACCEPT`` on a ``REVIEW`` row hands the proposal to the
    engine as a person's decision (``accepted``: applied this run, rule ``MANUAL``); ``REJECT``
    on an ``AUTO`` row the ledger has not posted withdraws it (the row is carried as
    ``REVERSED``, nothing deducted, its cash unapplied with reason ``REJECTED``, the payment
    never applied again automatically); on a posted one it is an exception, nothing changed."""
    if prior is None or not len(prior):
        return Judgement(carried=pd.DataFrame())
    if spans is None:
        vd = payments["value_date"].dropna() if len(payments) else pd.Series([], dtype="datetime64[ns]")
        spans = [(vd.min().date(), vd.max().date())] if len(vd) else []
    status, decision = prior["status"], prior["decision"]
    reversed_pairs = set(zip(prior.loc[status == "REVERSED", "payment_id"], prior.loc[status == "REVERSED", "document_no"]))
    carried = prior[status.isin(APPLIED | {"REVERSED"})].reset_index(drop=True)
    j = Judgement(carried=carried)
    j.done = set(carried["payment_id"])
    accept = prior[(status == "REVIEW") & (decision == "ACCEPT") & ~prior["payment_id"].isin(j.done)]
    for pid, rows in accept.groupby("payment_id", sort=True):
        j.accepted[pid] = rows.reset_index(drop=True)
    is_app = carried["status"].isin(APPLIED) & pd.Series(
        [(p, d) not in reversed_pairs for p, d in zip(carried["payment_id"], carried["document_no"])], dtype=bool)
    apps = carried[is_app.to_numpy()]
    if apps.empty and not len(carried):
        return j

    pay = payments.drop_duplicates("payment_id").set_index("payment_id")
    open_now = dict(zip(open_items["document_no"], open_items["open_amount"].astype("int64")))
    fmt = lambda m, c: f"{to_decimal(int(m), c):,}"      # noqa: E731 - evidence text only

    # -- which payments are still there as they were ---------------------------------------------
    flagged: dict[str, str] = {}
    for pid, rows in apps.groupby("payment_id", sort=True):
        recorded = rows["payment_amount"].dropna()
        was = int(recorded.iat[0]) if len(recorded) else None
        day = rows["value_date"].dropna()
        day = day.iat[0].date() if len(day) else None
        if pid in pay.index:
            if (was is not None and int(pay.at[pid, "amount"]) != was) or pay.at[pid, "currency"] != rows["currency"].iat[0]:
                flagged[pid] = "PAYMENT_CHANGED"
        elif _covered(day, spans):
            flagged[pid] = "PAYMENT_REMOVED"

    # -- per document: posted, not yet posted, or neither --------------------------------------
    withdrawn: set[int] = set()           # positions in ``carried`` of rows a REJECT withdraws now
    apps = apps.assign(cleared=sum(apps[c] for c in CLEARS).astype("int64"), pos=apps.index.to_numpy(),
                       ob=-apps["open_before"].abs())
    for doc, rows in apps.groupby("document_no", sort=True):
        rows = rows.sort_values(["ob", "value_date", "payment_id", "pos"], kind="stable")
        first = int(rows["open_before"].iat[0])
        today = int(open_now.get(doc, 0))
        cleared = rows["cleared"].tolist()
        left = [first - sum(cleared[:k]) for k in range(len(cleared) + 1)]
        posted = max((k for k, v in enumerate(left) if v == today), default=None)
        cur = rows["currency"].iat[0]
        doubt = sorted(set(rows["payment_id"]) & set(flagged))
        if doubt:
            j.held[doc] = f"an earlier application to {doc} is in question (payment {', '.join(doubt)} changed or removed)"
        if posted is None:
            j.held[doc] = f"{doc}'s open amount does not fit its earlier applications (PRIOR_MISMATCH)"
            what = "; ".join(f"{p} cleared {fmt(c, cur)}" for p, c in zip(rows["payment_id"], cleared))
            for pid, cust in zip(rows["payment_id"], rows["customer_id"]):
                j.exceptions.append((pid, "PRIOR_MISMATCH",
                                     f"{doc} was open {fmt(first, cur)} before the earlier application(s) ({what}); "
                                     f"today it is open {fmt(today, cur)}, neither posted nor unposted: nothing "
                                     f"deducted - check the ledger", cust, doc))
            continue
        again = 0
        for n, r in enumerate(rows.itertuples(index=False)):
            if r.payment_id in flagged:
                continue
            if r.decision == "REJECT":
                if n >= posted:
                    withdrawn.add(r.pos)
                    continue
                j.exceptions.append((r.payment_id, "REJECT_POSTED",
                                     f"decision REJECT on {r.payment_id} to {doc}: the ledger has posted it already "
                                     f"(open {fmt(today, cur)}); reverse it in the ledger - nothing changed", r.customer_id,
                                     doc))
            if n >= posted:
                again += r.cleared
                j.unposted.add((r.payment_id, doc))
            if r.deduction_amount:
                j.open_items.append({"customer_id": r.customer_id, "document_no": "", "doc_type": "DED",
                                     "amount": int(r.deduction_amount), "open_amount": int(r.deduction_amount),
                                     "currency": r.currency, "reference": doc, "reason_code": r.reason_code or "OTHER",
                                     "document_date": r.value_date.date() if pd.notna(r.value_date) else None,
                                     "payment_id": r.payment_id, "_pos": r.pos})
        if again:
            j.deduct[doc] = again
    if withdrawn:
        rows = carried.index.isin(sorted(withdrawn))
        carried.loc[rows, "status"] = "REVERSED"
        carried.loc[rows, "evidence"] = carried.loc[rows, "evidence"] + "; withdrawn: decision REJECT"
        apps = apps[~apps["pos"].isin(withdrawn)]

    # -- per payment: what is left of it, and the exceptions about it ---------------------------
    back = carried[(carried["status"] == "REVERSED") & (carried["applied_amount"] > 0)]
    rejected = back.groupby("payment_id")["applied_amount"].sum().to_dict()
    returned = set(carried.loc[(carried["status"] == "REVERSED") & (carried["return_id"] != ""), "payment_id"])
    for pid, rows in carried.groupby("payment_id", sort=True):
        if pid in returned:         # returned (CONTRACT §6 "Returned items"): nothing of it is left
            continue
        mine = apps[apps["payment_id"] == pid]
        cur = rows["currency"].iat[0]
        cust = next((c for c in rows["customer_id"] if c), "")
        applied = int(mine["applied_amount"].sum())
        recorded = rows["payment_amount"].dropna()
        was = int(recorded.iat[0]) if len(recorded) else None
        docs = ", ".join(mine["document_no"]) or ", ".join(rows["document_no"])
        day = rows["value_date"].dropna()
        day = day.iat[0].date() if len(day) else None
        why = flagged.get(pid)
        if why == "PAYMENT_REMOVED":
            j.exceptions.append((pid, why, f"applied {cur} {fmt(applied, cur)} to {docs} in an earlier run, value date "
                                           f"{day}; today's payments cover that date but no longer hold the payment: "
                                           f"nothing deducted", cust, docs))
            continue
        if pid in pay.index:
            now, now_cur = int(pay.at[pid, "amount"]), pay.at[pid, "currency"]
            if why == "PAYMENT_CHANGED":
                j.exceptions.append((pid, why, f"applied {cur} {fmt(applied, cur)} to {docs} in an earlier run when the "
                                               f"payment was {cur} {fmt(was if was is not None else applied, cur)}; it is "
                                               f"now {now_cur} {fmt(now, now_cur)}: not applied again and nothing "
                                               f"deducted - check the payment", cust, docs))
                j.unapplied.append((pid, now - applied if now_cur == cur else now, why, now_cur, pay.at[pid, "payer_name"],
                                    pay.at[pid, "reference"],
                                    f"the payment's amount changed since it was applied (was {fmt(was or 0, cur)})", cust))
                continue
            name, ref = pay.at[pid, "payer_name"], pay.at[pid, "reference"]
            total = now
        else:
            name = ref = ""
            total = was if was is not None else applied + int(rejected.get(pid, 0))
        back_amt = min(int(rejected.get(pid, 0)), total - applied)
        rest = total - applied - back_amt
        if back_amt > 0 and (pid in pay.index):
            j.unapplied.append((pid, back_amt, "REJECTED", cur, name, ref,
                                f"{fmt(back_amt, cur)} withdrawn (decision REJECT): apply it by hand", cust))
        if rest and pid in pay.index:
            j.unapplied.append((pid, rest, "ON_ACCOUNT" if cust else "UNAPPLIED", cur, name, ref,
                                f"{fmt(rest, cur)} left after applying, in an earlier run", cust))
        if rest + back_amt > 0 and cust:
            j.open_items.append({"customer_id": cust, "document_no": pid, "doc_type": "PMT", "amount": -(rest + back_amt),
                                 "open_amount": -(rest + back_amt), "currency": cur, "document_date": day,
                                 "reference": pid, "reason_code": ""})
    j.open_items = _not_yet_posted(j.open_items, open_items)
    return j


def _not_yet_posted(items: list[dict], open_items: pd.DataFrame) -> list[dict]:
    """The carried DED/PMT items the open items do not show posted yet (a DED/PMT of that
    customer, currency and amount; each open item stands for one carried item); DED items
    get their names ``DED-<payment>-<n>``."""
    pool: dict[tuple, int] = defaultdict(int)
    if len(open_items) and "doc_type" in open_items:
        sel = open_items[open_items["doc_type"].isin(["DED", "PMT"])]
        for key in zip(sel["doc_type"], sel["customer_id"], sel["currency"], sel["open_amount"].astype("int64")):
            pool[key] += 1
    out, n_ded = [], defaultdict(int)
    items = sorted(items, key=lambda it: it.pop("_pos", -1))     # DEDs numbered in the order they were raised
    for it in items:
        key = (it["doc_type"], it["customer_id"], it["currency"], it["open_amount"])
        if it["doc_type"] == "DED":
            pid = it.pop("payment_id")
            n_ded[pid] += 1
            it["document_no"] = f"DED-{pid}-{n_ded[pid]}"
        if pool[key]:
            pool[key] -= 1
            continue
        out.append(it)
    return out
