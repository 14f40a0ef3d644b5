"""The aging of open items beyond a sheet: a Parquet file or a DuckDB table of any length,
aged in batches so that memory holds one batch, with the same result to the cent as
:func:`xl_collections.ar.aging.age` on the whole table (CONTRACT §4: ``FILE.parquet``,
``FILE.duckdb:table``).

Each batch is validated by the same validator as a sheet (every message as the sheet or CSV
reader would give it, rows numbered as a spreadsheet would show the table) and aged by
:func:`~xl_collections.ar.aging.age` itself; the aging table is a sum per group and bucket of
per-item amounts rounded once each, so the per-batch tables add up exactly.  What needs every
row at once — a document number repeated in another batch — runs in DuckDB (embedded, spilling
to a temporary folder), reported with the validator's own words.  Only the summary comes
back; the items stay in the file.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .aging import NOT_DUE, TOTAL, age, bucket_labels
from ..core.errors import InputError, InputErrors
from ..io import arrow_sources
from ..io.readers import iter_tables, table_column_map
from ..io.validate import empty, match_columns
from ..core.schema import TABLES
from ..core.settings import DEFAULT_BUCKETS, parse_buckets

SHEET_ROWS = arrow_sources.SHEET_ROWS
EXTRA = ("disputed", "credits", "collectable_past_due")


@dataclass(frozen=True)
class StreamedAging:
    """What :func:`age_source` returns: ``summary`` exactly as ``age(...).summary`` (the final
    ``TOTAL`` row included; amounts in minor units of the reporting currency), ``items`` the
    open items aged (open amount not zero: ``len(age(...).detail)``), ``records`` the rows read."""
    summary: pd.DataFrame
    items: int
    records: int


def beyond_a_sheet(path) -> bool:
    """True when ``path`` is a Parquet file or DuckDB table with more records than a sheet holds
    below its header (1,048,575): the aging then runs out of core."""
    src = arrow_sources.table_source(path)
    return src is not None and arrow_sources.count_rows(src, "open_items") > SHEET_ROWS - 1


def age_source(path, as_of, *, customers: pd.DataFrame | None = None, fx_rates: pd.DataFrame | None = None,
               buckets=DEFAULT_BUCKETS, basis: str = "due", by: str = "customer_id", reporting_currency: str = "USD",
               column_map: dict | None = None, day_first: bool = False, decimal_comma: bool | None = None,
               amount_sign: str = "signed", encoding: str | None = None,
               batch_rows: int = arrow_sources.BATCH_ROWS) -> StreamedAging:
    """Age the open items of ``path`` (``FILE.parquet`` or ``FILE.duckdb:table``) batch by batch.
    ``customers``, ``fx_rates`` and the other arguments as for :func:`~xl_collections.ar.aging.age`;
    ``column_map`` … ``amount_sign`` as for :func:`~xl_collections.io.readers.load_table`
    (``encoding`` is not used: Parquet and DuckDB hold text as UTF-8).
    Raises :class:`InputErrors` with every problem of every batch (nothing aged)."""
    src = arrow_sources.table_source(path)
    if src is None:
        raise ValueError(f"{path}: expected FILE.parquet or FILE.duckdb:table")
    labels = (NOT_DUE,) + bucket_labels(tuple(int(e) for e in parse_buckets(buckets)))
    key_col = "item_currency" if by == "currency" else by
    errors: list[InputError] = []
    partial: pd.DataFrame | None = None
    items = records = 0
    summary_attrs: dict = {}
    with _KeyStore() as keys:
        for df, errs in iter_tables(src, "open_items", batch_rows=batch_rows, column_map=column_map,
                                    reporting_currency=reporting_currency, day_first=day_first,
                                    decimal_comma=decimal_comma, amount_sign=amount_sign):
            records += len(df)
            errors += [e for e in errs if not _duplicate_message(e)]
            keys.add(df)
            if errors:            # go on reading: every problem of the file at once
                continue
            res = age(df, as_of, customers=customers, fx_rates=fx_rates, buckets=buckets, basis=basis, by=by,
                      reporting_currency=reporting_currency)
            items += len(res.detail)
            summary_attrs = res.summary.attrs
            partial = _add(partial, res.summary.iloc[:-1], key_col, labels)
        errors += keys.duplicates(src, column_map)
    if errors:
        raise InputErrors(errors)
    if not summary_attrs:         # no records: the empty aging, as age() gives it
        res = age(empty("open_items", reporting_currency), as_of, customers=customers, fx_rates=fx_rates,
                  buckets=buckets, basis=basis, by=by, reporting_currency=reporting_currency)
        return StreamedAging(res.summary, 0, records)
    return StreamedAging(_finish(partial, key_col, labels, reporting_currency, summary_attrs), items, records)


def merge_summaries(summaries: list[pd.DataFrame]) -> pd.DataFrame:
    """Aging summaries of disjoint sets of open items (``age(...).summary`` of each batch, of
    each partition of a group: same as-of, buckets, basis, ``by`` and reporting currency) ->
    the summary of all of them, exactly as :func:`~xl_collections.ar.aging.age` gives it on their
    union: sums per group (a group may appear in several), sorted by past due descending then
    key, a final ``TOTAL`` row.  Amounts are integer minor units: the sums are exact."""
    if not summaries:
        raise ValueError("no summaries to merge")
    attrs = summaries[0].attrs
    labels = ("not_due", *attrs["buckets"])
    key_col = "item_currency" if attrs.get("by") == "currency" else attrs.get("by", "customer_id")
    partial = None
    for summ in summaries:
        if len(summ) > 1:
            partial = _add(partial, summ.iloc[:-1], key_col, labels)
    if partial is None:
        return summaries[0].copy()
    return _finish(partial, key_col, labels, attrs["currency"], attrs)


def _money(labels) -> list[str]:
    return ["total_open", *labels, "past_due", *EXTRA]


def _add(partial: pd.DataFrame | None, batch: pd.DataFrame, key_col: str, labels) -> pd.DataFrame:
    """Per-group sums so far plus one batch's (groups keyed by ``key_col``)."""
    both = batch if partial is None else pd.concat([partial, batch], ignore_index=True)
    g = both.groupby(key_col, sort=False)
    out = g[_money(labels)].sum()
    out.insert(0, "customer_name", g["customer_name"].first())
    return out.reset_index()


