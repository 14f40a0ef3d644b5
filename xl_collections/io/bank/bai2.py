"""BAI2 (Cash Management Balance Reporting, version 2) -> bank entries, with the ``bai2`` package.

The package checks the file's structure and its 49/98/99 control totals and record
counts.  Around it: every physical record is checked first (record code, a numeric amount
on each ``16`` detail) so that errors carry line numbers, and the ``03`` account records
are re-laid out before parsing because the package splits an ``03`` continued over ``88``
records wrongly when a physical line ends inside a summary (a type code followed by its
amount on the next line).

Per ``16`` detail: type code (credit / debit from the BAI type-code table), amount (an
integer count of the currency's minor units, as BAI2 defines it), value date (funds type
``V``) else the group's as-of date, bank reference (the id), customer reference, and the
text with its ``88`` continuations (the reference).  A debit with a return type code (552 credit
reversal, 555 deposited item returned, 557 ACH return item, 558 ACH reversal debit, 566 return
item) is a returned item: its customer reference is the returned payment's reference
(``original_ref``; BAI2 carries no payer account, so it is matched by reference only).  Balances: ``010`` opening ledger and
``015`` closing ledger, per account.
"""
from __future__ import annotations

import re

from bai2 import bai2 as bai2_api
from bai2.constants import FundsType, TypeCodes, TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException

from ...core.errors import InputError, InputErrors
from ...core.money import MINOR_UNITS
from .records import BankEntry, StatementInfo, join_text

RETURN_TYPE_CODES = frozenset({"552", "555", "557", "558", "566"})
_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
_AMOUNT = re.compile(r"^[+-]?\d*$")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _summary_tokens(fields: list[str]) -> list[str] | None:
    """Re-tokenise the summaries of an 03 record (after account and currency): type code,
    amount, item count, funds type and the funds type's availability fields.  Empty fields
    where a type code is due are fillers some banks write before ``/``."""
    out: list[str] = []
    i = 0
    n = len(fields)
    while i < n:
        if fields[i] == "":
            i += 1
            continue
        head = fields[i:i + 4] + [""] * max(0, i + 4 - n)
        i += 4
        funds = head[3].strip().upper()
        extra = 0
        if funds == "S":
            extra = 3
        elif funds == "V":
            extra = 2
        elif funds == "D":
            try:
                extra = 1 + 2 * int(fields[i]) if i < n else 0
            except ValueError:
                return None
        avail = fields[i:i + extra] + [""] * max(0, i + extra - n)
        i += extra
        out.extend(head + avail)
    return out


def _fix_availability(line: str) -> str:
    """A 16 record with funds type S or D whose availability amounts are blank: the package
    cannot read a blank there, BAI2 means zero."""
    body = line[3:]
    slash = body.endswith("/")
    f = (body[:-1] if slash else body).split(",")
    if len(f) < 3:
        return line
    funds = f[2].strip().upper()
    idx: list[int] = []
    if funds == "S":
        idx = [3, 4, 5]
    elif funds == "D" and len(f) > 3 and f[3].strip().isdigit():
        idx = [3] + [4 + 2 * k + 1 for k in range(int(f[3]))]
    if not idx or max(idx) >= len(f):
        return line
    for i in idx:
        if f[i].strip() == "":
            f[i] = "0"
    return "16," + ",".join(f) + ("/" if slash else "")


def _normalise(records: list[list[tuple[int, str]]]) -> list[str]:
    """Physical lines for the package; 03 records rewritten to one line + empty ``88,/`` lines
    (so record counts still match the trailers)."""
    lines: list[str] = []
    for rec in records:
        code = rec[0][1][:2]
        if code == "16":
            lines.append(_fix_availability(rec[0][1]))
            lines.extend(text for _, text in rec[1:])
            continue
        if code != "03":
            lines.extend(text for _, text in rec)
            continue
        parts = []
        for _, text in rec:
            body = text[3:].rstrip()
            parts.append(body[:-1] if body.endswith("/") else body)
        fields = ",".join(parts).split(",")
        tokens = _summary_tokens(fields[2:])
        if tokens is None:
            lines.extend(text for _, text in rec)
            continue
        lines.append("03," + ",".join(fields[:2] + tokens) + "/")
        lines.extend("88,/" for _ in rec[1:])
    return lines


