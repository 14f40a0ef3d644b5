"""Payments from bank files: BAI2, SWIFT MT940, ISO 20022 camt.053 / camt.054.

:func:`read_bank_file` turns the credits of a bank statement (money received) into rows
of the canonical ``payments`` table; :func:`detect_format` says whether a file is one of
these bank formats, by its content, not its name.  CSV payment lists are plain tables and
go through the generic table reader.  One module per format (``bai2``, ``camt``, ``mt940``)
turns a file into :mod:`.records`; this module sniffs the format, checks the balances and
builds the payments table.

Money: ``amount`` is a positive int count of minor units of the row's ``currency``.  Returned
items (CONTRACT §2 "Returned items": a debit that undoes a payment received — camt ``RvslInd``
on a debit or ``RtrInf``, MT940 ``RC``, BAI2 type codes 552/555/557/558/566) are rows with
``record_type`` ``RETURN`` (their ``payment_id`` is the return id; ``original_ref``,
``reason_code`` and ``reason`` as the bank gives them), never skipped.  Other debits (money
paid out) are not payments: they are counted in ``summary`` and skipped.  A reversal of a debit
(camt ``RvslInd`` on a credit, MT940 ``RD``) is skipped with a warning.  Each statement's
opening balance + Σ entries (credits − debits) is checked against its closing balance; a
difference is a warning, never an error.  A file that cannot be read (not a bank file,
truncated, a malformed amount) raises :class:`~xl_collections.core.errors.InputErrors` naming
the file and line, and nothing is returned.

``payment_id`` is stable across re-reads of the same file: it is the bank's own reference
for the entry (camt AcctSvcrRef / NtryRef / EndToEndId, BAI2 bank / customer reference,
MT940 ``:61:`` bank reference), qualified when a file repeats it, and otherwise a hash of
the entry's content (account, date, amount, text).
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...core.errors import InputError, InputErrors
from ...core.money import format_amount
from ...core.schema import PAYMENTS
from .bai2 import read_bai2
from .camt import read_camt
from .mt940 import read_mt940
from .records import BankEntry, StatementInfo, _clean, join_text, to_date

FORMATS = ("bai2", "mt940", "camt053", "camt054")
_NO_REF = frozenset({"", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A", "NA", "0"})
STATEMENT_COLUMNS = ["statement_id", "account", "currency", "opening", "closing",
                     "entries_total", "credits", "debits", "reconciles", "source_row"]


@dataclass(frozen=True)
class BankStatementResult:
    """What :func:`read_bank_file` found.

    ``payments``: the canonical payments table (credits, then the returned items as rows with
    ``record_type`` ``RETURN``).  ``statements``: one row per
    statement with ``opening``/``closing``/``entries_total`` in signed minor units of its
    ``currency`` (``<NA>`` when not given) and ``reconciles`` (True/False, or <NA> when the
    file gives no balances to check).  ``warnings``: reconciliation differences, reversals
    and other oddities.  ``summary``: counts (credits, returns, debits_skipped — the other debits —,
    reversals_skipped, credits_skipped, statements; every entry is one of them),
    ``credit_totals`` and ``return_totals`` per currency in minor units."""
    payments: pd.DataFrame
    statements: pd.DataFrame
    warnings: list[InputError] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    format: str = ""


# ---------------------------------------------------------------- format sniffing

def _head(path: Path, size: int = 8192) -> str:
    with open(path, "rb") as fh:
        raw = fh.read(size)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("latin-1")


def sniff(text: str) -> str | None:
    """The bank format of a file's first few kilobytes of text, or None."""
    s = text.removeprefix("\xef\xbb\xbf").lstrip("\ufeff \t\r\n\x00\x01")
    if s.startswith("<") or s.startswith("<?xml"):
        head = s[:4000]
        if "BkToCstmrStmt" in head or "camt.053" in head:
            return "camt053"
        if "BkToCstmrDbtCdtNtfctn" in head or "camt.054" in head:
            return "camt054"
        return None
    first = s.split("\n", 1)[0].strip()
    if first.startswith("01,") and first.count(",") >= 4:
        return "bai2"
    lines = [ln.strip() for ln in s.splitlines()]
    if any(ln.startswith(":20:") for ln in lines) and any(
            ln.startswith((":60F:", ":60M:", ":61:", ":25:")) for ln in lines):
        return "mt940"
    return None


def detect_format(path: str | Path) -> str | None:
    """``"bai2"``, ``"mt940"``, ``"camt053"``, ``"camt054"`` or None, by content sniffing."""
    p = Path(path)
    try:
        return sniff(_head(p))
    except (OSError, IsADirectoryError):
        return None


