"""SWIFT MT940 statements -> bank entries, with the ``mt-940`` package (import ``mt940``).

Before the package parses, every ``:61:`` statement line and every ``:60x:``/``:62x:``
balance is checked against the SWIFT layout (the package reads ``5X0,00`` as 5 without a
word), and each statement block must close with a ``:62F:``/``:62M:`` balance, so a
malformed or truncated file is refused with its line number.

Per ``:61:`` line: ``C``/``D`` (``RC``/``RD``: reversals), value date, amount, the bank
reference after ``//`` and the customer reference.  An ``RC`` (reversal of a credit) is a
returned item: its ``original_ref`` is the end-to-end reference of its ``:86:`` (``EREF``)
else its customer reference, its reason code the Dutch ``/RTRN/`` code, its reason the
posting text.  The ``:86:`` narrative is read three
ways: German/SEPA structured sub-fields (``?20``–``?29`` purpose with ``SVWZ+``/``EREF+``,
``?31`` IBAN, ``?32``/``?33`` name, via the package), Dutch ``/NAME/…/REMI/…/EREF/…``
codes, or free text.
"""
from __future__ import annotations

import re
from decimal import Decimal

import mt940

from ...core.errors import InputError, InputErrors
from ...core.money import MINOR_UNITS
from .records import BankEntry, StatementInfo, join_text, to_date
from ..sources import EncodingProblem, decode_text

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_LINE61 = re.compile(r"^\d{6}(\d{4}|\s{4})?R?[CDcd][A-Z]?\s?\d{1,15},\d*[A-Z][A-Z0-9 ]{3}")
_BALANCE = re.compile(r"^[CD]\d{6}[A-Z]{3}\d{1,15},\d*\s*$")
_ACCOUNT = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$|^[A-Z0-9]?\d{6,20}$")
_NL_CODES = ("EREF", "MARF", "CSID", "BENM", "ORDP", "NAME", "ADDR", "REMI", "ISDT", "IBAN", "BIC",
             "CNTP", "TRCD", "PREF", "RTRN", "USTD", "STRD", "CDTRREF", "CDTRREFTP", "CD", "ISSR",
             "ULTC", "ULTD", "PURP", "SVCL", "EXCH", "CHGS", "ID")
_NL_SPLIT = re.compile(r"/(" + "|".join(sorted(_NL_CODES, key=len, reverse=True)) + r")/")


def _check(lines: list[str], label: str) -> tuple[list[InputError], list[dict]]:
    """Layout check; returns errors and, per statement block, its line numbers."""
    errors: list[InputError] = []
    blocks: list[dict] = []
    cur: dict | None = None
    for no, raw in enumerate(lines, start=1):
        m = _TAG.match(raw)
        if not m:
            continue
        tag, value = m.group(1), raw[m.end():]
        if tag == "20":
            cur = {"line": no, "t61": [], "closing": False, "opening": False}
            blocks.append(cur)
        elif cur is None:
            continue
        elif tag == "61":
            if not _LINE61.match(value):
                errors.append(InputError("malformed :61: statement line", table="payments", file=label, row=no,
                                         value=value[:40], expected="YYMMDD[MMDD]C|D[funds]amount,decimals"
                                         "type (e.g. 2410311031C1234,56NTRFNONREF)"))
            cur["t61"].append(no)
        elif tag in ("60F", "60M", "62F", "62M"):
            if not _BALANCE.match(value):
                errors.append(InputError(f"malformed :{tag}: balance", table="payments", file=label, row=no,
                                         value=value[:40], expected="C|D YYMMDD currency amount,decimals "
                                         "(e.g. C241031EUR1234,56)"))
            cur["opening" if tag.startswith("60") else "closing"] = True
    for b in blocks:
        if not b["closing"]:
            errors.append(InputError("statement ends without a closing balance :62F:/:62M: (truncated file?)",
                                     table="payments", file=label, row=b["line"],
                                     expected="a :62F: or :62M: line before the next :20:"))
        if not b["opening"]:
            errors.append(InputError("statement without an opening balance :60F:/:60M:", table="payments",
                                     file=label, row=b["line"]))
    if not blocks:
        errors.append(InputError("no MT940 statement found", table="payments", file=label, row=1,
                                 expected="a :20: transaction reference line"))
    return errors, blocks


