"""The month-end close over a collections workbook (live Excel or headless file).

``run_close(book, steps=…)`` reads the settings and every input table (all problems at
once: :class:`~xl_collections.errors.InputErrors`), then runs the steps in order:

    validate -> cashapp -> aging -> kpis -> recon -> commentary

Each step is a function ``state -> StepResult`` that fills ``state`` (the canonical inputs,
results of earlier steps) and hands back the sheets it writes as declarative
:class:`~xl_collections.book.SheetOutput` records (laid out by :mod:`xl_collections.close_sheets`
from plain data); ``run_close`` writes them, updates the
``Close`` checklist (one row per step: status, rows, amount, seconds, message) after every
step, and appends one ``Audit Log`` row per step run (time, user, step, sha256 of every
input table, counts and amounts).  A step that fails stops the close; the sheets of earlier
steps stay as written.  Money inside is integer minor units; ``StepResult.amount`` is in
minor units of the reporting currency (positive).

Cash already applied (``AUTO`` rows on the existing ``Cash App`` sheet) is handed to the cash
application as ``prior`` and is never applied again; the pro-forma aging ages the open
items net of every ``AUTO`` application, earlier runs' included.
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from . import schema
from .close_sheets import (DONE, FAILED, NOT_RUN, SKIPPED, STEP_TITLES, STEPS, _fmt_amount, _is_auto,  # noqa: F401
                           _row_currencies, aging_outputs, audit_log_rows, cash_outputs, close_sheet, kpis_output,
                           recon_output)
from .errors import InputError, InputErrors
from .money import MINOR_UNITS, parse_amount
from .settings import Settings, from_named_values

# STEPS, STEP_TITLES, STEP_SHEETS and the statuses (DONE, FAILED, ...) are the Close checklist's:
# defined in close_sheets with every sheet layout, imported (and re-exported) here
STEP_ALIASES = {"inputs": "validate", "cash": "cashapp", "cash_application": "cashapp", "apply_cash": "cashapp",
                "refresh_aging": "aging", "kpi": "kpis", "reconcile": "recon", "reconciliation": "recon",
                "write_commentary": "commentary"}


@dataclass
class StepResult:
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
    settings: Settings
    tables: dict[str, pd.DataFrame]
    fingerprints: dict[str, str]
    file: str = ""
    book: object = None
    prior_applications: pd.DataFrame | None = None
    last_cash_inputs: dict | None = None      # fingerprints of the run that made the Cash App sheet
    results: dict = field(default_factory=dict)
    steps: dict[str, StepResult] = field(default_factory=dict)


@dataclass
class CloseReport:
    state: CloseState
    run_id: str
    failed: StepResult | None = None

    @property
    def steps(self) -> list[StepResult]:
        return [s for s in self.state.steps.values()]


class StepFailed(Exception):
    """A step raised: the close stopped there (its message is on the Close sheet)."""

    def __init__(self, step: str, error: BaseException, report: "CloseReport | None" = None):
        self.step, self.error, self.report = step, error, report
        super().__init__(f"step {step!r} failed: {error}")


# ------------------------------------------------------------------ steps selection


def parse_steps(text: str | None) -> tuple[str, ...]:
    """``"aging,recon"`` -> ("validate", "aging", "recon") in close order; None: all."""
    if not text:
        return STEPS
    wanted = set()
    for part in str(text).replace(";", ",").split(","):
        p = part.strip().lower().replace("-", "_").replace(" ", "_")
        if not p:
            continue
        p = STEP_ALIASES.get(p, p)
        if p not in STEPS:
            raise ValueError(f"unknown step {part.strip()!r}: expected some of {', '.join(STEPS)}")
        wanted.add(p)
    wanted.add("validate")
    return tuple(s for s in STEPS if s in wanted)


# ------------------------------------------------------------------ reading inputs


def _grid_table(grid: pd.DataFrame, table_name: str, *, file: str, sheet: str, column_map, settings: Settings):
    """Raw sheet grid -> (canonical table, errors naming Excel rows)."""
    from .io.readers import table_from_grid
    return table_from_grid(grid, table_name, file=file, sheet=sheet, column_map=column_map,
                           reporting_currency=settings.reporting_currency, day_first=settings.day_first,
                           decimal_comma=settings.decimal_comma)


def _column_maps(book, file: str) -> tuple[dict[str, dict], list[InputError]]:
    """The ``Column Map`` sheet: ``{table: {source header: canonical column}}`` and its problems."""
    from dataclasses import replace

    from .io.readers import load_column_map
    sheet = next((s for s in book.sheet_names() if s.lower() == "column map"), None)
    if sheet is None:
        return {}, []
    grid = book.read_sheet(sheet)
    if grid.dropna(how="all").empty:
        return {}, []
    maps, errors = load_column_map(grid, sheet=sheet)
    return maps, [replace(e, file=file) for e in errors]


def settings_fingerprint(s: Settings) -> str:
    return hashlib.sha256(repr(s).encode()).hexdigest()


def fingerprint(df: pd.DataFrame, table_name: str) -> str:
    """sha256 of a canonical table's content (schema columns, in row order; not source_row)."""
    cols = [c for c in schema.TABLES[table_name].names if c in df.columns]
    h = hashlib.sha256(("|".join(cols) + "\n").encode())
    if len(df):
        text = df[cols].astype(str).to_csv(index=False, header=False, lineterminator="\n")
        h.update(text.encode())
    return h.hexdigest()


