"""The records a bank-file reader hands back (one module the format readers and the bank-file
table share, so neither imports the other): :class:`BankEntry` (one booked entry, amount in
positive minor units of its currency, ``credit`` the direction), :class:`StatementInfo` (a
statement's signed opening and closing balances in minor units), and the text and date helpers
every reader uses."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class BankEntry:
    """One booked entry (or one transaction of a split batch entry) as a reader found it.

    ``amount`` is positive minor units of ``currency``; ``credit`` says the direction on the
    account (True: money received).  ``refs`` are the bank's references, best first."""
    line: int
    statement: str
    account: str
    currency: str
    amount: int
    credit: bool
    value_date: dt.date | None
    refs: tuple[str, ...] = ()
    payer_name: str = ""
    payer_account: str = ""
    reference: str = ""
    reversal: bool = False
    group: str = ""          # batch id shared by the parts of one split entry ("" if none)
    payable: bool = True     # False: counted in the balance check only (the reader said why)
    returned: bool = False   # a debit the reader knows returns a payment (BAI2 type code, camt RtrInf)
    original_ref: str = ""   # a return's reference of the payment it undoes (end-to-end id, cheque no …)
    reason_code: str = ""    # a return's reason code as the bank gives it (ISO 20022 AC04, AM04, MD06 …)
    reason: str = ""         # a return's reason text
    end_to_end: str = ""     # the payer's end-to-end id (camt EndToEndId, SEPA EREF), when given

    @property
    def is_return(self) -> bool:
        """A debit that undoes a payment received: a reversal of a credit or a returned item."""
        return not self.credit and (self.reversal or self.returned)


@dataclass
class StatementInfo:
    """One statement (camt Stmt/Ntfctn, MT940 :20: block, BAI2 account in a group).
    Balances are signed minor units (None when the file does not give them)."""
    statement_id: str
    account: str
    currency: str
    opening: int | None
    closing: int | None
    line: int


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def join_text(*parts: str | None) -> str:
    """Non-empty parts joined by a space, each once, whitespace collapsed."""
    seen: list[str] = []
    for p in parts:
        t = _clean(p)
        if t and not any(t in s for s in seen):
            seen = [s for s in seen if s not in t]
            seen.append(t)
    return " ".join(seen)


def to_date(value) -> dt.date | None:
    """date / datetime / ISO text (``2017-04-01+02:00``, ``2014-12-31T13:15:00``) -> date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


__all__ = ["BankEntry", "StatementInfo", "join_text", "to_date"]
