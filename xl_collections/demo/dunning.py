"""The demo's letter details: each customer's postal ``address``, ``language`` (English, and
Spanish and Portuguese where the region speaks them) and a few ``dunning_block`` customers;
and a ``Dunning History`` of letters sent before the as-of date, so the demo close proposes
letters at every level (a customer at level 3 last month gets level 4 now) and holds some
back (a letter sent a few days ago).

Its own random stream (the demo seed with :data:`SALT`), so every other demo table stays as it was.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

SALT = 1717
# the demo company's letterhead (Settings CompanyName, CompanyAddress, RemitTo, DunningFrom)
LETTERHEAD = {"company_name": "Northwind Supply Co", "company_address": "1 Harbor Way\nBoston, MA 02110",
              "remit_to": "First National Bank, Boston\nAccount 4401 2398 77, routing 011000028\n"
                          "IBAN US64 NWBK 6016 1331 9268 19 (SWIFT NWBKUS33)\nQuote your customer number",
              "dunning_from": "Northwind Accounts Receivable <ar@northwind.example>"}
SHARE_BLOCKED = 0.03          # customers with a dunning block
SHARE_RECENT = 0.08           # customers with overdue items who got a letter a few days ago

# region -> (languages and their shares, street words, cities with postcodes, country line)
PLACES = {
    "NA East": ({"en": 0.85, "es": 0.15}, ("Market St", "Broad St", "Chestnut St", "Main St", "Harbor Blvd"),
                ("Philadelphia, PA 19106", "Boston, MA 02110", "New York, NY 10013", "Newark, NJ 07102"), ""),
    "NA West": ({"en": 0.75, "es": 0.25}, ("Mission St", "Pine Ave", "Sunset Blvd", "Harbor Dr"),
                ("San Francisco, CA 94105", "Los Angeles, CA 90012", "Phoenix, AZ 85004", "San Diego, CA 92101"), ""),
    "NA Central": ({"en": 0.9, "es": 0.1}, ("Lake St", "Wacker Dr", "Commerce St", "Main St"),
                   ("Chicago, IL 60606", "Dallas, TX 75201", "Houston, TX 77002", "Kansas City, MO 64105"), ""),
    "EMEA": ({"es": 0.4, "pt": 0.35, "en": 0.25}, ("Calle Mayor", "Avenida da Liberdade", "Rua Augusta", "Gran Vía"),
             ("28013 Madrid", "1250-096 Lisboa", "4000-322 Porto", "08002 Barcelona"), ""),
    "UK": ({"en": 1.0}, ("High Street", "King's Road", "Station Road"), ("London EC2V 7HH", "Manchester M1 1AE"),
           "United Kingdom"),
    "Canada": ({"en": 0.9, "pt": 0.1}, ("Bay St", "Rue Sainte-Catherine", "Granville St"),
               ("Toronto, ON M5J 2N8", "Vancouver, BC V6C 1T2"), "Canada"),
}
COUNTRY_BY_CITY = {"28013 Madrid": "España", "08002 Barcelona": "España", "1250-096 Lisboa": "Portugal",
                   "4000-322 Porto": "Portugal"}


def letter_details(seed: int, customers: pd.DataFrame) -> pd.DataFrame:
    """``address``, ``language`` and ``dunning_block`` for each customer (by its ``region``)."""
    rng = np.random.default_rng([seed, SALT])
    n = len(customers)
    addresses, languages = [], []
    for region in customers["region"]:
        langs, streets, cities, country = PLACES.get(region, PLACES["NA East"])
        keys = list(langs)
        languages.append(keys[rng.choice(len(keys), p=np.array([langs[k] for k in keys]))].upper())
        city = cities[rng.integers(len(cities))]
        street = streets[rng.integers(len(streets))]
        number = int(rng.integers(1, 2000))
        line1 = f"{street} {number}" if city in COUNTRY_BY_CITY else f"{number} {street}"
        # one line, parts apart by "; " (letters break the lines there): a CSV record stays one line
        addresses.append("; ".join(x for x in (line1, city, country or COUNTRY_BY_CITY.get(city, "")) if x))
    block = np.where(rng.random(n) < SHARE_BLOCKED, "TRUE", "")
    return pd.DataFrame({"address": np.array(addresses, dtype=object), "language": np.array(languages, dtype=object),
                         "dunning_block": block.astype(object)}, index=customers.index)


def dunning_history(seed: int, open_items: pd.DataFrame, as_of: dt.date, levels=(15, 30, 45, 60),
                    interval: int = 14) -> dict:
    """Letters sent before ``as_of`` (raw columns of the ``dunning_history`` table): for a
    customer whose oldest overdue invoice has reached level k, the letters of levels 1 … j for a
    j below k, the last sent 15-40 days ago (so j + 1 is proposed now); some customers got a
    letter a few days ago (held back by the interval)."""
    rng = np.random.default_rng([seed, SALT, 2])
    oi = open_items[(open_items["doc_type"].isin(["INV", "DM"])) & (open_items["open_amount"] > 0)]
    due = pd.to_datetime(oi["due_date"]).to_numpy().astype("datetime64[D]")
    days = (np.datetime64(as_of, "D") - due).astype("int64")
    oldest = pd.Series(days, index=oi.index).groupby(oi["customer_id"].to_numpy()).max().sort_index()
    rows = []
    for cid, d in oldest.items():
        reached = sum(1 for t in levels if d >= t)
        if reached == 0:
            continue
        if rng.random() < SHARE_RECENT:
            rows.append((cid, max(1, reached - 1), int(rng.integers(1, interval))))
            continue
        last = int(rng.integers(0, reached))          # 0: never dunned (level 1 now), else level last + 1 now
        ago = int(rng.integers(interval + 1, 41))
        for lv in range(last, 0, -1):                  # the letters up to the last one, a month apart
            rows.append((cid, lv, ago))
            ago += int(rng.integers(interval, 31))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return {
        "customer_id": np.array([r[0] for r in rows], dtype=object),
        "level": np.array([str(r[1]) for r in rows], dtype=object),
        "letter_date": np.array([np.datetime64(as_of, "D") - np.timedelta64(r[2], "D") for r in rows],
                                dtype="datetime64[D]"),
        "file": np.array([f"letters/{r[0]}_L{r[1]}.pdf" for r in rows], dtype=object),
    }
