"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification) -> bank entries.

Elements are matched on their local names, so every schema version (camt.053.001.02 …
.001.08 and later) reads the same way.  Per entry (``Ntry``): ``Amt/@Ccy``, ``CdtDbtInd``,
``RvslInd``, ``Sts``, ``ValDt`` (else ``BookgDt``) as ``Dt`` or ``DtTm``, ``AcctSvcrRef``,
``NtryRef``; per transaction (``NtryDtls/TxDtls``): references, ``RltdPties/Dbtr`` name
(``Nm`` or ``Pty/Nm``) and ``DbtrAcct`` (IBAN or ``Othr/Id``), and the remittance text
(``RmtInf/Ustrd``, ``Strd/CdtrRefInf/Ref``, ``Strd/RfrdDocInf/Nb``, ``AddtlRmtInf``).  A debit
with ``RvslInd`` true or a transaction with return information (``RtrInf``: ``Rsn/Cd`` such as
``AC04``, ``AM04``, ``MD06`` kept as ``reason_code``, ``AddtlInf`` as ``reason``) is a returned
item whose ``original_ref`` is the transaction's end-to-end id (else its TxId/InstrId).  A batch
entry whose transactions each carry an amount adding up to the entry becomes one entry
per transaction.  Balances ``OPBD``/``PRCD`` (opening) and ``CLBD`` (closing) feed the
statement check.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

from lxml import etree

from ...core.errors import InputError, InputErrors
from ...core.money import MINOR_UNITS, AmountError, is_currency, parse_amount
from .records import BankEntry, StatementInfo, join_text, to_date

_PLAIN = re.compile(r"\d{1,18}(?:\.\d{1,5})?")
_MESSAGES = {"BkToCstmrStmt": "Stmt", "BkToCstmrDbtCdtNtfctn": "Ntfctn"}


class _Item:
    """One element's text, ``Ccy`` attribute and line."""
    __slots__ = ("text", "ccy", "sourceline")

    def __init__(self, text, ccy, line):
        self.text, self.ccy, self.sourceline = text, ccy, line

    def get(self, key: str, default=None):
        return self.ccy if key == "Ccy" and self.ccy is not None else default


class _Node:
    """The elements below one element (a statement, balance, entry or transaction), by
    local-name path (``"ValDt/Dt"``), in document order; nested statements' entries,
    entries' transactions get nodes of their own."""
    __slots__ = ("line", "paths", "children")

    def __init__(self, line: int):
        self.line = line
        self.paths: dict[str, list[_Item]] = {}
        self.children: list[_Node] = []

    def all(self, path: str) -> list:
        return self.paths.get(path, [])

    def first(self, path: str):
        found = self.paths.get(path)
        return found[0] if found else None

    def t(self, path: str) -> str:
        """Text of the first element at ``path`` ('' when absent)."""
        found = self.paths.get(path)
        return (found[0].text or "").strip() if found else ""

    def texts(self, path: str) -> list[str]:
        return [(x.text or "").strip() for x in self.paths.get(path, []) if (x.text or "").strip()]

    def date(self, path: str):
        return to_date(self.t(path + "/Dt") or self.t(path + "/DtTm") or None)


# which element opens a node of its own, by the name of the node it sits in
_OWN = {"stmt": {"Bal": "bal", "Ntry": "ntry"}, "ntry": {"TxDtls": "tx"}, "bal": {}, "tx": {}}


def _collect(data: bytes, label: str):
    """One streaming pass: (message name, [statement nodes]); a statement node's children
    are its balances and entries (kind in ``node.paths['#kind']``), an entry's its TxDtls."""
    names: list[str] = []
    paths: list[str] = []                            # path of each open element below its node
    owners: list[tuple[_Node, int, str]] = []       # (node, depth of its element, kind)
    message = ""
    statements: list[_Node] = []
    try:
        for event, el in etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                                         no_network=True, remove_comments=True, remove_pis=True):
            tag = el.tag
            if not isinstance(tag, str):
                continue
            name = tag.rpartition("}")[2]
            if event == "start":
                names.append(name)
                depth = len(names)
                paths.append(f"{paths[-1]}/{name}" if owners and owners[-1][1] < depth - 1 else name)
                if depth <= 2 and name in _MESSAGES and not message:
                    message = name
                elif message and not owners and name == _MESSAGES[message] and names[-2] == message:
                    node = _Node(el.sourceline)
                    statements.append(node)
                    owners.append((node, depth, "stmt"))
                elif owners and name in _OWN[owners[-1][2]]:
                    parent = owners[-1][0]
                    kind = _OWN[owners[-1][2]][name]
                    node = _Node(el.sourceline)
                    node.paths["#kind"] = [_Item(kind, None, el.sourceline)]
                    parent.children.append(node)
                    owners.append((node, depth, kind))
                continue
            depth = len(names)
            if owners and owners[-1][1] == depth:
                owners.pop()
                if name in ("Ntry", "Bal"):
                    el.clear(keep_tail=True)
            elif owners:
                owners[-1][0].paths.setdefault(paths[-1], []).append(_Item(el.text, el.get("Ccy"), el.sourceline))
            names.pop()
            paths.pop()
    except etree.XMLSyntaxError as e:
        raise InputErrors([InputError(f"not a well-formed XML file: {e.msg}", table="payments", file=label,
                                      row=e.lineno, expected="a complete ISO 20022 camt.053/camt.054 document")]) from None
    return message, statements