def _clean_blocks(lines: list[str]) -> str:
    """Text for the package: message trailers (``-``, ``-XXX``, ``-}``) dropped, and a ``:86:``
    after the closing balance (information for the whole statement) kept off the last
    transaction."""
    out: list[str] = []
    closed = skipping = False
    for raw in lines:
        m = _TAG.match(raw)
        if m:
            tag = m.group(1)
            if tag == "20":
                closed = False
            skipping = closed and tag == "86"
            if tag.startswith("62"):
                closed = True
        elif re.fullmatch(r"-[A-Z]{0,3}\}?\s*", raw):
            continue
        if not skipping:
            out.append(raw)
    return "\n".join(out)


def _minor(amount: Decimal, currency: str) -> int:
    value = abs(amount).scaleb(MINOR_UNITS.get(currency, 2))
    return int(value.to_integral_value())


def _balance(data: dict, *keys: str):
    for k in keys:
        b = data.get(k)
        if b is not None and getattr(b, "amount", None) is not None:
            return b
    return None


def _signed(bal) -> tuple[int, str]:
    ccy = (bal.amount.currency or "").upper()
    minor = _minor(bal.amount.amount, ccy)
    return (-minor if bal.amount.amount < 0 else minor), ccy


def _nl_fields(text: str) -> dict[str, str]:
    parts = _NL_SPLIT.split("/" + text.lstrip("/") if not text.startswith("/") else text)
    out: dict[str, str] = {}
    for code, value in zip(parts[1::2], parts[2::2]):
        out.setdefault(code, value.strip("/ "))
    return out


def _narrative(d: dict) -> tuple[str, str, str]:
    """(payer_name, payer_account, reference) from the parsed :86: of one transaction."""
    if d.get("transaction_code") is not None and "transaction_details" not in d:  # German structured ?xx
        name = d.get("applicant_name") or ""
        acct = d.get("applicant_iban") or d.get("gvc_applicant_iban") or ""
        ref = join_text(d.get("purpose"), d.get("additional_purpose"), d.get("end_to_end_reference"),
                        d.get("additional_position_reference"))
        return name, acct, ref
    raw = d.get("transaction_details") or ""
    lines = [ln.strip("\r") for ln in raw.split("\n")]
    if raw.startswith("/") and _NL_SPLIT.search("".join(lines)):
        f = _nl_fields("".join(lines))
        remi = f.get("REMI", "")
        remi = re.sub(r"^(USTD|STRD)//?", "", remi).replace("/", " ")
        name = f.get("NAME", "")
        if not name and "CNTP" in f:  # /CNTP/account/bic/name/city
            bits = f["CNTP"].split("/")
            name = bits[2] if len(bits) > 2 else ""
        acct = f.get("IBAN", "") or (f["CNTP"].split("/")[0] if "CNTP" in f else "")
        return name, acct, join_text(remi, f.get("EREF"))
    return "", "", " ".join(ln.strip() for ln in lines if ln.strip())


def _return_details(d: dict) -> tuple[str, str, str]:
    """(end-to-end reference, return reason code, posting text) from the parsed :86:."""
    if d.get("transaction_code") is not None and "transaction_details" not in d:  # German structured ?xx
        return (d.get("end_to_end_reference") or "").removeprefix("EREF+").strip(), "", (d.get("posting_text") or "").strip()
    raw = "".join(ln.strip("\r") for ln in (d.get("transaction_details") or "").split("\n"))
    if raw.startswith("/") and _NL_SPLIT.search(raw):
        f = _nl_fields(raw)
        return f.get("EREF", ""), f.get("RTRN", "").split("/")[0], ""
    return "", "", ""


