"""Past one machine (docs/scale.md): the engine's DataFrame functions run per partition through
Dask's local scheduler give the single-process results exactly — the aging partitioned by
customer (merged with ``merge_summaries``), the cash application partitioned by entity.
Skipped where Dask is not installed."""
from __future__ import annotations

import pandas as pd
import pytest

from xl_collections import demo
from xl_collections.ar.aging import age
from xl_collections.ar.aging_outofcore import merge_summaries
from xl_collections.cashapp import apply_cash
from xl_collections.io.validate import canonical
from xl_collections.core.settings import Settings

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def book():
    return demo.generate(items=1200, seed=5)


def canonical_tables(b):
    kw = dict(reporting_currency=b.settings.reporting_currency)
    return (canonical(b.open_items, "open_items", **kw), canonical(b.customers, "customers", **kw),
            canonical(b.fx_rates, "fx_rates", **kw) if getattr(b, "fx_rates", None) is not None else None)


def _age_part(part: pd.DataFrame, attrs: dict, as_of, customers, fx, by):
    part = part.reset_index(drop=True)
    part.attrs = dict(attrs)        # a canonical table stays one across the partitioning
    return age(part, as_of, customers=customers, fx_rates=fx, by=by).summary


@pytest.mark.parametrize("by", ["customer_id", "region", "currency"])
@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_aging_per_customer_partition_equals_the_single_process_aging(book, by, scheduler):
    oi, customers, fx = canonical_tables(book)
    as_of = book.settings.as_of
    want = age(oi, as_of, customers=customers, fx_rates=fx, by=by).summary
    ddf = dd.from_pandas(oi.set_index("customer_id", drop=False).sort_index(), npartitions=4, sort=True)
    parts = [dask.delayed(_age_part)(p, oi.attrs, as_of, customers, fx, by) for p in ddf.to_delayed()]
    got = merge_summaries(list(dask.compute(*parts, scheduler=scheduler)))
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


def _entity(b, prefix: str):
    """One entity of a group: the demo's tables with its identifiers prefixed."""
    oi, pay = b.open_items.copy(), b.payments.copy()
    cus = b.customers.copy()
    for df, cols in ((oi, ("customer_id", "document_no")), (pay, ("payment_id", "customer_id")),
                     (cus, ("customer_id",))):
        for c in cols:
            if c in df:
                df[c] = df[c].where(df[c].astype(str) == "", prefix + df[c].astype(str))
    return oi, pay, cus


def _cash(oi, pay, cus, fx, settings):
    return apply_cash(oi, pay, customers=cus, settings=settings, fx_rates=fx).applications


def test_cash_application_per_entity_partition_equals_the_single_process_runs(book):
    other = demo.generate(items=900, seed=6)
    settings = Settings()
    fx = getattr(book, "fx_rates", None)
    entities = [_entity(book, "E1-"), _entity(other, "E2-")]
    want = [_cash(oi, pay, cus, fx, settings) for oi, pay, cus in entities]
    tasks = [dask.delayed(_cash)(oi, pay, cus, fx, settings) for oi, pay, cus in entities]
    got = dask.compute(*tasks, scheduler="processes")
    for g, w in zip(got, want):
        pd.testing.assert_frame_equal(g.reset_index(drop=True), w.reset_index(drop=True))
    assert sum(len(w) for w in want) > 0
