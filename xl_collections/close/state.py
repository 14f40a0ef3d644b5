"""What a close step works on and hands back: :class:`CloseState` in, :class:`StepResult` out.

A leaf module (settings and schema only), so every step module — the cash step beside the
cash engine, the aging step beside the aging — imports it without importing the pipeline
(:mod:`xl_collections.close.pipeline`) or the registry (:mod:`xl_collections.close.steps`).  Money in a
``StepResult`` is integer minor units of the reporting currency.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from ..core import schema
from ..core.fx import convert_minor, pick_rates
from ..core.money import MINOR_UNITS
from ..core.settings import Settings

# a step's status, as the Close checklist and the Audit Log show it
DONE, FAILED, SKIPPED, NOT_RUN = "done", "FAILED", "skipped", "not run"


@dataclass
class StepResult:
    """What one step did.  ``outputs``: the :class:`~xl_collections.book.SheetOutput` records
    it wants written (the close writes them only when every step succeeded); ``amount`` in
    minor units of the reporting currency (positive); ``sheets``: the sheets it wrote."""
    step: str
    status: str = NOT_RUN
    rows: int | None = None
    amount: int | None = None          # minor units of the reporting currency
    seconds: float | None = None
    message: str = ""
    finished: dt.datetime | None = None
    sheets: tuple[str, ...] = ()
    outputs: list = field(default_factory=list)   # SheetOutput records to write


@dataclass
class CloseState:
    """The close so far: settings, the canonical input tables (by ``schema`` name), their
    sha256 fingerprints, the workbook (read-only for steps: they return outputs instead of
    writing), results of earlier steps (``results``, memoised by name) and their
    :class:`StepResult` records (``steps``)."""
    settings: Settings
    tables: dict[str, pd.DataFrame]
    fingerprints: dict[str, str]
    file: str = ""
    book: object = None
    prior_applications: pd.DataFrame | None = None
    last_cash_inputs: dict | None = None      # run_id -> input fingerprints of the runs that applied cash
    run_id: str = ""
    results: dict = field(default_factory=dict)
    steps: dict[str, StepResult] = field(default_factory=dict)


def settings_fingerprint(s: Settings, fields: tuple[str, ...] | None = None) -> str:
    """sha256 of the settings record (hex); of only the named ``fields`` when given (the
    settings one step reads, e.g. :data:`xl_collections.cashapp.step.CASH_SETTINGS`)."""
    if fields is None:
        return hashlib.sha256(repr(s).encode()).hexdigest()
    return hashlib.sha256(repr(tuple((f, getattr(s, f)) for f in fields)).encode()).hexdigest()


def table_fingerprint(df: pd.DataFrame, table_name: str) -> str:
    """sha256 of a canonical table's content (schema columns, in row order; not source_row)."""
    cols = [c for c in schema.TABLES[table_name].names if c in df.columns]
    h = hashlib.sha256(("|".join(cols) + "\n").encode())
    if len(df):
        text = df[cols].astype(str).to_csv(index=False, header=False, lineterminator="\n")
        h.update(text.encode())
    return h.hexdigest()


def row_currencies(df: pd.DataFrame, default: str) -> pd.Series:
    """Each row's ``currency`` (``default`` where blank or without that column)."""
    if "currency" not in df.columns:
        return pd.Series(default, index=df.index)
    cur = df["currency"].astype(str)
    return cur.where(cur != "", default)


def reporting_sum(df: pd.DataFrame | None, col: str, state: CloseState) -> int:
    """Sum of a money column held in each row's ``currency``, in minor units of the
    reporting currency (per-row exact conversion at the as-of rates, then summed)."""
    if df is None or col not in df.columns or not len(df):
        return 0
    s = state.settings
    cur = row_currencies(df, s.reporting_currency)
    rates = pick_rates(state.tables.get("fx_rates"), sorted(set(cur)), s.as_of, s.reporting_currency)
    to = MINOR_UNITS.get(s.reporting_currency, 2)
    total = 0
    for c, part in df[col].groupby(cur):
        total += int(convert_minor(part.to_numpy(dtype="int64"), rates[c], MINOR_UNITS.get(c, 2), to).sum())
    return total
