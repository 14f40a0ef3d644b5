"""``generate``: the whole demo book as canonical tables, plus the ground truth; ``write_csv``."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.write import write_csv as write_csv_file, write_table
from ..core.money import MINOR_UNITS, to_decimal
from ..core.schema import MONEY, TABLES
from ..core.settings import Settings
from ._common import canonical_table, convert_minor
from .activity import make_activity
from .allowance import make_loss_history
from .cash import make_payments
from .returns import plant_returns
from .collect import append_activity, make_collect
from .credit import make_credit
from .customers import credit_limits, make_customers
from .dunning import LETTERHEAD, dunning_history, letter_details
from .items import make_items
from .ledgers import make_fx, make_gl, period_postings, plant, rollforward_parts

TABLE_NAMES = ("open_items", "customers", "payments", "remittance", "register", "ledger", "gl", "activity", "fx_rates")
MONEY_COLUMNS = {
    "open_items": ["amount", "open_amount"], "customers": ["credit_limit", "open_orders"],
    "payments": ["amount"], "remittance": ["amount_paid", "discount_taken", "deduction_amount"],
    "register": ["amount"], "ledger": ["amount"],
    "gl": ["opening_balance", "debits", "credits", "closing_balance"], "activity": ["amount"], "fx_rates": [],
    "dunning_history": ["amount"],
}


@dataclass(frozen=True, eq=False)
class DemoBook:
    """A generated AR book.  The nine contract tables are canonical (as
    :func:`xl_collections.io.validate.validate` returns them); the rest is ground truth.

    ``truth``: which payment pays what (see :mod:`xl_collections.demo.cash`).
    ``planted``: the register/ledger breaks, one row each, ``tieout_effect`` their share of
    ``gl_tieout['difference']`` (see :mod:`xl_collections.demo.ledgers`).
    ``gl_tieout``: period, subledger_total, gl_balance, difference (= subledger - GL),
    explained, unexplained, in reporting-currency minor units.
    ``normalised_pairs``: register numbers that agree with the ledger only after
    normalisation (not breaks).  ``promises``: every promise to pay with its outcome
    (KEPT, BROKEN, PENDING)."""
    open_items: pd.DataFrame
    customers: pd.DataFrame
    payments: pd.DataFrame
    remittance: pd.DataFrame
    register: pd.DataFrame
    ledger: pd.DataFrame
    gl: pd.DataFrame
    activity: pd.DataFrame
    fx_rates: pd.DataFrame
    truth: pd.DataFrame
    planted: pd.DataFrame
    settings: Settings
    gl_tieout: dict = field(default_factory=dict)
    normalised_pairs: pd.DataFrame | None = None
    promises: pd.DataFrame | None = None
    params: dict = field(default_factory=dict)
    workflow: dict = field(default_factory=dict)   # credit & collections tables (financials, orders, …) by name
    returns: pd.DataFrame | None = None            # returned items planted (payments rows, record_type RETURN)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The canonical input tables by contract name: the nine of the close, then the workflow's.
        ``payments`` holds the month's payments and, after them, the returned items (they arrive
        in the same bank files); the ``payments`` attribute alone is the payments."""
        t = {**{name: getattr(self, name) for name in TABLE_NAMES}, **self.workflow}
        if self.returns is not None and len(self.returns):
            ret = self.returns
            if "source_row" in ret and "source_row" in self.payments:     # the rows below the payments in one file
                ret = ret.assign(source_row=ret["source_row"] + len(self.payments))
            both = pd.concat([self.payments, ret], ignore_index=True)
            both.attrs = dict(self.payments.attrs)
            t["payments"] = both
        return t

    @property
    def dunning_history(self) -> pd.DataFrame | None:
        """Letters sent before the as-of date (the ``Dunning History`` sheet's rows)."""
        return self.workflow.get("dunning_history")

    @property
    def period(self) -> str:
        return self.gl_tieout["period"]


