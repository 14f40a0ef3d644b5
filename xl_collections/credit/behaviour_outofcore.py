"""Payment behaviour from a payment history beyond memory: ``cleared_items`` as a Parquet file
or DuckDB table (``FILE.parquet``, ``FILE.duckdb:table``; CONTRACT §4) read in batches, each
validated like a sheet and summed per customer (:func:`~xl_collections.credit.behaviour.behaviour_sums`:
integer sums, exact), the table made once at the end — the same table as
:func:`~xl_collections.credit.behaviour.payment_behaviour` on the whole history."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..core.errors import InputError, InputErrors
from ..io import arrow_sources
from ..io.readers import iter_tables
from .behaviour import behaviour_from_sums, behaviour_sums
from .scoring import DEFAULT_POLICY, Policy


def behaviour_source(path, as_of: dt.date, *, fx_rates=None, reporting_currency: str = "USD",
                     policy: Policy = DEFAULT_POLICY, batch_rows: int = arrow_sources.BATCH_ROWS,
                     **read_options) -> tuple[pd.DataFrame, int]:
    """``(payment behaviour table, records read)`` for the cleared items of ``path``; raises
    :class:`InputErrors` with every problem of every batch.  ``read_options``: ``column_map``,
    ``day_first``, ``decimal_comma``, ``amount_sign`` as for the readers."""
    src = arrow_sources.table_source(path)
    if src is None:
        raise ValueError(f"{path}: expected FILE.parquet or FILE.duckdb:table")
    errors: list[InputError] = []
    total: pd.DataFrame | None = None
    records = 0
    for df, errs in iter_tables(src, "cleared_items", batch_rows=batch_rows, reporting_currency=reporting_currency,
                                **read_options):
        records += len(df)
        errors += errs
        if errors:
            continue
        sums = behaviour_sums(df, as_of, fx_rates=fx_rates, reporting_currency=reporting_currency, policy=policy)
        total = sums if total is None else pd.concat([total, sums]).groupby(level=0, sort=True).sum()
    if errors:
        raise InputErrors(errors)
    return behaviour_from_sums(total if total is not None else behaviour_sums(None, as_of), policy), records
