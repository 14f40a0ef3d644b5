"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification) -> bank entries.

Elements are matched on their local names, so every schema version (camt.053.001.02 …
.001.08 and later) reads the same way.  Per entry (``Ntry``): ``Amt/@Ccy``, ``CdtDbtInd``,
``RvslInd``, ``Sts``, ``ValDt`` (else ``BookgDt``) as ``Dt`` or ``DtTm``, ``AcctSvcrRef``,
``NtryRef``; per transaction (``NtryDtls/TxDtls``): references, ``RltdPties/Dbtr`` name
(``Nm`` or ``Pty/Nm``) and ``DbtrAcct`` (IBAN or ``Othr/Id``), and the remittance text
(``RmtInf/Ustrd``, ``Strd/CdtrRefInf/Ref``, ``Strd/RfrdDocInf/Nb``, ``AddtlRmtInf``).  A batch
entry whose transactions each carry an amount adding up to the entry becomes one entry
per transaction.  Balances ``OPBD``/``PRCD`` (opening) and ``CLBD`` (closing) feed the
statement check.
"""
from __future__ import annotations

from lxml import etree

from ..errors import InputError, InputErrors
from ..money import AmountError, is_currency, parse_amount
from .bankfiles import BankEntry, StatementInfo, join_text, to_date

_MESSAGES = {"BkToCstmrStmt": "Stmt", "BkToCstmrDbtCdtNtfctn": "Ntfctn"}


def _local(root) -> None:
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname


def _t(el, path: str) -> str:
    """Text of the first element at ``path`` below ``el`` ('' when absent)."""
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _all(el, path: str) -> list[str]:
    return [(x.text or "").strip() for x in el.findall(path) if (x.text or "").strip()]


def _date(el, path: str):
    node = el.find(path)
    if node is None:
        return None
    return to_date(_t(node, "Dt") or _t(node, "DtTm") or None)


class _Errors(list):
    def add(self, label, msg, line, value="", expected=""):
        self.append(InputError(msg, table="payments", file=label, row=line, value=value, expected=expected))


def _amount(node, label, errors: _Errors, what: str):
    """(minor units, currency) of an ``Amt``-like element, or (None, ccy) after recording an error."""
    ccy = (node.get("Ccy") or "").strip().upper()
    text = (node.text or "").strip()
    if not is_currency(ccy):
        errors.add(label, f"{what}: unknown currency", node.sourceline, ccy, "an ISO 4217 code in the Ccy attribute")
        return None, ccy
    try:
        value = parse_amount(text, ccy)
    except AmountError as e:
        errors.add(label, f"{what}: malformed amount", node.sourceline, text, e.expected)
        return None, ccy
    if value is None or value < 0:
        errors.add(label, f"{what}: malformed amount", node.sourceline, text, "a positive amount such as 1234.56")
        return None, ccy
    return value, ccy


def _tx_amount(tx, ccy: str):
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        node = tx.find(path)
        if node is not None and (node.get("Ccy") or "").strip().upper() == ccy:
            try:
                return parse_amount((node.text or "").strip(), ccy)
            except AmountError:
                return None
    return None


def _payer(tx) -> tuple[str, str]:
    parties = tx.find("RltdPties")
    if parties is None:
        return "", ""
    name = _t(parties, "Dbtr/Nm") or _t(parties, "Dbtr/Pty/Nm") or _t(parties, "UltmtDbtr/Nm") \
        or _t(parties, "UltmtDbtr/Pty/Nm")
    acct = _t(parties, "DbtrAcct/Id/IBAN") or _t(parties, "DbtrAcct/Id/Othr/Id")
    return name, acct


def _remittance(tx) -> str:
    e2e = _t(tx, "Refs/EndToEndId")
    if e2e.upper() in ("NOTPROVIDED", "NOT PROVIDED", "NONREF"):
        e2e = ""
    return join_text(*_all(tx, "RmtInf/Ustrd"), *_all(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
                     *_all(tx, "RmtInf/Strd/RfrdDocInf/Nb"), *_all(tx, "RmtInf/Strd/AddtlRmtInf"),
                     _t(tx, "AddtlTxInf"), e2e)


def _tx_refs(tx) -> list[str]:
    return [_t(tx, p) for p in ("Refs/AcctSvcrRef", "Refs/TxId", "Refs/EndToEndId", "Refs/InstrId")]


def read_camt(data: bytes, label: str):
    """Bytes of a camt.053/.054 file -> (entries, statements, warnings); raises InputErrors."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InputErrors([InputError(f"not a well-formed XML file: {e.msg}", table="payments", file=label,
                                      row=e.lineno, expected="a complete ISO 20022 camt.053/camt.054 document")]) from None
    _local(root)
    msg = root if root.tag in _MESSAGES else next((c for c in root if c.tag in _MESSAGES), None)
    if msg is None:
        raise InputErrors([InputError("not a camt.053 or camt.054 message", table="payments", file=label,
                                      row=root.sourceline, value=root.tag,
                                      expected="Document/BkToCstmrStmt or Document/BkToCstmrDbtCdtNtfctn")])
    errors = _Errors()
    warnings: list[InputError] = []
    entries: list[BankEntry] = []
    statements: list[StatementInfo] = []
    seen_ids: dict[str, int] = {}
    for n, st in enumerate(msg.findall(_MESSAGES[msg.tag]), start=1):
        account = _t(st, "Acct/Id/IBAN") or _t(st, "Acct/Id/Othr/Id")
        sid = _t(st, "Id") or f"{account or 'statement'}#{n}"
        if sid in seen_ids:
            seen_ids[sid] += 1
            sid = f"{sid}#{seen_ids[sid]}"
        else:
            seen_ids[sid] = 1
        first_amt = st.find("Ntry/Amt")
        currency = (_t(st, "Acct/Ccy") or (st.find("Bal/Amt").get("Ccy") if st.find("Bal/Amt") is not None else "")
                    or (first_amt.get("Ccy") if first_amt is not None else "") or "").upper()
        opening = closing = None
        bal_ccys = set()
        for bal in st.findall("Bal"):
            code = _t(bal, "Tp/CdOrPrtry/Cd") or _t(bal, "Tp/CdOrPrtry/Prtry")
            if code not in ("OPBD", "PRCD", "CLBD"):
                continue
            node = bal.find("Amt")
            if node is None:
                errors.add(label, f"balance {code} has no amount", bal.sourceline)
                continue
            value, ccy = _amount(node, label, errors, f"balance {code}")
            if value is None:
                continue
            bal_ccys.add(ccy)
            if _t(bal, "CdtDbtInd") == "DBIT":
                value = -value
            if code == "CLBD":
                closing = value if closing is None else closing
            else:
                opening = value if opening is None else opening
        if bal_ccys and bal_ccys != {currency}:
            warnings.append(InputError(
                f"statement {sid}: balances in {', '.join(sorted(bal_ccys))} for an account in {currency}; "
                "the balance check was not made", table="payments", file=label, row=st.sourceline))
            opening = closing = None
        statements.append(StatementInfo(sid, account, currency, opening, closing, st.sourceline))
        fallback_date = to_date(_t(st, "FrToDt/ToDtTm") or _t(st, "CreDtTm") or None)
        for ntry in st.findall("Ntry"):
            entries.extend(_entry(ntry, sid, account, fallback_date, label, errors, warnings))
    if errors:
        raise InputErrors(errors)
    return entries, statements, warnings


