"""Invoice register <-> AR sub-ledger: every break of one period, named and explained.

Documents are paired by the key of their number (:mod:`.keys`: case, punctuation, prefixes
and leading zeros do not matter); a pair that agrees after normalisation is not a break,
and a break says when normalisation was needed to pair it.  When a number occurs more than
once on a side, its first occurrence (source order) is paired and every further one is a
``DUPLICATE_IN_…`` break.

Scope: register rows dated in the period, ledger rows posted in the period (posting date,
else document date), and every pair where either side is in the period.  Ledger documents
that are not billing documents (``PMT``, ``DED``, ``ADJ``) are never expected in the register.

Money: ``register_amount``/``ledger_amount``/``difference`` are int minor units of the row's
``currency``; ``difference`` = ledger minus register (a side that is missing counts as 0;
``CUSTOMER_MISMATCH`` and ``POSSIBLE_DUPLICATE_BILLING`` show how far the books disagree in
amount, usually 0).  A ``CURRENCY_MISMATCH`` shows both amounts in the reporting currency
(blank when a rate is missing) and the original amounts in ``detail``.

Effect on the GL tie-out (sub-ledger minus GL, reporting currency; the GL is fed by the
register, the sub-ledger total is the open items): MISSING_IN_LEDGER -register amount;
MISSING_IN_REGISTER +ledger amount; AMOUNT_MISMATCH and CURRENCY_MISMATCH ledger minus
register, each converted in its own currency; DUPLICATE_IN_REGISTER -register amount (the GL
got it twice); DUPLICATE_IN_LEDGER +ledger amount only when the open items hold the document
twice; PERIOD_MISMATCH -register amount when the ledger posted it after the period, +ledger
amount when the register dated it after the period, else 0 (both books hold it at period
end); CUSTOMER_MISMATCH and POSSIBLE_DUPLICATE_BILLING 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.dates import period_number
from ..core.money import money_text
from .fx import to_reporting
from ..core.docno import document_keys

BREAK_TYPES = ("MISSING_IN_LEDGER", "MISSING_IN_REGISTER", "AMOUNT_MISMATCH", "CUSTOMER_MISMATCH",
               "PERIOD_MISMATCH", "CURRENCY_MISMATCH", "DUPLICATE_IN_REGISTER", "DUPLICATE_IN_LEDGER",
               "POSSIBLE_DUPLICATE_BILLING")
BREAK_COLUMNS = ["break_type", "document_no", "customer_id", "register_amount", "ledger_amount", "difference",
                 "detail", "currency", "normalised", "register_row", "ledger_row"]
BREAK_MONEY = ["register_amount", "ledger_amount", "difference"]
BILLING_DOC_TYPES = ("INV", "DM", "CM")   # ledger documents the register is expected to hold


def _period_of(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    out = (d.dt.year * 100 + d.dt.month).to_numpy(dtype="float64", na_value=np.nan)
    return np.nan_to_num(out, nan=-1).astype("int64")


def _period_text(p: np.ndarray) -> list[str]:
    return [f"{v // 100:04d}-{v % 100:02d}" if v > 0 else "no date" for v in p]


@dataclass
class _Side:
    doc: np.ndarray
    cust: np.ndarray
    amount: np.ndarray
    cur: np.ndarray
    row: np.ndarray
    per: np.ndarray
    date: np.ndarray
    code: np.ndarray
    doc_type: np.ndarray | None = None


def posted_on(ledger: pd.DataFrame) -> pd.Series:
    """When a ledger document counts as posted: its posting date, else its document date."""
    if "posting_date" not in ledger:
        return ledger["document_date"]
    return ledger["posting_date"].where(ledger["posting_date"].notna(), ledger["document_date"])


def _side(df: pd.DataFrame, code: np.ndarray, posting: bool) -> _Side:
    n = len(df)
    when = posted_on(df) if posting else df["document_date"]
    rows = df["source_row"].to_numpy(dtype="int64") if "source_row" in df else np.arange(2, n + 2)
    return _Side(doc=df["document_no"].to_numpy(dtype=object), cust=df["customer_id"].to_numpy(dtype=object),
                 amount=df["amount"].to_numpy(dtype="int64"), cur=df["currency"].to_numpy(dtype=object),
                 row=rows, per=_period_of(when), date=pd.to_datetime(when).to_numpy(), code=code,
                 doc_type=df["doc_type"].to_numpy(dtype=object) if "doc_type" in df else None)


def _first_positions(code: np.ndarray, ncodes: int) -> tuple[np.ndarray, np.ndarray]:
    """(first position per code or -1, mask of rows that are a repeat of an earlier row)."""
    first = np.full(ncodes, -1, dtype="int64")
    pos = np.arange(len(code))
    first[code[::-1]] = pos[::-1]
    return first, first[code] != pos


def _fmt(minor: np.ndarray, cur: np.ndarray) -> list[str]:
    """``-1234.50 USD``: decimal text of minor units with the currency's decimals."""
    return [money_text(m, c, thousands=False) for m, c in zip(np.asarray(minor).tolist(), cur)]


