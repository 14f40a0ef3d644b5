"""A customer's statement of account against our open items for that customer.

The ``statement`` table (read with the column map like any input): ``document_no``,
``document_date``, ``amount`` signed from OUR point of view (our invoices positive, their
payments and our credit notes negative) — or ``debit``/``credit`` columns, again from our
point of view (``amount = debit - credit``; when their export is their payables ledger,
map their *credit* column to our ``debit``) — ``reference``, ``type``, ``currency``.

Each statement line is paired with an open item by the document-number key (the same
normalisation as everywhere), else by the key of its ``reference``.  Every line of either
side lands in exactly one of: matched, amount difference, only on ours, only on theirs —
so per currency, ``their balance - our balance = amount differences + only theirs -
only ours`` holds exactly (checked in code).  Money: int minor units of ``currency``;
``difference`` = theirs minus ours.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.errors import InputError, InputErrors
from ..core.docno import document_keys
from ..io.readers import load_table
from ..io.validate import canonical as _canonical
from ..io.validate import validate as _validate_table
from ..core.money import format_amount

STATEMENT_COLUMNS = ["status", "document_no", "our_document_no", "their_document_no", "our_amount", "their_amount",
                     "difference", "currency", "hint", "our_row", "their_row"]
STATEMENT_MONEY = ["our_amount", "their_amount", "difference"]
BALANCE_COLUMNS = ["currency", "line", "amount", "count"]
PAYMENT_TYPES = ("PMT", "PAY", "PAYMENT", "RCPT", "RECEIPT", "CHK", "CHQ", "CHECK", "CHEQUE", "TRANSFER", "WIRE", "ACH",
                 "REMITTANCE", "ZAHLUNG", "BANK")


def validate_statement(raw: pd.DataFrame, **kwargs) -> tuple[pd.DataFrame, list[InputError]]:
    """:func:`xl_collections.io.validate.validate` for the statement table, plus its own rule:
    each line needs an amount (``amount``, or ``debit``/``credit``); ``amount`` is filled."""
    out, errors = _validate_table(raw, "statement", **kwargs)
    return finish_statement(out, errors, kwargs.get("file", ""), kwargs.get("sheet", ""))


def finish_statement(out: pd.DataFrame, errors: list[InputError], file: str = "", sheet: str = ""):
    if errors:
        return out, errors
    amt = out["amount"].astype("Int64")
    dr, cr = out["debit"].astype("Int64"), out["credit"].astype("Int64")
    from_dc = dr.fillna(0) - cr.fillna(0)
    has_dc = dr.notna() | cr.notna()
    missing = amt.isna() & ~has_dc
    for r in out.loc[missing.to_numpy(), "source_row"]:
        errors.append(InputError("statement line without an amount", "statement", file, sheet, int(r), "amount", "",
                                 "an amount (signed from our point of view) or debit/credit columns"))
    out["amount"] = amt.where(amt.notna(), from_dc).fillna(0).astype("int64")
    return out, errors


def read_statement(path, *, column_map=None, reporting_currency="USD", day_first=False, sheet=None) -> pd.DataFrame:
    """Read a statement file (CSV/Excel) into the canonical statement table; InputErrors on refusal."""
    out, errors = load_table(path, "statement", sheet=sheet, column_map=column_map,
                             reporting_currency=reporting_currency, day_first=day_first)
    src = out.attrs.get("source") or {}
    out, errors = finish_statement(out, list(errors), src.get("file", ""), src.get("sheet", ""))
    if errors:
        raise InputErrors(errors)
    return out


def canonical_statement(statement: pd.DataFrame, reporting_currency: str = "USD") -> pd.DataFrame:
    if statement.attrs.get("table") == "statement":
        return statement
    out, errors = validate_statement(statement, file="<statement>", reporting_currency=reporting_currency)
    if errors:
        raise InputErrors(errors)
    return out


@dataclass(frozen=True)
class StatementResult:
    """Tables of :data:`STATEMENT_COLUMNS` (``matched``, ``differences``, ``only_ours``,
    ``only_theirs``), the per-currency ``balance`` summary and ``notes``."""
    matched: pd.DataFrame
    differences: pd.DataFrame
    only_ours: pd.DataFrame
    only_theirs: pd.DataFrame
    balance: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result files of ``xl-collections statement-recon``: name -> table."""
        return {"matched": self.matched, "amount_differences": self.differences, "only_ours": self.only_ours,
                "only_theirs": self.only_theirs, "balance": self.balance}