def read_inputs(book, *, as_of=None, base: Settings | None = None) -> tuple[Settings, dict, list[InputError]]:
    """Settings from the named cells and every input table of the workbook; all problems."""
    from .dates import DateError, parse_date

    file = book.path.name if getattr(book, "path", None) else ""
    named = {k: v for k, v in book.named_values().items() if "!" not in k}
    settings, errors = from_named_values(named, base, file=file)
    if as_of not in (None, ""):
        try:
            d = parse_date(as_of, day_first=settings.day_first)
            settings = settings.with_(as_of=d if isinstance(d, dt.date) else None)
        except (DateError, ValueError):
            errors.append(InputError("--as-of is not a date", "settings", file, "", None, "AsOfDate", str(as_of),
                                     "a date such as 2026-10-31"))
    if settings.as_of is None and not any(e.column == "AsOfDate" for e in errors):
        errors.append(InputError("the as-of date is blank", "settings", file, "Settings", None, "AsOfDate", "",
                                 "a date on Settings (named cell AsOfDate) or --as-of"))
    maps, map_errors = _column_maps(book, file)
    errors += map_errors
    sheets = {s.lower(): s for s in book.sheet_names()}
    tables: dict[str, pd.DataFrame] = {}
    for t in schema.BOOK_TABLES.values():
        sheet = sheets.get(t.sheet.lower())
        if sheet is None:
            if t.name == "open_items":
                errors.append(InputError("the Open Items sheet is missing", t.name, file, t.sheet, None, "", "",
                                         "a sheet 'Open Items' with the open-item list"))
            continue
        grid = book.read_sheet(sheet)
        if grid.dropna(how="all").shape[0] <= 1 and t.name != "open_items":
            continue    # only a header (or nothing): the table is not given
        df, errs = _grid_table(grid, t.name, file=file, sheet=sheet, column_map=maps.get(t.name), settings=settings)
        errors += errs
        if df is not None:
            tables[t.name] = df
    return settings, tables, errors


CASH_INPUTS = ("open_items", "payments", "customers", "remittance")


def last_cash_inputs(book) -> dict | None:
    """Input fingerprints of the last run whose cash application is done (Audit Log)."""
    if "audit log" not in {n.lower() for n in book.sheet_names()}:
        return None
    try:
        log = book.read_table("tblAuditLog")
    except Exception:  # noqa: BLE001 - an Audit Log without our table: no history
        return None
    if log is None or log.empty or "step" not in log.columns:
        return None
    done = log[(log["step"] == "cashapp") & (log["status"] == DONE)]
    if done.empty:
        return None
    last = done.iloc[-1]
    return {t: str(last.get(f"sha256_{t}") or "") for t in (*CASH_INPUTS, "settings")}