def _dates(d: np.ndarray) -> list[str]:
    txt = np.datetime_as_string(np.asarray(d, dtype="datetime64[ns]"), unit="D")
    return np.where(txt == "NaT", "no date", txt).tolist()


_TEXT = ("break_type", "document_no", "customer_id", "detail", "currency")


class _Collector:
    def __init__(self):
        self.parts: list[dict] = []

    def add(self, break_type, n, **cols):
        if n:
            cols["break_type"] = np.full(n, break_type, dtype=object)
            self.parts.append(cols)

    def frame(self, reporting_currency: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        frames = []
        for p in self.parts:
            n = len(p["break_type"])
            f = {}
            for c in BREAK_COLUMNS + ["_effect", "_effect_ok"]:
                v = p.get(c)
                if v is None:
                    blank = pd.arrays.IntegerArray(np.zeros(n, dtype="int64"), np.ones(n, dtype=bool))
                    v = {"register_amount": blank, "ledger_amount": blank, "register_row": blank, "ledger_row": blank,
                         "_effect": np.zeros(n, dtype="int64"), "_effect_ok": np.ones(n, dtype=bool),
                         "normalised": np.zeros(n, dtype=bool)}.get(c)
                f[c] = v
            frames.append(pd.DataFrame({c: pd.Series(v, dtype=object) if c in _TEXT else v for c, v in f.items()}))
        if frames:
            out = pd.concat(frames, ignore_index=True)
        else:
            out = pd.DataFrame({c: pd.Series([], dtype=object) for c in BREAK_COLUMNS + ["_effect", "_effect_ok"]})
        for c in ("register_amount", "ledger_amount", "difference", "register_row", "ledger_row"):
            out[c] = out[c].astype("Int64")
        for c in ("break_type", "document_no", "customer_id", "detail", "currency"):
            out[c] = out[c].astype(object)
        out["normalised"] = out["normalised"].astype(bool)
        out["_order"] = out["break_type"].map({t: i for i, t in enumerate(BREAK_TYPES)})
        out = out.sort_values(["_order", "customer_id", "document_no", "register_row", "ledger_row"],
                              kind="stable", na_position="last").reset_index(drop=True)
        effect = out["_effect"].to_numpy(dtype="int64")
        effect_ok = out["_effect_ok"].to_numpy(dtype=bool)
        out = out[BREAK_COLUMNS].copy()
        out.attrs["money"] = list(BREAK_MONEY)
        out.attrs["currency"] = reporting_currency
        return out, effect, effect_ok


def _i64(a) -> pd.arrays.IntegerArray:
    v = np.asarray(a, dtype="int64")
    return pd.arrays.IntegerArray(v, np.zeros(len(v), dtype=bool))


def find_breaks(register: pd.DataFrame, ledger: pd.DataFrame, *, period: str, rates: dict,
                reporting_currency: str, stand_in: bool = False, open_items: pd.DataFrame | None = None):
    """Breaks between ``register`` and ``ledger`` (canonical tables) for ``period``.

    Returns ``(breaks, effect, effect_ok, notes)``: the breaks table (module docstring),
    per break its effect on sub-ledger minus GL in reporting-currency minor units with a mask
    of the effects that could be converted (module docstring), and notes.
    ``open_items``: the sub-ledger's open items, to tell whether a document posted twice is
    also open twice (only then does the duplicate move the tie-out).
    ``stand_in``: the ledger is the open-item list, so a register document that is not
    there may have been cleared and is not reported as missing."""
    P = period_number(period)
    notes: list[str] = []
    nR, nL = len(register), len(ledger)
    parts = [register["document_no"], ledger["document_no"]]
    if open_items is not None and not stand_in:
        parts.append(open_items["document_no"])
    raw = pd.concat(parts, ignore_index=True)
    keys = document_keys(raw)
    blank = pc.equal(keys, "")
    if pc.any(blank).as_py():   # nothing left after normalising ("-", "#"): such numbers pair only as written
        keys = pc.if_else(blank, pc.binary_join_element_wise("\x00", pa.array(raw.astype(str).to_numpy(dtype=object), pa.string()), ""), keys)
    enc = pc.dictionary_encode(keys)
    codes = enc.indices.to_numpy(zero_copy_only=False).astype("int64")
    ncodes = len(enc.dictionary)
    R = _side(register, codes[:nR], posting=False)
    L = _side(ledger, codes[nR:nR + nL], posting=True)
    open_codes = codes[nR:nR + nL] if stand_in else codes[nR + nL:]
    open_count = np.bincount(open_codes, minlength=ncodes) if open_items is not None or stand_in else None
    firstR, dupR = _first_positions(R.code, ncodes)
    firstL, dupL = _first_positions(L.code, ncodes)
    inR, inL = R.per == P, L.per == P
    col = _Collector()
    rc = reporting_currency

    def cR(i):   # reporting-currency amounts of register rows i: (amounts, convertible)
        return to_reporting(R.amount[i], R.cur[i], rates, rc)

    def cL(i):
        return to_reporting(L.amount[i], L.cur[i], rates, rc)

    # --- pairs: first occurrence on each side
    ri = np.flatnonzero(~dupR)
    li_of_r = firstL[R.code[ri]]
    paired = li_of_r >= 0
    pr, pl = ri[paired], li_of_r[paired]
    scope = inR[pr] | inL[pl]
    pr, pl = pr[scope], pl[scope]
    normalised = R.doc[pr] != L.doc[pl]
    cust_diff = R.cust[pr] != L.cust[pl]
    if cust_diff.any():   # customer ids compare without case or surrounding blanks
        idx = np.flatnonzero(cust_diff)
        cust_diff[idx] = [str(a).strip().upper() != str(b).strip().upper() for a, b in zip(R.cust[pr][idx], L.cust[pl][idx])]
    cur_diff = R.cur[pr] != L.cur[pl]
    amt_diff = ~cur_diff & (R.amount[pr] != L.amount[pl])
    per_diff = R.per[pr] != L.per[pl]
    both_done = (R.per[pr] <= P) & (L.per[pl] <= P)   # else the PERIOD_MISMATCH carries the effect
    norm_note = np.full(len(pr), "", dtype=object)
    ni = np.flatnonzero(normalised)
    norm_note[ni] = [f"; paired with ledger document {d!r} after normalising the number" for d in L.doc[pl[ni]]]

    def pair_cols(sel, **extra):
        r, l_ = pr[sel], pl[sel]
        cols = dict(document_no=R.doc[r], customer_id=R.cust[r], register_amount=_i64(R.amount[r]),
                    ledger_amount=_i64(L.amount[l_]), difference=_i64(L.amount[l_] - R.amount[r]),
                    currency=R.cur[r], normalised=normalised[sel], register_row=_i64(R.row[r]),
                    ledger_row=_i64(L.row[l_]))
        cols.update(extra)
        return cols, r, l_

    # PERIOD_MISMATCH: moves the tie-out only when one side posted after the period
    sel = per_diff
    cols, r, l_ = pair_cols(sel)
    reg_done, led_done = R.per[r] <= P, L.per[l_] <= P   # posted by the end of the period
    cols["detail"] = np.array([f"register dated {a} ({pa_}), ledger posted {b} ({pb}){nn}" for a, pa_, b, pb, nn in zip(
        _dates(R.date[r]), _period_text(R.per[r]), _dates(L.date[l_]), _period_text(L.per[l_]), norm_note[sel])],
        dtype=object)
    (xr, okr), (xl, okl) = cR(r), cL(l_)
    cols["_effect"] = np.where(reg_done & ~led_done, -xr, np.where(led_done & ~reg_done, xl, 0))
    cols["_effect_ok"] = np.where(reg_done & ~led_done, okr, np.where(led_done & ~reg_done, okl, True))
    col.add("PERIOD_MISMATCH", int(sel.sum()), **cols)

    # AMOUNT_MISMATCH
    sel = amt_diff
    cols, r, l_ = pair_cols(sel)
    cols["detail"] = np.array([f"register {a}, ledger {b}{nn}" for a, b, nn in zip(
        _fmt(R.amount[r], R.cur[r]), _fmt(L.amount[l_], L.cur[l_]), norm_note[sel])], dtype=object)
    (xr, okr), (xl, okl) = cR(r), cL(l_)
    cols["_effect"] = np.where(both_done[sel], xl - xr, 0)
    cols["_effect_ok"] = okr & okl
    col.add("AMOUNT_MISMATCH", int(sel.sum()), **cols)

    # CUSTOMER_MISMATCH (no effect on the totals)
    sel = cust_diff
    cols, r, l_ = pair_cols(sel)
    cols["detail"] = np.array([f"register customer {a!r}, ledger customer {b!r}{nn}" for a, b, nn in zip(
        R.cust[r], L.cust[l_], norm_note[sel])], dtype=object)
    cols["difference"] = _i64(np.where(cur_diff[sel], 0, L.amount[l_] - R.amount[r]))
    col.add("CUSTOMER_MISMATCH", int(sel.sum()), **cols)

    # CURRENCY_MISMATCH: amounts in the reporting currency where rates allow
    sel = cur_diff
    cols, r, l_ = pair_cols(sel)
    (xr, okr), (xl, okl) = cR(r), cL(l_)
    both = okr & okl
    cols["register_amount"] = pd.array(np.where(both, xr, 0), dtype="Int64")
    cols["ledger_amount"] = pd.array(np.where(both, xl, 0), dtype="Int64")
    cols["difference"] = pd.array(np.where(both, xl - xr, 0), dtype="Int64")
    for c in ("register_amount", "ledger_amount", "difference"):
        cols[c][~both] = pd.NA
    cols["currency"] = np.full(len(r), rc, dtype=object)
    cols["detail"] = np.array([f"register {a}, ledger {b}" + (f" (amounts shown in {rc})" if ok else f" (no FX rate to compare them in {rc})") + nn
                               for a, b, ok, nn in zip(_fmt(R.amount[r], R.cur[r]), _fmt(L.amount[l_], L.cur[l_]), both, norm_note[sel])],
                              dtype=object)
    cols["_effect"] = np.where(both_done[sel] & both, xl - xr, 0)
    cols["_effect_ok"] = both
    col.add("CURRENCY_MISMATCH", int(sel.sum()), **cols)

    # MISSING_IN_LEDGER: register documents of the period with no ledger document
    r = ri[~paired]
    out_of_period = int((~inR[r]).sum())
    r = r[inR[r]]
    if stand_in:
        if len(r):
            shown = ", ".join(map(str, R.doc[r][:10])) + (" …" if len(r) > 10 else "")
            notes.append(f"{len(r)} register document(s) of {period} are not among the open items: cleared, or "
                         f"not posted — could not be checked without a ledger ({shown})")
    else:
        xr, okr = cR(r)
        col.add("MISSING_IN_LEDGER", len(r), document_no=R.doc[r], customer_id=R.cust[r],
                register_amount=_i64(R.amount[r]), difference=_i64(-R.amount[r]), currency=R.cur[r],
                register_row=_i64(R.row[r]),
                detail=np.array([f"in the register, dated {d}, but not posted to the ledger" for d in _dates(R.date[r])],
                                dtype=object),
                _effect=-xr, _effect_ok=okr)
    if out_of_period:
        notes.append(f"{out_of_period} register row(s) dated outside {period} with no ledger document were left out")

    # MISSING_IN_REGISTER: billing documents posted in the period that the register lacks
    rhas = np.zeros(ncodes, dtype=bool)
    rhas[R.code] = True
    li = np.flatnonzero(~dupL & ~rhas[L.code] & inL)
    if L.doc_type is not None:
        billing = pd.Series(L.doc_type[li], dtype=object).isin(BILLING_DOC_TYPES).to_numpy()
        li = li[billing]
    what = "open item" if stand_in else "ledger"
    xl, okl = cL(li)
    col.add("MISSING_IN_REGISTER", len(li), document_no=L.doc[li], customer_id=L.cust[li],
            ledger_amount=_i64(L.amount[li]), difference=_i64(L.amount[li]), currency=L.cur[li],
            ledger_row=_i64(L.row[li]),
            detail=np.array([f"{what} {t} posted {d} but not in the register" for t, d in zip(
                L.doc_type[li] if L.doc_type is not None else ["document"] * len(li), _dates(L.date[li]))], dtype=object),
            _effect=xl, _effect_ok=okl)

    # duplicates on either side
    for side, dup, first, inside, name, effect_sign, convert in ((R, dupR, firstR, inR, "register", -1, cR),
                                                                 (L, dupL, firstL, inL, "ledger", 1, cL)):
        d = np.flatnonzero(dup & inside)
        f = first[side.code[d]]
        norm = side.doc[d] != side.doc[f]
        detail = np.array([f"{name} row {rw} repeats document {fd!r} of {name} row {fr}"
                           + (" (same number after normalising)" if nn else "")
                           for rw, fd, fr, nn in zip(side.row[d], side.doc[f], side.row[f], norm)], dtype=object)
        conv_amt, conv_ok = convert(d)
        if name == "register":
            eff = -conv_amt                    # the GL got it twice
        elif open_count is not None:           # the sub-ledger holds it twice only if it is open twice
            eff = np.where(open_count[side.code[d]] > 1, conv_amt, 0)
        else:
            eff = conv_amt
        col.add(f"DUPLICATE_IN_{name.upper()}", len(d), document_no=side.doc[d], customer_id=side.cust[d],
                **{f"{name}_amount": _i64(side.amount[d]), f"{name}_row": _i64(side.row[d])},
                difference=_i64(effect_sign * side.amount[d]), currency=side.cur[d], normalised=norm, detail=detail,
                _effect=eff, _effect_ok=conv_ok)

    # POSSIBLE_DUPLICATE_BILLING: different numbers, same customer, amount, currency and date
    r = ri[inR[ri]]
    rr, hh = _look_alikes(R, r)
    if len(rr):
        partner = firstL[R.code[rr]]
        col.add("POSSIBLE_DUPLICATE_BILLING", len(rr), document_no=R.doc[rr], customer_id=R.cust[rr],
                register_amount=_i64(R.amount[rr]), ledger_amount=_masked(L.amount, partner),
                difference=_i64(np.zeros(len(rr))), currency=R.cur[rr], register_row=_i64(R.row[rr]),
                ledger_row=_masked(L.row, partner),
                detail=np.array([f"same customer, amount and date ({d}) as document {R.doc[h]!r} (register row {R.row[h]})"
                                 for h, d in zip(hh, _dates(R.date[rr]))], dtype=object))
    checked = np.zeros(nL, dtype=bool)
    checked[pl] = True
    ignored = int((~inL & ~checked).sum())
    if ignored:
        notes.append(f"{ignored} ledger row(s) posted outside {period} were not checked (no register row of {period} pairs with them)")
    breaks, effect, effect_ok = col.frame(rc)
    return breaks, effect, effect_ok, notes


def _look_alikes(R: _Side, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``r`` with the same customer, amount, currency and date as an earlier row of
    ``r`` (source order), and for each that earlier row."""
    if len(r) < 2:
        return r[:0], r[:0]
    cust = pd.factorize(R.cust[r])[0].astype("int64")
    cur = pd.factorize(R.cur[r])[0].astype("int64")
    day = R.date[r].astype("datetime64[D]").astype("int64")
    day = day - day.min()
    key = (cust * (int(cur.max()) + 1) + cur) * (int(day.max()) + 1) + day   # one int per (customer, currency, date)
    amount = R.amount[r]
    # candidates: a hash of (key, amount) seen twice; the exact comparison below drops collisions
    with np.errstate(over="ignore"):
        h = (key.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ amount.astype(np.uint64)
    cand = np.flatnonzero(pd.Series(h).duplicated(keep=False).to_numpy())
    if not len(cand):
        return r[:0], r[:0]
    r, cust, cur, day, amount = r[cand], cust[cand], cur[cand], day[cand], amount[cand]
    order = np.lexsort((np.arange(len(r)), day, amount, cur, cust))
    same = np.zeros(len(r), dtype=bool)
    o1, o0 = order[1:], order[:-1]
    same[1:] = (cust[o1] == cust[o0]) & (cur[o1] == cur[o0]) & (day[o1] == day[o0]) & (amount[o1] == amount[o0])
    if not same.any():
        return r[:0], r[:0]
    head = np.maximum.accumulate(np.where(same, 0, np.arange(len(r))))
    return r[order[same]], r[order[head[same]]]


def _masked(values: np.ndarray, idx: np.ndarray) -> pd.arrays.IntegerArray:
    """values[idx], blank where idx < 0."""
    v = np.where(idx >= 0, values[np.maximum(idx, 0)], 0).astype("int64")
    return pd.arrays.IntegerArray(v, idx < 0)
