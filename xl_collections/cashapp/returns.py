"""Returned items (CONTRACT §2 "Returned items", §6 "Returned items"): cash that came back —
a bounced cheque, an ACH or SEPA return, a card chargeback — is never left applied.

:func:`split` takes the returned items out of the payments table (``record_type`` ``RETURN``;
``DEBIT`` rows, fees and transfers, are dropped: never applied); :func:`card_chargebacks`
turns a settlement report's ``CHARGEBACK`` rows into returned items; :func:`reverse` works on
a finished cash application (:class:`~.result.CashAppResult`, this run's applications and the
earlier runs' it carried) and gives the same result with every matched return undone:

* a return is matched to the payment it undoes by ``original_ref`` (the payment's
  ``payment_id``, bank reference or end-to-end id); without one, by the same payer account,
  currency and amount within ``ReturnMatchDays`` before the return, when exactly one payment
  qualifies; otherwise ``RETURN_UNMATCHED``; an amount other than the payment's is
  ``RETURN_AMOUNT_MISMATCH``; both change nothing (tried again next run);
* a return whose ``return_id`` an earlier run already reversed is ``ALREADY_REVERSED``;
* otherwise every ``AUTO`` application of the payment is undone: the document's open amount
  goes back up by exactly what the application cleared (applied + discount + write-off +
  deduction), a deduction it raised and its on-account remainder (``PMT`` item) are taken
  away, ``REVIEW`` proposals and unapplied rows of the payment are dropped, and one
  ``REVERSED`` row per application (``applied_amount`` negative, ``return_id`` set; one with
  a blank ``document_no`` for cash that was left unapplied) records it, so a later run never
  applies the payment again and meets the return as ``ALREADY_REVERSED``;
* posting: an application the ledger may post (this run's, or an earlier run's the ledger has
  posted) gets ``REVERSAL`` lines, each the negative of what was posted; an earlier run's
  application the ledger has not posted yet is withdrawn (no line: it is no longer deducted);
  ``ReturnedItemFee`` > 0 is a ``RETURN_FEE`` line, the debit memo ``RF-<return_id>``
  proposed to the customer.

Money is integer minor units of each row's ``currency``; ``fee`` is in the reporting currency.
Pure: DataFrames in, a new result out; no files, no clock.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..core.money import to_decimal
from ..core.schema import TABLES
from ..core.settings import Settings
from .prior import APPLIED, in_set
from .result import CashAppResult

RETURN_COLUMNS = ["return_id", "value_date", "amount", "currency", "reason_code", "reason", "payment_id",
                  "customer_id", "documents", "reopened", "fee", "status", "detail"]
RETURN_MONEY = ["amount", "reopened", "fee"]
REVERSED, UNAPPLIED_REDUCED, ALREADY_REVERSED = "REVERSED", "UNAPPLIED_REDUCED", "ALREADY_REVERSED"
UNMATCHED, AMOUNT_MISMATCH = "RETURN_UNMATCHED", "RETURN_AMOUNT_MISMATCH"
STATUSES = (REVERSED, UNAPPLIED_REDUCED, ALREADY_REVERSED, UNMATCHED, AMOUNT_MISMATCH)
# the returned item's columns, in the payments table's words (``payment_id`` is the return id)
ITEM_COLUMNS = ["return_id", "value_date", "amount", "currency", "reason_code", "reason", "original_ref",
                "payer_account", "customer_id", "source"]
_CLEARS = ("applied_amount", "discount_amount", "write_off_amount", "deduction_amount")


def _key(text) -> str:
    """A reference compared as the bank may write it: trimmed, upper case, no inner spaces
    (anything but text, a blank cell's NaN included, is no reference)."""
    if not isinstance(text, str) or not text:
        return ""
    return (text if " " not in text and "\t" not in text else "".join(text.split())).upper()


def _col(df: pd.DataFrame, name: str, default="") -> list:
    return df[name].tolist() if name in df.columns else [default] * len(df)


def _days(df: pd.DataFrame, name: str = "value_date") -> list:
    """A date column as day numbers (days since 1970-01-01; None for a blank), without a
    Timestamp per cell."""
    if name not in df.columns or not len(df):
        return [None] * len(df)
    d = pd.to_datetime(df[name], errors="coerce").to_numpy(dtype="datetime64[D]")
    n = d.astype("int64")
    return [None if bad else int(v) for v, bad in zip(n.tolist(), np.isnat(d).tolist())]


def _empty_items() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype=object) for c in ITEM_COLUMNS})
    df["amount"] = df["amount"].astype("int64")
    df["value_date"] = df["value_date"].astype("datetime64[ns]")
    return df


