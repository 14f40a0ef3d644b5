"""The close's ``recon`` step: register ↔ sub-ledger ↔ GL for the as-of month, laid out on
``Recon``.  ``StepResult.amount`` is the breaks' absolute difference in minor units of the
reporting currency.  Reads the open items as given (not after cash)."""
from __future__ import annotations

import pandas as pd

from ..close.sheets import recon_output
from ..close.state import DONE, SKIPPED, CloseState, StepResult, reporting_sum
from ..core.money import money_text
from . import reconcile


def _abs_differences(breaks: pd.DataFrame) -> pd.DataFrame:
    """The breaks with ``difference`` made absolute (minor units of each row's currency; blank: 0)."""
    return breaks.assign(difference=pd.to_numeric(breaks["difference"], errors="coerce").fillna(0).abs().astype("int64"))


def step_recon(state: CloseState) -> StepResult:
    register = state.tables.get("register")
    if register is None or register.empty:
        return StepResult("recon", SKIPPED, rows=0, message="no invoice register on the Register sheet")
    s = state.settings
    period = s.as_of.strftime("%Y-%m")
    res = reconcile(state.tables["open_items"], register, ledger=state.tables.get("ledger"),
                    gl=state.tables.get("gl"), period=period, fx_rates=state.tables.get("fx_rates"),
                    reporting_currency=s.reporting_currency, as_of=s.as_of)
    state.results["recon"] = res
    notes = [f"Reconciliation for {period}: register ↔ sub-ledger ↔ GL ({s.reporting_currency})",   # button at E1
             "Start with the breaks by type below: each says what to do.", *res.notes]
    breaks = res.breaks
    absd = _abs_differences(breaks)
    by_type = {k: reporting_sum(absd[absd["break_type"] == k], "difference", state)
               for k in dict.fromkeys(breaks["break_type"].astype(str))} if len(breaks) else {}
    out = recon_output(res, notes, s.reporting_currency, by_type)
    amt = reporting_sum(absd, "difference", state)
    kinds = breaks["break_type"].value_counts().to_dict()
    msg = f"{len(breaks):,} breaks" + (": " + ", ".join(f"{k} {v:,}" for k, v in kinds.items()) if kinds else "")
    tie = res.gl_tieout
    if len(tie) and "unexplained" in tie.columns and pd.notna(tie["unexplained"].iloc[-1]):
        msg = f"GL unexplained {money_text(int(tie['unexplained'].iloc[-1]), s.reporting_currency)}; " + msg
    return StepResult("recon", DONE, rows=len(breaks), amount=amt, message=msg, outputs=[out])
