"""The allowance for doubtful accounts of one month-end: :func:`compute_allowance`.

A pure function of the tables, the settings and the as-of date (no files, no clock): it ages
the open items (or takes the close's aging), adds this month to the aging history, derives
roll rates and loss rates over the look-back (:mod:`.rolls`), reserves bankrupt and disputed
items (:mod:`.provision`), provides for the rest per bucket, and builds the movement, the
journal, the write-off proposals and the postings of approved write-offs (:mod:`.movement`,
:mod:`.proposals`).  Every amount is integer minor units of the reporting currency unless a
column says otherwise.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from ..ar.aging import AgingResult, age
from ..core.errors import InputError, InputErrors
from ..core.settings import Settings
from ..ar import aging_history as hist
from .movement import charge_for, journal, movement, postings
from .proposals import WRITTEN_OFF_COLUMNS, booked, empty_written_off, promised, proposals, record_approvals
from .provision import collective, specific_reserves
from .rolls import RollRates, roll_rates

LOSS_RATE_COLUMNS = ["bucket", "balance", "roll_rate", "loss_rate", "provision"]
SPECIFIC_COLUMNS = ["customer_id", "document_no", "open_amount", "reason", "pct", "reserve"]
PROPOSAL_COLUMNS = ["customer_id", "document_no", "open_amount", "days_past_due", "rule"]


@dataclass(frozen=True, eq=False)
class AllowanceResult:
    """What :func:`compute_allowance` returns.

    ``provision``: one row per bucket (``bucket, balance, roll_rate, loss_rate, provision`` and
    more); ``rolls``: the roll rates (table and monthly triangle); ``specific``: the reserved
    items; ``movement`` (``line, amount``) and ``journal`` (``account, debit, credit, memo``);
    ``proposals``: items proposed for write-off; ``booked``: items written off here but still
    open (the proposal columns and ``written_off``, the period); ``written_off``: every write-off the program
    recorded (earlier runs' and this run's approvals); ``postings``: this period's recorded
    write-offs as posting lines; ``history``: the aging history with this period's rows;
    ``balances``: period × bucket balances behind the roll rates; ``notes``: what a reader must
    know (short history, defaults used, capped rolls, opening taken as 0)."""
    period: str
    as_of: dt.date
    currency: str
    labels: tuple[str, ...]
    provision: pd.DataFrame
    rolls: RollRates
    specific: pd.DataFrame
    movement: pd.DataFrame
    journal: pd.DataFrame
    proposals: pd.DataFrame
    written_off: pd.DataFrame
    postings: pd.DataFrame
    history: pd.DataFrame
    balances: pd.DataFrame
    totals: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    booked: pd.DataFrame | None = None      # items written off here that are still open (not yet posted)

    @property
    def closing(self) -> int:
        return self.totals["closing"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result files of ``allowance --out DIR`` (CONTRACT §4), by file name without
        ``.csv``; ``writeoff_postings`` only when something was approved."""
        cur = self.currency
        out = {
            "loss_rates": _pick(self.provision, LOSS_RATE_COLUMNS, ["balance", "provision"], cur),
            "specific_reserves": _pick(self.specific, SPECIFIC_COLUMNS, ["open_amount", "reserve"], cur),
            "movement": self.movement,
            "journal": self.journal,
            "writeoff_proposals": _pick(self.proposals, PROPOSAL_COLUMNS, ["open_amount"], cur),
        }
        if len(self.postings):
            out["writeoff_postings"] = self.postings
        return out


RATE_PLACES = Decimal("0.000001")     # rates in the CSVs (the provision uses them unrounded)


def _pick(df: pd.DataFrame, cols: list[str], money: list[str], currency: str) -> pd.DataFrame:
    out = df[cols].copy()
    for c in ("roll_rate", "loss_rate", "pct"):
        if c in out.columns:
            out[c] = [v.quantize(RATE_PLACES) for v in out[c]]
    out.attrs = {"money": money, "currency": currency}
    return out