def generate(*, customers: int | None = None, items: int = 3000, seed: int = 7,
             as_of: dt.date = dt.date(2026, 10, 31), reporting_currency: str = "USD",
             payments: int | None = None, breaks_per_type: int = 3) -> DemoBook:
    """Generate a deterministic AR book of ``items`` open items (100 … 1,000,000).

    ``customers`` defaults to ``items // 30`` (at least 10), ``payments`` to ``items // 10``
    (at least 10); ``breaks_per_type`` planted register/ledger breaks of each type (fewer
    when the period is too small).  Same arguments, same book."""
    if items < 20:
        raise ValueError("items must be at least 20")
    if customers is not None and customers < 2:
        raise ValueError("customers must be at least 2")
    if payments is not None and payments < 0:
        raise ValueError("payments must not be negative")
    rep = reporting_currency.upper()
    n_c = customers if customers is not None else max(10, items // 30)
    n_p = payments if payments is not None else max(10, items // 10)
    rng = np.random.default_rng(seed)
    cust = make_customers(rng, n_c)
    fx_raw, rates = make_fx(rng, as_of, rep)
    allitems = make_items(rng, cust, items + breaks_per_type, as_of)
    register, ledger, planted, pairs, removed, involved = plant(
        rng, allitems, cust, as_of=as_of, reporting=rep, rates=rates, per_type=breaks_per_type)
    is_open = ~allitems["cleared"].to_numpy()
    is_open[removed] = False
    surplus = int(is_open.sum()) - items
    if surplus > 0:                           # keep exactly `items` open items
        doc = allitems["document_date"].to_numpy().astype("datetime64[D]")
        spare = np.flatnonzero(is_open & ~allitems["document_no"].isin(involved).to_numpy()
                               & (doc < np.datetime64(as_of.replace(day=1), "D")))
        is_open[rng.choice(spare, size=min(surplus, len(spare)), replace=False)] = False
    oi = allitems[is_open].reset_index(drop=True)
    cleared = allitems[allitems["cleared"].to_numpy()].reset_index(drop=True)
    pay_raw, rem_raw, truth, paid = make_payments(rng, oi, cust, n_payments=n_p, as_of=as_of, reporting=rep,
                                                  rates=rates, exclude=involved)
    act_raw, promises, kept = make_activity(rng, oi, cust, cleared, truth, pay_raw, paid, as_of=as_of)
    if kept:
        oi.loc[kept, "status"] = "PROMISED"
    more_act, more_promises = make_collect(seed, oi, cust, pay_raw, truth, act_raw, as_of=as_of, reporting=rep)
    act_raw, promises = append_activity(act_raw, more_act), pd.concat([promises, more_promises], ignore_index=True)

    # exposure, credit limits, tie-out, GL
    open_rep = convert_minor(oi["open_amount"].to_numpy(), oi["currency"].to_numpy(), rates, rep)
    exposure = np.bincount(oi["ci"].to_numpy(), weights=open_rep, minlength=n_c)
    cust = cust.assign(credit_limit=credit_limits(rng, exposure))
    subledger = int(open_rep.sum())
    explained = int(planted["tieout_effect"].sum())
    unexplained = int(rng.integers(10_000, 500_000)) * (1 if rng.random() < 0.5 else -1)
    gl_balance = subledger - explained - unexplained
    reg_amt = np.asarray(register["amount"])
    pos = reg_amt > 0
    billed = int(convert_minor(reg_amt[pos], np.asarray(register["currency"])[pos], rates, rep).sum())
    # the sub-ledger's cash, deductions and write-offs of the period; the GL opens where the
    # roll-forward (opening + the period's postings + FX revaluation) leaves exactly the planted
    # unexplained difference to the sub-ledger
    others = period_postings(rng, oi, ledger, cust, as_of=as_of, reporting=rep, rates=rates,
                             first_seq=int(allitems["seq"].max()) + 1)
    ledger = {k: np.concatenate([np.asarray(ledger[k]), np.asarray(others[k])]) for k in ledger}
    by_post = np.lexsort((np.arange(len(ledger["amount"])), ledger["posting_date"]))
    ledger = {k: v[by_post] for k, v in ledger.items()}
    movements, fx_reval = rollforward_parts(oi, ledger, fx_raw, as_of=as_of, reporting=rep, rates=rates)
    gl_raw = make_gl(rng, as_of=as_of, reporting=rep, closing=gl_balance, billed=billed,
                     opening=subledger - unexplained - movements - fx_reval)
    period = gl_raw["period"][-1]
    tieout = {"period": period, "subledger_total": subledger, "gl_balance": gl_balance,
              "difference": subledger - gl_balance, "explained": explained, "unexplained": unexplained,
              "currency": rep}

    oi = oi.sort_values(["customer_id", "document_date", "document_no"], kind="stable").reset_index(drop=True)
    cols = ["customer_id", "document_no", "doc_type", "document_date", "due_date", "amount", "open_amount",
            "currency", "po_number", "reference", "reason_code", "status"]
    raw_oi = {c: (oi[c].to_numpy().astype("datetime64[D]") if c.endswith("_date") else oi[c].to_numpy()) for c in cols}
    ccols = ["customer_id", "customer_name", "credit_limit", "payment_terms", "collector", "region", "risk_class",
             "parent_id", "email", "phone", "bank_accounts", "open_orders", "address", "language", "dunning_block"]
    cust = pd.concat([cust, letter_details(seed, cust)], axis=1)
    t = {
        "open_items": canonical_table("open_items", raw_oi, rep),
        "customers": canonical_table("customers", {c: cust[c].to_numpy() for c in ccols}, rep),
        "payments": canonical_table("payments", pay_raw, rep),
        "remittance": canonical_table("remittance", rem_raw, rep),
        "register": canonical_table("register", register, rep),
        "ledger": canonical_table("ledger", ledger, rep),
        "gl": canonical_table("gl", gl_raw, rep),
        "activity": canonical_table("activity", act_raw, rep),
        "fx_rates": canonical_table("fx_rates", fx_raw, rep),
    }
    workflow = make_credit(seed, t["customers"], t["open_items"], as_of=as_of, reporting_currency=rep, rates=rates)
    history, write_offs, opening = make_loss_history(t, as_of, rep, seed)
    workflow = {**workflow, "write_offs": write_offs, "aging_history": history}
    truth = _object_text(truth.sort_values(["payment_id", "document_no"], kind="stable").reset_index(drop=True))
    truth.attrs["money"] = ["applied_amount", "discount_amount", "deduction_amount", "cash_amount"]
    planted, pairs, promises = _object_text(planted), _object_text(pairs), _object_text(promises)
    workflow["dunning_history"] = canonical_table("dunning_history", dunning_history(seed, t["open_items"], as_of), rep)
    returns = plant_returns(seed, t["payments"], truth, as_of=as_of, reporting_currency=rep,
                            orders=workflow.get("orders"))
    return DemoBook(**t, truth=truth, planted=planted, returns=returns, settings=Settings(as_of=as_of, reporting_currency=rep,
                                                                         allowance_opening=opening, **LETTERHEAD),
                    gl_tieout=tieout, normalised_pairs=pairs, promises=promises, workflow=workflow,
                    params={"customers": n_c, "items": items, "seed": seed, "as_of": as_of,
                            "reporting_currency": rep, "payments": n_p, "breaks_per_type": breaks_per_type})


def _object_text(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object columns, like the canonical tables (pandas 3 infers ``str``)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col].dtype) and out[col].dtype != object:
            out[col] = out[col].astype(object)
    out.attrs = dict(df.attrs)
    return out


def _format(minor: pd.Series, currency: pd.Series) -> pd.Series:
    """Minor units -> decimal text of each row's currency (``-1234.50``; "" for blank),
    vectorised; the same text as ``str(money.to_decimal(minor, currency))``."""
    minor = pd.Series(minor).reset_index(drop=True)
    na = minor.isna().to_numpy()
    ints = minor.to_numpy(dtype="int64", na_value=0) if minor.dtype != object else np.array(
        [0 if pd.isna(v) else int(v) for v in minor], dtype=np.int64)
    exps = pd.Series(np.asarray(currency, dtype=object)).map(MINOR_UNITS).to_numpy(dtype=np.int64)
    out = np.empty(len(ints), dtype=object)
    a = np.abs(ints)
    for e in np.unique(exps):
        m = exps == e
        whole = pd.Series(a[m] // 10**int(e)).astype(str).to_numpy(dtype=object)
        if e:
            frac = pd.Series(a[m] % 10**int(e)).astype(str).str.zfill(int(e)).to_numpy(dtype=object)
            whole = whole + "." + frac
        out[m] = np.where(ints[m] < 0, "-" + whole, whole)
    out[na] = ""
    return pd.Series(out, dtype=object)


def _write(df: pd.DataFrame, path: Path, numbers=()) -> Path:
    """Write text columns as they are, through the program's one CSV writer; ``numbers``:
    the columns of money rendered as text."""
    return write_csv_file(df, path, numbers=numbers)


def csv_frame(df: pd.DataFrame, table_name: str, reporting_currency: str) -> pd.DataFrame:
    """A canonical table as the text its CSV holds: money as decimal text in the row's
    currency (the reporting currency when the table has no ``currency``), dates ISO, rates
    as written; the same as ``write_table`` renders with ``attrs['money']`` set."""
    out = df.drop(columns=["source_row"], errors="ignore").reset_index(drop=True)
    cur = out["currency"] if "currency" in out else pd.Series([reporting_currency] * len(out))
    data = {}
    for col in out.columns:
        s = out[col]
        if col in MONEY_COLUMNS.get(table_name, [c.name for c in TABLES[table_name].columns if c.kind == MONEY]):
            data[col] = _format(s, cur)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            data[col] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), "")
        elif s.dtype == object:
            data[col] = s.map(str) if table_name == "fx_rates" and col == "rate" else s
        else:
            data[col] = s
    return pd.DataFrame(data)


