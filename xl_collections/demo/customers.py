"""Customer master of the demo book: company-like names from word lists, regions with their
currency and document-number style, collectors, terms, bank accounts, parent groups."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import frame

# region -> (share of customers, document currency, numeric document numbers?, collectors,
#            legal-form suffixes, e-mail top-level domain, bank account style)
REGIONS = {
    "NA East":    (0.30, "USD", False, ("Maria Lopez", "James Carter"), ("Inc", "LLC", "Corp", "Co"), "com", "US"),
    "NA West":    (0.25, "USD", False, ("Kevin Nguyen", "Aisha Patel"), ("Inc", "LLC", "Corp", "Company"), "com", "US"),
    "NA Central": (0.20, "USD", False, ("Tom Becker",), ("Inc", "LLC", "Corp"), "com", "US"),
    "EMEA":       (0.10, "EUR", True, ("Sophie Martin", "Lukas Weber"), ("GmbH", "AG", "SA", "BV", "SARL"), "eu", "DE"),
    "UK":         (0.08, "GBP", False, ("Olivia Hughes",), ("Ltd", "PLC", "Limited"), "co.uk", "GB"),
    "Canada":     (0.07, "CAD", True, ("Marc Tremblay",), ("Inc", "Ltd", "Corp"), "ca", "CA"),
}
TERMS_MIX = {"NET30": 0.25, "NET45": 0.22, "NET60": 0.20, "2/10 NET30": 0.10, "EOM45": 0.14,
             "15 MFI": 0.05, "DUE ON RECEIPT": 0.04}
RISK_MIX = {"A": 0.3, "B": 0.4, "C": 0.2, "D": 0.1}
SHARE_TWO_ACCOUNTS = 0.12            # customers paying from two accounts
SHARE_NO_ACCOUNT = 0.03              # customers with no known bank account
SHARE_IN_GROUP = 0.08                # customers belonging to a parent group (parent_id set)
SHARE_OVER_LIMIT = 0.05              # customers whose open balance exceeds the credit limit

FIRST = ("Acme", "Apex", "Atlas", "Beacon", "Blue Ridge", "Cardinal", "Cascade", "Cedar", "Summit",
         "Pioneer", "Northwind", "Evergreen", "Granite", "Harbor", "Horizon", "Ironwood", "Keystone",
         "Lakeside", "Liberty", "Meridian", "Midland", "Monarch", "Northstar", "Oakridge", "Pacific",
         "Pinnacle", "Prairie", "Redwood", "Riverbend", "Sterling", "Silverline", "Stonegate", "Sunrise",
         "Tristate", "Vanguard", "Westfield", "Whitestone", "Zenith", "Golden Gate", "Great Lakes",
         "Bluewater", "Coastal", "Frontier", "Heritage", "Ironbridge", "Maple Leaf", "Orion", "Polaris",
         "Regal", "Sequoia", "Falcon", "Crescent", "Delta", "Eastgate", "Foxhill", "Glacier", "Hudson",
         "Juniper", "Kingsway", "Lighthouse")
MIDDLE = ("", "", "", "Global", "National", "American", "International", "Regional", "United",
          "Premier", "Consolidated", "Allied")
NOUN = ("Industries", "Foods", "Logistics", "Medical", "Packaging", "Electric", "Chemicals", "Textiles",
        "Hardware", "Plastics", "Steel", "Paper", "Beverages", "Pharma", "Systems", "Instruments",
        "Components", "Supply", "Distribution", "Retail", "Brands", "Materials", "Labs", "Motors",
        "Marine", "Energy", "Farms", "Furniture", "Optics", "Tools", "Manufacturing", "Holdings",
        "Trading", "Foods Group", "Aerospace", "Bakeries", "Dairy", "Outfitters", "Pet Supply", "Wholesale")


def _choice(rng, keys_shares: dict, n: int) -> np.ndarray:
    keys = list(keys_shares)
    p = np.array([keys_shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _iban(country: str, bban: str) -> str:
    """An IBAN with valid mod-97 check digits (ISO 13616) for a made-up BBAN."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _account(rng, style: str) -> str:
    if style == "DE":
        return _iban("DE", f"{rng.integers(10**7, 10**8):08d}{rng.integers(10**9, 10**10):010d}")
    if style == "GB":
        bank = "".join(chr(65 + int(x)) for x in rng.integers(0, 26, 4))
        return _iban("GB", f"{bank}{rng.integers(10**13, 10**14):014d}")
    if style == "CA":
        return f"{rng.integers(10**4, 10**5):05d}-{rng.integers(1, 999):03d}-{rng.integers(10**6, 10**7):07d}"
    return f"{rng.integers(10**8, 10**9):09d}-{rng.integers(10**9, 10**10):010d}"