def is_bank_file(path: str | Path) -> bool:
    """True when :func:`detect_format` recognises ``path``."""
    return detect_format(path) is not None


# ---------------------------------------------------------------- reading

def read_bank_file(path: str | Path, *, reporting_currency: str = "USD",
                   file_label: str | None = None) -> BankStatementResult:
    """Read a BAI2 / MT940 / camt.053 / camt.054 file into payments.

    ``reporting_currency`` is the currency assumed where the file names none (BAI2 without
    currency codes).  ``file_label`` is the name used in messages (default: the file name).
    Raises :class:`InputErrors` when the file is not a bank file or cannot be read."""
    p = Path(path)
    label = file_label or p.name
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputErrors([InputError(f"cannot read the file: {e.strerror or e}", table="payments", file=label)]) from None
    fmt = sniff(data[:8192].decode("latin-1"))
    if fmt is None:
        raise InputErrors([InputError("not a bank file", table="payments", file=label, row=1,
                                      expected="BAI2, SWIFT MT940, ISO 20022 camt.053 or camt.054")])
    if fmt == "bai2":
        entries, statements, warnings = read_bai2(data, label, default_currency=reporting_currency)
    elif fmt == "mt940":
        entries, statements, warnings = read_mt940(data, label)
    else:
        entries, statements, warnings = read_camt(data, label)
    return assemble(entries, statements, warnings, label, fmt)


def assemble(entries: list[BankEntry], statements: list[StatementInfo], warnings: list[InputError],
             label: str, fmt: str) -> BankStatementResult:
    """Reader output -> result: balance check, returns, payment ids, the payments table."""
    warnings = list(warnings)
    st_rows = _check_statements(entries, statements, warnings, label)
    credits: list[BankEntry] = []
    returns: list[BankEntry] = []
    debits = reversals = unpayable = 0
    for e in entries:
        if e.is_return:
            if e.payable:
                returns.append(e)
            else:
                unpayable += 1
        elif e.reversal:
            reversals += 1
            warnings.append(InputError(
                f"reversal entry skipped (credit of {format_amount(e.amount, e.currency)} {e.currency} undoing a "
                f"debit); it is not a payment", table="payments", file=label, row=e.line,
                value=e.refs[0] if e.refs else ""))
        elif e.credit and not e.payable:
            unpayable += 1
        elif e.credit:
            credits.append(e)
        else:
            debits += 1
    ids = assign_ids(credits)
    taken = set(ids)
    rids = [r if r not in taken else f"{r}-R" for r in assign_ids(returns)]
    payments = _payments_frame(credits + returns, ids + rids, label, n_credits=len(credits))
    totals: dict[str, int] = defaultdict(int)
    rtotals: dict[str, int] = defaultdict(int)
    for e in credits:
        totals[e.currency] += e.amount
    for e in returns:
        rtotals[e.currency] += e.amount
    summary = {"format": fmt, "statements": len(statements), "credits": len(credits), "returns": len(returns),
               "debits_skipped": debits, "reversals_skipped": reversals,
               "credits_skipped": unpayable,
               "credit_totals": dict(sorted(totals.items())), "return_totals": dict(sorted(rtotals.items()))}
    return BankStatementResult(payments=payments, statements=st_rows, warnings=warnings,
                               summary=summary, format=fmt)


def _check_statements(entries, statements, warnings, label) -> pd.DataFrame:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for e in entries:
        s = sums[e.statement]
        s[0] += e.amount if e.credit else -e.amount
        s[1 if e.credit else 2] += 1
    rows = []
    for st in statements:
        total, n_cr, n_dr = sums.get(st.statement_id, [0, 0, 0])
        ok = None
        if st.opening is not None and st.closing is not None:
            expected = st.opening + total
            ok = expected == st.closing
            if not ok:
                cur = st.currency
                warnings.append(InputError(
                    f"statement {st.statement_id} (account {st.account}) does not reconcile: "
                    f"opening {format_amount(st.opening, cur)} + entries {format_amount(total, cur)} "
                    f"= {format_amount(expected, cur)} {cur}, but the closing balance is "
                    f"{format_amount(st.closing, cur)}",
                    table="payments", file=label, row=st.line, value=format_amount(st.closing, cur),
                    expected=f"closing balance {format_amount(expected, cur)}"))
        rows.append({"statement_id": st.statement_id, "account": st.account, "currency": st.currency,
                     "opening": st.opening, "closing": st.closing, "entries_total": total,
                     "credits": n_cr, "debits": n_dr, "reconciles": ok, "source_row": st.line})
    df = pd.DataFrame(rows, columns=STATEMENT_COLUMNS)
    for c in ("opening", "closing", "entries_total"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    df["reconciles"] = pd.array(df["reconciles"].tolist(), dtype="boolean")
    df[["credits", "debits", "source_row"]] = df[["credits", "debits", "source_row"]].astype("int64")
    df.attrs["money"] = {c: "currency" for c in ("opening", "closing", "entries_total")}
    return df


# ---------------------------------------------------------------- payment ids

def _digest(*parts: object, n: int = 12) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n].upper()


