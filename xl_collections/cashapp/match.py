"""One reference text against a list of document numbers: what the ``XLC_MATCH`` and
``XLC_MATCH_SCORE`` worksheet functions compute (the engine's document-number rule, without
payer and cascade).

:func:`match_reference` reads the reference like :func:`xl_collections.cashapp.apply_cash`:
document keys (prefixes, punctuation, lost leading zeros), a missing letter prefix
(``0025352`` for ``DM0025352``); OCR-style and one-character variants only where the amount
confirms them (an ``amount`` equal to the document's open amount).  The key's confidence,
the prefix-less digits (:data:`.refs.TAIL_KEY`) and the OCR/typo test are the engine's own
(:func:`.rules.key_confidence`, :func:`.rules.variants`); only the payer and the cascade are left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .confidence import F_OFF_UNCONFIRMED as F_AMOUNT_DIFFERS
from .refs import TAIL_KEY, candidates, explain, normalise_document_no, ocr_key
from .rules import key_confidence, variant_confidence, variants

NO_MATCH = "NO MATCH"
_TAIL = re.compile(TAIL_KEY)


@dataclass(frozen=True)
class Match:
    documents: tuple[str, ...]     # as written in the list, in the order the reference names them
    score: float                   # confidence in [0, 1]; 0 without a match
    evidence: str
    ambiguous: bool = False

    @property
    def text(self) -> str:
        return "; ".join(self.documents) if self.documents else NO_MATCH


def match_reference(reference: object, documents: list, amount: int | None = None,
                    open_amounts: list | None = None) -> Match:
    """Which of ``documents`` the ``reference`` names.  ``amount`` and ``open_amounts``
    (parallel to ``documents``, same unit) are optional: they confirm OCR/typo variants
    and lower the score when the amounts disagree."""
    docs = [str(d).strip() for d in documents]
    keys = [normalise_document_no(d) for d in docs]
    by_key: dict[str, list[int]] = {}
    by_tail: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if not k:
            continue
        by_key.setdefault(k, []).append(i)
        tail = _TAIL.match(k)
        if tail:
            by_tail.setdefault(tail.group("t"), []).append(i)
    hits: list[tuple[int, float, str]] = []
    notes: list[str] = []
    seen: set[int] = set()
    toks = candidates(reference)
    for raw, key in toks:
        lst, s = by_key.get(key), key_confidence(key, tail=False)
        if not lst and key.isdigit():
            lst, s = by_tail.get(key), key_confidence(key, tail=True)
        if not lst:
            continue
        lst = sorted(set(lst), key=lambda i: docs[i])
        if len({docs[i] for i in lst}) > 1:
            notes.append(f'"{raw}" matches {", ".join(docs[i] for i in lst[:3])}')
            return Match(tuple(docs[i] for i in lst), 0.0, "; ".join(notes), ambiguous=True)
        i = lst[0]
        if i not in seen:
            seen.add(i)
            hits.append((i, s, f'"{raw}" ~ {docs[i]} ({explain(raw, docs[i])})'))
    amounts = list(open_amounts) if open_amounts is not None else None
    if not hits and amount is not None and amounts is not None:
        pool = [i for i, a in enumerate(amounts) if a is not None and a == amount]
        for raw, key in toks:
            if " " in raw:
                continue
            found = variants(raw, key, pool, docs, keys, lambda i: ocr_key(docs[i]))    # the engine's test
            if len(found) == 1:
                i, how = found[0]
                hits.append((i, variant_confidence(how), f'"{raw}" ~ {docs[i]} ({explain(raw, docs[i])}; amount confirms)'))
                break
    if not hits:
        return Match((), 0.0, "no document number found in the reference")
    score = min(s for _, s, _ in hits)
    evidence = [e for _, _, e in hits]
    if amount is not None and amounts is not None:
        total = sum(amounts[i] or 0 for i, _, _ in hits)
        if total == amount:
            evidence.append("amount = open amount" if len(hits) == 1 else f"amount = sum of {len(hits)} open amounts")
        else:
            score *= F_AMOUNT_DIFFERS
            evidence.append("amount differs from the open amount")
    return Match(tuple(docs[i] for i, _, _ in hits), round(score, 3), "; ".join(evidence))
