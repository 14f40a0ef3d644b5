"""Who paid: the payer of a payment as a customer of the customer master.

In order of strength: the ``customer_id`` on the payment (a lockbox that already knows it),
the payer's bank account in a customer's ``bank_accounts``, the payer name equal to a
customer name once legal forms and punctuation are dropped, then a fuzzy name match
(rapidfuzz), and last the account history: an account whose cash was applied to one
customer's documents before (:meth:`PayerIndex.learn`; never an account that paid for two).
A tie between the top candidates is no match: the payment is better left unidentified than
given to the wrong customer.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import pandas as pd
from rapidfuzz import fuzz, process

# Confidence of each way of knowing the payer (applied to rules that rely on the payer).
BY_ID, BY_ACCOUNT, BY_NAME, BY_TRUNCATED, BY_HISTORY = 1.0, 0.99, 0.97, 0.96, 0.97
FUZZY_MIN_SCORE = 90.0      # token-sorted ratio of normalised names, 0-100
FUZZY_MIN_MARGIN = 4.0      # the best must beat the second best (another customer) by this

_LEGAL = {"INC", "INCORPORATED", "LLC", "LLP", "LP", "LTD", "LIMITED", "CORP", "CORPORATION", "CO", "COMPANY",
          "PLC", "GMBH", "AG", "KG", "SA", "SAS", "SARL", "SRL", "SPA", "BV", "NV", "AB", "AS", "OY", "PTY",
          "THE", "AND", "ET", "UND", "DBA", "MBH", "SE", "KGAA", "OHG", "EV", "CIE"}
_NON_WORD = re.compile(r"[^0-9A-Z]+")
# common abbreviations in bank payer names, spelt out before comparing
_ABBREV = {"INTL": "INTERNATIONAL", "NATL": "NATIONAL", "AMER": "AMERICAN", "CONSOL": "CONSOLIDATED",
           "INDS": "INDUSTRIES", "IND": "INDUSTRIES", "DIST": "DISTRIBUTION", "DISTR": "DISTRIBUTION",
           "MFG": "MANUFACTURING", "BROS": "BROTHERS", "ASSOC": "ASSOCIATES", "SVCS": "SERVICES",
           "SVC": "SERVICES", "SYS": "SYSTEMS", "TECH": "TECHNOLOGIES", "MGMT": "MANAGEMENT", "GRP": "GROUP",
           "HLDGS": "HOLDINGS", "PHARM": "PHARMA", "LABS": "LABORATORIES", "LAB": "LABORATORIES",
           "SUPP": "SUPPLY", "ELEC": "ELECTRIC", "INSTR": "INSTRUMENTS", "EQUIP": "EQUIPMENT",
           "LOG": "LOGISTICS", "COMP": "COMPONENTS", "ENG": "ENGINEERING", "CTR": "CENTER", "MKTG": "MARKETING"}


@lru_cache(maxsize=1 << 16)
def normalise_name(name: object) -> str:
    """``'The ACME Tools, Inc.'`` -> ``'ACME TOOLS'``: upper case, punctuation and legal forms dropped."""
    s = str(name or "").upper().replace("&", " AND ").replace(".", "")      # S.A. -> SA, B.V. -> BV
    words = [_ABBREV.get(w, w) for w in _NON_WORD.split(s) if w]
    kept = [w for w in words if w not in _LEGAL]
    return " ".join(kept or words)


@lru_cache(maxsize=1 << 16)
def normalise_account(account: object) -> str:
    """IBAN / account number without spaces, dashes and case: ``'de89 3704-0044'`` -> ``'DE8937040044'``."""
    return _NON_WORD.sub("", str(account or "").upper())


def _blocking_keys(name: str) -> list[str]:
    """Each word of 3+ letters and its first three letters (``^ACM``)."""
    keys = []
    for w in set(name.split()):
        if len(w) >= 3:
            keys += [w, "^" + w[:3]]
    return keys


@dataclass(frozen=True)
class Payer:
    customer_id: str
    confidence: float
    how: str              # 'customer_id' | 'account' | 'name' | 'fuzzy name'
    evidence: str


class PayerIndex:
    """Customers indexed by id, bank account and name; :meth:`identify` names the payer."""

    def __init__(self, customers: pd.DataFrame | None, known_ids: set[str] | None = None):
        self.names: dict[str, str] = {}
        self.norm: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        self.terms: dict[str, str] = {}
        self.ids: set[str] = set(known_ids or ())
        self._by_account: dict[str, set[str]] = {}
        self._by_name: dict[str, set[str]] = {}
        self._by_word: dict[str, list[str]] = {}     # blocking key -> normalised names
        self._fuzzy_cache: dict[str, tuple[Payer | None, str]] = {}
        self._choices_cache: dict[tuple[str, ...], list[str]] = {}
        self._sorted_names: list[str] | None = None
        self._common: set[str] = set()
        self._history: dict[str, dict[str, str]] = {}    # account -> customer -> the first payment seen
        if customers is None or len(customers) == 0:
            return
        cols = customers.columns
        rows = customers.sort_values("customer_id", kind="stable")
        for cid, name, parent, terms, accounts in zip(
                rows["customer_id"], rows["customer_name"],
                rows["parent_id"] if "parent_id" in cols else [""] * len(rows),
                rows["payment_terms"] if "payment_terms" in cols else [""] * len(rows),
                rows["bank_accounts"] if "bank_accounts" in cols else [""] * len(rows)):
            cid = str(cid)
            self.ids.add(cid)
            self.names[cid] = str(name)
            if parent:
                self.parent[cid] = str(parent)
            if terms:
                self.terms[cid] = str(terms)
            for acct in re.split(r"[;,\n]+", str(accounts or "")):
                a = normalise_account(acct)
                if len(a) >= 5:
                    self._by_account.setdefault(a, set()).add(cid)
            n = normalise_name(name)
            self.norm[cid] = n
            if n:
                self._by_name.setdefault(n, set()).add(cid)
        for n in self._by_name:
            for k in _blocking_keys(n):
                self._by_word.setdefault(k, []).append(n)
        self._common = {w for w, c in self._by_word.items() if len(c) > max(50, len(self._by_name) // 20)}

    def learn(self, account: str, customer_id: str, payment_id: str) -> None:
        """Remember that cash from ``account`` was applied to ``customer_id``'s documents (by
        ``payment_id``).  Accounts of the customer master are not learnt: the master decides."""
        a = normalise_account(account)
        if len(a) < 5 or not customer_id or a in self._by_account:
            return
        self._history.setdefault(a, {}).setdefault(str(customer_id), str(payment_id))

    def _from_history(self, acct: str, account: str, notes: list[str]) -> Payer | None:
        seen = self._history.get(acct)
        if not seen:
            return None
        if len(seen) > 1:
            who = ", ".join(sorted(seen)[:3])
            notes.append(f"payer account {account} paid for {len(seen)} customers before ({who})")
            return None
        (c, pid), = seen.items()
        return Payer(c, BY_HISTORY, "account history",
                     f"payer account {account} paid {c}'s documents before (payment {pid})")

    def related(self, a: str, b: str) -> bool:
        """Same customer, or one is the other's parent, or both share a parent."""
        if not a or not b:
            return False
        if a == b:
            return True
        pa, pb = self.parent.get(a, ""), self.parent.get(b, "")
        return pa == b or pb == a or (pa != "" and pa == pb)

    def identify(self, customer_id: str, account: str, name: str) -> tuple[Payer | None, str]:
        """``(payer or None, note)``; the note says why nobody was identified (a tie, an
        unknown id) so the unapplied line can tell the user."""
        notes = []
        cid = str(customer_id or "").strip()
        if cid:
            if cid in self.ids:
                return Payer(cid, BY_ID, "customer_id", f"customer_id {cid} on the payment"), ""
            notes.append(f"customer_id {cid} on the payment is not a known customer")
        acct = normalise_account(account)
        if len(acct) >= 5:
            owners = self._by_account.get(acct, set())
            if len(owners) == 1:
                (c,) = owners
                return Payer(c, BY_ACCOUNT, "account", f"payer account {account} is in bank_accounts of {c}"), ""
            if len(owners) > 1:
                notes.append(f"payer account {account} is listed for {len(owners)} customers ({', '.join(sorted(owners)[:3])})")
        n = normalise_name(name)
        if n:
            exact = self._by_name.get(n, set())
            if len(exact) == 1:
                (c,) = exact
                return Payer(c, BY_NAME, "name", f'payer "{name}" = customer_name "{self.names[c]}"'), ""
            if len(exact) > 1:
                notes.append(f'payer "{name}" is the name of {len(exact)} customers ({", ".join(sorted(exact)[:3])})')
                return None, "; ".join(notes)
            payer = self._truncated(n, name)
            if payer:
                return payer, ""
            payer, note = self._fuzzy(n, name)
            if payer:
                return payer, ""
            if note:
                notes.append(note)
                return None, "; ".join(notes)          # a tie between names: the account does not break it
        if len(acct) >= 5 and not self._by_account.get(acct):
            payer = self._from_history(acct, account, notes)
            if payer:
                return payer, ""
        return None, "; ".join(notes)

    def _truncated(self, n: str, raw: str) -> Payer | None:
        """Banks cut payer names (often at 18 or 35 characters): a name of 12+ characters that
        begins exactly one customer name (and is not a whole name) identifies that customer."""
        if len(n) < 12:
            return None
        if self._sorted_names is None:
            self._sorted_names = sorted(self._by_name)
        lo = bisect_left(self._sorted_names, n)
        hits = []
        for name in self._sorted_names[lo:lo + 3]:
            if not name.startswith(n):
                break
            hits.append(name)
        if len(hits) != 1 or len(self._by_name[hits[0]]) != 1:
            return None
        (c,) = self._by_name[hits[0]]
        return Payer(c, BY_TRUNCATED, "truncated name",
                     f'payer "{raw}" is the beginning of customer_name "{self.names[c]}" (name cut by the bank)')

    def _choices(self, n: str) -> list[str]:
        """Customer names worth comparing with the payer name ``n``: names sharing all but one
        word with it (a word or its first 3 letters), the 64 sharing most, in name order."""
        keys = tuple(k for k in _blocking_keys(n) if k not in self._common and k in self._by_word)
        got = self._choices_cache.get(keys)       # names differing in a short word share their keys
        if got is None:
            cnt = Counter(chain.from_iterable(self._by_word[k] for k in keys))
            need = max(1, len(keys) - 2)
            # cnt.most_common(64), which is documented as this stable sort, without heapq's Python loop
            top = sorted(cnt.items(), key=itemgetter(1), reverse=True)[:64]
            got = self._choices_cache[keys] = sorted(name for name, c in top if c >= need)
        return got

    def _fuzzy(self, n: str, raw: str) -> tuple[Payer | None, str]:
        hit = self._fuzzy_cache.get(n)
        if hit is not None:
            return hit
        choices = self._choices(n)
        result: tuple[Payer | None, str] = (None, "")
        if choices:
            best = process.extract(n, choices, scorer=fuzz.token_sort_ratio, limit=3, score_cutoff=FUZZY_MIN_SCORE - FUZZY_MIN_MARGIN)
            if best and best[0][1] >= FUZZY_MIN_SCORE:
                top_name, top_score = best[0][0], best[0][1]
                owners = self._by_name[top_name]
                second = best[1][1] if len(best) > 1 else 0.0
                if len(owners) == 1 and top_score - second >= FUZZY_MIN_MARGIN:
                    (c,) = owners
                    conf = round(BY_NAME - (100.0 - top_score) / 200.0, 3)
                    result = (Payer(c, conf, "fuzzy name",
                                    f'payer "{raw}" ~ customer_name "{self.names[c]}" (name similarity {top_score:.0f}%)'), "")
                else:
                    tied = sorted(self._by_name[best[0][0]] | (self._by_name[best[1][0]] if len(best) > 1 else set()))
                    result = (None, f'payer "{raw}" is as close to {" and ".join(tied[:3])} (tie, not identified)')
        self._fuzzy_cache[n] = result
        return result
