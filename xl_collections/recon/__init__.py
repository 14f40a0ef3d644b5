"""Reconciliation: invoice register <-> AR sub-ledger <-> GL, the AR roll-forward, and a
customer's statement of account against our open items.

:func:`reconcile` returns the three result tables of CONTRACT §4 (``breaks``,
``gl_tieout``, ``rollforward``) plus notes saying what could not be checked;
:func:`reconcile_statement` reconciles one customer's statement.  Pure functions: canonical
DataFrames in (or raw ones, validated first), DataFrames out; money is int minor units
(``df.attrs["money"]`` names the money columns for the writer).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..core.errors import InputError, InputErrors, UsageError
from ..io.validate import canonical, normalise_period
from .fx import rates_for
from .gl import TIEOUT_COLUMNS, tieout
from ..core.dates import period_bounds
from .register import BILLING_DOC_TYPES, BREAK_COLUMNS, BREAK_TYPES, find_breaks, posted_on
from .rollforward import ROLLFORWARD_COLUMNS, rollforward
from ..core.schema import STATEMENT
from .statement import StatementResult, reconcile_statement

__all__ = ["reconcile", "ReconResult", "reconcile_statement", "StatementResult", "STATEMENT", "BREAK_TYPES",
           "BREAK_COLUMNS", "TIEOUT_COLUMNS", "ROLLFORWARD_COLUMNS", "BILLING_DOC_TYPES"]


@dataclass(frozen=True)
class ReconResult:
    """``breaks``: one row per break (CONTRACT §4 columns, then ``currency``, ``normalised``,
    ``register_row``, ``ledger_row``); ``gl_tieout``: one row for the period; ``rollforward``:
    ``line, amount, source``; ``notes``: what could not be checked, in words."""
    breaks: pd.DataFrame
    gl_tieout: pd.DataFrame
    rollforward: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result files of ``xl-collections recon``: name -> table."""
        return {"breaks": self.breaks, "gl_tieout": self.gl_tieout, "rollforward": self.rollforward}


def check_period(period) -> str:
    """``'2026-10'`` (also ``Oct 2026``, ``2026/10``…); :class:`UsageError` when not a month."""
    p = normalise_period(str(period)) if period is not None else None
    if p is None:
        raise UsageError(f"period {period!r} is not a month: expected YYYY-MM such as 2026-10")
    return p


def _ledger_from_open_items(open_items: pd.DataFrame) -> pd.DataFrame:
    led = open_items[["document_no", "customer_id", "doc_type", "document_date", "amount", "currency", "source_row"]].copy()
    led["posting_date"] = pd.Series(pd.NaT, index=led.index, dtype="datetime64[ns]")
    led.attrs = dict(open_items.attrs)
    return led


def reconcile(open_items: pd.DataFrame, register: pd.DataFrame, *, ledger: pd.DataFrame | None = None,
              gl: pd.DataFrame | None = None, fx_rates: pd.DataFrame | None = None, period: str,
              reporting_currency: str = "USD", as_of=None) -> ReconResult:
    """Reconcile the invoice register against the AR sub-ledger for ``period`` (``YYYY-MM``),
    tie the sub-ledger to the GL control account and roll AR forward.

    ``ledger``: the sub-ledger documents posted in the period (open or cleared); without it
    (or when it is empty) the open items stand in and cleared documents cannot be checked
    (a note says so).  An empty ``gl`` is no GL.
    ``as_of``: the date of the open-item list and of the closing FX rates (default: the last
    day of the period).  Money in the results: int minor units (see the tables' docs)."""
    rc = reporting_currency
    period = check_period(period)
    first, last = period_bounds(period)
    as_of_day = last if as_of is None else pd.Timestamp(as_of).date()
    errors: list[InputError] = []
    tables = {}
    for name, df in (("open_items", open_items), ("register", register), ("ledger", ledger), ("gl", gl),
                     ("fx_rates", fx_rates)):
        if df is None:
            tables[name] = None
            continue
        try:
            tables[name] = canonical(df, name, reporting_currency=rc, file=f"<{name}>")
        except InputErrors as e:
            errors += e.errors
    if errors:
        raise InputErrors(errors)
    oi, reg, led, gl_, fx = (tables[k] for k in ("open_items", "register", "ledger", "gl", "fx_rates"))
    # an empty Ledger or GL sheet means "not given" (a workbook always has the sheets)
    led = led if led is not None and len(led) else None
    gl_ = gl_ if gl_ is not None and len(gl_) else None
    notes: list[str] = []
    stand_in = led is None
    if stand_in:
        led = _ledger_from_open_items(oi)
        notes.append("no ledger given: the open items stand in; cleared documents could not be checked")
    currencies = set(pd.unique(oi["currency"])) | set(pd.unique(reg["currency"])) | set(pd.unique(led["currency"]))
    if gl_ is not None:
        currencies |= set(pd.unique(gl_["currency"]))
    # the tie-out and the roll-forward need every rate; the break list works with what there is
    rates = rates_for(fx, currencies, as_of_day, rc, strict=gl_ is not None and (gl_["period"] == period).any())
    missing = sorted(c for c in currencies if c not in rates and c != rc)
    if missing:
        notes.append(f"no FX rate for {', '.join(missing)}: totals in {rc} that need it are left blank")

    breaks, effect, effect_ok, break_notes = find_breaks(reg, led, period=period, rates=rates,
                                                         reporting_currency=rc, stand_in=stand_in, open_items=oi)
    notes += break_notes
    explained = int(effect[effect_ok].sum())
    if not effect_ok.all():
        notes.append(f"{int((~effect_ok).sum())} break(s) could not be converted to {rc}: left out of 'explained'")
    tie, tie_notes = tieout(oi, gl_, period=period, rates=rates, reporting_currency=rc, explained=explained)
    notes += tie_notes
    when = posted_on(led)
    in_period = ((when >= pd.Timestamp(first)) & (when <= pd.Timestamp(last))).to_numpy(dtype=bool)
    roll, roll_notes = rollforward(oi, led, in_period, gl_, period=period, rates=rates, fx_rates=fx,
                                   reporting_currency=rc, stand_in=stand_in)
    notes += roll_notes
    for df in (breaks, tie, roll):
        df.attrs["period"] = period
    return ReconResult(breaks=breaks, gl_tieout=tie, rollforward=roll, notes=notes)