def _finish(partial: pd.DataFrame, key_col: str, labels, currency: str, attrs: dict) -> pd.DataFrame:
    """The summed groups as :func:`xl_collections.ar.aging.summarise` lays them out: sorted by past
    due descending, then key; a final ``TOTAL`` row."""
    part = partial.sort_values(key_col, kind="stable", ignore_index=True)   # the keys' order, as age() ranks them
    g = len(part)
    past_due = part["past_due"].to_numpy(dtype="int64")
    order = np.lexsort((np.arange(g), -past_due)) if g else np.zeros(0, "int64")
    body = part.iloc[order].reset_index(drop=True)
    data = {key_col: np.append(body[key_col].to_numpy(dtype=object), TOTAL),
            "customer_name": np.append(body["customer_name"].to_numpy(dtype=object), ""),
            "currency": np.full(g + 1, currency, dtype=object)}
    for c in _money(labels):
        col = body[c].to_numpy(dtype="int64")
        data[c] = np.append(col, col.sum())
    out = pd.DataFrame(data)
    out = out[[key_col, "customer_name", "currency", "total_open", *labels, "past_due", *EXTRA]]
    out.attrs = dict(attrs)
    return out


def _duplicate_message(e: InputError) -> bool:
    return e.message.startswith("duplicate document_no")


class _KeyStore:
    """Every batch's document numbers (and ``fiscal_year``/``item`` when the export has them)
    with their rows, in a DuckDB database in a temporary folder (it spills to disk), so that a
    number repeated in another batch is found as the validator finds one within a table."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="xlc-keys-")
        import duckdb
        self._con = duckdb.connect(str(Path(self._dir.name) / "keys.duckdb"))
        self._con.execute("CREATE TABLE keys (k VARCHAR, shown VARCHAR, source_row BIGINT)")
        self.parts: list[str] = []

    def __enter__(self) -> "_KeyStore":
        return self

    def __exit__(self, *exc) -> None:
        self._con.close()
        self._dir.cleanup()

    def add(self, df: pd.DataFrame) -> None:
        if "document_no" not in df or not len(df):
            return
        import pyarrow as pa
        self.parts = [c for c in ("fiscal_year", "item") if c in df]
        doc = df["document_no"]
        filled = (doc != "").to_numpy(dtype=bool)
        if self.parts:       # the validator's key and the text it shows (validate: ``table.unique``)
            k = df[["document_no", *self.parts]].astype(str).agg("\x1f".join, axis=1)
            shown = df[["document_no", *self.parts]].astype(str).agg(" / ".join, axis=1)
        else:
            k = shown = doc
        batch = pa.table({"k": pa.array(k[filled].to_numpy(dtype=object), type=pa.string()),
                          "shown": pa.array(shown[filled].to_numpy(dtype=object), type=pa.string()),
                          "source_row": pa.array(df["source_row"].to_numpy(dtype="int64")[filled])})
        self._con.register("batch", batch)
        self._con.execute("INSERT INTO keys SELECT * FROM batch")
        self._con.unregister("batch")

    def duplicates(self, src, column_map) -> list[InputError]:
        """The validator's ``duplicate document_no`` errors over the whole table, in row order."""
        rows = self._con.execute("""
            SELECT shown, source_row, first_row FROM (
                SELECT shown, source_row, min(source_row) OVER (PARTITION BY k) AS first_row,
                       count(*) OVER (PARTITION BY k) AS n
                FROM keys) WHERE n > 1 AND source_row <> first_row ORDER BY source_row""").fetchall()
        if not rows:
            return []
        header = _source_header(src, column_map)
        per = f" per {' and '.join(self.parts)}" if self.parts else ""
        return [InputError(f"duplicate document_no{per}", "open_items", src.label, "", int(r), header, str(shown),
                           f"each document_no once{per} (also on row {first})") for shown, r, first in rows]


def _source_header(src, column_map) -> str:
    """The file's header that feeds ``document_no`` (the column messages name)."""
    for headers, _, _ in arrow_sources.iter_batches(src, "open_items", 1):
        mapping, _ = match_columns([str(h).strip() for h in headers], TABLES["open_items"],
                                   table_column_map(column_map, "open_items"))
        return str(mapping.get("document_no", "document_no"))
    return "document_no"
