"""Cash application benchmark: plain VLOOKUP vs xl_collections.cashapp.apply_cash.

    python benchmarks/cashapp.py --small           # 3,000 payments vs 30,000 open items
    python benchmarks/cashapp.py                   # 30,000 vs 300,000 (target < 10 s)
    python benchmarks/cashapp.py --large           # 100,000 vs 1,000,000 (target < 60 s)
    python benchmarks/cashapp.py --generator own   # this script's generator instead of the demo's
    python benchmarks/cashapp.py --first-pass      # also the cascade alone (no first pass): times, same result

Data with ground truth comes from the demo generator ``xl_collections.demo.generate`` when
it offers payments (its noise mix is ``xl_collections.demo.cash.NOISE_MIX``, printed with the
results: exact reference 30 %, prefixes 10 %, lost zeros 7 %, OCR 4 %, typos 4 %, several
invoices 10 %, short pay with reason 5 %, partial 2 %, overpay 3 %, discount 4 %, PO only 4 %,
payer + amount only 6 %, third-party payer 3 %, unidentified 2 %, currency differs 1 %,
remittance advice 5 %; payer names exact/upper/suffix/abbreviated/typo/truncated/blank),
else from :func:`generate` below (``--generator own``, a second, independent noise model to
guard against tuning to one generator).  Noise mix of :func:`generate` (share of payments;
what the bank / customer did):

=====================  =====  ====================================================================
kind                   share  reference text / amount
=====================  =====  ====================================================================
exact                  0.30   the document number as issued (``INV0012345``)
reformatted            0.16   prefix/zeros/punctuation changed (``INV 12345``, ``#12345``, ``12345``)
multi                  0.10   2-4 invoices of the customer in one reference, paid in full
ocr_typo               0.05   one OCR confusion (0->O, 1->I, 5->S, 8->B) or a one-character typo
short_deduction        0.05   one invoice, 5-30 % short, reason words (damaged, freight, promo, ...)
short_tolerance        0.03   one invoice, short by a few cents (within MatchTolerance)
discount               0.03   2/10 NET30 customer pays within 10 days less 2 %
overpay                0.02   one invoice + a little extra (excess left on account)
amount_only            0.09   no usable reference; payer known by account/name; amount = one invoice
combination            0.04   no reference; payer known; amount = 2-3 invoices of the customer
po                     0.03   the PO number instead of the invoice number
remittance             0.05   a remittance advice lists the invoices
unresolvable           0.05   unknown payer, meaningless reference (truth: nothing applies)
=====================  =====  ====================================================================

Payer names are the customer name, often upper-cased / without legal form / slightly
misspelt, or a bank account listed in ``bank_accounts``.  Figures printed:

* fully correct: share of payments whose AUTO applications equal the truth exactly
  (document and applied amount; a payment whose truth is "nothing" counts when nothing is
  AUTO-applied)
* AUTO precision: among payments with at least one AUTO row, share whose AUTO rows are all right
* resolvable auto-applied: share of resolvable payments applied fully and correctly
* REVIEW / unapplied share: payments with a REVIEW proposal / with no AUTO row
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xl_collections.cashapp import apply_cash  # noqa: E402
from xl_collections.io.validate import canonical  # noqa: E402
from xl_collections.core.settings import Settings  # noqa: E402

KINDS = {"exact": 0.30, "reformatted": 0.16, "multi": 0.10, "ocr_typo": 0.05, "short_deduction": 0.05,
         "short_tolerance": 0.03, "discount": 0.03, "overpay": 0.02, "amount_only": 0.09, "combination": 0.04,
         "po": 0.03, "remittance": 0.05, "unresolvable": 0.05}
_WORDS = ("Acme Apex Atlas Beacon Birch Summit Cedar Delta Eagle Falcon Granite Harbor Iron Juniper Keystone "
          "Lakeside Maple Nova Oak Orion Pioneer Quarry Redwood Sierra Silver Titan Union Valley Willow Zenith "
          "Northern Southern Eastern Western Pacific Atlantic Central Global United Premier Royal Golden Blue "
          "Green Red Bright Swift Prime Metro Coastal Alpine Prairie River Stone Bridge Crown Liberty").split()
_TRADES = ("Tools Foods Logistics Retail Supply Hardware Textiles Pharma Motors Electric Plastics Paper Steel "
           "Farms Brewing Trading Systems Labs Builders Outfitters Markets Stores Distributors Packaging").split()
_LEGAL = ["Inc.", "LLC", "Ltd", "GmbH", "Corp.", "Co.", "S.A.", "B.V.", ""]
_REASONS = ["damaged goods", "shortage", "price difference", "promo allowance", "freight deducted",
            "tax not applicable", "returned items", "see claim"]


def generate(items: int = 30000, payments: int = 3000, seed: int = 7):
    """Own generator with ground truth: ``(open_items, customers, payments, remittance, truth)``;
    truth = ``payment_id, document_no, applied_amount, kind, resolvable``."""
    rng = np.random.default_rng(seed)
    n_c = max(20, items // 60)
    names, seen = [], set()
    while len(names) < n_c:
        n = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_TRADES)}"
        if n not in seen:
            seen.add(n)
            names.append(n)
    legal = rng.choice(_LEGAL, n_c)
    cust_ids = [f"C{100000 + i}" for i in range(n_c)]
    accounts = [f"DE{rng.integers(10, 99)}{rng.integers(10**17, 10**18 - 1)}" if rng.random() < 0.6 else "" for _ in range(n_c)]
    terms = np.where(rng.random(n_c) < 0.2, "2/10 NET30", "NET30").astype(object)
    customers = pd.DataFrame({"customer_id": cust_ids, "customer_name": [f"{a} {b}".strip() for a, b in zip(names, legal)],
                              "payment_terms": terms, "bank_accounts": accounts})
    # open items
    as_of = np.datetime64("2026-10-31")
    cust_of = rng.integers(0, n_c, items)
    doc_nums = rng.permutation(items) + 1_000_000 // 100
    docs = np.array([f"INV{n:07d}" for n in doc_nums], dtype=object)
    ddate = as_of - rng.integers(0, 150, items).astype("timedelta64[D]")
    amt = np.round(np.exp(rng.normal(7.0, 1.2, items)) * 100).astype(np.int64) + 100
    po = np.array([f"PO-{4500000000 + i}" if r < 0.5 else "" for i, r in enumerate(rng.random(items))], dtype=object)
    by_cust: dict[int, list[int]] = {}
    for i, c in enumerate(cust_of.tolist()):
        by_cust.setdefault(c, []).append(i)
    used = np.zeros(items, dtype=bool)
    kinds = rng.choice(list(KINDS), payments, p=np.array(list(KINDS.values())) / sum(KINDS.values()))
    pay_rows, truth, remit = [], [], []

    def pick(c=None):
        for _ in range(50):
            i = int(rng.integers(0, items)) if c is None else int(rng.choice(by_cust[c]))
            if not used[i]:
                used[i] = True
                return i
        return None

    def payer_of(c: int):
        r = rng.random()
        if accounts[c] and r < 0.45:
            return "", accounts[c]
        name = names[c]
        r = rng.random()
        if r < 0.4:
            name = name.upper()
        elif r < 0.55 and len(name) > 8:
            k = int(rng.integers(1, len(name) - 1))
            name = name[:k] + name[k + 1:]
        elif r < 0.8:
            name = f"{name} {legal[c]}".strip()
        return name, ""

    def fmt_doc(i, how):
        d = docs[i]
        n = d[3:]
        return {0: f"INV {int(n)}", 1: f"#{n}", 2: str(int(n)), 3: f"inv-{n}", 4: f"Invoice {n}"}[how]

    def ocr(d):
        s = list(d)
        pos = [k for k, ch in enumerate(s) if ch in "0158" and k >= 3]
        if pos and rng.random() < 0.6:
            k = int(rng.choice(pos))
            s[k] = {"0": "O", "1": "I", "5": "S", "8": "B"}[s[k]]
        else:
            k = int(rng.integers(4, len(s)))
            if rng.random() < 0.5 and k + 1 < len(s):
                s[k], s[k + 1] = s[k + 1], s[k]
            else:
                s[k] = str((int(s[k]) + 1) % 10) if s[k].isdigit() else s[k]
        return "".join(s)

    vd = as_of + np.timedelta64(1, "D")
    for p, kind in enumerate(kinds):
        pid = f"P{p + 1:07d}"
        c = int(rng.integers(0, n_c))
        name, acct = payer_of(c)
        ref, cid = "", ""
        value_date = vd
        if kind == "unresolvable":
            amount = int(rng.integers(1000, 500000))
            pay_rows.append((pid, value_date, amount, f"Payer {rng.integers(10**6)}", "", f"TRANSFER {rng.integers(10**9)}", ""))
            truth.append((pid, "", 0, kind, False))
            continue
        if kind in ("multi", "combination"):
            k = int(rng.integers(2, 5 if kind == "multi" else 4))
            its = [pick(c) for _ in range(k)]
            its = [i for i in its if i is not None]
        else:
            its = [pick(c)]
            its = [i for i in its if i is not None]
        if not its:
            continue
        total = int(sum(amt[i] for i in its))
        applied = {i: int(amt[i]) for i in its}
        amount = total
        if kind == "exact":
            ref = f"{docs[its[0]]}"
        elif kind == "reformatted":
            ref = f"Payment {fmt_doc(its[0], int(rng.integers(0, 5)))}"
        elif kind == "multi":
            ref = "INV " + ", ".join(fmt_doc(i, 2) if rng.random() < 0.5 else docs[i] for i in its)
        elif kind == "ocr_typo":
            ref = ocr(docs[its[0]])
        elif kind == "short_deduction":
            short = int(amt[its[0]] * rng.uniform(0.05, 0.3))
            amount = total - short
            applied[its[0]] = amount
            ref = f"{docs[its[0]]} {rng.choice(_REASONS)}"
        elif kind == "short_tolerance":
            short = int(rng.integers(1, 5))
            if short * 200 > amt[its[0]]:
                short = 0
            amount = total - short
            applied[its[0]] = amount
            ref = fmt_doc(its[0], 0)
        elif kind == "discount":
            terms[c] = "2/10 NET30"
            i = its[0]
            ddate[i] = vd - np.timedelta64(int(rng.integers(0, 9)), "D")
            disc = int((amt[i] * 2 + 50) // 100)
            amount = total - disc
            applied[i] = amount
            ref = docs[i] if rng.random() < 0.5 else ""
        elif kind == "overpay":
            amount = total + int(rng.integers(100, 5000))
            ref = docs[its[0]]
        elif kind == "amount_only":
            ref = rng.choice(["", "PAYMENT", "THANK YOU", "ACH CREDIT", f"BATCH {rng.integers(10**5)}"])
        elif kind == "combination":
            ref = ""
        elif kind == "po":
            if not po[its[0]]:
                po[its[0]] = f"PO-{9000000 + p}"
            ref = f"PO {po[its[0]][3:]}"
        elif kind == "remittance":
            ref = f"REMIT ADVICE {rng.integers(10**6)}"
            for i in its:
                remit.append((pid, docs[i], amt[i] / 100))
        if kind in ("amount_only", "combination") and not name and not acct:
            name = names[c]
        pay_rows.append((pid, value_date, amount, name, acct, ref, cid))
        for i, a in applied.items():
            truth.append((pid, docs[i], a, kind, True))
    customers["payment_terms"] = terms
    oi = pd.DataFrame({"customer_id": np.array(cust_ids, dtype=object)[cust_of], "document_no": docs,
                       "document_date": ddate.astype("datetime64[ns]"), "amount": amt / 100, "open_amount": amt / 100,
                       "currency": "USD", "po_number": po})
    payments_df = pd.DataFrame(pay_rows, columns=["payment_id", "value_date", "amount", "payer_name", "payer_account",
                                                  "reference", "customer_id"])
    payments_df["value_date"] = pd.to_datetime(payments_df["value_date"])
    payments_df["amount"] = payments_df["amount"] / 100
    truth_df = pd.DataFrame(truth, columns=["payment_id", "document_no", "applied_amount", "kind", "resolvable"])
    rem_df = pd.DataFrame(remit, columns=["payment_id", "document_no", "amount_paid"])
    return oi, customers, payments_df, rem_df, truth_df


def _demo(items, payments, seed):
    try:
        from xl_collections.demo import generate as demo_generate
    except ImportError:
        return None
    try:
        book = demo_generate(items=items, payments=payments, seed=seed)
    except TypeError:
        return None
    if getattr(book, "payments", None) is None or getattr(book, "truth", None) is None:
        return None
    truth = book.truth.copy()
    if "resolvable" not in truth:
        flag = getattr(book, "resolvable", None)
        if flag is None and "resolvable" in book.payments:
            flag = book.payments.set_index("payment_id")["resolvable"]
        truth["resolvable"] = truth["payment_id"].map(flag) if flag is not None else truth["document_no"] != ""
    return (book.open_items, book.customers, book.payments, getattr(book, "remittance", None), truth,
            getattr(book, "fx_rates", None))


def vlookup(open_items: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """What a specialist's VLOOKUP does: the whole reference text equals a document number
    (exact, after trimming); the payment is applied in full to that document."""
    docs = dict(zip(open_items["document_no"].astype(str).str.strip(), open_items["document_no"]))
    rows = []
    for pid, ref, amount in zip(payments["payment_id"], payments["reference"].astype(str).str.strip(), payments["amount"]):
        d = docs.get(ref)
        if d is not None:
            rows.append((pid, d, int(amount), "AUTO"))
    return pd.DataFrame(rows, columns=["payment_id", "document_no", "applied_amount", "status"])


def score(apps: pd.DataFrame, payments: pd.DataFrame, truth: pd.DataFrame) -> dict:
    auto = apps[apps["status"] == "AUTO"]
    got = {pid: sorted(zip(g["document_no"], g["applied_amount"].astype(int))) for pid, g in auto.groupby("payment_id")}
    t = truth[truth["document_no"] != ""]
    want = {pid: sorted(zip(g["document_no"], g["applied_amount"].astype(int))) for pid, g in t.groupby("payment_id")}
    resolvable = set(truth.loc[truth["resolvable"].astype(bool), "payment_id"])
    pids = list(payments["payment_id"])
    n = len(pids)
    correct = sum(1 for pid in pids if got.get(pid, []) == want.get(pid, []))
    auto_pids = [pid for pid in pids if pid in got]
    right = sum(1 for pid in auto_pids if got[pid] == want.get(pid, []))
    res_ok = sum(1 for pid in resolvable if pid in got and got[pid] == want.get(pid, []))
    review = set(apps.loc[apps["status"] == "REVIEW", "payment_id"])
    return {"fully correct": correct / n, "AUTO precision": right / max(1, len(auto_pids)),
            "resolvable auto-applied": res_ok / max(1, len(resolvable)), "REVIEW share": len(review) / n,
            "unapplied share": (n - len(auto_pids)) / n, "auto payments": len(auto_pids),
            "wrong auto": len(auto_pids) - right}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--generator", choices=("auto", "demo", "own"), default="auto")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show-wrong", type=int, default=0, help="print this many wrong AUTO payments")
    ap.add_argument("--no-fx", action="store_true", help="do not pass the demo's fx_rates to apply_cash")
    ap.add_argument("--show-missed", metavar="KIND", help="print missed payments of this kind (with the engine's reason)")
    ap.add_argument("--first-pass", action="store_true",
                    help="also run the cascade alone (Cascade.first_pass off): both times, and whether every result "
                         "table is the same")
    a = ap.parse_args(argv)
    items, payments = (30_000, 3_000) if a.small else (1_000_000, 100_000) if a.large else (300_000, 30_000)
    t0 = time.perf_counter()
    data = None if a.generator == "own" else _demo(items, payments, a.seed)
    source = "demo generator"
    if data is None:
        if a.generator == "demo":
            print("the demo generator offers no payments yet", file=sys.stderr)
            return 2
        data, source = generate(items, payments, a.seed), "benchmarks/cashapp.py generator"
    oi, cus, pay, rem, truth, *more = data
    fx = None if a.no_fx or not more else more[0]
    settings = Settings()
    kw = dict(reporting_currency=settings.reporting_currency)
    oi, pay = canonical(oi, "open_items", **kw), canonical(pay, "payments", **kw)
    cus = canonical(cus, "customers", **kw) if cus is not None else None
    rem = canonical(rem, "remittance", **kw) if rem is not None and len(rem) else None
    truth = truth.copy()
    if truth["applied_amount"].dtype.kind == "f":   # major units -> minor
        truth["applied_amount"] = (truth["applied_amount"] * 100).round().astype("int64")
    print(f"data: {len(pay):,} payments vs {len(oi):,} open items ({source}, seed {a.seed}), "
          f"generated in {time.perf_counter() - t0:.1f} s")
    if source == "demo generator":
        try:
            from xl_collections.demo.cash import NOISE_MIX
            print("noise mix: " + ", ".join(f"{k} {v:.0%}" for k, v in NOISE_MIX.items()))
        except ImportError:
            pass

    t, c = time.perf_counter(), time.process_time()
    v = vlookup(oi, pay)
    tv, cv = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    res = apply_cash(oi, pay, customers=cus, remittance=rem, settings=settings, fx_rates=fx)
    te, ce = time.perf_counter() - t, time.process_time() - c
    if a.first_pass:
        _compare_first_pass(res, te, ce, lambda: apply_cash(oi, pay, customers=cus, remittance=rem, settings=settings,
                                                            fx_rates=fx))
    sv, se = score(v, pay, truth), score(res.applications, pay, truth)
    print(f"\n{'':28}{'VLOOKUP':>12}{'apply_cash':>12}")
    for k in ("fully correct", "AUTO precision", "resolvable auto-applied", "REVIEW share", "unapplied share"):
        print(f"{k:28}{sv[k]:>11.1%} {se[k]:>11.1%}")
    print(f"{'wrong AUTO payments':28}{sv['wrong auto']:>12,}{se['wrong auto']:>12,}")
    print(f"{'time':28}{tv:>11.2f}s{te:>11.2f}s")
    print(f"{'CPU time':28}{cv:>11.2f}s{ce:>11.2f}s")
    target = 10 if not a.large else 60
    if not a.small:
        print(f"\ntargets: AUTO precision >= 99.5 %: {'met' if se['AUTO precision'] >= 0.995 else 'MISSED'}; "
              f"resolvable auto-applied >= 90 %: {'met' if se['resolvable auto-applied'] >= 0.90 else 'MISSED'}; "
              f"time < {target} s: {'met' if te < target else 'MISSED'}")
    # per kind
    kinds = truth.drop_duplicates("payment_id").set_index("payment_id")["kind"]
    auto = res.applications[res.applications["status"] == "AUTO"]
    got = {pid: sorted(zip(g["document_no"], g["applied_amount"].astype(int))) for pid, g in auto.groupby("payment_id")}
    want = {pid: sorted(zip(g["document_no"], g["applied_amount"].astype(int)))
            for pid, g in truth[truth["document_no"] != ""].groupby("payment_id")}
    # a REVIEW proposal naming exactly the right documents (what a person only has to confirm)
    rev = res.applications[res.applications["status"] == "REVIEW"]
    proposed = {pid: sorted(g["document_no"]) for pid, g in rev.groupby("payment_id")}
    print(f"\nfx_rates passed: {'yes' if fx is not None else 'no'}")
    print(f"{'kind':20}{'payments':>10}{'correct':>10}{'wrong':>8}{'proposed right':>16}")
    for kind, pids in kinds.groupby(kinds).groups.items():
        ok = sum(1 for pid in pids if got.get(pid, []) == want.get(pid, []))
        bad = sum(1 for pid in pids if pid in got and got[pid] != want.get(pid, []))
        prop = sum(1 for pid in pids if pid in proposed and want.get(pid)
                   and proposed[pid] == sorted(d for d, _ in want[pid]))
        print(f"{kind:20}{len(pids):>10,}{ok / len(pids):>10.1%}{bad:>8,}{prop / len(pids):>16.1%}")
    if a.show_wrong:
        pays = pay.set_index("payment_id")
        shown = 0
        for pid in pids_sorted(got):
            if got[pid] != want.get(pid, []):
                print(pid, kinds.get(pid), pays.loc[pid, ["amount", "payer_name", "reference"]].tolist(),
                      "\n   got ", got[pid], "\n   want", want.get(pid))
                shown += 1
                if shown >= a.show_wrong:
                    break
    if a.show_missed:
        pays = pay.set_index("payment_id")
        un = res.unapplied.set_index("payment_id")
        shown = 0
        for pid in kinds[kinds == a.show_missed].index:
            if got.get(pid, []) != want.get(pid, []) and pid not in got:
                detail = un.loc[[pid], ["reason", "detail"]].values.tolist() if pid in un.index else ""
                print(pid, pays.loc[pid, ["amount", "payer_name", "payer_account", "reference"]].tolist(),
                      "\n   want", want.get(pid), "\n   ", detail)
                shown += 1
                if shown >= 12:
                    break
    return 0


def _compare_first_pass(res, wall: float, cpu: float, run) -> None:
    """Run ``run`` (apply_cash on the same inputs) with the cascade alone (``Cascade.first_pass``
    off) and print both times side by side and whether every result table is the same."""
    from dataclasses import fields

    from xl_collections.cashapp.cascade import Cascade
    Cascade.first_pass = False
    try:
        t, c = time.perf_counter(), time.process_time()
        careful = run()
        tc, cc = time.perf_counter() - t, time.process_time() - c
    finally:
        Cascade.first_pass = True
    differ = []
    for f in fields(res):
        x, y = getattr(res, f.name), getattr(careful, f.name)
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x, y, check_exact=True)
            except AssertionError:
                differ.append(f.name)
        elif x != y:
            differ.append(f.name)
    print(f"\n{'apply_cash':28}{'cascade alone':>14}{'first pass':>12}")
    print(f"{'time':28}{tc:>13.2f}s{wall:>11.2f}s")
    print(f"{'CPU time':28}{cc:>13.2f}s{cpu:>11.2f}s")
    print("result tables: " + ("the same" if not differ else "DIFFER: " + ", ".join(differ)))


def pids_sorted(d):
    return sorted(d)


if __name__ == "__main__":
    sys.exit(main())