def write_csv(book: DemoBook, out_dir: str | os.PathLike) -> list[Path]:
    """One CSV per contract table (``open_items.csv`` …, contract headers, money as decimal
    text, dates ISO), plus ``truth.csv``, ``planted_breaks.csv`` and ``planted_gl.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rep = book.settings.reporting_currency
    paths = []
    for name, df in book.tables.items():
        paths.append(_write(csv_frame(df, name, rep), out / f"{name}.csv", MONEY_COLUMNS.get(name, ())))
    truth = book.truth.copy().reset_index(drop=True)
    for col in ("applied_amount", "discount_amount", "deduction_amount"):
        truth[col] = _format(truth[col], truth["currency"])
    truth["cash_amount"] = _format(truth["cash_amount"], truth["payment_currency"])
    truth.attrs = {}
    paths.append(_write(truth, out / "truth.csv", ("applied_amount", "discount_amount", "deduction_amount",
                                                   "cash_amount")))
    planted = book.planted.copy().reset_index(drop=True)
    for col in ("amount", "register_amount", "ledger_amount"):
        planted[col] = _format(planted[col], planted["currency"])
    planted["tieout_effect"] = _format(planted["tieout_effect"], pd.Series([rep] * len(planted)))
    planted.attrs = {}
    paths.append(_write(planted, out / "planted_breaks.csv", ("amount", "register_amount", "ledger_amount",
                                                             "tieout_effect")))
    g = book.gl_tieout
    gl = pd.DataFrame([{k: (to_decimal(v, rep) if isinstance(v, int) else v) for k, v in g.items()}])
    paths.append(write_table(gl, out / "planted_gl.csv"))
    return paths