def split(payments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """``(payments, returned items, debits)``: the rows to apply (``record_type`` ``PAYMENT``
    or blank), the ``RETURN`` rows as returned items (:data:`ITEM_COLUMNS`; ``return_id`` is
    their ``payment_id``) and the number of ``DEBIT`` rows left out (never applied)."""
    if "record_type" not in payments.columns or not len(payments):
        return payments, _empty_items(), 0
    kind = payments["record_type"].fillna("").astype(str).str.upper()
    is_ret, is_debit = (kind == "RETURN").to_numpy(), (kind == "DEBIT").to_numpy()
    if not is_ret.any() and not is_debit.any():
        return payments, _empty_items(), 0
    keep = payments[~(is_ret | is_debit)].reset_index(drop=True)
    keep.attrs = dict(payments.attrs)
    r = payments[is_ret]
    items = pd.DataFrame({
        "return_id": r["payment_id"].astype(str).to_numpy(),
        "value_date": pd.to_datetime(r["value_date"]).astype("datetime64[ns]").to_numpy(),
        "amount": r["amount"].astype("int64").abs().to_numpy(),
        "currency": r["currency"].astype(str).to_numpy(),
        "reason_code": np.asarray(_col(r, "reason_code"), dtype=object),
        "reason": np.asarray(_col(r, "reason"), dtype=object),
        "original_ref": np.asarray(_col(r, "original_ref"), dtype=object),
        "payer_account": np.asarray(_col(r, "payer_account"), dtype=object),
        "customer_id": np.asarray(_col(r, "customer_id"), dtype=object),
        "source": "bank",
    }, columns=ITEM_COLUMNS)
    return keep, items.reset_index(drop=True), int(is_debit.sum())


def card_chargebacks(cs: pd.DataFrame | None) -> pd.DataFrame:
    """A canonical card settlement report's ``CHARGEBACK`` rows as returned items: the amount
    returned is the absolute gross (processors report it negative), ``original_ref`` the
    ``original_transaction_id`` (else the row's own ``transaction_id``: Adyen repeats the
    payment's reference on its chargeback); the row's fee stays in its batch's fees."""
    if cs is None or not len(cs) or "record_type" not in cs.columns:
        return _empty_items()
    cb = cs[cs["record_type"] == "CHARGEBACK"]
    if not len(cb):
        return _empty_items()
    return pd.DataFrame({
        "return_id": cb["transaction_id"].astype(str).to_numpy(),
        "value_date": pd.to_datetime(cb["settlement_date"]).astype("datetime64[ns]").to_numpy(),
        "amount": cb["gross_amount"].astype("int64").abs().to_numpy(),
        "currency": cb["currency"].astype(str).to_numpy(),
        "reason_code": "CHARGEBACK",
        "reason": [f"card chargeback in batch {b}" for b in cb["batch_id"]],
        # Adyen keeps the payment's PSP reference on its chargeback: the row's own id, when no original is named
        "original_ref": [o or t for o, t in zip(_col(cb, "original_transaction_id"), cb["transaction_id"].astype(str))],
        "payer_account": "",
        "customer_id": np.asarray(_col(cb, "customer_id"), dtype=object),
        "source": "card",
    }, columns=ITEM_COLUMNS).reset_index(drop=True)


@dataclass
class _Pay:
    """What is known of one payment a return may undo (this run's input or an earlier run's rows)."""
    pid: str
    day: int | None          # value date, days since 1970-01-01
    amount: int | None
    currency: str
    payer_account: str
    customer_id: str


def _norm(values) -> pd.Series:
    """:func:`_key` of a whole column, vectorised (Arrow strings; a blank or non-text cell is "")."""
    v = pd.Series([x if isinstance(x, str) else "" for x in values], dtype="string[pyarrow]")
    for ws in (" ", "\t"):
        v = v.str.replace(ws, "", regex=False)
    return v.str.upper().fillna("")


class _Payments:
    """The payments the returned items may undo: this run's and the earlier runs' applied ones
    whose reference or payer account a return names (the rest cannot match), indexed."""

    FIELDS = ("payment_id", "value_date", "amount", "currency", "payer_account", "customer_id", "bank_reference",
              "end_to_end_id")

    def __init__(self, payments: pd.DataFrame, apps: pd.DataFrame, refs: set[str], accounts: set[str]):
        self.by_id: dict[str, _Pay] = {}
        self.by_ref: dict[str, set[str]] = defaultdict(set)
        self.by_acct: dict[tuple, list[str]] = defaultdict(list)
        parts = [payments]
        if len(apps):
            a = apps[apps["status"].isin(APPLIED | {"REVERSED"}) & (apps["applied_amount"] >= 0)]
            a = a[~in_set(a["payment_id"], set(payments["payment_id"].tolist()) if len(payments) else set())]
            parts.append(a.drop_duplicates("payment_id").rename(columns={"amount": "_", "payment_amount": "amount"}))
        for df in parts:
            if not len(df):
                continue
            keys = [_norm(_col(df, c)) for c in ("payment_id", "bank_reference", "end_to_end_id")]
            acct = _norm(_col(df, "payer_account"))
            mask = (keys[0].isin(refs) | keys[1].isin(refs) | keys[2].isin(refs) | acct.isin(accounts)).to_numpy()
            if not mask.any():
                continue
            sub = df[mask]
            cols = [_col(sub, c) if c != "value_date" else _days(sub) for c in self.FIELDS]
            for pid, day, amt, cur, ac, cust, bref, e2e in zip(*cols):
                amt = None if amt is None or (not isinstance(amt, str) and pd.isna(amt)) else int(amt)
                self._add(_Pay(str(pid), day, amt, cur, _key(ac), cust or ""), bref, e2e)

    def _add(self, p: _Pay, *refs) -> None:
        self.by_id[p.pid] = p
        for r in (p.pid, *refs):
            k = _key(r)
            if k:
                self.by_ref[k].add(p.pid)
        if p.payer_account and p.amount is not None:
            self.by_acct[(p.payer_account, p.currency, p.amount)].append(p.pid)


def _day(v) -> int | None:
    """A date as days since 1970-01-01 (None for a blank)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return int(np.datetime64(pd.Timestamp(v).date(), "D").astype("int64"))


def reverse(result: CashAppResult, items: pd.DataFrame, payments: pd.DataFrame, open_items: pd.DataFrame, *,
            settings: Settings = Settings(), run_id: str = "", unposted: set | frozenset = frozenset(),
            carried: set | frozenset = frozenset()) -> CashAppResult:
    """``result`` with every returned item of ``items`` (:data:`ITEM_COLUMNS`) matched and,
    where it may, reversed (see the module text); ``result.returns`` lists each item with its
    status.  ``payments``: this run's payments (canonical, the ones applied); ``open_items``:
    this run's canonical open items (where a reopened document's row comes from);
    ``unposted``: ``(payment_id, document_no)`` of earlier applications the ledger has not
    posted (withdrawn, no posting line); ``carried``: payment ids of earlier runs' rows."""
    return _Reversal(result, payments, open_items, settings, run_id, unposted, carried).run(items)