def _keys(values) -> np.ndarray:
    return document_keys(pd.Series(values, dtype=object)).to_numpy(zero_copy_only=False).astype(object)


def reconcile_statement(open_items: pd.DataFrame, statement: pd.DataFrame, customer_id: str, *,
                        reporting_currency: str = "USD") -> StatementResult:
    """Reconcile ``customer_id``'s statement of account against our open items (module docstring)."""
    oi = _canonical(open_items, "open_items", reporting_currency=reporting_currency, file="<open_items>")
    st = canonical_statement(statement, reporting_currency)
    cid = str(customer_id).strip().upper()
    ours = oi[oi["customer_id"].astype(str).str.strip().str.upper() == cid].reset_index(drop=True)
    notes: list[str] = []
    if not len(ours):
        notes.append(f"customer {customer_id!r} has no open items")
    o_key, t_key = _keys(ours["document_no"]), _keys(st["document_no"])
    t_ref = _keys(st["reference"])
    o_cur, t_cur = ours["currency"].to_numpy(dtype=object), st["currency"].to_numpy(dtype=object)
    o_amt, t_amt = ours["open_amount"].to_numpy(dtype="int64"), st["amount"].to_numpy(dtype="int64")
    by_key: dict[tuple, int] = {}
    for i, (k, c) in enumerate(zip(o_key, o_cur)):
        if k:
            by_key.setdefault((k, c), i)
    partner = np.full(len(st), -1, dtype="int64")
    via_ref = np.zeros(len(st), dtype=bool)
    taken = np.zeros(len(ours), dtype=bool)
    for j in range(len(st)):          # by document number first, then by reference
        i = by_key.get((t_key[j], t_cur[j]), -1) if t_key[j] else -1
        if i >= 0 and not taken[i]:
            partner[j], taken[i] = i, True
    for j in np.flatnonzero(partner < 0):   # a payment that names an invoice is not that invoice
        i = by_key.get((t_ref[j], t_cur[j]), -1) if t_ref[j] else -1
        if i >= 0 and not taken[i] and np.sign(t_amt[j]) == np.sign(o_amt[i]):
            partner[j], taken[i], via_ref[j] = i, True, True
    st_type = st["type"].to_numpy(dtype=object)
    st_doc, st_ref = st["document_no"].to_numpy(dtype=object), st["reference"].to_numpy(dtype=object)
    o_doc = ours["document_no"].to_numpy(dtype=object)
    o_type = ours["doc_type"].to_numpy(dtype=object)
    open_by_amount: dict[tuple, list] = {}       # (amount, currency) -> (document_no, key) of our items
    for i in np.argsort(taken, kind="stable"):     # items not on their statement first
        open_by_amount.setdefault((int(o_amt[i]), o_cur[i]), []).append((o_doc[i], o_key[i]))

    recs = []
    for j in range(len(st)):
        i = partner[j]
        if i >= 0:
            diff = int(t_amt[j] - o_amt[i])
            how = f"paired by their reference {st_ref[j]!r}" if via_ref[j] else (
                "paired after normalising the number" if st_doc[j] != o_doc[i] else "")
            if diff == 0:
                recs.append(("MATCHED", o_doc[i], o_doc[i], st_doc[j], o_amt[i], t_amt[j], 0, o_cur[i], how, ours["source_row"][i], st["source_row"][j]))
            else:
                hint = _difference_hint(int(t_amt[j]), int(o_amt[i]), int(ours["amount"][i]), o_cur[i])
                recs.append(("AMOUNT_DIFFERENCE", o_doc[i], o_doc[i], st_doc[j], o_amt[i], t_amt[j], diff, o_cur[i],
                             "; ".join(h for h in (hint, how) if h), ours["source_row"][i], st["source_row"][j]))
        else:
            hint = _theirs_hint(int(t_amt[j]), st_type[j], t_cur[j], open_by_amount, t_ref[j])
            recs.append(("ONLY_THEIRS", st_doc[j] or st_ref[j], "", st_doc[j], None, t_amt[j], int(t_amt[j]), t_cur[j], hint,
                         None, st["source_row"][j]))
    for i in np.flatnonzero(~taken):
        hint = ("unapplied cash or a credit on our side: they may have netted it already" if o_amt[i] < 0 or o_type[i] in ("PMT", "CM")
                else "not on their statement: invoice not received, disputed, or paid and not yet applied by us")
        recs.append(("ONLY_OURS", o_doc[i], o_doc[i], "", o_amt[i], None, -int(o_amt[i]), o_cur[i], hint, ours["source_row"][i], None))
    lines = pd.DataFrame(recs, columns=STATEMENT_COLUMNS)
    for c in ("our_amount", "their_amount", "difference", "our_row", "their_row"):
        lines[c] = pd.array([None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v) for v in lines[c]], dtype="Int64")
    for c in ("status", "document_no", "our_document_no", "their_document_no", "currency", "hint"):
        lines[c] = lines[c].astype(object)

    def part(status):
        df = lines[lines["status"] == status].reset_index(drop=True)
        df.attrs.update({"money": list(STATEMENT_MONEY), "currency": reporting_currency, "customer_id": customer_id})
        return df

    balance = _balance(ours, st, lines, reporting_currency)
    return StatementResult(part("MATCHED"), part("AMOUNT_DIFFERENCE"), part("ONLY_OURS"), part("ONLY_THEIRS"),
                           balance, notes)