def _entry(ntry, sid, account, fallback_date, label, errors: _Errors, warnings) -> list[BankEntry]:
    line = ntry.sourceline
    amt = ntry.find("Amt")
    if amt is None:
        errors.add(label, "entry without an amount (Ntry/Amt)", line)
        return []
    amount, ccy = _amount(amt, label, errors, "entry amount")
    ind = _t(ntry, "CdtDbtInd")
    if ind not in ("CRDT", "DBIT"):
        errors.add(label, "entry without a credit/debit indicator", line, ind, "CdtDbtInd CRDT or DBIT")
        return []
    if amount is None:
        return []
    status = _t(ntry, "Sts/Cd") or _t(ntry, "Sts")
    if status and status not in ("BOOK",):
        warnings.append(InputError(f"entry with status {status} skipped (only booked entries are payments)",
                                   table="payments", file=label, row=line))
        return []
    credit = ind == "CRDT"
    reversal = _t(ntry, "RvslInd").lower() in ("true", "1")
    value_date = _date(ntry, "ValDt") or _date(ntry, "BookgDt") or fallback_date
    if value_date is None:
        errors.add(label, "entry without a value or booking date", line, expected="ValDt or BookgDt")
        return []
    entry_refs = [_t(ntry, "AcctSvcrRef"), _t(ntry, "NtryRef")]
    txs = ntry.findall("NtryDtls/TxDtls")
    base = dict(statement=sid, account=account, currency=ccy, credit=credit, value_date=value_date,
                reversal=reversal)
    if len(txs) > 1 and not reversal:
        parts = [_tx_amount(tx, ccy) for tx in txs]
        if all(p is not None and p > 0 for p in parts) and sum(parts) == amount:
            out = []
            for tx, part in zip(txs, parts):
                name, acct = _payer(tx)
                out.append(BankEntry(line=tx.sourceline, amount=part, refs=tuple(entry_refs + _tx_refs(tx)),
                                     payer_name=name, payer_account=acct, reference=_remittance(tx),
                                     group=f"{sid}@{line}", **base))
            return out
        if credit:
            warnings.append(InputError(
                f"batch entry of {len(txs)} transactions kept as one payment: their amounts do not add up "
                "to the entry amount", table="payments", file=label, row=line))
    names = [n for n in (_payer(tx)[0] for tx in txs) if n]
    accts = [a for a in (_payer(tx)[1] for tx in txs) if a]
    refs = list(entry_refs)
    if len(txs) == 1:
        refs += _tx_refs(txs[0])
    text = join_text(*(_remittance(tx) for tx in txs)) or _t(ntry, "AddtlNtryInf")
    return [BankEntry(line=line, amount=amount, refs=tuple(refs),
                      payer_name=names[0] if len(set(names)) == 1 else "",
                      payer_account=accts[0] if len(set(accts)) == 1 else "",
                      reference=text, **base)]
