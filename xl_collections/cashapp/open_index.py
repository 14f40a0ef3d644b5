"""The open items as the cash engine searches them: :class:`OpenItemIndex`, Python lists
indexed by document key, customer, PO/reference and amount.  ``remaining`` is each item's remaining
open amount (int minor units of its currency) as the run applies cash; ``open`` is what it was
before the run.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.docno import document_keys
from .refs import PO_PREFIX_RE, TAIL_KEY, ocr_key


class OpenItemIndex:
    """The open items as Python lists, indexed by document key, customer, PO and amount."""

    def __init__(self, oi: pd.DataFrame):
        oi = oi.reset_index(drop=True)
        self.df = oi
        n = len(oi)
        self.doc: list[str] = oi["document_no"].tolist()
        self.cust: list[str] = oi["customer_id"].tolist()
        self.cur: list[str] = oi["currency"].tolist()
        self.open: list[int] = oi["open_amount"].to_numpy(dtype="int64").tolist()
        self.remaining: list[int] = list(self.open)
        self.ddate = oi["document_date"].to_numpy(dtype="datetime64[D]")
        self.consumed_by: dict[int, str] = {}
        # document key -> items (a list only where the key is shared), in document_no order
        self._keys = document_keys(oi["document_no"])          # the same keys as Arrow text
        self.key: list[str] = self._keys.to_pylist()
        codes = pc.dictionary_encode(self._keys).indices.to_numpy(zero_copy_only=False)
        dup = np.bincount(codes)[codes] > 1 if n else np.zeros(0, dtype=bool)
        single = np.flatnonzero(~dup)
        self._by_key: dict[str, int | list[int]] = dict(zip(np.asarray(self.key, dtype=object)[single].tolist(),
                                                            single.tolist()))
        shared: set[str] = set()
        for i in np.flatnonzero(dup).tolist():
            lst = self._by_key.setdefault(self.key[i], [])
            lst.append(i)
            shared.add(self.key[i])
        for k in shared:
            self._by_key[k].sort(key=self.doc.__getitem__)
        self._by_key.pop("", None)
        day = self.ddate.astype("int64")
        self.day: list[int] = day.tolist()     # document date, days since 1970
        # customer -> items; sorted oldest first (document date, due date, document_no) on first use
        codes, _ = pd.factorize(oi["customer_id"])
        due = oi["due_date"].to_numpy(dtype="datetime64[D]").astype("int64") if "due_date" in oi else day
        order = np.argsort(codes, kind="stable")
        oc = codes[order]
        bounds = (np.flatnonzero(np.diff(oc)) + 1).tolist() if n else []
        order_l = order.tolist()
        self._by_cust: dict[str, list[int]] = {}
        for st, en in zip([0] + bounds, bounds + [n]):
            if en > st:
                self._by_cust[self.cust[order_l[st]]] = order_l[st:en]
        self._cust_sorted: set[str] = set()
        self.sortkey: list[int] = (day * (1 << 24) + (due - day + (1 << 23))).tolist()
        self._by_po: dict[str, int | list[int]] = self._po_index(oi)
        self._by_amount: dict | None = None
        self._ocr: dict[int, str] = {}
        self._by_tail: dict[str, int | list[int]] | None = None

    def _po_index(self, oi: pd.DataFrame) -> dict[str, int | list[int]]:
        """PO/reference key (:func:`.refs.po_key` of ``po_number``, then of ``reference``; keys of
        4+ characters, not only letters) -> items, in document_no order.  An item is listed
        again under the key its reference gives unless it is the item listed last there."""
        items, keys = [], []
        for col in ("po_number", "reference"):
            if col not in oi:
                continue
            vals = oi[col]
            nz = np.flatnonzero((vals != "").to_numpy())
            if len(nz):
                items.append(nz)
                keys.append(pc.replace_substring_regex(document_keys(vals.iloc[nz]), pattern=PO_PREFIX_RE,
                                                       replacement=r"\1"))
        if not items:
            return {}
        k = pa.chunked_array(keys, type=pa.string()).combine_chunks()
        ok = pc.and_(pc.greater_equal(pc.utf8_length(k), 4), pc.invert(pc.ascii_is_alpha(k)))
        return self._grouped(k.filter(ok), np.concatenate(items)[ok.to_numpy(zero_copy_only=False)], drop_repeat=True)

    def _grouped(self, keys: pa.Array, items: np.ndarray, drop_repeat: bool = False) -> dict[str, int | list[int]]:
        """``{key: items}`` of parallel arrays, keys in order of first appearance, each key's
        items in the order given, then stably sorted by document_no (a key's only item as an
        int, like the document-key index); ``drop_repeat`` leaves out an item given right after
        itself under the same key."""
        if not len(items):
            return {}
        enc = pc.dictionary_encode(keys)            # codes in order of first appearance
        codes = enc.indices.to_numpy(zero_copy_only=False)
        uniq = enc.dictionary.to_pylist()
        order = np.argsort(codes, kind="stable")
        c, ii = codes[order], items[order]
        if drop_repeat:
            again = np.zeros(len(c), dtype=bool)
            again[1:] = (c[1:] == c[:-1]) & (ii[1:] == ii[:-1])
            c, ii = c[~again], ii[~again]
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        ends = np.r_[starts[1:], len(c)]
        out: dict[str, int | list[int]] = dict(zip([uniq[x] for x in c[starts].tolist()], ii[starts].tolist()))
        il = ii.tolist()
        for a, b in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist()):
            out[uniq[int(c[a])]] = sorted(il[a:b], key=self.doc.__getitem__)
        return out

    def by_amount(self, currency: str, amount: int) -> list[int]:
        """Items of ``currency`` whose remaining open amount is exactly ``amount`` (>0)."""
        if self._by_amount is None:
            opened = np.asarray(self.open, dtype=np.int64)
            curs = np.asarray(self.cur, dtype=object)
            self._by_amount = {}
            for c in pd.unique(curs):
                idx = np.flatnonzero((curs == c) & (opened > 0))
                order = idx[np.argsort(opened[idx], kind="stable")]
                self._by_amount[c] = (opened[order].tolist(), order.tolist())
        got = self._by_amount.get(currency)
        if got is None:
            return []
        vals, order = got
        lo, hi = bisect_left(vals, amount), bisect_right(vals, amount)
        return [i for i in order[lo:hi] if self.remaining[i] == amount]

    def hits(self, key: str) -> list[int]:
        """Items whose document key is ``key`` (in document_no order)."""
        v = self._by_key.get(key)
        return [] if v is None else [v] if isinstance(v, int) else v

    def has_key(self, key: str) -> bool:
        return key in self._by_key

    def customers(self):
        return self._by_cust.keys()

    def of_customer(self, customer: str) -> list[int]:
        """The customer's items, oldest first (document date, due date, document_no)."""
        lst = self._by_cust.get(customer)
        if lst is None:
            return []
        if customer not in self._cust_sorted:
            lst.sort(key=self.doc.__getitem__)      # two stable sorts: by dates, equal dates by document_no
            lst.sort(key=self.sortkey.__getitem__)
            self._cust_sorted.add(customer)
        return lst

    def tail_hits(self, digits: str) -> list[int]:
        """Items whose key is a short letter prefix + ``digits`` (``DM25352`` for ``25352``)."""
        if self._by_tail is None:
            tails = pc.fill_null(pc.extract_regex(self._keys, TAIL_KEY).field("t"), "")
            has = pc.not_equal(tails, "")
            self._by_tail = self._grouped(tails.filter(has), np.flatnonzero(has.to_numpy(zero_copy_only=False)))
        v = self._by_tail.get(digits)
        return [] if v is None else [v] if isinstance(v, int) else v

    def po_hits(self, key: str) -> list[int]:
        """Items whose PO number or reference has the PO key ``key`` (:func:`.refs.po_key`), in
        document_no order."""
        v = self._by_po.get(key)
        return [] if v is None else [v] if isinstance(v, int) else v

    def has_po(self, key: str) -> bool:
        return key in self._by_po

    def any_po(self) -> bool:
        """Whether any open item has a PO number or reference to look up."""
        return bool(self._by_po)

    def ocr(self, i: int) -> str:
        k = self._ocr.get(i)
        if k is None:
            k = self._ocr[i] = ocr_key(self.doc[i])
        return k
