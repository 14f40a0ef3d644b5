"""The close's ``kpis`` step: DSO, CEI, ADD and best-possible DSO from this close's aging,
laid out on ``KPIs``."""
from __future__ import annotations

import pandas as pd

from .aging_step import aging_result
from ..close.sheets import kpis_output
from ..close.state import DONE, CloseState, StepResult
from ..collect.promises import kept_kpi
from ..collect.step import close_promises
from .kpi import receivables_kpis


def _with_row(k: pd.DataFrame, row: dict) -> pd.DataFrame:
    out = pd.concat([k, pd.DataFrame([row], columns=k.columns)], ignore_index=True)
    out.attrs = dict(k.attrs)
    return out


def kpi_table(state: CloseState) -> pd.DataFrame:
    """The KPI table of this close (memoised: the dashboard shows its figures)."""
    if "kpis" not in state.results:
        res = aging_result(state)
        k = receivables_kpis(res, state.tables.get("register"), state.tables.get("gl"), as_of=state.settings.as_of,
                             fx_rates=state.tables.get("fx_rates"))
        state.results["kpis"] = _with_row(k, kept_kpi(close_promises(state)))   # promises kept % (CONTRACT §3 Dashboard)
    return state.results["kpis"]


def step_kpis(state: CloseState) -> StepResult:
    k = kpi_table(state)
    out = kpis_output(k, state.settings)
    shown = [f"{r.kpi} {r.value}" for r in k.itertuples() if r.value is not None][:3]
    return StepResult("kpis", DONE, rows=int(k["value"].notna().sum()), message="; ".join(shown), outputs=[out])