def _write_offs(user: pd.DataFrame | None, recorded: pd.DataFrame) -> pd.DataFrame:
    """The user's ``write_offs`` table and the program's recorded write-offs, a recorded one
    left out when the user's table already names its document."""
    parts = []
    named = set()
    if user is not None and len(user):
        parts.append(user[["period", "customer_id", "document_no", "amount"]])
        named = set(user.loc[user["document_no"] != "", "document_no"])
    if len(recorded):
        parts.append(recorded.loc[~recorded["document_no"].isin(named), ["period", "customer_id", "document_no", "amount"]])
    if not parts:
        return pd.DataFrame({"period": [], "customer_id": [], "document_no": [], "amount": pd.Series([], dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def compute_allowance(tables: dict, settings: Settings, as_of, *, aging: AgingResult | None = None,
                      opening: int | None = None, approvals: pd.DataFrame | None = None,
                      written_off: pd.DataFrame | None = None, history_with_period: bool = False
                      ) -> tuple[AllowanceResult | None, list[InputError]]:
    """The allowance at ``as_of`` (CONTRACT §6 "Allowance").

    ``tables``: canonical ``open_items`` (not needed when ``aging`` is given), and optionally
    ``aging_history``, ``write_offs``, ``customers``, ``activity``, ``fx_rates``.  ``aging``: the
    close's aging of the open items (by customer).  ``opening`` (minor units): the allowance at
    the start of the period; None takes ``AllowanceOpening``, else 0 (said in the notes).
    ``approvals``: the previous ``Write-off Proposals`` rows with the user's ``approve``,
    ``approver``, ``approved_on``; ``written_off``: the write-offs recorded by earlier runs;
    ``history_with_period``: ``tables["aging_history"]`` already holds this period's rows from
    ``aging`` (the close's :func:`~xl_collections.ar.aging_step.aging_history`), so it is used as it is.
    Returns ``(result, [])``, or ``(None, errors)`` when the inputs cannot be used."""
    s = settings
    cur = s.reporting_currency
    as_of = pd.Timestamp(as_of).date()
    if aging is None:
        try:
            aging = age(tables["open_items"], as_of, customers=tables.get("customers"), fx_rates=tables.get("fx_rates"),
                        buckets=s.aging_buckets, basis=s.aging_basis, reporting_currency=cur)
        except InputErrors as e:
            return None, list(e.errors)
    labels = tuple(aging.labels)
    period = hist.period_of(as_of)
    notes: list[str] = []

    if history_with_period:
        history = tables["aging_history"]
    else:
        history = hist.merge(tables.get("aging_history"), hist.snapshot(aging.detail, period, labels, cur), period,
                             labels, cur)
    usable, hnotes = hist.clean(history, labels)
    notes += hnotes
    bal = hist.balances(usable, labels)

    recorded = written_off if written_off is not None and len(written_off) else empty_written_off()
    recorded = recorded[list(WRITTEN_OFF_COLUMNS)]
    detail = aging.detail
    items = detail[hist.receivable(detail)]
    shield = promised(items, tables.get("activity"), as_of, s.promise_grace_days)
    open_items = items[~items["document_no"].isin(set(recorded["document_no"]))]
    prop_now = proposals(open_items, as_of, min_days=s.writeoff_min_days, small_balance=s.writeoff_small_balance,
                         shielded=shield[open_items.index], currency=cur)
    rules = dict(zip(prop_now["document_no"], prop_now["rule"]))
    new, anotes = record_approvals(approvals, open_items, recorded, period, rules)
    notes += anotes
    recorded = pd.concat([recorded, new], ignore_index=True) if len(new) else recorded.reset_index(drop=True)
    recorded.attrs = {"money": ["amount", "item_amount"], "currency": cur, "money_currency": {"amount": cur}}
    if len(new):
        gone = set(new["document_no"])
        prop_now = prop_now[~prop_now["document_no"].isin(gone)].reset_index(drop=True)
        prop_now.attrs = {"money": ["open_amount", "item_open_amount"], "currency": cur,
                          "money_currency": {"open_amount": cur}}
    still_open = booked(items, recorded, as_of, cur)
    base = items[~items["document_no"].isin(set(recorded["document_no"]))]
    if len(base) < len(items):
        n = len(items) - len(base)
        notes.append(f"{n:,} item{'s' if n > 1 else ''} written off (Write-off Proposals) but still open "
                     f"{'are' if n > 1 else 'is'} left out of the provision until the ledger posts "
                     f"{'them' if n > 1 else 'it'}")

    wo = _write_offs(tables.get("write_offs"), recorded)
    net = wo.groupby("period")["amount"].sum().astype("int64").to_dict() if len(wo) else {}
    rolls = roll_rates(bal, net, period, s.allowance_lookback_months, s.allowance_default_rolls)
    notes += list(rolls.notes)

    spec = specific_reserves(base, s.allowance_bankrupt_pct, s.allowance_disputed_pct)
    spec.attrs = {"money": ["open_amount", "reserve"], "currency": cur}
    coll_items = base[~base["document_no"].isin(set(spec["document_no"]))]
    prov = collective(coll_items, labels, rolls.table, s.allowance_forward_factor)
    prov.attrs = {"money": ["balance", "provision"], "currency": cur}
    if (prov["loss_rate"] * s.allowance_forward_factor > 1).any():
        notes.append("Loss rate × AllowanceForwardFactor above 100% for "
                     + ", ".join(prov.loc[prov["loss_rate"] * s.allowance_forward_factor > 1, "bucket"])
                     + ": provided at 100% of the balance")

    this = wo[wo["period"] == period]["amount"]
    write_offs, recoveries = int(this[this > 0].sum()), int(-this[this < 0].sum())
    if opening is None:
        opening = s.allowance_opening
    if opening is None:
        opening = 0
        notes.append("No opening allowance (no earlier period's closing, AllowanceOpening blank): taken as 0")
    total_coll, total_spec = int(prov["provision"].sum()), int(spec["reserve"].sum())
    closing = total_coll + total_spec
    charge = charge_for(opening, closing, write_offs, recoveries)
    mov = movement(opening, write_offs, recoveries, closing, cur)
    jour = journal(charge, expense_account=s.bad_debt_expense_account, allowance_account=s.allowance_account,
                   period=period, currency=cur)
    post = postings(recorded, period, as_of, ar_account=s.ar_account, allowance_account=s.allowance_account,
                    currency=cur)
    bal_out = bal.reset_index().rename(columns={"index": "period"})
    totals = {"collective": total_coll, "specific": total_spec, "closing": closing, "opening": opening,
              "write_offs": write_offs, "recoveries": recoveries, "charge": charge,
              "receivables": int(items["reporting_amount"].sum()), "proposals": len(prop_now),
              "approved": len(new)}
    return AllowanceResult(period, as_of, cur, labels, prov, rolls, spec, mov, jour, prop_now, recorded, post, history,
                           bal_out, totals, tuple(notes), booked=still_open), []