def _not_ref(value: str) -> str:
    v = (value or "").strip()
    return "" if v.upper() in ("", "NONREF", "NOTPROVIDED") else v


def read_mt940(data: bytes, label: str):
    """Bytes of an MT940 file -> (entries, statements, warnings); raises InputErrors."""
    try:
        text = decode_text(data)[0]
    except EncodingProblem:      # SWIFT's character set is ASCII; a bank's own umlauts: its Windows code page
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    errors, blocks = _check(lines, label)
    if errors:
        raise InputErrors(errors)
    try:
        parsed = mt940.parse_statements(_clean_blocks(lines), options=mt940.Options.all())
    except Exception as e:  # the package raises bare exceptions on layouts it does not know
        raise InputErrors([InputError(f"the MT940 file could not be read: {e}", table="payments", file=label)]) from None
    if len(parsed) != len(blocks):
        raise InputErrors([InputError(f"found {len(blocks)} statements but could read {len(parsed)}",
                                      table="payments", file=label)])
    entries: list[BankEntry] = []
    statements: list[StatementInfo] = []
    warnings: list[InputError] = []
    seen: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for st, block in zip(parsed, blocks):
        d = st.data
        sid = d.get("transaction_reference") or "statement"
        if d.get("statement_number"):
            sid += f"/{d['statement_number']}" + (f"/{d['sequence_number']}" if d.get("sequence_number") else "")
        seen[sid] = seen.get(sid, 0) + 1
        if seen[sid] > 1:
            sid = f"{sid}#{seen[sid]}"
        account = d.get("account_identification") or ""
        op = _balance(d, "final_opening_balance", "intermediate_opening_balance", "opening_balance")
        cl = _balance(d, "final_closing_balance", "intermediate_closing_balance", "closing_balance")
        opening, ccy = _signed(op) if op else (None, "")
        closing, ccy2 = _signed(cl) if cl else (None, ccy)
        currency = ccy or ccy2
        if ccy and ccy2 and ccy != ccy2:
            warnings.append(InputError(f"statement {sid}: opening balance in {ccy}, closing in {ccy2}; "
                                       "the balance check was not made", table="payments", file=label,
                                       row=block["line"]))
            opening = closing = None
        statements.append(StatementInfo(sid, account, currency, opening, closing, block["line"]))
        txs = list(st)
        t61 = block["t61"] if len(block["t61"]) == len(txs) else [block["line"]] * len(txs)
        for t, line in zip(txs, t61):
            td = t.data
            status = str(td.get("status") or "").upper()
            tcur = (td["amount"].currency or currency).upper()
            name, acct, ref = _narrative(td)
            extra = (td.get("extra_details") or "").strip()
            if not acct and _ACCOUNT.match(extra.replace(" ", "")):
                acct = extra
            credit = status in ("C", "RD")
            e2e, rcode, posting = _return_details(td)
            e2e = _not_ref(e2e)
            e = BankEntry(line=line, statement=sid, account=account, currency=tcur,
                          amount=_minor(td["amount"].amount, tcur), credit=credit,
                          value_date=to_date(td.get("date")),
                          refs=(td.get("bank_reference") or "", td.get("tnr") or "",
                                td.get("customer_reference") or ""),
                          payer_name=name, payer_account=acct, reference=ref,
                          reversal=status.startswith("R"), end_to_end=e2e, reason_code=rcode,
                          reason=posting if status == "RC" else "",
                          original_ref=(e2e or _not_ref(td.get("customer_reference") or "")) if status == "RC" else "")
            if tcur not in MINOR_UNITS:
                e.payable = False
                if credit and not e.reversal:
                    unknown[tcur] = unknown.get(tcur, 0) + 1
            entries.append(e)
    for cur, n in unknown.items():
        warnings.append(InputError(f"{n} credit(s) in {cur} skipped: {cur} is not an active ISO 4217 currency "
                                   "(amounts read with 2 decimals for the balance check only)",
                                   table="payments", file=label, value=cur, expected="an ISO 4217 code"))
    return entries, statements, warnings
