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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core import schema
from ..core.fx import convert_minor, pick_rates
from ..core.money import MINOR_UNITS
from ..core.settings import Settings
from ..io.write import byte_values_in, csv_lines

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
    """sha256 of a canonical table's content (schema columns, in row order; not source_row):
    of the header names joined by ``|`` and the rows as ``df[cols].astype(str).to_csv(index=False,
    header=False, lineterminator="\\n")`` writes them (:func:`csv_text_bytes`)."""
    cols = [c for c in schema.TABLES[table_name].names if c in df.columns]
    h = hashlib.sha256(("|".join(cols) + "\n").encode())
    if len(df):
        h.update(csv_text_bytes(df[cols]))
    return h.hexdigest()


def csv_text_bytes(frame: pd.DataFrame) -> bytes:
    """The UTF-8 bytes of ``frame.astype(str).to_csv(index=False, header=False,
    lineterminator="\\n")``, joined by Arrow: int64 columns cast by Arrow (the digits ``str``
    gives), columns of strings as they are, the others through one ``astype(str)`` (dates are
    formatted by pandas per block of columns: taken together, as the whole frame gives them);
    a field holding a comma, a quote or a line feed quoted as the csv module quotes it.  pandas
    writes it all when a field holds a carriage return (the csv module's quoting of it differs
    between Python versions), with one column (a lone empty field is quoted) or when a string
    cannot be encoded (a lone surrogate)."""
    fields = _csv_fields(frame) if len(frame.columns) >= 2 and len(frame) else None
    if fields is None:
        return frame.astype(str).to_csv(index=False, header=False, lineterminator="\n").encode()
    return csv_lines(fields)


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object and pd.api.types.infer_dtype(col.to_numpy(), skipna=False) in ("string", "empty")


def _csv_fields(frame: pd.DataFrame) -> list | None:
    """Each column of ``frame`` as the csv module writes its fields (Arrow text), or None (see
    :func:`csv_text_bytes`)."""
    if not frame.columns.is_unique:
        return None
    plain = {c: frame[c].dtype == np.int64 or _is_text(frame[c]) for c in frame.columns}
    rest = [c for c in frame.columns if not plain[c]]
    strs = frame[rest].astype(str) if rest else None
    text = pa.large_string()
    out = []
    for c in frame.columns:
        col = frame[c] if plain[c] else strs[c]
        if col.dtype == np.int64:
            out.append(pc.cast(pa.array(col.to_numpy()), text))
            continue
        try:
            arr = pa.array(col.to_numpy(dtype=object), type=text)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
            return None
        found = byte_values_in(arr)
        if found[b"\r"[0]]:
            return None
        if found[b","[0]] or found[b'"'[0]] or found[b"\n"[0]]:
            quote = pc.match_substring_regex(arr, '[,"\\n]')
            q = pa.scalar('"', text)
            arr = pc.if_else(quote, pc.binary_join_element_wise(q, pc.replace_substring(arr, '"', '""'), q,
                                                                pa.scalar("", text)), arr)
        out.append(arr)
    return out


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