def read_bai2(data: bytes, label: str, *, default_currency: str = "USD"):
    """Bytes of a BAI2 file -> (entries, statements, warnings); raises InputErrors.

    ``default_currency`` applies where neither the group nor the account names one."""
    text = _decode(data).lstrip("\ufeff")
    physical = [(no, ln.strip()) for no, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    errors: list[InputError] = []

    def err(msg, line, value="", expected=""):
        errors.append(InputError(msg, table="payments", file=label, row=line, value=value, expected=expected))

    records: list[list[tuple[int, str]]] = []
    for no, ln in physical:
        code = ln[:2]
        if code not in _CODES or (len(ln) > 2 and ln[2] != ","):
            err("not a BAI2 record", no, ln[:30], "a line starting with 01, 02, 03, 16, 49, 88, 98 or 99 and a comma")
            continue
        if code == "88":
            if not records:
                err("continuation record 88 before any record", no, ln[:30])
                continue
            records[-1].append((no, ln))
        else:
            records.append([(no, ln)])
        if code == "16":
            f = ln[3:].rstrip("/").split(",")
            if len(f) < 2 or not f[1].strip() or not _AMOUNT.match(f[1].strip()):
                err("malformed amount in transaction detail (16)", no, f[1] if len(f) > 1 else "",
                    "a whole number of minor units, e.g. 123456 for 1,234.56")
            elif f[0] not in TypeCodes:
                err("unknown BAI2 type code", no, f[0], "a BAI2 transaction type code such as 108, 142, 409")
    if physical and not physical[0][1].startswith("01,"):
        err("the file does not start with a 01 file header", physical[0][0], physical[0][1][:30])
    if physical and not physical[-1][1].startswith("99,"):
        err("the file ends without a 99 file trailer (truncated?)", physical[-1][0], physical[-1][1][:30],
            "a last line 99,<file control total>,<groups>,<records>/")
    if not physical:
        err("empty file", 1)
    if errors:
        raise InputErrors(errors)
    lines = _normalise(records)
    try:
        parsed = bai2_api.parse_from_lines(iter(lines))
    except (IntegrityException, ParsingException, NotSupportedYetException, ValueError, IndexError,
            StopIteration) as e:
        raise InputErrors([InputError(f"the BAI2 file could not be read: {e}", table="payments", file=label,
                                      expected="a BAI2 file whose 49/98/99 control totals and record counts match")]) from None
    return _walk(parsed, records, label, default_currency)


def _walk(parsed, records, label, default_currency):
    # record start lines, in file order, to give every model its physical line
    starts = iter([rec[0][0] for rec in records])
    entries: list[BankEntry] = []
    statements: list[StatementInfo] = []
    warnings: list[InputError] = []
    next(starts)  # 01
    seen: dict[str, int] = {}
    for group in parsed.children:
        next(starts)  # 02
        g_ccy_raw = (group.header.rows[0][1].split(",") + [""] * 6)[5].strip().upper() if group.header.rows else ""
        as_of = group.header.as_of_date
        for account in group.children:
            acct_line = next(starts)
            acct_no = (account.header.customer_account_number or "").strip()
            ccy = ((account.header.currency or "").strip().upper() or g_ccy_raw or default_currency)
            sid = f"{as_of.isoformat() if as_of else ''}/{acct_no}"
            seen[sid] = seen.get(sid, 0) + 1
            if seen[sid] > 1:
                sid = f"{sid}#{seen[sid]}"
            bal = {s.type_code.code: s.amount for s in account.header.summary_items
                   if s.type_code is not None and s.amount is not None}
            statements.append(StatementInfo(sid, acct_no, ccy, bal.get("010"), bal.get("015"), acct_line))
            payable = ccy in MINOR_UNITS
            if not payable:
                warnings.append(InputError(f"account {acct_no}: currency {ccy!r} is not an ISO 4217 code; "
                                           "its credits were skipped", table="payments", file=label,
                                           row=acct_line, value=ccy, expected="an ISO 4217 code"))
            for tx in account.children:
                line = next(starts)
                direction = tx.type_code.transaction
                if direction not in (TypeCodeTransaction.credit, TypeCodeTransaction.debit):
                    continue  # non-monetary (890) or status codes
                value_date = as_of
                if tx.funds_type == FundsType.value_dated and tx.availability and tx.availability.get("date"):
                    value_date = tx.availability["date"]
                amount = int(tx.amount or 0)
                text = (tx.text or "").strip()
                cref = (tx.customer_reference or "").strip()
                entries.append(BankEntry(
                    line=line, statement=sid, account=acct_no, currency=ccy, amount=abs(amount),
                    credit=direction == TypeCodeTransaction.credit, value_date=value_date,
                    refs=((tx.bank_reference or "").strip(), cref),
                    reference=join_text(cref, text) if cref and cref not in text else text,
                    payable=payable, returned=tx.type_code.code in RETURN_TYPE_CODES,
                    original_ref=cref if tx.type_code.code in RETURN_TYPE_CODES else "",
                    reason=(f"{tx.type_code.code} {tx.type_code.description}".strip()
                            if tx.type_code.code in RETURN_TYPE_CODES else "")))
            next(starts)  # 49
        next(starts)  # 98
    return entries, statements, warnings
