"""Register, ledger, GL and FX rates of the demo book, with the planted breaks.

The billing system's register and the AR sub-ledger list the same billing documents (INV,
DM, CM) of the as-of month — open ones and ones already cleared — and agree exactly except
for the planted breaks (and a few document numbers written differently in the register that
agree once case, punctuation and leading zeros are normalised: these are NOT breaks).  The
ledger also carries the month's cash receipts (PMT), deductions raised (DED) and write-offs
(ADJ) — see :func:`period_postings`; the register never holds those.

Roll-forward convention: the GL opens the as-of month at
``subledger_total - unexplained - movements - fx_revaluation`` (:func:`rollforward_parts`),
so the roll-forward (GL opening + the ledger's postings of the month + FX revaluation) leaves
exactly the planted ``unexplained`` difference to the sub-ledger.

GL tie-out convention (all in reporting-currency minor units at the as-of rates, each open
item converted on its own and rounded once, as :func:`xl_collections.core.money.convert` does)::

    subledger_total = sum of open_items.open_amount converted
    difference      = subledger_total - gl_balance = explained + unexplained
    explained       = sum of planted.tieout_effect

The GL is fed by the register (the billing interface), so a break moves the tie-out by what
the sub-ledger holds minus what the register posted:
MISSING_IN_LEDGER -register amount; MISSING_IN_REGISTER +ledger amount; AMOUNT_MISMATCH
and CURRENCY_MISMATCH ledger minus register (each converted in its own currency);
DUPLICATE_IN_REGISTER -register amount (the GL got it twice); CUSTOMER_MISMATCH,
PERIOD_MISMATCH, POSSIBLE_DUPLICATE_BILLING and DUPLICATE_IN_LEDGER (planted on documents
already cleared) 0.  Breaks are planted only on documents whose open amount is the full
amount, so these effects are exact.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._common import DAY, RATE_PLACES, RATE_SCALE, convert_minor, d64, month_end, month_start, rate_decimal
from .items import doc_numbers, due_dates

BREAK_TYPES = ("MISSING_IN_LEDGER", "MISSING_IN_REGISTER", "AMOUNT_MISMATCH", "CUSTOMER_MISMATCH",
               "PERIOD_MISMATCH", "CURRENCY_MISMATCH", "DUPLICATE_IN_REGISTER", "DUPLICATE_IN_LEDGER",
               "POSSIBLE_DUPLICATE_BILLING")
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73}
GL_ACCOUNT = "1200"
GL_MONTHS = 13


def make_fx(rng: np.random.Generator, as_of: dt.date, reporting: str):
    """FX rates (units of ``reporting`` per unit) at the last 13 month ends (and at the as-of
    date when it is not a month end), plus one undated row for the reporting currency itself
    (rate 1).  Returns ``(raw columns, {currency: rate x 10**6 at the as-of date})``."""
    asof = d64(as_of)
    ends = month_end((asof.astype("datetime64[M]") - np.arange(GL_MONTHS - 1, -1, -1)).astype("datetime64[D]"))
    ends = ends[ends <= asof]
    if ends[-1] != asof:
        ends = np.r_[ends, asof]
    walk = {c: v * np.exp(np.cumsum(rng.normal(0, 0.015, len(ends)))) for c, v in USD_PER_UNIT.items()}
    walk["USD"] = np.ones(len(ends))
    if reporting not in walk:
        raise ValueError(f"demo data supports reporting currencies {', '.join(USD_PER_UNIT)}, not {reporting!r}")
    cur, rate, date = [], [], []
    at_asof: dict[str, int] = {reporting: RATE_SCALE}
    for c in USD_PER_UNIT:
        if c == reporting:
            continue
        r = np.round(walk[c] / walk[reporting] * RATE_SCALE).astype(np.int64)
        cur += [c] * len(ends)
        rate += [rate_decimal(x) for x in r.tolist()]
        date.append(ends)
        at_asof[c] = int(r[-1])
    cur.append(reporting)
    rate.append(rate_decimal(RATE_SCALE))
    dates = np.r_[np.concatenate(date), np.array(["NaT"], dtype="datetime64[D]")]
    return {"currency": np.array(cur, dtype=object), "rate": np.array(rate, dtype=object), "date": dates}, at_asof


def _days(s: pd.Series) -> np.ndarray:
    return s.to_numpy().astype("datetime64[D]")


def _dedupe_period(items: pd.DataFrame, period: np.ndarray) -> None:
    """No accidental POSSIBLE_DUPLICATE_BILLING: within the period's billing documents, make
    (customer, date, amount) unique by adding a cent to later look-alikes (in place)."""
    while True:
        sub = items.loc[period, ["customer_id", "document_date", "amount"]]
        rank = sub.groupby(["customer_id", "document_date", "amount"], sort=False).cumcount().to_numpy()
        if not rank.any():
            return
        idx = sub.index[rank > 0]
        full = items.loc[idx, "open_amount"] == items.loc[idx, "amount"]
        step = np.where(items.loc[idx, "amount"] < 0, -1, 1) * rank[rank > 0]
        items.loc[idx, "amount"] += step
        items.loc[idx[full.to_numpy()], "open_amount"] = items.loc[idx[full.to_numpy()], "amount"]


def plant(rng: np.random.Generator, items: pd.DataFrame, cust: pd.DataFrame, *, as_of: dt.date,
          reporting: str, rates: dict[str, int], per_type: int):
    """Plant the breaks (changing ``items`` in place) and build register and ledger.

    Returns ``(register, ledger, planted, normalised_pairs, removed, involved)``: the first
    two as raw column dicts, ``removed`` the item indexes taken out of the open items
    (MISSING_IN_LEDGER: billed, never posted to the sub-ledger), ``involved`` the document
    numbers touched (kept out of the payments)."""
    asof = d64(as_of)
    p_start = month_start(np.array([asof]))[0]
    doc = _days(items["document_date"])
    period = (doc >= p_start) & (doc <= asof) & items["doc_type"].isin(["INV", "DM", "CM"]).to_numpy()
    _dedupe_period(items, period)
    amount = items["amount"].to_numpy()
    ok = (period & (items["doc_type"] == "INV").to_numpy() & (items["status"] == "OPEN").to_numpy()
          & (items["open_amount"].to_numpy() == amount) & (amount > 0))
    open_pool = [i for i in rng.permutation(np.flatnonzero(ok & ~items["cleared"].to_numpy())).tolist()]
    cleared_pool = rng.permutation(np.flatnonzero(ok & items["cleared"].to_numpy())).tolist()
    k = max(1, min(per_type, len(open_pool) // 14))
    used: set[int] = set()

    def take(pool, n, cond=None):
        got = []
        for i in pool:
            if len(got) == n:
                break
            if i in used or (cond is not None and not cond(i)):
                continue
            got.append(i)
            used.add(i)
        return got

    cur = items["currency"].to_numpy()
    numeric = items["numeric"].to_numpy()
    chosen = {t: [] for t in BREAK_TYPES}
    # possible duplicate billing first: needs two documents of one customer
    cid = items["customer_id"].to_numpy()
    by_cust: dict[str, list[int]] = {}
    for i in open_pool:
        by_cust.setdefault(cid[i], []).append(i)
    pairs = []
    for c, lst in by_cust.items():
        if len(pairs) == k:
            break
        if len(lst) >= 2:
            a, b = sorted(lst[:2], key=lambda j: items.at[j, "seq"])
            pairs.append((a, b))
            used.update((a, b))
    for t in BREAK_TYPES:
        if t == "POSSIBLE_DUPLICATE_BILLING":
            continue
        if t == "DUPLICATE_IN_LEDGER":
            chosen[t] = take(cleared_pool, k) or take(open_pool, k)
        elif t == "CURRENCY_MISMATCH":
            chosen[t] = take(open_pool, k, lambda i: cur[i] == reporting)
        else:
            chosen[t] = take(open_pool, k)
    # normalised pairs: one in three on a prefix-less (leading-zero) number when there is one
    norm_zero = take(open_pool, -(-k // 3), lambda i: bool(numeric[i]))
    norm_other = take(open_pool, k - len(norm_zero), lambda i: not bool(numeric[i]))   # case, punctuation
    norm_other += take(open_pool, k - len(norm_zero) - len(norm_other))

    other_cur = "EUR" if reporting != "EUR" else "USD"
    reg_doc = items["document_no"].to_numpy().copy()
    reg_cust = cid.copy()
    reg_amount = amount.copy()
    reg_cur = cur.copy()
    reg_date = doc.copy()
    led_date = doc.copy()
    rows = []

    def conv(minor, c):
        return int(convert_minor(np.array([minor]), np.array([c], dtype=object), rates, reporting)[0])

    for a, b in pairs:
        items.at[b, "document_date"] = items.at[a, "document_date"]
        items.at[b, "amount"] = items.at[b, "open_amount"] = int(amount[a])
        items.at[b, "due_date"] = due_dates(np.array([doc[a]]), np.array([items.at[b, "terms"]], dtype=object))[0]
        reg_date[b] = led_date[b] = doc[a]
        reg_amount[b] = amount[a]
        rows.append(("POSSIBLE_DUPLICATE_BILLING", b, amount[a], amount[a], amount[a], 0,
                     f"same customer, date and amount as {reg_doc[a]}"))
    for i in chosen["AMOUNT_MISMATCH"]:
        delta = int(rng.integers(100, 50_000)) * (1 if rng.random() < 0.5 else -1)
        if amount[i] + delta <= 0:
            delta = abs(delta)
        reg_amount[i] = amount[i] + delta
        rows.append(("AMOUNT_MISMATCH", i, reg_amount[i] - amount[i], reg_amount[i], amount[i],
                     conv(amount[i], cur[i]) - conv(reg_amount[i], cur[i]), "register amount differs"))
    for i in chosen["CUSTOMER_MISMATCH"]:
        j = int(rng.integers(0, len(cust) - 1))
        other = cust["customer_id"].iat[j if cust["customer_id"].iat[j] != cid[i] else len(cust) - 1]
        reg_cust[i] = other
        rows.append(("CUSTOMER_MISMATCH", i, amount[i], amount[i], amount[i], 0, f"register customer {other}"))
    for i in chosen["PERIOD_MISMATCH"]:
        prior = p_start - DAY
        items.at[i, "document_date"] = prior
        items.at[i, "due_date"] = due_dates(np.array([prior]), np.array([items.at[i, "terms"]], dtype=object))[0]
        led_date[i] = prior
        rows.append(("PERIOD_MISMATCH", i, amount[i], amount[i], amount[i], 0,
                     f"ledger dated {str(prior)}, register {str(doc[i])}"))
    for i in chosen["CURRENCY_MISMATCH"]:
        reg_cur[i] = other_cur
        rows.append(("CURRENCY_MISMATCH", i, amount[i], amount[i], amount[i],
                     conv(amount[i], cur[i]) - conv(amount[i], other_cur), f"register currency {other_cur}"))
    for i in chosen["MISSING_IN_LEDGER"]:
        rows.append(("MISSING_IN_LEDGER", i, amount[i], amount[i], None, -conv(amount[i], cur[i]), "billed, not posted"))
    for i in chosen["MISSING_IN_REGISTER"]:
        rows.append(("MISSING_IN_REGISTER", i, amount[i], None, amount[i], conv(amount[i], cur[i]), "posted, not billed"))
    for i in chosen["DUPLICATE_IN_REGISTER"]:
        rows.append(("DUPLICATE_IN_REGISTER", i, amount[i], amount[i], amount[i], -conv(amount[i], cur[i]), "twice in the register"))
    for i in chosen["DUPLICATE_IN_LEDGER"]:
        open_doc = not items.at[i, "cleared"]
        rows.append(("DUPLICATE_IN_LEDGER", i, amount[i], amount[i], amount[i], 0,
                     "twice in the ledger" + ("" if not open_doc else " (open once in open items)")))
    pairs_out = []
    for n, i in enumerate(norm_zero + norm_other):
        d = reg_doc[i]
        if numeric[i] and d.isdigit():
            v, how = d.lstrip("0"), "leading zeros"
        elif n % 2:
            v, how = d[:3] + "-" + d[3:], "punctuation"
        else:
            v, how = d.lower(), "case"
        reg_doc[i] = v
        pairs_out.append((v, items.at[i, "document_no"], cid[i], how))

    in_reg = period.copy()
    in_reg[chosen["MISSING_IN_REGISTER"]] = False
    in_led = period.copy()
    in_led[chosen["MISSING_IN_LEDGER"]] = False
    reg_idx = np.r_[np.flatnonzero(in_reg), np.array(chosen["DUPLICATE_IN_REGISTER"], dtype=np.int64)]
    led_idx = np.r_[np.flatnonzero(in_led), np.array(chosen["DUPLICATE_IN_LEDGER"], dtype=np.int64)]
    lag = rng.choice([0, 0, 0, 1, 2], size=len(items))
    post = np.minimum(led_date + lag * DAY, np.maximum(asof, led_date))
    post[chosen["PERIOD_MISMATCH"]] = led_date[chosen["PERIOD_MISMATCH"]]
    register = {"document_no": reg_doc[reg_idx], "customer_id": reg_cust[reg_idx], "document_date": reg_date[reg_idx],
                "amount": reg_amount[reg_idx], "currency": reg_cur[reg_idx]}
    ledger = {"document_no": items["document_no"].to_numpy()[led_idx], "customer_id": cid[led_idx],
              "doc_type": items["doc_type"].to_numpy()[led_idx], "document_date": led_date[led_idx],
              "posting_date": post[led_idx], "amount": items["amount"].to_numpy()[led_idx], "currency": cur[led_idx]}
    planted = pd.DataFrame({
        "break_type": [r[0] for r in rows],
        "document_no": [items.at[r[1], "document_no"] for r in rows],
        "customer_id": [cid[r[1]] for r in rows],
        "currency": [cur[r[1]] for r in rows],
        "amount": pd.array([int(r[2]) for r in rows], dtype="int64"),
        "register_amount": pd.array([None if r[3] is None else int(r[3]) for r in rows], dtype="Int64"),
        "ledger_amount": pd.array([None if r[4] is None else int(r[4]) for r in rows], dtype="Int64"),
        "tieout_effect": pd.array([int(r[5]) for r in rows], dtype="int64"),
        "detail": [r[6] for r in rows],
    })
    planted = planted.sort_values(["break_type", "document_no"], kind="stable").reset_index(drop=True)
    planted.attrs["money"] = ["amount", "register_amount", "ledger_amount"]
    pairs_df = pd.DataFrame(pairs_out, columns=["register_document_no", "ledger_document_no", "customer_id", "normalisation"])
    involved = set(items["document_no"].to_numpy()[sorted(used)].tolist())
    return register, ledger, planted, pairs_df, np.array(chosen["MISSING_IN_LEDGER"], dtype=np.int64), involved


def make_gl(rng: np.random.Generator, *, as_of: dt.date, reporting: str, closing: int, billed: int,
            opening: int | None = None):
    """Control account for the 13 months up to the as-of month.  The current month opens at
    ``opening`` (default: within 5 % of ``closing``), closes at ``closing`` and debits
    ``billed`` (the register's receivable documents converted); earlier months bill within
    10 % of that and open within 5 % of where they close; every month satisfies
    opening + debits - credits = closing, and opens where the last closed."""
    months = (d64(as_of).astype("datetime64[M]") - np.arange(GL_MONTHS - 1, -1, -1))
    n = len(months)
    close = np.zeros(n, dtype=np.int64)
    opening_ = np.zeros(n, dtype=np.int64)
    debit = np.zeros(n, dtype=np.int64)
    close[-1] = closing
    for j in range(n - 1, -1, -1):
        opening_[j] = opening if (j == n - 1 and opening is not None) else int(round(close[j] * rng.uniform(0.95, 1.05)))
        debit[j] = billed if j == n - 1 else int(round(billed * rng.uniform(0.9, 1.1)))
        if j:
            close[j - 1] = opening_[j]
    opening = opening_
    credit = opening + debit - close
    low = credit < 0
    debit[low] -= credit[low]
    credit[low] = 0
    return {"period": np.array([str(m) for m in months], dtype=object),
            "account": np.array([GL_ACCOUNT] * n, dtype=object),
            "opening_balance": opening, "debits": debit, "credits": credit, "closing_balance": close,
            "currency": np.array([reporting] * n, dtype=object)}


# ------------------------------------------------------------------ the period's other postings

POSTING_TYPES = ("PMT", "DED", "ADJ")     # ledger documents besides billing ones
CASH_PER_BILLING = (0.90, 1.05)          # the month's receipts per month's billings (reporting currency)
SHARE_OLD_PAYERS = 0.5                   # customers paying documents billed before the period
WRITE_OFFS_PER_CUSTOMER = 0.05           # small-balance write-offs of documents already cleared


def period_postings(rng: np.random.Generator, oi: pd.DataFrame, billing: dict, cust: pd.DataFrame, *,
                    as_of: dt.date, reporting: str, rates: dict[str, int], first_seq: int) -> dict:
    """The sub-ledger's non-billing postings of the as-of month, as raw ledger columns.

    Sign convention: every ledger amount is its effect on the AR balance (document currency).
    ``PMT`` cash receipts applied are negative, ``DED`` deductions raised (a short payment
    kept as its own receivable) positive, ``ADJ`` write-offs negative (small debit
    adjustments positive).  What is posted:

    * the open PMT (unapplied cash), DED and ADJ items dated in the period, as they are;
    * one receipt per customer and currency settling the period's billing postings that are
      no longer open (``billing`` rows absent from ``oi``, a cleared document posted twice
      settled twice) and the paid part of the period's partly paid open documents;
    * receipts for documents billed before the period (no longer in the data), so that the
      month's cash is ``CASH_PER_BILLING`` times its billings;
    * a few small write-offs of documents already cleared.
    Numbers continue the global sequence from ``first_seq``."""
    asof = d64(as_of)
    p_start = month_start(np.array([asof]))[0]
    span = int((asof - p_start) / DAY) + 1
    doc = oi["document_date"].to_numpy().astype("datetime64[D]")
    typ = oi["doc_type"].to_numpy(dtype=object)
    in_p = doc >= p_start
    parts = []

    def add(customer, dtype_, date, amount, currency, docno=None):
        parts.append({"document_no": docno, "customer_id": np.asarray(customer, dtype=object),
                      "doc_type": np.asarray(dtype_, dtype=object), "document_date": np.asarray(date, dtype="datetime64[D]"),
                      "amount": np.asarray(amount, dtype=np.int64), "currency": np.asarray(currency, dtype=object)})

    m = in_p & np.isin(typ, POSTING_TYPES)
    add(oi["customer_id"].to_numpy()[m], typ[m], doc[m], oi["amount"].to_numpy()[m], oi["currency"].to_numpy()[m],
        oi["document_no"].to_numpy()[m])
    # receipts settling the period's documents
    led_doc = np.asarray(billing["document_no"], dtype=object)
    gone = ~pd.Series(led_doc, dtype=object).isin(oi["document_no"].to_numpy(dtype=object)).to_numpy()
    settled = pd.DataFrame({"customer_id": np.asarray(billing["customer_id"], dtype=object)[gone],
                            "currency": np.asarray(billing["currency"], dtype=object)[gone],
                            "paid": np.asarray(billing["amount"], dtype=np.int64)[gone]})
    part = in_p & np.isin(typ, ("INV", "DM")) & (oi["open_amount"].to_numpy() != oi["amount"].to_numpy())
    settled = pd.concat([settled, pd.DataFrame({
        "customer_id": oi["customer_id"].to_numpy(dtype=object)[part], "currency": oi["currency"].to_numpy(dtype=object)[part],
        "paid": (oi["amount"].to_numpy() - oi["open_amount"].to_numpy())[part]})], ignore_index=True)
    rec = settled.groupby(["customer_id", "currency"], sort=True)["paid"].sum().reset_index()
    rec = rec[rec["paid"] > 0]          # credits settled against older documents move no cash
    add(rec["customer_id"], np.full(len(rec), "PMT", dtype=object), p_start + rng.integers(0, span, len(rec)) * DAY,
        -rec["paid"].to_numpy(dtype=np.int64), rec["currency"])
    # receipts for documents billed before the period
    bill_amt = np.asarray(billing["amount"], dtype=np.int64)
    bill_cur = np.asarray(billing["currency"], dtype=object)
    billed = int(convert_minor(bill_amt, bill_cur, rates, reporting).sum())
    so_far = sum(int(convert_minor(p["amount"], p["currency"], rates, reporting)[p["doc_type"] == "PMT"].sum()) for p in parts)
    old = -int(round(billed * rng.uniform(*CASH_PER_BILLING))) - so_far
    n_c = len(cust)
    k = max(1, int(round(n_c * SHARE_OLD_PAYERS)))
    who = rng.choice(n_c, size=k, replace=False, p=cust["weight"].to_numpy())
    share = rng.dirichlet(np.ones(k))
    if old < 0:
        cur = cust["currency"].to_numpy(dtype=object)[who]
        rate = np.array([rates[c] for c in cur], dtype=np.float64)
        minor = np.round(old * share * RATE_SCALE / rate).astype(np.int64)
        keep = minor < 0
        add(cust["customer_id"].to_numpy(dtype=object)[who][keep], np.full(int(keep.sum()), "PMT", dtype=object),
            p_start + rng.integers(0, span, int(keep.sum())) * DAY, minor[keep], cur[keep])
    # small-balance write-offs
    n_w = max(1, int(round(n_c * WRITE_OFFS_PER_CUSTOMER)))
    w = rng.choice(n_c, size=n_w, p=cust["weight"].to_numpy())
    add(cust["customer_id"].to_numpy(dtype=object)[w], np.full(n_w, "ADJ", dtype=object),
        p_start + rng.integers(0, span, n_w) * DAY, -np.round(np.clip(rng.lognormal(np.log(40.0), 0.8, n_w), 1, 500) * 100).astype(np.int64),
        cust["currency"].to_numpy(dtype=object)[w])

    out = {k: np.concatenate([p[k] for p in parts]) for k in ("customer_id", "doc_type", "document_date", "amount", "currency")}
    docno = np.empty(len(out["amount"]), dtype=object)
    given = np.concatenate([np.ones(len(parts[0]["amount"]), bool)] + [np.zeros(len(p["amount"]), bool) for p in parts[1:]])
    docno[given] = parts[0]["document_no"]
    new = np.flatnonzero(~given)
    order = new[np.lexsort((out["customer_id"][new].astype(str), out["document_date"][new]))]
    seq = first_seq + np.arange(len(order), dtype=np.int64)
    docno[order] = doc_numbers(seq, out["doc_type"][order], np.zeros(len(order), bool))
    out["document_no"] = docno
    out["posting_date"] = out["document_date"].copy()
    return out


def _rate_on(fx_raw: dict, currency: str, day: np.datetime64) -> int | None:
    """Rate x 10**6 of ``currency`` dated on or before ``day`` (the latest), else None."""
    cur = np.asarray(fx_raw["currency"], dtype=object)
    dates = np.asarray(fx_raw["date"], dtype="datetime64[D]")
    m = (cur == currency) & ~np.isnat(dates) & (dates <= day)
    if not m.any():
        return None
    i = np.flatnonzero(m)[np.argmax(dates[m])]
    return int(fx_raw["rate"][i].scaleb(RATE_PLACES))


def rollforward_parts(oi: pd.DataFrame, ledger: dict, fx_raw: dict, *, as_of: dt.date, reporting: str,
                      rates: dict[str, int]) -> tuple[int, int]:
    """``(movements, fx_revaluation)`` of the as-of month in reporting-currency minor units, as
    the roll-forward counts them: the ledger postings dated (posting date) in the period,
    each converted at the as-of rate; the opening foreign balances (open amount minus the
    period's postings, per currency) revalued from the rates of the day before the period to
    the as-of rates."""
    asof = d64(as_of)
    p_start = month_start(np.array([asof]))[0]
    post = np.asarray(ledger["posting_date"], dtype="datetime64[D]")
    inp = (post >= p_start) & (post <= month_end(np.array([asof]))[0])
    amt = np.asarray(ledger["amount"], dtype=np.int64)[inp]
    cur = np.asarray(ledger["currency"], dtype=object)[inp]
    movements = int(convert_minor(amt, cur, rates, reporting).sum())
    fx = 0
    foreign = sorted((set(oi["currency"]) | set(cur.tolist())) - {reporting})
    for c in foreign:
        r0 = _rate_on(fx_raw, c, p_start - DAY)
        if r0 is None or r0 == rates[c]:
            continue
        bal = int(oi.loc[oi["currency"] == c, "open_amount"].sum()) - int(amt[cur == c].sum())
        one = np.array([bal], dtype=np.int64)
        cc = np.array([c], dtype=object)
        fx += int(convert_minor(one, cc, rates, reporting)[0]) - int(convert_minor(one, cc, {**rates, c: r0}, reporting)[0])
    return movements, fx
