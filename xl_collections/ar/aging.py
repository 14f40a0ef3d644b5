"""Aging of open items into past-due buckets, in the reporting currency.

Rules (what the Aging and Aging Detail sheets, the ``aging`` command and the UDFs show):

- ``days_past_due = as_of - basis date``.  The basis date is the item's ``due_date``
  (``basis="due"``, setting ``AgingBasis = due``, the default) or its ``document_date``
  (``basis="document"``).  A missing ``due_date`` comes from the customer's
  ``payment_terms`` (see :mod:`xl_collections.core.terms`), else it is the document date.
- Buckets come from increasing edges (setting ``AgingBuckets``, default ``0,30,60,90,120``):
  ``not_due`` when days <= 0 (due today is not past due), then ``1-30``, ``31-60``,
  ``61-90``, ``91-120`` and ``121+``; upper bounds are inclusive.  Edges that do not start
  at 0 still keep ``not_due`` for days <= 0: ``10,40`` gives ``not_due``, ``1-10``,
  ``11-40``, ``41+``.
- Every open item lands in the bucket of its own days past due, positive or negative:
  credit memos, unapplied cash and deductions age by their own dates.  Items whose open
  amount is zero are left out.
- Reporting currency: each item's ``open_amount`` times the ``fx_rates`` rate of its
  currency (the latest rate dated on or before the as-of date, else the undated rate; the
  reporting currency's own rate is always 1), rounded once per item to the reporting
  currency's minor unit, half away from zero, then summed.  A currency without a rate is
  an input error naming the rows that need it.
- ``total_open = not_due + sum of buckets``; ``past_due = sum of buckets``.  The summary
  also shows ``disputed`` (open amount of items with status ``DISPUTED``), ``credits``
  (sum of the negative items, so <= 0) and ``collectable_past_due`` (past due on
  undisputed positive items: what a collector can actually chase).  A final ``TOTAL`` row
  sums every column.

Money is integer minor units throughout: ``open_amount`` in the item's currency,
``reporting_amount`` and every summary amount in the reporting currency.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.dates import to_date
from ..core.errors import InputError, InputErrors
from ..core.fx import convert_minor, pick_rates
from ..io.validate import STR_DTYPE, STR_IS_ARROW, _object_text, canonical
from ..core.money import minor_unit
from ..core.settings import DEFAULT_BUCKETS, parse_buckets
from ..core.terms import TermsError, parse_terms
from ..core.threads import beside

BASES = ("due", "document")
GROUP_KEYS = ("customer_id", "region", "collector", "currency", "parent_id")
CUSTOMER_FIELDS = ("customer_name", "region", "collector", "parent_id")
NOT_DUE = "not_due"
TOTAL = "TOTAL"


@dataclass(frozen=True, eq=False)
class AgingResult:
    """What :func:`age` returns.

    ``detail``: one row per open item with a non-zero open amount: the open_items columns
    (``due_date`` filled in where it was derived from terms or the document date), then
    ``basis_date``, ``days_past_due`` (int), ``bucket`` (label), ``fx_rate`` (Decimal),
    ``reporting_amount`` (int minor units of the reporting currency) and, when a customer
    master was given, ``customer_name``, ``region``, ``collector``, ``parent_id``.

    ``summary``: the CONTRACT §4 aging table plus ``disputed``, ``credits`` and
    ``collectable_past_due``; a final ``TOTAL`` row.

    ``buckets``: the past-due bucket labels in order (``("1-30", …, "121+")``);
    ``labels`` is ``("not_due",) + buckets``.  ``rates``: currency -> Decimal rate used.
    """
    detail: pd.DataFrame
    summary: pd.DataFrame
    buckets: tuple[str, ...]
    as_of: dt.date
    basis: str = "due"
    by: str = "customer_id"
    reporting_currency: str = "USD"
    edges: tuple[int, ...] = DEFAULT_BUCKETS
    rates: dict = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return (NOT_DUE,) + self.buckets

    @property
    def total(self) -> pd.Series:
        """The ``TOTAL`` row of the summary."""
        return self.summary.iloc[-1]


def bucket_bounds(edges) -> np.ndarray:
    """Edges -> the sorted upper bounds used with ``np.searchsorted``; 0 is always the first."""
    edges = parse_buckets(edges)
    bounds = edges if edges[0] == 0 else (0,) + edges
    return np.asarray(bounds, dtype="int64")


def bucket_labels(edges=DEFAULT_BUCKETS) -> tuple[str, ...]:
    """Past-due bucket labels for ``edges``: ``(0,30,60,90,120)`` -> ``1-30 … 121+``;
    ``(0,15)`` -> ``1-15, 16+``; ``(10,40)`` -> ``1-10, 11-40, 41+``."""
    b = bucket_bounds(edges)
    return tuple(f"{lo + 1}-{hi}" for lo, hi in zip(b[:-1], b[1:])) + (f"{b[-1] + 1}+",)


def bucket_index(days: np.ndarray, edges=DEFAULT_BUCKETS) -> np.ndarray:
    """Index into ``("not_due",) + bucket_labels(edges)`` for each number of days past due."""
    return np.searchsorted(bucket_bounds(edges), np.asarray(days, dtype="int64"), side="left")


def arrow_strings(values: pd.Series):
    """The column as one pyarrow string array when it is Arrow-backed text without a missing
    value (pandas' ``str`` dtype, ``string[pyarrow]``, ``ArrowDtype(string)``), else None."""
    if getattr(values.dtype, "storage", None) != "pyarrow" and not isinstance(values.dtype, pd.ArrowDtype):
        return None
    chunks = pa.chunked_array(values.array.__arrow_array__())
    if not (pa.types.is_string(chunks.type) or pa.types.is_large_string(chunks.type)) or chunks.null_count:
        return None
    return chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()


def _factorize_arrow(arr) -> tuple[np.ndarray, object]:
    """Codes (ranks) and the distinct values in ascending order, as an Arrow array, of an Arrow
    string array without nulls.  Arrow orders text by its UTF-8 bytes, which is the order of
    code points: Python's own order of ``str``.  Arrow's kernels run without the GIL."""
    enc = pc.dictionary_encode(arr)
    order = pc.sort_indices(enc.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    return rank[enc.indices.to_numpy()], enc.dictionary.take(order)


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` (codes, and the uniques as an object array in
    ascending order) for a column of text: Arrow-backed text is encoded and sorted by Arrow;
    Python strings are hashed first, then only the distinct values sorted, by Python's own
    string order (numpy's sort of Python objects is several times slower).  Anything but
    ``str`` values takes pandas' own sorted factorize."""
    arr = arrow_strings(values)
    if arr is not None:
        codes, uniques = _factorize_arrow(arr)
        return codes, uniques.to_numpy(zero_copy_only=False).astype(object, copy=False)
    codes, uniques = pd.factorize(values, sort=False)
    uniques = np.asarray(uniques, dtype=object)
    if (codes < 0).any() or pd.api.types.infer_dtype(uniques, skipna=False) not in ("string", "empty"):
        codes, uniques = pd.factorize(values, sort=True)
        return codes, np.asarray(uniques, dtype=object)
    order = np.array(sorted(range(len(uniques)), key=uniques.__getitem__), dtype=np.intp)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    return rank[codes], uniques[order]


def _customer_lookup(customers: pd.DataFrame | None, uniques: np.ndarray, arrow_uniques=None) -> dict[str, np.ndarray]:
    """Customer master fields for each unique customer_id ('' where not in the master; the
    first row of an id the master repeats).  ``arrow_uniques``: the same ids as an Arrow array,
    when the caller has them: an Arrow-backed master is then matched without Python strings."""
    n = len(uniques)
    out = {f: np.full(n, "", dtype=object) for f in CUSTOMER_FIELDS + ("payment_terms",)}
    if customers is None or not len(customers) or not n:
        return out
    master_ids = arrow_strings(customers["customer_id"]) if arrow_uniques is not None else None
    if master_ids is not None:
        master = customers
        pos = pc.fill_null(pc.index_in(arrow_uniques, value_set=master_ids), -1).to_numpy()   # first occurrence
    else:
        ids = customers["customer_id"].to_numpy(dtype=object)
        index = pd.Index(ids, dtype=object)
        if index.is_unique:
            master = customers
        else:
            keep = ~index.duplicated(keep="first")
            master, index = customers[keep], index[keep]
        pos = index.get_indexer(pd.Index(uniques, dtype=object))
    found = pos >= 0
    for f in out:
        if f in master.columns:
            text = arrow_strings(master[f])
            # Arrow text becomes one str per distinct value (a region's name shared by its
            # customers): the detail's million-row copies then touch a few objects, not 100k
            vals = master[f].to_numpy(dtype=object) if text is None else _object_text(text)
            out[f][found] = vals[pos[found]]
    return out


def _due_dates(doc_days: np.ndarray, terms: np.ndarray, customers: pd.DataFrame | None) -> np.ndarray:
    """Due date (days since epoch) per item from its document date and its customer's terms,
    computed once per unique (document date, terms) pair."""
    tcodes, tuniq = pd.factorize(pd.Series(terms, dtype=object), sort=False)
    parsed, errors = [], []
    for t in tuniq:
        if t == "":
            parsed.append(None)
            continue
        try:
            parsed.append(parse_terms(t))
        except TermsError as e:
            parsed.append(None)
            rows = customers.loc[customers["payment_terms"] == t, "source_row"] if customers is not None and "source_row" in customers else []
            errors.append(InputError("unknown payment terms", "customers", "", "", int(rows.iloc[0]) if len(rows) else None,
                                     "payment_terms", t, e.expected))
    if errors:
        raise InputErrors(errors)
    key = doc_days * (len(tuniq) + 1) + tcodes
    ukeys, inverse = np.unique(key, return_inverse=True)
    base = np.datetime64("1970-01-01", "D")
    due_u = np.empty(len(ukeys), dtype="int64")
    for i, k in enumerate(ukeys):
        day, tc = divmod(int(k), len(tuniq) + 1)
        t = parsed[tc] if tc < len(parsed) else None
        if t is None:
            due_u[i] = day
        else:
            d = (base + np.timedelta64(day, "D")).astype(dt.date)
            due_u[i] = (t.due_date(d) - dt.date(1970, 1, 1)).days
    return due_u[inverse.reshape(-1)]


THREAD_ROWS = 50_000     # items from which the customer side runs in a thread of its own


def _customers_of(ids: pd.Series, cust: pd.DataFrame | None):
    """``(codes, sorted distinct ids, the same as Arrow or None, master fields per id)``."""
    arr = arrow_strings(ids)
    if arr is not None:                  # Arrow-backed ids: encoded, sorted and looked up in Arrow
        codes, arrow_uniq = _factorize_arrow(arr)
        uniq = arrow_uniq.to_numpy(zero_copy_only=False).astype(object, copy=False)
    else:
        (codes, uniq), arrow_uniq = factorize_sorted(ids), None
    return codes, uniq, arrow_uniq, _customer_lookup(cust, uniq, arrow_uniq)


def _to_reporting(open_minor, kcodes, kuniq, rates, reporting_currency):
    """``(reporting amounts, rate per item)``: each item's open amount (minor units of its
    currency) in minor units of the reporting currency, rounded once, half away from zero."""
    to_places = minor_unit(reporting_currency)
    reporting = open_minor.copy()
    for k, c in enumerate(kuniq):
        if c == reporting_currency:
            continue
        sel = kcodes == k
        reporting[sel] = convert_minor(open_minor[sel], rates[c], minor_unit(c), to_places)
    n = len(open_minor)
    rate_col = np.array([rates[c] for c in kuniq] + [Decimal(1)], dtype=object)[kcodes] if n else np.zeros(0, dtype=object)
    return reporting, rate_col


def age(open_items: pd.DataFrame, as_of, *, customers: pd.DataFrame | None = None,
        fx_rates: pd.DataFrame | None = None, buckets=DEFAULT_BUCKETS, basis: str = "due",
        by: str = "customer_id", reporting_currency: str = "USD", detail: bool = True) -> AgingResult:
    """Age ``open_items`` at ``as_of`` (see the module docstring for the rules).

    Inputs are canonical tables (or DataFrames that validate into them: raises InputErrors
    listing every problem).  ``buckets``: increasing edges in days (tuple or ``"0,30,60"``).
    ``basis``: ``due`` or ``document``.  ``by``: ``customer_id``, ``region``, ``collector``,
    ``currency`` or ``parent_id`` (the grouping of the summary; see :func:`summarise`).
    ``detail`` False: the per-item table is not built (``result.detail`` is None), for a caller
    that needs the summary only (the ``aging`` command: a million rows' columns it never reads).
    """

    if basis not in BASES:
        raise ValueError(f"basis {basis!r}: expected due or document")
    if by not in GROUP_KEYS:
        raise ValueError(f"by {by!r}: expected one of {', '.join(GROUP_KEYS)}")
    minor_unit(reporting_currency)
    as_of = to_date(as_of)
    edges = tuple(int(e) for e in parse_buckets(buckets))
    bounds = bucket_bounds(edges)
    labels = (NOT_DUE,) + bucket_labels(edges)

    oi = canonical(open_items, "open_items", reporting_currency=reporting_currency)
    cust = canonical(customers, "customers", reporting_currency=reporting_currency) if customers is not None else None
    fx = canonical(fx_rates, "fx_rates", reporting_currency=reporting_currency) if fx_rates is not None else None

    open_minor = oi["open_amount"].to_numpy(dtype="int64")
    keep = open_minor != 0
    if not keep.all():
        oi = oi[keep]
        open_minor = open_minor[keep]
    oi = oi.reset_index(drop=True)
    n = len(oi)

    # the customer side (ids encoded and sorted, the master looked up) runs in a thread beside
    # the dates and FX below: Arrow's kernels and numpy's arithmetic release the GIL
    ids = oi["customer_id"]              # taken here: the thread reads no frame the caller reads
    customer_side = beside(lambda: _customers_of(ids, cust), n >= THREAD_ROWS)

    # basis date
    doc_days = oi["document_date"].to_numpy(dtype="datetime64[D]").astype("int64") if n else np.zeros(0, "int64")
    due = oi["due_date"].to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(due)
    due_days = np.where(missing, 0, due.astype("datetime64[D]").astype("int64")) if n else np.zeros(0, "int64")
    as_of_day = (as_of - dt.date(1970, 1, 1)).days

    # FX, exact per currency; a missing rate is raised after the due dates' own problems, as before
    kcodes, kuniq = factorize_sorted(oi["currency"])
    kuniq = [str(c) for c in kuniq]
    try:
        rates = pick_rates(fx, kuniq, as_of, reporting_currency)
    except InputErrors:
        rates = None
    if rates is not None:
        reporting, rate_col = _to_reporting(open_minor, kcodes, kuniq, rates, reporting_currency)
    disputed = (oi["status"] == "DISPUTED").to_numpy(dtype=bool) if n else np.zeros(0, bool)

    ccodes, cuniq, arrow_cuniq, master = customer_side()     # codes are ranks: the key order
    if missing.any():
        terms = master["payment_terms"][ccodes[missing]]
        due_days[missing] = _due_dates(doc_days[missing], terms, cust)
    basis_days = due_days if basis == "due" else doc_days
    days = as_of_day - basis_days
    bidx = np.searchsorted(bounds, days, side="left")
    if rates is None:    # again, now naming the rows that need each missing rate
        src_rows = oi["source_row"].to_numpy() if "source_row" in oi else np.arange(n) + 2
        need_rows = {c: [int(r) for r in src_rows[kcodes == k]] for k, c in enumerate(kuniq)}
        rates = pick_rates(fx, kuniq, as_of, reporting_currency, need_rows, oi.attrs.get("source"))
        reporting, rate_col = _to_reporting(open_minor, kcodes, kuniq, rates, reporting_currency)

    items = _detail(oi, master, ccodes, cust, due_days, basis_days, days, bidx, labels, rate_col, reporting,
                    reporting_currency, as_of, basis) if detail else None

    # groups
    if by == "customer_id":
        gcodes, keys, names = ccodes, cuniq, master["customer_name"]
    elif by == "currency":
        gcodes, keys, names = kcodes, np.asarray(kuniq, dtype=object), np.full(len(kuniq), "", dtype=object)
    else:
        per_customer = master[by].copy()
        if by == "parent_id":
            per_customer = np.where(per_customer == "", cuniq, per_customer).astype(object)
        gk, keys = pd.factorize(pd.Series(per_customer, dtype=object), sort=True)
        keys = np.asarray(keys, dtype=object)
        gcodes = gk[ccodes] if n else np.zeros(0, "int64")
        if by == "parent_id":
            name_of = dict(zip(cust["customer_id"], cust["customer_name"])) if cust is not None else {}
            names = np.array([name_of.get(k, "") for k in keys], dtype=object)
        else:
            names = np.full(len(keys), "", dtype=object)
    summary = summarise(gcodes, keys, names, bidx, reporting, days, disputed, labels,
                        by=by, reporting_currency=reporting_currency)
    summary.attrs["as_of"] = as_of.isoformat()
    summary.attrs["basis"] = basis
    return AgingResult(items, summary, labels[1:], as_of, basis, by, reporting_currency, edges, rates)


def _detail(oi, master, ccodes, cust, due_days, basis_days, days, bidx, labels, rate_col, reporting,
            reporting_currency, as_of, basis) -> pd.DataFrame:
    """:class:`AgingResult`'s ``detail`` (one row per aged item, columns as documented there)."""
    n = len(oi)
    epoch = np.datetime64("1970-01-01", "D")
    detail = oi.copy(deep=False)
    detail["due_date"] = (epoch + due_days.astype("timedelta64[D]")).astype("datetime64[ns]")
    detail["basis_date"] = (epoch + basis_days.astype("timedelta64[D]")).astype("datetime64[ns]")
    detail["days_past_due"] = days.astype("int64")
    detail["bucket"] = pd.Categorical.from_codes(bidx, categories=list(labels), ordered=True)
    detail["fx_rate"] = pd.Series(rate_col, dtype=object, copy=False)
    detail["reporting_amount"] = reporting
    if cust is not None:
        for f in CUSTOMER_FIELDS:
            detail[f] = pd.Series(master[f][ccodes], dtype=object, copy=False) if n else pd.Series([], dtype=object)
    detail.attrs = {**oi.attrs, "table": "aging_detail", "money": ["amount", "open_amount", "reporting_amount"],
                    "currency": reporting_currency,
                    "money_currency": {"reporting_amount": reporting_currency},
                    "as_of": as_of.isoformat(), "basis": basis}
    return detail


def _text_column(values: np.ndarray):
    """The column ``pd.DataFrame`` makes of an object array of ``str``, built by Arrow's own
    conversion (pandas checks every cell in Python first); anything else (a missing value, a
    cell that is not ``str``, text UTF-8 cannot hold) is left to pandas as before."""
    if not STR_IS_ARROW or not len(values):
        return values
    try:
        arr = pa.array(values, type=pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return values
    if arr.null_count:
        return values
    return pd.arrays.ArrowStringArray(pa.chunked_array([arr]), dtype=STR_DTYPE)


def summarise(gcodes, keys, names, bidx, reporting, days, disputed, labels, *, by="customer_id",
              reporting_currency="USD") -> pd.DataFrame:
    """Sum per group and bucket (exact int64), sort by past_due descending then key, add TOTAL.
    ``keys`` must be in ascending order (``gcodes`` index into them).

    The first column is named by ``by``, except ``by="currency"`` whose first column is
    ``item_currency`` (``currency`` always holds the reporting currency).  ``customer_name``
    is the customer's name for ``customer_id``, the parent's name (when the parent is in the
    customer master) for ``parent_id``, and blank for region, collector and currency."""
    g = len(keys)
    nb = len(labels)
    gcodes = np.asarray(gcodes, dtype="int64")
    matrix = np.zeros((g + 1, nb), dtype="int64")
    np.add.at(matrix.reshape(-1), gcodes * nb + np.asarray(bidx, dtype="int64"), reporting)   # flat: numpy's fast path
    extra = np.zeros((g + 1, 3), dtype="int64")
    np.add.at(extra[:, 0], gcodes[disputed], reporting[disputed])
    neg = reporting < 0
    np.add.at(extra[:, 1], gcodes[neg], reporting[neg])
    coll = (days > 0) & ~disputed & (reporting > 0)
    np.add.at(extra[:, 2], gcodes[coll], reporting[coll])
    past_due = matrix[:, 1:].sum(axis=1)
    total_open = matrix.sum(axis=1)
    key_col = "item_currency" if by == "currency" else by
    # keys come sorted (factorize(sort=True)), so a key's position is its rank
    order = np.lexsort((np.arange(g), -past_due[:g])) if g else np.zeros(0, "int64")
    order = np.append(order, g)
    matrix[g] = matrix[:g].sum(axis=0)
    extra[g] = extra[:g].sum(axis=0)
    past_due[g] = past_due[:g].sum()
    total_open[g] = total_open[:g].sum()
    data = {
        key_col: _text_column(np.append(np.asarray(keys, dtype=object), TOTAL)[order]),
        "customer_name": _text_column(np.append(np.asarray(names, dtype=object), "")[order]),
        "currency": _text_column(np.full(g + 1, reporting_currency, dtype=object)),
        "total_open": total_open[order],
    }
    for j, lab in enumerate(labels):
        data[lab] = matrix[order, j]
    data["past_due"] = past_due[order]
    data["disputed"] = extra[order, 0]
    data["credits"] = extra[order, 1]
    data["collectable_past_due"] = extra[order, 2]
    out = pd.DataFrame(data)
    out.attrs = {"table": "aging", "money": ["total_open", *labels, "past_due", "disputed", "credits",
                                             "collectable_past_due"],
                 "currency": reporting_currency, "by": by, "buckets": list(labels[1:])}
    return out


def contract_columns(summary: pd.DataFrame) -> list[str]:
    """The CONTRACT §4 columns of an aging summary (without the extra columns)."""
    buckets = summary.attrs.get("buckets") or [c for c in summary.columns[5:] if c not in ("past_due", "disputed", "credits", "collectable_past_due")]
    return list(summary.columns[:5]) + list(buckets) + ["past_due"]
