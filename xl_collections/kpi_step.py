"""The close's ``kpis`` step: DSO, CEI, ADD and best-possible DSO from this close's aging,
laid out on ``KPIs``."""
from __future__ import annotations

from .aging_step import aging_result
from .close_sheets import kpis_output
from .close_state import DONE, CloseState, StepResult
from .kpi import receivables_kpis


def step_kpis(state: CloseState) -> StepResult:
    res = aging_result(state)
    k = receivables_kpis(res, state.tables.get("register"), state.tables.get("gl"), as_of=state.settings.as_of,
                         fx_rates=state.tables.get("fx_rates"))
    state.results["kpis"] = k
    out = kpis_output(k, state.settings)
    shown = [f"{r.kpi} {r.value}" for r in k.itertuples() if r.value is not None][:3]
    return StepResult("kpis", DONE, rows=int(k["value"].notna().sum()), message="; ".join(shown), outputs=[out])
