"""Credit management: exposure, order release / flex / hold, and the credit score.

- :mod:`.exposure` — open AR + open orders per customer and parent group, past due, utilisation;
- :mod:`.ratios` — financial-statement ratios and Altman Z'';
- :mod:`.behaviour` — payment behaviour from the payment history (days late, share paid late);
- :mod:`.inputs` — the latest statement and agency report per customer, returned payments;
- :mod:`.scoring` — the weighted score, class ``A``–``E``, recommended limit, review date;
- :mod:`.orders` — RELEASE / FLEX / HOLD for every open order, with reasons;
- :mod:`.review` — :func:`assess_credit`, the engine that puts them together;
- :mod:`.sheets` — the ``Credit Review`` and ``Order Decisions`` sheet layouts.
"""
from .ratios import altman_z, zone
from .review import CreditResult, assess_credit
from .scoring import DEFAULT_POLICY, Policy

__all__ = ["CreditResult", "DEFAULT_POLICY", "Policy", "altman_z", "assess_credit", "zone"]