def make_customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Working frame of ``n`` customers (not yet canonical): master columns plus
    ``currency``, ``numeric_docs``, ``weight`` (share of the open items) and ``accounts`` (list)."""
    regions = list(REGIONS)
    region = _choice(rng, {r: REGIONS[r][0] for r in regions}, n)
    region[: min(n, len(regions))] = regions[: min(n, len(regions))]   # every region present
    terms = _choice(rng, TERMS_MIX, n)
    terms[0] = "2/10 NET30"                                          # discounts always possible
    space = len(FIRST) * len(MIDDLE) * len(NOUN)
    combo = rng.permutation(space)[np.arange(n) % space]
    f, rest = np.divmod(combo, len(MIDDLE) * len(NOUN))
    m, nn = np.divmod(rest, len(NOUN))
    ids = np.array([f"C{i + 10001:06d}" for i in range(n)], dtype=object)
    names, emails, phones, accounts, collectors = [], [], [], [], []
    n_acc = rng.choice([1, 2, 0], size=n, p=[1 - SHARE_TWO_ACCOUNTS - SHARE_NO_ACCOUNT, SHARE_TWO_ACCOUNTS, SHARE_NO_ACCOUNT])
    suffix_pick = rng.integers(0, 1000, n)
    coll_pick = rng.integers(0, 1000, n)
    seen_acc: set[str] = set()
    for i in range(n):
        share, cur, numeric, colls, suffixes, tld, style = REGIONS[region[i]]
        core = " ".join(w for w in (FIRST[f[i]], MIDDLE[m[i]], NOUN[nn[i]]) if w)
        if i >= space:
            core += f" {i // space + 1}"
        names.append(f"{core} {suffixes[suffix_pick[i] % len(suffixes)]}")
        slug = "".join(ch for ch in core.lower() if ch.isalnum())
        emails.append(f"ap@{slug}.{tld}")
        phones.append(f"+1 {200 + i % 700:03d}-555-{i % 10000:04d}" if style in ("US", "CA")
                      else f"+{49 if style == 'DE' else 44} {20 + i % 70} {i % 10**6:06d}")
        accs = []
        while len(accs) < n_acc[i]:
            a = _account(rng, style)
            if a not in seen_acc:
                seen_acc.add(a)
                accs.append(a)
        accounts.append(accs)
        collectors.append(colls[coll_pick[i] % len(colls)])
    weight = rng.lognormal(0.0, 1.0, n)
    parent = np.array([""] * n, dtype=object)
    n_child = int(round(n * SHARE_IN_GROUP))
    if n >= 10:
        n_child = max(n_child, 2)
        heads = rng.choice(np.arange(1, n), size=max(1, n_child // 3), replace=False)
        others = np.setdiff1d(np.arange(1, n), heads)
        children = rng.choice(others, size=min(n_child, len(others)), replace=False)
        parent[children] = ids[heads[rng.integers(0, len(heads), len(children))]]
    return frame({
        "customer_id": ids,
        "customer_name": np.array(names, dtype=object),
        "payment_terms": terms,
        "collector": np.array(collectors, dtype=object),
        "region": region,
        "risk_class": _choice(rng, RISK_MIX, n),
        "parent_id": parent,
        "email": np.array(emails, dtype=object),
        "phone": np.array(phones, dtype=object),
        "bank_accounts": np.array([";".join(a) for a in accounts], dtype=object),
        "open_orders": np.where(rng.random(n) < 0.4, 0, np.round(rng.lognormal(np.log(8000), 1.0, n), 0) * 100).astype(np.int64),
        "currency": np.array([REGIONS[r][1] for r in region], dtype=object),
        "numeric_docs": np.array([REGIONS[r][2] for r in region], dtype=bool),
        "weight": weight / weight.sum(),
        "accounts": accounts,
    })


def credit_limits(rng: np.random.Generator, exposure: np.ndarray) -> np.ndarray:
    """Credit limits (reporting-currency minor units, whole thousands) from each customer's open
    exposure: most sit comfortably above it, ``SHARE_OVER_LIMIT`` (at least two) below it."""
    n = len(exposure)
    factor = rng.uniform(1.2, 2.5, n)
    over = (rng.random(n) < SHARE_OVER_LIMIT) & (exposure > 200_000)
    pos = np.flatnonzero(exposure > 200_000)
    if len(pos) >= 2 and over[pos].sum() < 2:
        over[rng.choice(pos, 2, replace=False)] = True
    factor[over] = rng.uniform(0.5, 0.9, over.sum())
    limit = np.ceil(np.maximum(exposure, 0) * factor / 100_000) * 100_000
    limit[over] = np.floor(exposure[over] * factor[over] / 100_000) * 100_000
    return np.maximum(limit, 100_000).astype(np.int64)