def prior_applications(book, settings: Settings) -> pd.DataFrame | None:
    """Applications already on the ``Cash App`` sheet (from earlier runs), money back to minor
    units of their ``currency`` column (else the reporting currency)."""
    if "cash app" not in {s.lower() for s in book.sheet_names()}:
        return None
    try:
        df = book.read_table("tblCashApp")
    except Exception:
        from .book.base import table_from_sheet
        df = table_from_sheet(book.read_sheet("Cash App"))
    if df is None or df.empty or "payment_id" not in df.columns:
        return None
    out = df.reset_index(drop=True)
    for c in ("payment_id", "document_no", "customer_id", "rule", "status", "currency"):
        if c in out.columns:
            out[c] = [("" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))) for v in out[c]]
    cur = _row_currencies(out, settings.reporting_currency)
    money = [c for c in ("applied_amount", "write_off_amount", "discount_amount", "deduction_amount") if c in out.columns]
    for c in money:
        out[c] = pd.array([parse_amount(v, k) if v not in (None, "") else 0 for v, k in zip(out[c], cur)], dtype="int64")
    if "confidence" in out.columns:
        out["confidence"] = [Decimal(str(v)) if v not in (None, "") else Decimal(0) for v in out["confidence"]]
    if "value_date" in out.columns:
        out["value_date"] = pd.to_datetime(out["value_date"], errors="coerce").astype("datetime64[ns]")
    out.attrs = {"money": money, "currency": settings.reporting_currency}
    return out


# ------------------------------------------------------------------ helpers


def _reporting_sum(df: pd.DataFrame | None, col: str, state: "CloseState") -> int:
    """Sum of a money column held in each row's ``currency``, in minor units of the
    reporting currency (per-row exact conversion at the as-of rates, then summed)."""
    if df is None or col not in df.columns or not len(df):
        return 0
    from .aging import convert_minor, pick_rates
    s = state.settings
    cur = _row_currencies(df, s.reporting_currency)
    rates = pick_rates(state.tables.get("fx_rates"), sorted(set(cur)), s.as_of, s.reporting_currency)
    to = MINOR_UNITS.get(s.reporting_currency, 2)
    total = 0
    for c, part in df[col].groupby(cur):
        total += int(convert_minor(part.to_numpy(dtype="int64"), rates[c], MINOR_UNITS.get(c, 2), to).sum())
    return total


# ------------------------------------------------------------------ step: validate


def step_validate(state: CloseState) -> StepResult:
    n = sum(len(df) for df in state.tables.values())
    given = ", ".join(f"{schema.TABLES[k].sheet} {len(v):,}" for k, v in state.tables.items())
    return StepResult("validate", DONE, rows=n, message=f"as of {state.settings.as_of}; {given}")


# ------------------------------------------------------------------ step: cash application


def net_of_prior(open_items: pd.DataFrame, prior: pd.DataFrame | None) -> pd.DataFrame:
    """Open items less what earlier runs' AUTO applications cleared from them (applied +
    discount + write-off + deduction, minor units of the item's currency)."""
    if prior is None or prior.empty or "status" not in prior.columns:
        return open_items
    auto = prior[_is_auto(prior)]
    if auto.empty:
        return open_items
    cleared = sum(auto[c] for c in ("applied_amount", "discount_amount", "write_off_amount", "deduction_amount")
                  if c in auto.columns)
    by_doc = cleared.groupby(auto["document_no"]).sum()
    out = open_items.copy()
    take = out["document_no"].map(by_doc).fillna(0).astype("int64")
    out["open_amount"] = (out["open_amount"] - take).astype("int64")
    out = out[out["open_amount"] != 0]
    out.attrs = dict(open_items.attrs)
    return out


def cash_prior(state: CloseState) -> pd.DataFrame | None:
    """The applications the cash engine must not repeat.  None when the Cash App sheet was
    made by a run on these very inputs (Audit Log fingerprints): then the application is
    recomputed whole — the same result, nothing applied twice — so a re-run gives identical
    sheets.  Otherwise the earlier AUTO rows: their payments are skipped and the open items
    are taken net of what they cleared."""
    prior = state.prior_applications
    if prior is None or prior.empty:
        return None
    last = state.last_cash_inputs
    now = {t: state.fingerprints.get(t, "") for t in CASH_INPUTS} | {"settings": settings_fingerprint(state.settings)}
    return None if last == now else prior