def _content_key(e: BankEntry) -> tuple:
    return (e.account, e.currency, e.value_date.isoformat() if e.value_date else "", e.amount,
            e.payer_account, e.payer_name, e.reference)


def assign_ids(entries: list[BankEntry]) -> list[str]:
    """Stable unique ids, in the order of ``entries``.

    The first usable bank reference is the id.  Parts of a split batch entry share the
    entry's reference and get ``/1``, ``/2`` … by position.  A reference repeated by
    different entries is qualified by a hash of the entry's content; an entry without
    reference gets ``H`` + a content hash; identical entries are numbered ``-2``, ``-3`` …
    in file order."""
    base = [_first_ref(e) for e in entries]
    # split batches: several parts of one group share the group's reference
    group_pos: dict[str, int] = Counter()
    cand: list[str] = []
    for e, ref in zip(entries, base):
        if e.group:
            group_pos[e.group] += 1
            root = ref or "H" + _digest(e.group)
            cand.append(f"{root}/{group_pos[e.group]}")
        else:
            cand.append(ref or "H" + _digest(*_content_key(e)))
    counts = Counter(cand)
    out: list[str] = []
    for e, c in zip(entries, cand):
        if counts[c] > 1:
            c = f"{c}-{_digest(*_content_key(e), n=6)}"
        out.append(c)
    seen: Counter = Counter()
    final = []
    for c in out:
        seen[c] += 1
        final.append(c if seen[c] == 1 else f"{c}-{seen[c]}")
    return final


def _payments_frame(entries: list[BankEntry], ids: list[str], label: str, n_credits: int | None = None) -> pd.DataFrame:
    """The payments table of ``entries``: the first ``n_credits`` are payments, the rest returns."""
    n_credits = len(entries) if n_credits is None else n_credits
    kind = ["PAYMENT"] * n_credits + ["RETURN"] * (len(entries) - n_credits)
    cols = list(dict.fromkeys([*PAYMENTS.names, "bank_reference", "end_to_end_id", "source_row"]))
    text = lambda get: pd.Series([_clean(get(e)) for e in entries], dtype=object)     # noqa: E731
    df = pd.DataFrame({
        "payment_id": pd.Series(ids, dtype=object),
        "value_date": pd.Series(pd.to_datetime([e.value_date for e in entries]).astype("datetime64[ns]")
                                if entries else [], dtype="datetime64[ns]"),
        "amount": pd.Series([e.amount for e in entries], dtype="int64"),
        "currency": pd.Series([e.currency for e in entries], dtype=object),
        "payer_name": text(lambda e: e.payer_name),
        "payer_account": pd.Series([_clean(e.payer_account).replace(" ", "") for e in entries], dtype=object),
        "reference": text(lambda e: e.reference),
        "customer_id": pd.Series([""] * len(entries), dtype=object),
        "record_type": pd.Series(kind, dtype=object),
        "original_ref": text(lambda e: e.original_ref),
        "reason_code": text(lambda e: e.reason_code.upper()),
        "reason": text(lambda e: e.reason or ("reversal of a credit" if e.reversal and not e.credit else "")),
        "bank_reference": pd.Series([_first_ref(e) for e in entries], dtype=object),
        "end_to_end_id": text(lambda e: e.end_to_end),
        "source_row": pd.Series([e.line for e in entries], dtype="int64"),
    }, columns=cols)
    df.attrs["table"] = "payments"
    df.attrs["source"] = {"file": label, "sheet": ""}
    df.attrs["money"] = {"amount": "currency"}
    return df


def _first_ref(e: BankEntry) -> str:
    return next((r.strip() for r in e.refs if r and r.strip().upper() not in _NO_REF), "")


__all__ = ["BankEntry", "BankStatementResult", "StatementInfo", "FORMATS", "assemble", "assign_ids",
           "detect_format", "is_bank_file", "join_text", "read_bank_file", "sniff", "to_date"]