class _Errors(list):
    def add(self, label, msg, line, value="", expected=""):
        self.append(InputError(msg, table="payments", file=label, row=line, value=value, expected=expected))


def _amount(node, label, errors: _Errors, what: str):
    """(minor units, currency) of an ``Amt``-like element, or (None, ccy) after recording an error."""
    ccy = (node.get("Ccy") or "").strip().upper()
    text = (node.text or "").strip()
    if _PLAIN.fullmatch(text) and ccy in MINOR_UNITS:   # the XML schema's decimal: 1234.56
        scaled = Decimal(text).scaleb(MINOR_UNITS[ccy])
        if scaled == scaled.to_integral_value():
            return int(scaled), ccy
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


def _tx_amount(tx: _Node, ccy: str):
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        node = tx.first(path)
        if node is not None and (node.get("Ccy") or "").strip().upper() == ccy:
            try:
                return parse_amount((node.text or "").strip(), ccy)
            except AmountError:
                return None
    return None


def _payer(tx: _Node) -> tuple[str, str]:
    name = (tx.t("RltdPties/Dbtr/Nm") or tx.t("RltdPties/Dbtr/Pty/Nm") or tx.t("RltdPties/UltmtDbtr/Nm")
            or tx.t("RltdPties/UltmtDbtr/Pty/Nm"))
    acct = tx.t("RltdPties/DbtrAcct/Id/IBAN") or tx.t("RltdPties/DbtrAcct/Id/Othr/Id")
    return name, acct


def _remittance(tx: _Node) -> str:
    e2e = tx.t("Refs/EndToEndId")
    if e2e.upper() in ("NOTPROVIDED", "NOT PROVIDED", "NONREF"):
        e2e = ""
    return join_text(*tx.texts("RmtInf/Ustrd"), *tx.texts("RmtInf/Strd/CdtrRefInf/Ref"),
                     *tx.texts("RmtInf/Strd/RfrdDocInf/Nb"), *tx.texts("RmtInf/Strd/AddtlRmtInf"),
                     tx.t("AddtlTxInf"), e2e)


def _tx_refs(tx: _Node) -> list[str]:
    return [tx.t(p) for p in ("Refs/AcctSvcrRef", "Refs/TxId", "Refs/EndToEndId", "Refs/InstrId")]


def read_camt(data: bytes, label: str):
    """Bytes of a camt.053/.054 file -> (entries, statements, warnings); raises InputErrors."""
    message, stmt_nodes = _collect(data, label)
    if not message:
        raise InputErrors([InputError("not a camt.053 or camt.054 message", table="payments", file=label, row=1,
                                      expected="Document/BkToCstmrStmt or Document/BkToCstmrDbtCdtNtfctn")])
    errors = _Errors()
    warnings: list[InputError] = []
    entries: list[BankEntry] = []
    statements: list[StatementInfo] = []
    seen_ids: dict[str, int] = {}
    for n, st in enumerate(stmt_nodes, start=1):
        account = st.t("Acct/Id/IBAN") or st.t("Acct/Id/Othr/Id")
        sid = st.t("Id") or f"{account or 'statement'}#{n}"
        if sid in seen_ids:
            seen_ids[sid] += 1
            sid = f"{sid}#{seen_ids[sid]}"
        else:
            seen_ids[sid] = 1
        bals = [c for c in st.children if c.t("#kind") == "bal"]
        ntries = [c for c in st.children if c.t("#kind") == "ntry"]
        amts = [b.first("Amt") for b in bals + ntries if b.first("Amt") is not None]
        currency = (st.t("Acct/Ccy") or (amts[0].get("Ccy") if amts else "") or "").strip().upper()
        opening = closing = None
        bal_ccys = set()
        for bal in bals:
            code = bal.t("Tp/CdOrPrtry/Cd") or bal.t("Tp/CdOrPrtry/Prtry")
            if code not in ("OPBD", "PRCD", "CLBD"):
                continue
            node = bal.first("Amt")
            if node is None:
                errors.add(label, f"balance {code} has no amount", bal.line)
                continue
            value, ccy = _amount(node, label, errors, f"balance {code}")
            if value is None:
                continue
            bal_ccys.add(ccy)
            if bal.t("CdtDbtInd") == "DBIT":
                value = -value
            if code == "CLBD":
                closing = value if closing is None else closing
            else:
                opening = value if opening is None else opening
        if bal_ccys and bal_ccys != {currency}:
            warnings.append(InputError(
                f"statement {sid}: balances in {', '.join(sorted(bal_ccys))} for an account in {currency}; "
                "the balance check was not made", table="payments", file=label, row=st.line))
            opening = closing = None
        statements.append(StatementInfo(sid, account, currency, opening, closing, st.line))
        fallback_date = to_date(st.t("FrToDt/ToDtTm") or st.t("CreDtTm") or None)
        for ntry in ntries:
            entries.extend(_entry(ntry, sid, account, fallback_date, label, errors, warnings))
    if errors:
        raise InputErrors(errors)
    return entries, statements, warnings