def cash_result(state: CloseState):
    """The cash application of this close (memoised; ``None`` without payments)."""
    if "cashapp" not in state.results:
        payments = state.tables.get("payments")
        if payments is None or payments.empty:
            return None
        from .cashapp import apply_cash
        prior = cash_prior(state)
        state.results["cash_prior"] = prior
        state.results["cashapp"] = apply_cash(
            net_of_prior(state.tables["open_items"], prior), payments,
            customers=state.tables.get("customers"), remittance=state.tables.get("remittance"),
            prior_applications=prior, settings=state.settings, fx_rates=state.tables.get("fx_rates"))
    return state.results["cashapp"]


def _merge_prior(prior: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Applications to show: earlier runs' AUTO rows the engine did not repeat, then this
    run's rows (the engine returns only new work for payments not applied before)."""
    if prior is None or prior.empty or "status" not in prior.columns:
        return new
    keep = prior[_is_auto(prior)]
    if len(new) and {"payment_id", "document_no"} <= set(new.columns):
        seen = set(zip(new["payment_id"].astype(str), new["document_no"].astype(str)))
        keep = keep[[(p, d) not in seen for p, d in zip(keep["payment_id"], keep["document_no"])]]
    if keep.empty:
        return new
    cols = list(new.columns) if len(new.columns) else list(keep.columns)
    keep = keep[[c for c in cols if c in keep.columns]]
    out = pd.concat([keep, new], ignore_index=True) if len(new) else keep.reset_index(drop=True)
    out.attrs = dict(new.attrs) or dict(prior.attrs)
    return out


def step_cashapp(state: CloseState) -> StepResult:
    payments = state.tables.get("payments")
    if payments is None or payments.empty:
        return StepResult("cashapp", SKIPPED, rows=0, message="no payments on the Payments sheet")
    res = cash_result(state)
    s = state.settings
    prior = state.results.get("cash_prior")
    apps = _merge_prior(prior, res.applications)
    apps.attrs.setdefault("currency", s.reporting_currency)
    unapplied = res.unapplied
    if len(unapplied) and "reason" in unapplied.columns:
        unapplied = unapplied[unapplied["reason"] != "ALREADY_APPLIED"].reset_index(drop=True)
        unapplied.attrs = dict(res.unapplied.attrs)
    outs = cash_outputs(apps, unapplied, res.exceptions, res.posting, res.deductions, s)
    new = res.applications
    is_auto = _is_auto(new) if "status" in new.columns else pd.Series(True, index=new.index)
    auto = new[is_auto]
    applied = _reporting_sum(auto, "applied_amount", state)
    prior_ids = set()
    if prior is not None and not prior.empty:
        prior_ids = set(prior.loc[_is_auto(prior), "payment_id"])
    n_new = int((~payments["payment_id"].isin(prior_ids)).sum())
    n_auto = int(auto["payment_id"].nunique()) if "payment_id" in auto.columns else 0
    rate = n_auto / n_new if n_new else 0.0
    state.results["cash_summary"] = {"applied": applied, "auto_payments": n_auto, "payments": n_new,
                                     "auto_rate": rate, "prior_payments": len(prior_ids),
                                     "review": int((~is_auto).sum()), "unapplied": len(unapplied),
                                     "exceptions": len(res.exceptions)}
    msg = (f"{n_auto:,} of {n_new:,} payments auto-applied ({rate:.0%}); {int((~is_auto).sum()):,} to review; "
           f"{len(unapplied):,} unapplied; {len(res.exceptions):,} exceptions"
           + (f"; {len(prior_ids):,} applied in earlier runs, not again" if prior_ids else ""))
    return StepResult("cashapp", DONE, rows=len(apps), amount=applied, message=msg, outputs=outs)


# ------------------------------------------------------------------ step: aging


def open_items_after(state: CloseState) -> pd.DataFrame:
    """The open items after cash application (this close's, with earlier runs' taken into
    account); the input open items when there is no cash to apply."""
    cash = cash_result(state)
    if cash is not None:
        return cash.open_items_after
    return net_of_prior(state.tables["open_items"], state.prior_applications)


def aging_result(state: CloseState):
    """The pro-forma aging (memoised: the KPIs and the commentary use it too)."""
    if "aging" not in state.results:
        from .aging import age
        s = state.settings
        state.results["aging"] = age(open_items_after(state), s.as_of, customers=state.tables.get("customers"),
                                     fx_rates=state.tables.get("fx_rates"), buckets=s.aging_buckets,
                                     basis=s.aging_basis, reporting_currency=s.reporting_currency)
    return state.results["aging"]


def step_aging(state: CloseState) -> StepResult:
    res = aging_result(state)
    tot = res.total
    cur = state.settings.reporting_currency
    msg = (f"total open {_fmt_amount(int(tot['total_open']), cur)}, past due {_fmt_amount(int(tot['past_due']), cur)}"
           f" ({len(res.summary) - 1:,} customers)")
    return StepResult("aging", DONE, rows=len(res.detail), amount=int(tot["total_open"]), message=msg,
                      outputs=aging_outputs(res, state.settings))


# ------------------------------------------------------------------ step: KPIs


def step_kpis(state: CloseState) -> StepResult:
    from .kpi import receivables_kpis
    res = aging_result(state)
    k = receivables_kpis(res, state.tables.get("register"), state.tables.get("gl"), as_of=state.settings.as_of,
                         fx_rates=state.tables.get("fx_rates"))
    state.results["kpis"] = k
    out = kpis_output(k, state.settings)
    shown = [f"{r.kpi} {r.value}" for r in k.itertuples() if r.value is not None][:3]
    return StepResult("kpis", DONE, rows=int(k["value"].notna().sum()), message="; ".join(shown), outputs=[out])


# ------------------------------------------------------------------ step: reconciliation


def _abs_differences(breaks: pd.DataFrame) -> pd.DataFrame:
    """The breaks with ``difference`` made absolute (minor units of each row's currency; blank: 0)."""
    return breaks.assign(difference=pd.to_numeric(breaks["difference"], errors="coerce").fillna(0).abs().astype("int64"))


def step_recon(state: CloseState) -> StepResult:
    register = state.tables.get("register")
    if register is None or register.empty:
        return StepResult("recon", SKIPPED, rows=0, message="no invoice register on the Register sheet")
    from .recon import reconcile
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
    by_type = {k: _reporting_sum(absd[absd["break_type"] == k], "difference", state)
               for k in dict.fromkeys(breaks["break_type"].astype(str))} if len(breaks) else {}
    out = recon_output(res, notes, s.reporting_currency, by_type)
    amt = _reporting_sum(absd, "difference", state)
    kinds = breaks["break_type"].value_counts().to_dict()
    msg = f"{len(breaks):,} breaks" + (": " + ", ".join(f"{k} {v:,}" for k, v in kinds.items()) if kinds else "")
    tie = res.gl_tieout
    if len(tie) and "unexplained" in tie.columns and pd.notna(tie["unexplained"].iloc[-1]):
        msg = f"GL unexplained {_fmt_amount(int(tie['unexplained'].iloc[-1]), s.reporting_currency)}; " + msg
    return StepResult("recon", DONE, rows=len(breaks), amount=amt, message=msg, outputs=[out])


# ------------------------------------------------------------------ step: commentary


def step_commentary(state: CloseState) -> StepResult:
    """The ``Commentary`` (and ``Aging History``) sheets: written by
    :func:`xl_collections.commentary_sheet.write_commentary`, which keeps edited comments."""
    from .commentary_sheet import COMMENTARY_SHEET, HISTORY_SHEET, write_commentary
    s = state.settings
    res = aging_result(state)
    counts = write_commentary(state.book, res, as_of=s.as_of, threshold=s.commentary_threshold,
                              customers=state.tables.get("customers"), activity=state.tables.get("activity"),
                              payments=state.tables.get("payments"), kpis=state.results.get("kpis"),
                              currency=s.reporting_currency)
    msg = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items() if k != "past_due")
    return StepResult("commentary", DONE, rows=int(counts.get("rows", 0)), amount=counts.get("past_due"),
                      message=msg, sheets=(COMMENTARY_SHEET, HISTORY_SHEET))