def _balance(ours, st, lines, rc) -> pd.DataFrame:
    rows = []
    currencies = sorted(set(ours["currency"]) | set(st["currency"])) or [rc]
    for c in currencies:
        o = ours.loc[ours["currency"] == c, "open_amount"]
        t = st.loc[st["currency"] == c, "amount"]
        sel = lines["currency"] == c
        parts = {s: lines.loc[sel & (lines["status"] == s), "difference"] for s in ("AMOUNT_DIFFERENCE", "ONLY_THEIRS", "ONLY_OURS")}
        ours_total, theirs_total = int(o.sum()), int(t.sum())
        diff = theirs_total - ours_total
        explained = sum(int(v.sum()) for v in parts.values())
        unexplained = diff - explained
        # every line is in exactly one group, so the difference is always fully explained
        assert unexplained == 0, f"statement balance identity broken in {c}: {diff} != {explained}"
        rows += [(c, "our balance (open items)", ours_total, len(o)),
                 (c, "their balance (statement)", theirs_total, len(t)),
                 (c, "difference (theirs - ours)", diff, None),
                 (c, "explained by amount differences", int(parts["AMOUNT_DIFFERENCE"].sum()), len(parts["AMOUNT_DIFFERENCE"])),
                 (c, "explained by items only on theirs", int(parts["ONLY_THEIRS"].sum()), len(parts["ONLY_THEIRS"])),
                 (c, "explained by items only on ours", int(parts["ONLY_OURS"].sum()), len(parts["ONLY_OURS"])),
                 (c, "unexplained", unexplained, None)]
    df = pd.DataFrame(rows, columns=BALANCE_COLUMNS)
    df["currency"] = df["currency"].astype(object)
    df["line"] = df["line"].astype(object)
    df["amount"] = df["amount"].astype("int64")
    df["count"] = pd.array(df["count"].tolist(), dtype="Int64")
    df.attrs.update({"money": ["amount"], "currency": rc})
    return df


def _difference_hint(theirs: int, ours_open: int, ours_original: int, cur: str) -> str:
    if theirs == ours_original and ours_open != ours_original:
        return (f"they show the original amount {format_amount(ours_original, cur)}; we have "
                f"{format_amount(ours_original - ours_open, cur)} already paid or credited")
    if 0 < theirs < ours_open:
        return "they show less: a deduction or short payment on their side?"
    if theirs > ours_open > 0:
        return "they show more: a payment or credit we applied that they have not booked?"
    return ""


def _theirs_hint(amount: int, typ: str, cur: str, open_by_amount: dict, ref_key: str = "") -> str:
    items = open_by_amount.get((-amount, cur), [])
    named = [d for d, key in items if ref_key and key == ref_key]
    same = named + [d for d, _ in items if d not in named]
    if amount < 0 and (typ in PAYMENT_TYPES or same or not typ):
        hint = "looks like a payment we have not applied"
        if same:
            hint += f" (equals open item {same[0]})"
        return hint
    if amount < 0:
        return "a credit on their side that we do not show open"
    return "a charge on their statement that we do not show open: cleared on our side, or not ours"
