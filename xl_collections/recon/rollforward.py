"""AR roll-forward of one period, every line with its source.

    opening AR + billings + credit memos + cash applied + write-offs + FX revaluation
      + other adjustments + unexplained difference = closing AR

Sign convention: a ledger ``amount`` is the document's effect on the AR balance, in its
currency — invoices and debit memos positive; credit memos, cash receipts applied (``PMT``)
and write-offs (``ADJ``) negative; deductions raised (``DED``: a short payment kept as its
own receivable) positive.  The lines add up these signed amounts as they are (nothing is
flipped); ledger documents of a type the sign convention expects negative but posted
positive (or the reverse for billings) are counted as posted and named in a note.

Lines, by ``doc_type``: billings ``INV``, ``DM``; credit memos ``CM``; cash applied
``PMT``; write-offs ``ADJ``; other adjustments ``DED`` and every other type.  Amounts are
int minor units of the reporting currency.  Opening AR is the GL's opening balance of the
period (else its closing balance of the month before); the movements are the ledger
documents posted in the period; closing AR is the sub-ledger total (open items).  The
unexplained difference is what is left: it is never forced to 0 — it is the difference
between the GL and the sub-ledger at the opening of the period, plus anything the ledger
did not post.

FX: movements and closing are converted at the closing rates; when ``fx_rates`` also has
a rate set dated before the period, the opening foreign balances (closing minus the
period's movements, per currency) are revalued from the opening to the closing rate.
Items are converted one by one, so conversion rounding can leave a few minor units in the
unexplained line when foreign items were partly settled.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..core.money import minor_unit
from ..core.fx import convert_minor
from .fx import rates_for, to_reporting
from .gl import gl_amount, gl_rows, subledger_total
from ..core.dates import period_bounds

ROLLFORWARD_COLUMNS = ["line", "amount", "source"]
MOVEMENT_LINES = (("billings", ("INV", "DM")), ("credit memos", ("CM",)), ("cash applied", ("PMT",)),
                  ("write-offs", ("ADJ",)), ("FX revaluation", ()), ("other adjustments", ("DED",)))
TYPE_WORDS = {"INV": "invoices", "DM": "debit memos", "CM": "credit memos", "PMT": "cash receipts",
              "ADJ": "write-offs/adjustments", "DED": "deductions raised"}
EXPECTED_SIGN = {"INV": 1, "DM": 1, "CM": -1, "PMT": -1}   # ADJ and DED go either way


def previous_period(period: str) -> str:
    y, m = map(int, period.split("-"))
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


def rollforward(open_items: pd.DataFrame, ledger: pd.DataFrame, in_period: np.ndarray, gl: pd.DataFrame | None, *,
                period: str, rates: dict, fx_rates: pd.DataFrame | None, reporting_currency: str,
                stand_in: bool) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    rc = reporting_currency
    lines: list[tuple[str, int | None, str]] = []
    rows = gl_rows(gl, period)
    opening = gl_amount(rows, "opening_balance", rates, rc)
    src = f"gl {period} opening_balance"
    if opening is None:
        prev = previous_period(period)
        opening = gl_amount(gl_rows(gl, prev), "closing_balance", rates, rc)
        src = f"gl {prev} closing_balance"
    if opening is None:
        src = "not known: no GL opening balance for the period nor closing balance for the month before"
        notes.append("roll-forward: opening AR not known, so the unexplained difference could not be computed")
    lines.append(("opening AR", opening, src))

    led = ledger[in_period]
    amounts, ok = to_reporting(led["amount"], led["currency"], rates, rc)
    doc_type = led["doc_type"] if "doc_type" in led else pd.Series("INV", index=led.index, dtype=object)
    type_code, type_names = pd.factorize(doc_type.to_numpy(dtype=object))
    present = set(type_names)
    what = "open items dated" if stand_in else "ledger documents posted"
    missing_fx = sorted(pd.unique(led["currency"].to_numpy(dtype=object)[~ok]))
    known = set()
    for name, types in MOVEMENT_LINES:
        if name == "FX revaluation":
            lines.append(_fx_revaluation(open_items, led, period, rates, fx_rates, rc))
            continue
        if name == "other adjustments":
            types = tuple(sorted(present - known)) or types
        known |= set(types)
        sel = np.isin(type_code, [k for k, t in enumerate(type_names) if t in types])
        words = [TYPE_WORDS[t] for t in types if t in TYPE_WORDS]
        lines.append((name, int(amounts[sel].sum()) if ok[sel].all() else None,
                      f"{int(sel.sum())} {what} in {period} with doc_type {', '.join(types)}"
                      + (f" ({', '.join(words)})" if words else "")))
    raw = led["amount"].to_numpy(dtype="int64")
    for t, sign in EXPECTED_SIGN.items():
        if t in present:
            wrong = int(((doc_type.to_numpy(dtype=object) == t) & (np.sign(raw) == -sign)).sum())
            if wrong:
                notes.append(f"roll-forward: {wrong} {t} document(s) in {period} are posted "
                             f"{'negative' if sign > 0 else 'positive'}; amounts are effects on AR "
                             f"({TYPE_WORDS[t]} {'positive' if sign > 0 else 'negative'}) and are counted as posted")
    if not stand_in and len(led) and "PMT" not in present:
        notes.append(f"roll-forward: the ledger has no cash (PMT) documents in {period}; cash applied could not be "
                     "listed and stays in the unexplained line")
    if missing_fx:
        notes.append(f"roll-forward: movements in {', '.join(missing_fx)} have no FX rate")
    if stand_in:
        notes.append("roll-forward: no ledger given, so the movements are the open items of the period only; "
                     "documents already cleared (and the cash that cleared them) are in the unexplained line")
    closing, _ = subledger_total(open_items, rates, rc)
    known_amounts = [a for _, a, _ in lines]
    unexplained = None if closing is None or any(a is None for a in known_amounts) else closing - sum(known_amounts)
    lines.append(("unexplained difference", unexplained, "closing AR minus every line above"))
    lines.append(("closing AR", closing, f"sub-ledger: {len(open_items)} open items (open_amount in {rc})"))
    df = pd.DataFrame({"line": pd.Series([l[0] for l in lines], dtype=object),
                       "amount": pd.array([l[1] for l in lines], dtype="Int64"),
                       "source": pd.Series([l[2] for l in lines], dtype=object)})
    df.attrs["money"] = ["amount"]
    df.attrs["currency"] = rc
    return df, notes


def _fx_revaluation(open_items, led, period, rates, fx_rates, rc) -> tuple[str, int | None, str]:
    name = "FX revaluation"
    foreign = sorted((set(pd.unique(open_items["currency"])) | set(pd.unique(led["currency"]))) - {rc})
    if not foreign:
        return name, 0, f"no items in a currency other than {rc}"
    if fx_rates is None or "date" not in fx_rates or not fx_rates["date"].notna().any():
        return name, 0, "one rate set given: opening balances, movements and closing at the same rates"
    opening_day = period_bounds(period)[0] - dt.timedelta(days=1)
    open_rates = rates_for(fx_rates, foreign, opening_day, rc, strict=False)
    total, used = 0, []
    for c in foreign:
        if c not in rates:
            return name, None, f"no closing rate for {c}"
        if c not in open_rates or open_rates[c] == rates[c]:
            continue
        bal = int(open_items.loc[open_items["currency"] == c, "open_amount"].sum()) - int(led.loc[led["currency"] == c, "amount"].sum())
        arr = np.array([bal], dtype="int64")
        delta = int(convert_minor(arr, rates[c], minor_unit(c), minor_unit(rc))[0]) - int(
            convert_minor(arr, open_rates[c], minor_unit(c), minor_unit(rc))[0])
        total += delta
        used.append(f"{c} {open_rates[c]} -> {rates[c]}")
    if not used:
        return name, 0, f"rates on {opening_day.isoformat()} equal the closing rates"
    return name, total, "opening foreign balances revalued from the rates of " + opening_day.isoformat() + ": " + "; ".join(used)