STEP_FUNCTIONS = {"validate": step_validate, "cashapp": step_cashapp, "aging": step_aging, "kpis": step_kpis,
                  "recon": step_recon, "commentary": step_commentary}


# ------------------------------------------------------------------ the audit log and the close


def audit_rows(report: "CloseReport", *, user: str, now: dt.datetime) -> pd.DataFrame:
    """The ``Audit Log`` rows of this run (:func:`~xl_collections.close_sheets.audit_log_rows`)."""
    st = report.state
    return audit_log_rows(st.steps.values(), run_id=report.run_id, fingerprints=st.fingerprints,
                          settings_sha256=settings_fingerprint(st.settings), currency=st.settings.reporting_currency,
                          user=user, now=now)


def run_close(book, *, steps=None, as_of=None, now: dt.datetime | None = None, user: str | None = None,
              on_refused=None) -> CloseReport:
    """Run the selected steps (``parse_steps``; validate always runs) on ``book`` (a
    :class:`~xl_collections.book.Workbook`).  Raises :class:`InputErrors` when the inputs are
    refused (nothing written; ``on_refused(problems, settings)`` is called first, so a live
    workbook can show them) and :class:`StepFailed` when a step raised (its sheets and the
    checklist say so).  The caller saves a headless book."""
    from .book import OwnedSheetsOnly

    book = book if isinstance(book, OwnedSheetsOnly) else OwnedSheetsOnly(book)
    wanted = parse_steps(steps) if isinstance(steps, str) or steps is None else parse_steps(",".join(steps))
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    user = user or _user()
    run_id = now.strftime("%Y%m%dT%H%M%S")
    book.status("Close: reading inputs…")
    t0 = time.perf_counter()
    settings, tables, problems = read_inputs(book, as_of=as_of)
    if problems:
        if on_refused is not None:
            on_refused(problems, settings)
        raise InputErrors(problems)
    fps = {k: fingerprint(v, k) for k, v in tables.items()}
    state = CloseState(settings, tables, fps, file=book.path.name if getattr(book, "path", None) else "", book=book)
    state.prior_applications = prior_applications(book, settings)
    state.last_cash_inputs = last_cash_inputs(book) if state.prior_applications is not None else None
    report = CloseReport(state, run_id)
    for i, s in enumerate(wanted, 1):
        book.status(f"Close step {i}/{len(wanted)}: {STEP_TITLES[s]}…")
        start = t0 if i == 1 else time.perf_counter()     # the first step's time includes reading the inputs
        try:
            res = STEP_FUNCTIONS[s](state)
            for out in res.outputs:
                book.write_sheet(out)
        except InputErrors:
            raise
        except Exception as e:  # noqa: BLE001 - a failing step is reported on the Close sheet
            res = StepResult(s, FAILED, message=f"{type(e).__name__}: {e}")
            res.seconds = time.perf_counter() - start
            res.finished = now + dt.timedelta(seconds=time.perf_counter() - t0)
            state.steps[s] = res
            report.failed = res
            book.write_sheet(close_sheet(state.steps, settings))
            book.append_rows("Audit Log", audit_rows(report, user=user, now=now), table_name="tblAuditLog")
            raise StepFailed(s, e, report) from e
        res.seconds = time.perf_counter() - start
        res.finished = now + dt.timedelta(seconds=time.perf_counter() - t0)
        if res.outputs:
            res.sheets = tuple(o.name for o in res.outputs)
        res.outputs = []
        state.steps[s] = res
        book.status(f"Close step {i}/{len(wanted)}: {STEP_TITLES[s]} — {res.status} ({res.seconds:.1f} s)")
        book.write_sheet(close_sheet(state.steps, settings))
    book.append_rows("Audit Log", audit_rows(report, user=user, now=now), table_name="tblAuditLog")
    book.status("Close: done")
    return report


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001
        return ""


def summary_lines(report: CloseReport) -> list[str]:
    """One line per step, for the terminal."""
    cur = report.state.settings.reporting_currency
    out = []
    for r in report.steps:
        amt = f"  {_fmt_amount(r.amount, cur)}" if r.amount is not None else ""
        rows = f"  {r.rows:,} rows" if r.rows is not None else ""
        secs = f"  {r.seconds:.2f} s" if r.seconds is not None else ""
        out.append(f"{r.step:<11} {r.status:<13}{rows}{amt}{secs}  {r.message}".rstrip())
    return out


__all__ = ["STEPS", "StepResult", "CloseState", "CloseReport", "StepFailed", "run_close", "read_inputs",
           "parse_steps", "fingerprint", "close_sheet", "summary_lines", "prior_applications"]