class _Reversal:
    def __init__(self, result, payments, open_items, settings, run_id, unposted, carried):
        self.res, self.s, self.run_id = result, settings, run_id
        self.unposted, self.carried = set(unposted), set(carried)
        self.payments, self.oi = payments, open_items
        apps = result.applications
        done = apps[(apps["status"] == "REVERSED") & (apps["return_id"] != "")] if "return_id" in apps else apps.iloc[:0]
        self.done_by: dict[str, str] = {}       # return_id -> payment it reversed (earlier runs)
        self.returned: dict[str, str] = {}      # payment -> return that reversed it
        for pid, r in zip(done["payment_id"].tolist(), done["return_id"].tolist()):
            self.done_by.setdefault(r, pid)
            self.returned.setdefault(pid, r)
        # what the reversal changes, applied at the end
        self.drop_apps: set[int] = set()
        self.drop_un: set[int] = set()
        self.drop_after: set[int] = set()
        self.drop_exc: set[str] = set()
        self.drop_ded: set[str] = set()
        self.add_open: dict[int, int] = defaultdict(int)         # after row -> minor units put back
        self.reopen: dict[str, int] = defaultdict(int)           # document not in after -> minor units put back
        self.new_apps: list[dict] = []
        self.new_post: list[tuple] = []
        self.rows: list[dict] = []

    def fmt(self, minor: int, cur: str) -> str:
        return f"{to_decimal(int(minor), cur):,}"

    def index(self, pids: set[str]) -> None:
        """Plain lists and positions of the result rows of the payments ``pids`` (the rest of the
        tables is never looked at one row at a time: pandas scalar access is slow at 300,000 rows)."""
        res = self.res

        def rows_of(df: pd.DataFrame, cols) -> tuple[dict, dict[str, list[int]]]:
            pos = np.flatnonzero(df["payment_id"].isin(pids).to_numpy()) if len(df) else np.array([], dtype=np.int64)
            sub = df.iloc[pos]
            data = {c: _col(sub, c) for c in cols}
            data["_pos"] = pos.tolist()
            by: dict[str, list[int]] = defaultdict(list)
            for k, pid in enumerate(data["payment_id"]):
                by[pid].append(k)
            return data, by

        self.A, self.app_rows = rows_of(res.applications, ("payment_id", "document_no", "customer_id", "status",
                                                           *_CLEARS, "payer_account", "bank_reference",
                                                           "end_to_end_id", "return_id", "value_date"))
        self.P, self.post_rows = rows_of(res.posting, ("payment_id", "posting_type", "customer_id", "document_no",
                                                       "amount", "currency"))
        self.U, self.un_rows = rows_of(res.unapplied, ("payment_id", "customer_id", "amount_unapplied"))
        pay = self.payments[self.payments["payment_id"].isin(pids)] if len(self.payments) else self.payments
        self.pay_refs = dict(zip(_col(pay, "payment_id"), zip(_col(pay, "bank_reference"), _col(pay, "end_to_end_id"))))
        after = res.open_items_after
        docs = set(self.A["document_no"])
        ded = pd.Series(False, index=after.index)
        if "doc_type" in after:
            is_ded = (after["doc_type"] == "DED").to_numpy()
            ded[is_ded] = after["document_no"][is_ded].astype(str).str.startswith("DED-").to_numpy()
        pmt = (after["doc_type"] == "PMT") if "doc_type" in after else pd.Series(False, index=after.index)
        refs = after["reference"] if "reference" in after else pd.Series("", index=after.index)
        near = after["document_no"].isin(docs | pids) | (pmt & refs.isin(pids)) | ded
        pos = np.flatnonzero(near.to_numpy())
        sub = after.iloc[pos]
        self.F = {"doc_type": _col(sub, "doc_type"), "open_amount": _col(sub, "open_amount"),
                  "document_no": _col(sub, "document_no"), "_pos": pos.tolist()}
        self.after_pos = {d: k for k, d in enumerate(self.F["document_no"]) if d in docs}
        self.credit_rows: dict[str, list[int]] = defaultdict(list)     # payment -> its PMT / DED rows (F positions)
        for k, (t, d, ref) in enumerate(zip(self.F["doc_type"], self.F["document_no"], _col(sub, "reference"))):
            if t == "PMT":
                for key in dict.fromkeys((d, ref or d)):
                    if key in pids:
                        self.credit_rows[key].append(k)
            elif t == "DED" and d.startswith("DED-"):
                key = d[4:].rsplit("-", 1)[0]
                if key in pids:
                    self.credit_rows[key].append(k)
        oi = self.oi
        opos = np.flatnonzero(oi["document_no"].isin(docs | {self.F["document_no"][k] for ks in self.credit_rows.values()
                                                              for k in ks}).to_numpy()) if len(oi) else []
        self.oi_pos = dict(zip(oi["document_no"].iloc[opos].tolist(), list(opos))) if len(opos) else {}

    # -- one returned item -----------------------------------------------------------------
    def run(self, items: pd.DataFrame) -> CashAppResult:
        order = items.sort_values(["value_date", "return_id"], kind="stable")
        refs = set(_norm(order["original_ref"].tolist())) - {""}
        accounts = set(_norm(order["payer_account"].tolist())) - {""}
        self.pays = _Payments(self.payments, self.res.applications, refs, accounts)
        todo = [self.judge(it) for it in order.itertuples(index=False)]
        self.index({pid for _, pid, *_ in todo if pid})
        for it, pid, status, how in todo:
            self.act(it, pid, status, how)
        return self.result()

    def _row(self, it, status: str, detail: str, pid: str = "", cust: str = "", docs: str = "", reopened: int = 0,
             fee: int = 0) -> None:
        self.rows.append({"return_id": it.return_id, "value_date": it.value_date, "amount": int(it.amount),
                          "currency": it.currency, "reason_code": it.reason_code or "", "reason": it.reason or "",
                          "payment_id": pid, "customer_id": cust or it.customer_id or "", "documents": docs,
                          "reopened": reopened, "fee": fee, "status": status, "detail": detail})

    def match(self, it) -> tuple[str | None, str]:
        """(payment id, how) or (None, why not)."""
        ref = _key(it.original_ref)
        if ref:
            hits = sorted(self.pays.by_ref.get(ref, ()))
            if len(hits) > 1:       # the same reference on several payments: the one of the amount
                fit = [p for p in hits if self.pays.by_id[p].amount == int(it.amount)
                       and self.pays.by_id[p].currency == it.currency]
                hits = fit if len(fit) == 1 else hits
            if len(hits) == 1:
                return hits[0], f'original reference "{it.original_ref}"'
            if hits:
                return None, f'original reference "{it.original_ref}" names {len(hits)} payments ({", ".join(hits[:3])})'
            return None, f'original reference "{it.original_ref}" names no payment known to this run or an earlier one'
        acct = _key(it.payer_account)
        if not acct:
            return None, "no original reference and no payer account to match it by"
        day = _day(it.value_date)
        lo = day - int(self.s.return_match_days) if day is not None else None
        cands = [p for p in self.pays.by_acct.get((acct, it.currency, int(it.amount)), ())
                 if p not in self.returned and day is not None
                 and (d := self.pays.by_id[p].day) is not None and lo <= d <= day]
        if len(cands) == 1:
            return cands[0], (f"payer account {it.payer_account} and amount {self.fmt(it.amount, it.currency)} "
                              f"within {self.s.return_match_days} days")
        what = f"payer account {it.payer_account}, {it.currency} {self.fmt(it.amount, it.currency)}"
        if not cands:
            return None, f"no payment of {what} in the {self.s.return_match_days} days before the return"
        return None, f"{len(cands)} payments of {what} in the {self.s.return_match_days} days before it ({', '.join(sorted(cands)[:3])})"

    def judge(self, it) -> tuple:
        """``(item, payment id, status, how)``: what becomes of one returned item."""
        if it.return_id in self.done_by:
            return it, self.done_by[it.return_id], ALREADY_REVERSED, ""
        pid, how = self.match(it)
        if pid is None:
            return it, "", UNMATCHED, how
        p = self.pays.by_id[pid]
        if pid in self.returned:
            return it, pid, UNMATCHED, f"{how} names payment {pid}, already returned by {self.returned[pid]}"
        if p.amount is None or p.amount != int(it.amount) or p.currency != it.currency:
            was = f"{p.currency} {self.fmt(p.amount, p.currency)}" if p.amount is not None else "of unknown amount"
            return it, pid, AMOUNT_MISMATCH, f"{how} names payment {pid}, {was}; the return is {it.currency} " \
                                            f"{self.fmt(it.amount, it.currency)}"
        self.returned[pid] = it.return_id
        return it, pid, REVERSED, how

    def act(self, it, pid: str, status: str, how: str) -> None:
        if status == ALREADY_REVERSED:
            self._row(it, status, f"reversed in an earlier run (payment {pid}): nothing changed", pid,
                      self._customer(pid), self._docs(pid))
        elif status != REVERSED:
            self._row(it, status, f"{how}: nothing changed; tried again in the next run", pid,
                      self._customer(pid) if pid else "")
        else:
            self._reverse(it, pid, self.pays.by_id[pid], self._customer(pid), how)

    def _customer(self, pid: str) -> str:
        for i in self.app_rows.get(pid, ()):
            c = self.A["customer_id"][i]
            if c:
                return c
        for i in self.un_rows.get(pid, ()):
            c = self.U["customer_id"][i]
            if c:
                return c
        p = self.pays.by_id.get(pid)
        return p.customer_id if p else ""

    def _docs(self, pid: str) -> str:
        return ", ".join(dict.fromkeys(self.A["document_no"][i] for i in self.app_rows.get(pid, ())
                                       if self.A["document_no"][i]))

    def _reverse(self, it, pid: str, p: _Pay, cust: str, how: str) -> None:
        cur, vd = it.currency, it.value_date
        posted_lines = [{c: v[i] for c, v in self.P.items()} for i in self.post_rows.get(pid, ())]
        this_run_lines = bool(posted_lines)
        text0 = f"return {it.return_id} of payment {pid}"
        docs: list[str] = []
        reopened = 0
        withdrawn: list[str] = []
        reversed_pairs = {(self.A["payment_id"][i], self.A["document_no"][i]) for i in self.app_rows.get(pid, ())
                          if self.A["status"][i] == "REVERSED"}
        bref, e2e = self.pay_refs.get(pid, ("", ""))
        for i in self.app_rows.get(pid, ()):
            status, doc = self.A["status"][i], self.A["document_no"][i]
            if status == "REVIEW":
                self.drop_apps.add(self.A["_pos"][i])
                continue
            if status not in APPLIED or (pid, doc) in reversed_pairs:      # AUTO (APPLIED, blank: older files)
                continue
            parts = {c: int(self.A[c][i]) for c in _CLEARS}
            cleared = sum(parts.values())
            open_before = self._put_back(doc, cleared, self.A["customer_id"][i], cur, i)
            docs.append(doc)
            reopened += cleared
            prior_unposted = (pid, doc) in self.unposted
            if prior_unposted:
                withdrawn.append(doc)
            elif not this_run_lines or pid in self.carried:
                self._reversal_lines(pid, self.A["customer_id"][i], doc, parts, cur, vd, text0)
            self.new_apps.append(self._app({c: v[i] for c, v in self.A.items()}, it, pid, doc, -parts["applied_amount"],
                                           open_before,
                                           {c: -parts[c] for c in _CLEARS if c != "applied_amount"},
                                           f"{text0} ({how}): {self.fmt(cleared, cur)} put back on {doc}"
                                           + ("; the earlier application is withdrawn (the ledger has not posted it)"
                                              if prior_unposted else "")))
        # this run's posting lines of the payment: each reversed
        if this_run_lines and pid not in self.carried:
            for ln in posted_lines:
                if ln["posting_type"] in ("ON_ACCOUNT", "UNAPPLIED") and ln["amount"]:
                    continue      # handled with the unapplied cash below
                on = f" on {ln['document_no']}" if ln["document_no"] else ""
                self.new_post.append((pid, "REVERSAL", ln["customer_id"], ln["document_no"], -int(ln["amount"]),
                                      ln["currency"], vd, f"{text0}: {ln['posting_type'].lower()}{on} reversed"[:250]))
        # a deduction the payment raised goes away with it
        for k in self.credit_rows.get(pid, ()):
            self.drop_after.add(self.F["_pos"][k])
        self.drop_ded.add(pid)
        # cash left unapplied (on account, unknown payer, to review): reduced by the return
        left = 0
        for k in self.un_rows.get(pid, ()):
            self.drop_un.add(self.U["_pos"][k])
            left += int(self.U["amount_unapplied"][k])
        pmt = [k for k in self.credit_rows.get(pid, ()) if self.F["doc_type"][k] == "PMT"]
        left = left or -sum(int(self.F["open_amount"][k]) for k in pmt)
        if left:
            if this_run_lines and pid not in self.carried:
                for ln in posted_lines:
                    if ln["posting_type"] in ("ON_ACCOUNT", "UNAPPLIED"):
                        self.new_post.append((pid, "REVERSAL", ln["customer_id"], ln["document_no"], -int(ln["amount"]),
                                              ln["currency"], vd, f"{text0}: {ln['posting_type'].lower()} cash reversed"))
            elif cust and (not pmt or any(self.F["document_no"][k] in self.oi_pos for k in pmt)):
                # an earlier run's on-account credit the ledger has posted: reversed by a line
                self.new_post.append((pid, "REVERSAL", cust, pid, -left, cur, vd, f"{text0}: on-account cash reversed"))
            base = {"customer_id": cust, "value_date": vd, "payer_account": p.payer_account,
                    "bank_reference": bref, "end_to_end_id": e2e}
            self.new_apps.append(self._app(base, it, pid, "", -left, 0, {}, f"{text0} ({how}): "
                                           f"{self.fmt(left, cur)} left unapplied taken back"))
        self.drop_exc.add(pid)
        status = REVERSED if docs else UNAPPLIED_REDUCED
        fee = int(self.s.returned_item_fee or 0)
        fee_doc = f"RF-{it.return_id}"
        if fee and cust:
            self.new_post.append((pid, "RETURN_FEE", cust, fee_doc, fee, self.s.reporting_currency, vd,
                                  f"returned item fee for {text0}: debit memo {fee_doc} proposed"))
        detail = f"matched by {how}"
        if docs:
            detail += f"; {self.fmt(reopened, cur)} put back on {', '.join(docs)}"
        if left:
            detail += f"; {self.fmt(left, cur)} unapplied cash taken back"
        if withdrawn:
            detail += (f"; the earlier application to {', '.join(withdrawn)} is withdrawn (not posted by the ledger: "
                       f"take it out of the earlier posting file if it is still to be posted)")
        if fee and cust:
            detail += f"; fee debit memo {fee_doc} proposed"
        elif fee:
            detail += "; no fee: customer unknown"
        self._row(it, status, detail, pid, cust, ", ".join(docs), reopened, fee if cust else 0)

    def _reversal_lines(self, pid, cust, doc, parts, cur, vd, text0) -> None:
        """REVERSAL lines for an earlier application the ledger has posted: each part negated."""
        for col, what in (("applied_amount", "application"), ("discount_amount", "discount"),
                          ("write_off_amount", "write-off"), ("deduction_amount", "deduction")):
            if parts[col]:
                self.new_post.append((pid, "REVERSAL", cust, doc, -parts[col], cur, vd,
                                      f"{text0}: {what} on {doc} reversed"))

    def _app(self, src, it, pid, doc, applied, open_before, others: dict, evidence: str) -> dict:
        get = lambda c: src.get(c, "")      # noqa: E731
        return {"payment_id": pid, "document_no": doc, "customer_id": get("customer_id"), "applied_amount": applied,
                "rule": "RETURN", "confidence": 1.0, "status": "REVERSED", "open_before": open_before,
                "write_off_amount": others.get("write_off_amount", 0), "discount_amount": others.get("discount_amount", 0),
                "deduction_amount": others.get("deduction_amount", 0), "value_date": it.value_date,
                "payment_amount": int(it.amount), "payer_account": get("payer_account") or "",
                "bank_reference": get("bank_reference") or "", "end_to_end_id": get("end_to_end_id") or "",
                "return_id": it.return_id, "evidence": evidence, "currency": it.currency,
                "reason_code": it.reason_code or "", "run_id": self.run_id}

    def _put_back(self, doc: str, amount: int, cust: str, cur: str, app_row: int) -> int:
        """Reopen ``doc`` by ``amount``; its open amount before (this run's result)."""
        k = self.after_pos.get(doc)
        if k is not None:
            before = int(self.F["open_amount"][k]) + self.add_open[k]
            self.add_open[k] += amount
            return before
        before = self.reopen[doc]
        self.reopen[doc] += amount
        self.reopen_meta = getattr(self, "reopen_meta", {})
        self.reopen_meta.setdefault(doc, (cust, cur, self.A["value_date"][app_row]))
        return before

    # -- the new result ------------------------------------------------------------------------
    def result(self) -> CashAppResult:
        res = self.res
        apps = res.applications
        keep = [i for i in range(len(apps)) if i not in self.drop_apps]
        apps = apps.iloc[keep]
        if self.new_apps:
            new = pd.DataFrame(self.new_apps, columns=list(apps.columns))
            for c in apps.columns:
                if c in apps.attrs.get("money", ()):
                    new[c] = new[c].astype("int64")
            new["value_date"] = pd.to_datetime(new["value_date"]).astype("datetime64[ns]")
            new["confidence"] = new["confidence"].astype("float64")
            apps = pd.concat([apps, new], ignore_index=True)
        apps = apps.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        apps.attrs = dict(res.applications.attrs)
        un = res.unapplied.iloc[[i for i in range(len(res.unapplied)) if i not in self.drop_un]].reset_index(drop=True)
        un.attrs = dict(res.unapplied.attrs)
        exc = res.exceptions
        drop = exc["payment_id"].isin(self.drop_exc) & exc["reason"].isin(("REVIEW", "AMBIGUOUS"))
        exc = exc[~drop]
        extra = [(r["return_id"], r["status"], r["detail"], r["customer_id"], r["documents"])
                 for r in self.rows if r["status"] in (UNMATCHED, AMOUNT_MISMATCH)]
        if extra:
            exc = pd.concat([exc, pd.DataFrame(extra, columns=list(exc.columns)[:5]).reindex(columns=exc.columns,
                                                                                               fill_value="")],
                            ignore_index=True)
        exc = exc.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        exc.attrs = dict(res.exceptions.attrs)
        ded = res.deductions[~res.deductions["payment_id"].isin(self.drop_ded)].reset_index(drop=True)
        ded.attrs = dict(res.deductions.attrs)
        post = res.posting
        if self.new_post:
            new = pd.DataFrame(self.new_post, columns=list(post.columns))
            new["amount"] = new["amount"].astype("int64")
            new["value_date"] = pd.to_datetime(new["value_date"]).astype("datetime64[ns]")
            post = pd.concat([post, new], ignore_index=True)
        post = post.sort_values(["payment_id"], kind="stable").reset_index(drop=True)
        post.attrs = dict(res.posting.attrs)
        return replace(res, applications=apps, unapplied=un, exceptions=exc, deductions=ded, posting=post,
                       open_items_after=self._after(), returns=self._returns())

    def _after(self) -> pd.DataFrame:
        after = self.res.open_items_after
        if not (self.add_open or self.reopen or self.drop_after):
            return after
        out = after.copy()
        if self.add_open:
            pos = np.fromiter((self.F["_pos"][k] for k in self.add_open.keys()), dtype=np.int64)
            val = np.fromiter(self.add_open.values(), dtype=np.int64)
            col = out["open_amount"].to_numpy(dtype=np.int64).copy()
            col[pos] += val
            out["open_amount"] = col
        if self.drop_after:
            out = out.drop(index=out.index[sorted(self.drop_after)])
        new = []
        meta = getattr(self, "reopen_meta", {})
        known = [self.oi_pos[d] for d, a in self.reopen.items() if a and d in self.oi_pos]
        rows = dict(zip(self.oi["document_no"].iloc[known], self.oi.iloc[known].to_dict("records"))) if known else {}
        for doc, amount in self.reopen.items():
            if not amount:
                continue
            if doc in rows:
                row = dict(rows[doc])
            else:       # the ledger has cleared it: the document as the application knew it
                cust, cur, vd = meta[doc]
                row = {"customer_id": cust, "document_no": doc, "doc_type": "INV", "document_date": vd, "due_date": vd,
                       "amount": amount, "currency": cur, "reference": "reopened by a returned payment",
                       "reason_code": "", "status": "OPEN"}
            row["open_amount"] = amount
            new.append(row)
        if new:
            add = pd.DataFrame(new)
            for c in out.columns:
                if c not in add:
                    col = TABLES["open_items"].column(c) if c in TABLES["open_items"].names else None
                    add[c] = 0 if c == "source_row" else ("" if col is None or col.kind in ("text", "code") else pd.NaT)
            add = add[list(out.columns)]
            for c in ("document_date", "due_date"):
                if c in add:
                    add[c] = pd.to_datetime(add[c]).astype(out[c].dtype)
            out = pd.concat([out, add], ignore_index=True)
        out = out[out["open_amount"] != 0] if "open_amount" in out else out
        out = out.reset_index(drop=True)
        for c in ("amount", "open_amount", "source_row"):
            if c in out:
                out[c] = out[c].astype("int64")
        out.attrs = dict(after.attrs)
        return out

    def _returns(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=RETURN_COLUMNS) if self.rows else \
            pd.DataFrame({c: pd.Series([], dtype=object) for c in RETURN_COLUMNS})
        for c in RETURN_MONEY:
            df[c] = df[c].astype("int64")
        df["value_date"] = pd.to_datetime(df["value_date"]).astype("datetime64[ns]")
        df = df.sort_values(["value_date", "return_id"], kind="stable").reset_index(drop=True)
        df.attrs["money"] = list(RETURN_MONEY)
        df.attrs["currency"] = self.s.reporting_currency
        df.attrs["money_currency"] = {"fee": self.s.reporting_currency}
        return df


__all__ = ["ITEM_COLUMNS", "RETURN_COLUMNS", "STATUSES", "card_chargebacks", "reverse", "split"]