def _entry(ntry: _Node, sid, account, fallback_date, label, errors: _Errors, warnings) -> list[BankEntry]:
    line = ntry.line
    amt = ntry.first("Amt")
    if amt is None:
        errors.add(label, "entry without an amount (Ntry/Amt)", line)
        return []
    amount, ccy = _amount(amt, label, errors, "entry amount")
    ind = ntry.t("CdtDbtInd")
    if ind not in ("CRDT", "DBIT"):
        errors.add(label, "entry without a credit/debit indicator", line, ind, "CdtDbtInd CRDT or DBIT")
        return []
    if amount is None:
        return []
    status = ntry.t("Sts/Cd") or ntry.t("Sts")
    if status and status != "BOOK":
        warnings.append(InputError(f"entry with status {status} skipped (only booked entries are payments)",
                                   table="payments", file=label, row=line))
        return []
    credit = ind == "CRDT"
    reversal = ntry.t("RvslInd").lower() in ("true", "1")
    value_date = ntry.date("ValDt") or ntry.date("BookgDt") or fallback_date
    if value_date is None:
        errors.add(label, "entry without a value or booking date", line, expected="ValDt or BookgDt")
        return []
    entry_refs = [ntry.t("AcctSvcrRef"), ntry.t("NtryRef")]
    txs = ntry.children
    base = dict(statement=sid, account=account, currency=ccy, credit=credit, value_date=value_date,
                reversal=reversal)
    payers = [_payer(tx) for tx in txs]
    texts = [_remittance(tx) for tx in txs]
    if len(txs) > 1 and (not reversal or not credit):
        parts = [_tx_amount(tx, ccy) for tx in txs]
        if all(p is not None and p > 0 for p in parts) and sum(parts) == amount:
            return [BankEntry(line=tx.line, amount=part, refs=tuple(entry_refs + _tx_refs(tx)),
                              payer_name=name, payer_account=acct, reference=text,
                              group=f"{sid}@{line}", **base, **_return_info(tx), end_to_end=_e2e(tx))
                    for tx, part, (name, acct), text in zip(txs, parts, payers, texts)]
        if credit:
            warnings.append(InputError(
                f"batch entry of {len(txs)} transactions kept as one payment: their amounts do not add up "
                "to the entry amount", table="payments", file=label, row=line))
    names = {n for n, _ in payers if n}
    accts = {a for _, a in payers if a}
    refs = list(entry_refs)
    if len(txs) == 1:
        refs += _tx_refs(txs[0])
    text = join_text(*texts) or ntry.t("AddtlNtryInf")
    info = _return_info(txs[0]) if len(txs) == 1 else {}
    if len(txs) > 1 and any(_return_info(tx)["returned"] for tx in txs):
        infos = [_return_info(tx) for tx in txs]
        info = {"returned": True, "original_ref": "", "reason_code": next((i["reason_code"] for i in infos if i["reason_code"]), ""),
                "reason": join_text(*(i["reason"] for i in infos))}
    return [BankEntry(line=line, amount=amount, refs=tuple(refs),
                      payer_name=names.pop() if len(names) == 1 else "",
                      payer_account=accts.pop() if len(accts) == 1 else "",
                      reference=text, **base, **info, end_to_end=_e2e(txs[0]) if len(txs) == 1 else "")]


_NOT_GIVEN = ("", "NOTPROVIDED", "NOT PROVIDED", "NONREF")


def _e2e(tx: _Node) -> str:
    e2e = tx.t("Refs/EndToEndId")
    return "" if e2e.upper() in _NOT_GIVEN else e2e


def _return_info(tx: _Node) -> dict:
    """A transaction's return information (``RtrInf``): returned, the original's reference, the
    ISO reason code and text; the original reference is also given for a reversal."""
    returned = any(k.startswith("RtrInf") for k in tx.paths)
    code = tx.t("RtrInf/Rsn/Cd") or tx.t("RtrInf/Rsn/Prtry") or tx.t("RtrInf/RtrRsn/Cd")
    reason = join_text(*tx.texts("RtrInf/AddtlInf"))
    orig = _e2e(tx) or next((r for r in (tx.t("Refs/TxId"), tx.t("Refs/InstrId")) if r.upper() not in _NOT_GIVEN), "")
    return {"returned": returned, "original_ref": orig, "reason_code": code, "reason": reason}
