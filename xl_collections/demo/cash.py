"""The as-of month's payments with the remittance text banks really give, the remittance
advice lines, and the ground truth of which payment pays what.

Truth (one row per payment and document it pays; money in minor units):
``applied_amount`` cash applied to the document (document currency), ``discount_amount``
early-payment discount taken, ``deduction_amount`` short-paid and to be raised as a
deduction (reason in ``deduction_reason``): ``applied + discount + deduction`` is what
leaves the open item (equal to its open amount unless the payment is PARTIAL).
``cash_amount`` is the part of the payment (payment currency) this row accounts for; rows
with an empty ``document_no`` are cash left on account (OVERPAY excess) or cash no one could
place (UNIDENTIFIED).  Per payment ``sum(cash_amount) == payments.amount``; when currencies
agree ``cash_amount == applied_amount`` on document rows.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ._common import DAY, convert_minor, d64, month_start, weighted_counts

# Share of payments per kind of remittance noise (sums to 1).
NOISE_MIX = {
    "EXACT_REF": 0.30,          # reference is exactly the document number (what VLOOKUP finds)
    "PREFIX": 0.10,             # RE / # / Inv. / INV- / spacing / case around the number
    "LOST_ZEROS": 0.07,         # INV0012345 -> INV12345, 00012345 -> 12345
    "OCR": 0.04,                # O/0, I/1, S/5, B/8 confusions
    "TYPO": 0.04,               # one edit: substitution, transposition, deletion, insertion
    "MULTI": 0.10,              # 2-5 invoices of one customer in one reference
    "SHORT_PAY": 0.05,          # short by an amount with a reason word -> deduction
    "PARTIAL": 0.02,            # part payment of an invoice, rest stays open
    "OVERPAY": 0.03,            # pays more than open: excess on account
    "DISCOUNT": 0.04,           # 2/10 NET30 customer takes 2 % within 10 days
    "PO_ONLY": 0.04,            # only the PO number
    "PAYER_ONLY_AMOUNT": 0.06,  # no usable reference: known payer account / lockbox id + exact amount
    "UNKNOWN_PAYER": 0.03,      # third party pays (factor, parent, person); the reference is good
    "UNIDENTIFIED": 0.02,       # no usable reference, unknown payer: not resolvable
    "CURRENCY_DIFF": 0.01,      # EUR/GBP/CAD invoice paid in the reporting currency at the as-of rate
    "REMITTANCE": 0.05,         # reference points to a remittance advice (remittance table lines)
}
# How the payer name on the bank line differs from the master (independent of the kind).
PAYER_NAME_MIX = {"exact": 0.35, "upper": 0.20, "suffix": 0.15, "abbrev": 0.10, "typo": 0.08,
                  "truncated": 0.07, "blank": 0.05}
# The payer account: one of the customer's bank_accounts, blank, or an account not on file.
PAYER_ACCOUNT_MIX = {"known": 0.55, "blank": 0.30, "unknown": 0.15}
SHARE_LOCKBOX_ID = 0.10        # payments where the bank already knows the customer_id
SHARE_REMITTANCE_DEDUCTION = 0.2  # remittance lines that deduct

THIRD_PARTIES = ("FIRST NATIONAL FACTORING", "GLOBAL PAYMENT SERVICES", "JOHN A SMITH",
                 "CITY TREASURY DEPT", "TRADE FINANCE PARTNERS", "NORTHERN TRUST AS AGENT",
                 "SHARED SERVICES CENTRE", "BILLPAY PROCESSING LLC")
REASON_WORDS = {"DAMAGED": ("damaged goods", "DAMAGED", "dmg goods"), "SHORTAGE": ("short shipped", "SHORTAGE", "qty short"),
                "PRICING": ("price diff", "PRICING ERROR", "price variance"), "PROMO": ("promo allowance", "COOP PROMO", "promotion"),
                "FREIGHT": ("freight", "FREIGHT CHARGE"), "RETURN": ("returned goods", "RETURN")}
ABBREV = {"International": "Intl", "National": "Natl", "American": "Amer", "Consolidated": "Consol",
          "Industries": "Inds", "Distribution": "Dist", "Manufacturing": "Mfg", "Company": "Co",
          "Corporation": "Corp", "Limited": "Ltd", "Incorporated": "Inc", "Brothers": "Bros",
          "Logistics": "Log", "Components": "Comp", "Pharma": "Pharm", "Systems": "Sys"}
SUFFIX_SWAP = {"Inc": "Incorporated", "LLC": "L.L.C.", "Corp": "Corporation", "Co": "Company", "Ltd": "Limited",
               "Limited": "Ltd", "Company": "Co.", "GmbH": "G.m.b.H.", "PLC": "plc", "AG": "", "SA": "S.A.",
               "BV": "B.V.", "SARL": "S.A.R.L."}
OCR_MAP = {"0": "O", "1": "I", "5": "S", "8": "B"}
KINDS_NEEDING_DOCS = tuple(k for k in NOISE_MIX if k != "UNIDENTIFIED")


def _split(doc: str) -> tuple[str, str]:
    i = 0
    while i < len(doc) and doc[i].isalpha():
        i += 1
    return doc[:i], doc[i:]


def _pick(seq, u: float):
    return seq[min(int(u * len(seq)), len(seq) - 1)]


def _money(minor: int) -> str:
    """``120.00``, ``1,120.00``: an amount as people write it in remittance text."""
    return f"{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def ref_prefix(doc: str, u: float) -> str:
    p, d = _split(doc)
    if p:
        forms = (f"RE {doc}", f"RE: {doc}", f"#{doc}", f"Inv. {d}", f"{p} {d}", f"{p}-{d}", doc.lower(),
                 f"Invoice {doc}", f"PAYMENT FOR {doc}", f"{p}#{d}", f"RE {d}", f"{doc}.")
    else:
        forms = (f"RE {d}", f"RE: {d}", f"#{d}", f"Inv. {d}", f"INV{d}", f"INVOICE {d}", f"Rechnung {d}",
                 f"{d[:4]} {d[4:]}", f"Inv No {d}", f"RE-{d}")
    return _pick(forms, u)


def ref_lost_zeros(doc: str, u: float) -> str:
    p, d = _split(doc)
    z = d.lstrip("0")
    forms = (f"{p}{z}", z, f"{p} {z}", f"RE {z}") if p else (z, f"RE {z}", f"#{z}", f"INV {z}")
    return _pick(forms, u)


def ref_ocr(doc: str, u: float, u2: float) -> str:
    p, d = _split(doc)
    pos = [i for i, ch in enumerate(d) if ch in OCR_MAP]
    chars = list(d)
    n = 1 if u2 < 0.7 or len(pos) < 2 else 2
    start = int(u * len(pos))
    for j in range(n):
        i = pos[(start + j) % len(pos)]
        chars[i] = OCR_MAP[chars[i]]
    return p + "".join(chars)


def ref_typo(doc: str, u: float, u2: float, u3: float) -> str:
    p, d = _split(doc)
    chars = list(d)
    i = min(int(u2 * len(chars)), len(chars) - 1)
    op = _pick(("sub", "swap", "del", "ins"), u)
    if op == "swap":
        js = [j for j in range(len(chars) - 1) if chars[j] != chars[j + 1]]
        if js:
            j = js[min(int(u2 * len(js)), len(js) - 1)]
            chars[j], chars[j + 1] = chars[j + 1], chars[j]
        else:
            op = "sub"
    if op == "sub":
        new = str((int(chars[i]) + 1 + int(u3 * 9)) % 10)
        chars[i] = new
    elif op == "del":
        del chars[max(i, 1) if len(chars) > 1 else i]
    elif op == "ins":
        chars.insert(i, str(int(u3 * 10)))
    out = p + "".join(chars)
    return out if out != doc else p + d[:-1] + str((int(d[-1]) + 1) % 10)


def payer_name_variant(name: str, style: str, u: float) -> str:
    words = name.split()
    if style == "exact":
        return name
    if style == "upper":
        return name.upper().replace(".", "")
    if style == "suffix":
        last = words[-1]
        swap = SUFFIX_SWAP.get(last, "")
        out = " ".join(words[:-1] + ([swap] if swap and u < 0.6 else []))
        return out.upper() if u > 0.8 else out
    if style == "abbrev":
        out = " ".join(ABBREV.get(w, w) for w in words)
        if out == name:
            out = " ".join(words[:-1])          # drop the legal form
        return out.upper()
    if style == "typo":
        core = list(name)
        letters = [i for i, ch in enumerate(core) if ch.isalpha()]
        i = letters[min(int(u * len(letters)), len(letters) - 1)]
        if u < 0.5 and i + 1 < len(core) and core[i + 1].isalpha():
            core[i], core[i + 1] = core[i + 1], core[i]
        else:
            del core[i]
        return "".join(core)
    if style == "truncated":
        return name.upper()[:18].rstrip()
    return ""


def make_payments(rng: np.random.Generator, oi: pd.DataFrame, cust: pd.DataFrame, *, n_payments: int,
                  as_of: dt.date, reporting: str, rates: dict[str, int], exclude: set[str]):
    """Payments, remittance lines and truth.  ``oi`` is the working open-items frame (one row
    per open item, ``ci`` its customer's position in ``cust``); documents in ``exclude``
    (planted breaks) are never paid.  Returns ``(payments, remittance, truth, paid)`` with
    the first two as raw column dicts and ``paid`` listing (oi position, payment_id, value date)
    of single-document payments (for promises kept)."""
    asof = d64(as_of)
    p_start = month_start(np.array([asof]))[0]
    n = len(oi)
    docno = oi["document_no"].to_numpy()
    ci = oi["ci"].to_numpy()
    open_amt = oi["open_amount"].to_numpy()
    amount = oi["amount"].to_numpy()
    cur = oi["currency"].to_numpy()
    doc_date = oi["document_date"].to_numpy().astype("datetime64[D]")
    seq = oi["seq"].to_numpy()
    numeric = oi["numeric"].to_numpy()
    dtype = oi["doc_type"].to_numpy()
    eligible = (np.isin(dtype, ["INV", "DM"]) & np.isin(oi["status"].to_numpy(), ["OPEN", "PROMISED"])
                & (open_amt > 0) & ~pd.Series(docno, dtype=object).isin(exclude).to_numpy())
    accounts = cust["accounts"].to_list()
    has_acc = np.array([len(a) > 0 for a in accounts])
    cust_amt_n = oi.groupby(["ci", "open_amount"])["open_amount"].transform("size").to_numpy()
    cond = {
        "LOST_ZEROS": np.where(numeric & (dtype == "INV"), seq < 10**7, seq < 10**6),
        "OCR": np.any([np.isin(seq // 10**k % 10, [0, 1, 5, 8]) for k in range(7)], axis=0),
        "SHORT_PAY": open_amt >= 5_000,
        "PARTIAL": open_amt >= 5_000,
        "DISCOUNT": ((oi["terms"].to_numpy() == "2/10 NET30") & (dtype == "INV") & (open_amt == amount)
                     & (doc_date >= p_start - 10 * DAY) & (doc_date <= asof)),
        "PO_ONLY": oi["po_number"].to_numpy() != "",
        "PAYER_ONLY_AMOUNT": cust_amt_n == 1,
        "CURRENCY_DIFF": cur != reporting,
    }
    counts = weighted_counts(NOISE_MIX, n_payments, at_least_one=n_payments >= 2 * len(NOISE_MIX))
    perm = rng.permutation(n)
    used = np.zeros(n, dtype=bool)
    groups: list[tuple[str, list[int]]] = []     # (kind, open-item positions)
    shortfall = 0

    def take_single(kind, k):
        m = eligible & ~used
        if kind in cond:
            m = m & cond[kind]
        got = perm[m[perm]][:k]
        used[got] = True
        return got.tolist()

    def take_groups(kind, k):
        m = eligible & ~used
        pos = perm[m[perm]]
        if not len(pos) or k == 0:
            return []
        frame = pd.DataFrame({"pos": pos, "ci": ci[pos]})
        frame["rank"] = frame.groupby("ci").cumcount()
        size = frame.groupby("ci")["pos"].size()
        multi = size[size >= 2].index.to_numpy()
        chosen = multi[rng.permutation(len(multi))][:k]
        want = pd.Series(np.minimum(rng.integers(2, 6 if kind == "MULTI" else 7, len(chosen)), size[chosen].to_numpy()), index=chosen)
        slot = pd.Series(np.arange(len(chosen)), index=chosen)
        sel = frame[frame["ci"].isin(chosen)]
        sel = sel[sel["rank"].to_numpy() < sel["ci"].map(want).to_numpy()]
        sl = sel["ci"].map(slot).to_numpy()
        o = np.lexsort((sel["rank"].to_numpy(), sl))
        pos_sorted, sl = sel["pos"].to_numpy()[o], sl[o]
        used[pos_sorted] = True
        cuts = np.flatnonzero(np.diff(sl)) + 1
        return [a.tolist() for a in np.split(pos_sorted, cuts)]

    order = ["DISCOUNT", "CURRENCY_DIFF", "PAYER_ONLY_AMOUNT", "LOST_ZEROS", "PO_ONLY", "MULTI", "REMITTANCE",
             "OCR", "SHORT_PAY", "PARTIAL", "PREFIX", "TYPO", "OVERPAY", "UNKNOWN_PAYER", "EXACT_REF"]
    for kind in order:
        k = counts[kind] + (shortfall if kind == "EXACT_REF" else 0)
        if kind in ("MULTI", "REMITTANCE"):
            got = take_groups(kind, k)
            groups += [(kind, g) for g in got]
        else:
            got = take_single(kind, k)
            groups += [(kind, [g]) for g in got]
        shortfall += k - len(got) if kind != "EXACT_REF" else 0
    groups += [("UNIDENTIFIED", [])] * counts["UNIDENTIFIED"]
    # shuffle payments, then number them by value date
    groups = [groups[i] for i in rng.permutation(len(groups))]
    P = len(groups)
    U = rng.random((P, 8))
    lens = np.array([len(g) for _, g in groups], dtype=np.int64)
    flat = np.fromiter((p for _, g in groups for p in g), dtype=np.int64, count=int(lens.sum()))
    latest = np.full(P, p_start, dtype="datetime64[D]")
    if len(flat):
        starts = np.r_[0, np.cumsum(lens)[:-1]]
        nz = lens > 0
        latest[nz] = np.maximum.reduceat(doc_date[flat].astype(np.int64), starts[nz]).astype("datetime64[D]")
    lo = np.maximum(latest, p_start)
    hi = np.full(P, asof)
    is_disc = np.array([k == "DISCOUNT" for k, _ in groups], dtype=bool)
    hi[is_disc] = np.minimum(asof, latest[is_disc] + 10 * DAY)
    span = ((hi - lo) / DAY).astype(np.int64) + 1
    value = lo + (U[:, 0] * span).astype(np.int64) * DAY
    wd = ((value - np.datetime64("1970-01-05")) / DAY).astype(np.int64) % 7    # 0 = Monday
    back = np.where(wd == 5, 1, np.where(wd == 6, 2, 0)) * DAY
    value = np.where(value - back >= lo, value - back, value)
    order_p = np.lexsort((np.arange(P), value))
    groups = [groups[i] for i in order_p]
    value, U = value[order_p], U[order_p]
    U_list = U.tolist()
    lens_sorted = [len(g) for _, g in groups]
    doc_offset = np.r_[0, np.cumsum(lens_sorted)].tolist()
    W = rng.random((doc_offset[-1], 8)).tolist()          # per paid document (MULTI, REMITTANCE)
    open_l = open_amt.tolist()
    po_l = oi["po_number"].to_numpy()
    lz_l = cond["LOST_ZEROS"].tolist()
    ym = str(asof.astype("datetime64[M]")).replace("-", "")
    pid = np.array([f"BNK-{ym}-{i + 1:06d}" for i in range(P)], dtype=object)

    name_style = np.array(list(PAYER_NAME_MIX), dtype=object)[
        rng.choice(len(PAYER_NAME_MIX), size=P, p=list(PAYER_NAME_MIX.values()))]
    acc_style = np.array(list(PAYER_ACCOUNT_MIX), dtype=object)[
        rng.choice(len(PAYER_ACCOUNT_MIX), size=P, p=list(PAYER_ACCOUNT_MIX.values()))]
    lockbox = rng.random(P) < SHARE_LOCKBOX_ID
    names = cust["customer_name"].to_numpy()
    cids = cust["customer_id"].to_numpy()
    terms_pct = 2

    p_amount = np.zeros(P, dtype=np.int64)
    p_cur = np.empty(P, dtype=object)
    p_name = np.empty(P, dtype=object)
    p_acc = np.empty(P, dtype=object)
    p_ref = np.empty(P, dtype=object)
    p_cid = np.empty(P, dtype=object)
    truth: list[tuple] = []
    rem: list[tuple] = []
    paid: list[tuple] = []
    reasons = list(REASON_WORDS)
    for j, (kind, g) in enumerate(groups):
        u = U_list[j]
        pay_id = pid[j]
        if not g:                                          # UNIDENTIFIED
            amt = int(round(float(np.exp(np.log(1500) + (u[1] - 0.5) * 3)) * 100))
            p_amount[j], p_cur[j] = amt, reporting
            p_name[j] = _pick(THIRD_PARTIES, u[2])
            p_acc[j] = f"999{int(u[3] * 1e9):09d}-{int(u[4] * 1e6):06d}"
            p_ref[j] = _pick(("PAYMENT", "TRANSFER", f"ACH CREDIT {int(u[5] * 1e6):06d}", "WIRE IN", "DEPOSIT", ""), u[6])
            p_cid[j] = ""
            truth.append((pay_id, "", "", kind, 0, 0, 0, "", amt, reporting, reporting, False))
            continue
        i0 = g[0]
        c = int(ci[i0])
        doc = docno[i0]
        ccy = cur[i0]
        opn = open_l[i0]
        pay_cur = ccy
        rows = []                                          # (pos, applied, discount, deduction, reason, cash)
        if kind == "EXACT_REF":
            ref, rows = doc, [(i0, opn, 0, 0, "", opn)]
        elif kind == "PREFIX":
            ref, rows = ref_prefix(doc, u[1]), [(i0, opn, 0, 0, "", opn)]
        elif kind == "LOST_ZEROS":
            ref, rows = ref_lost_zeros(doc, u[1]), [(i0, opn, 0, 0, "", opn)]
        elif kind == "OCR":
            ref, rows = ref_ocr(doc, u[1], u[2]), [(i0, opn, 0, 0, "", opn)]
        elif kind == "TYPO":
            ref, rows = ref_typo(doc, u[1], u[2], u[3]), [(i0, opn, 0, 0, "", opn)]
        elif kind == "UNKNOWN_PAYER":
            ref = doc if u[1] < 0.6 else ref_prefix(doc, u[2])
            rows = [(i0, opn, 0, 0, "", opn)]
        elif kind == "CURRENCY_DIFF":
            pay_cur = reporting
            cash = int(convert_minor(np.array([opn]), np.array([ccy], dtype=object), rates, reporting)[0])
            ref, rows = doc, [(i0, opn, 0, 0, "", cash)]
        elif kind == "PO_ONLY":
            po = po_l[i0]
            ref = _pick((f"PO {po}", f"PO#{po}", f"P.O. {po}", po, f"PURCHASE ORDER {po}"), u[1])
            rows = [(i0, opn, 0, 0, "", opn)]
        elif kind == "PAYER_ONLY_AMOUNT":
            ref = _pick(("", "PAYMENT", "ACH CREDIT", "INVOICE PAYMENT", "AP PAYMENT", "VENDOR PMT"), u[1])
            rows = [(i0, opn, 0, 0, "", opn)]
        elif kind == "DISCOUNT":
            disc = (opn * terms_pct * 2 + 100) // 200         # 2 %, half away from zero (opn > 0)
            ref = doc if u[1] < 0.5 else _pick((f"{doc} less 2% disc", f"{doc} 2% DISCOUNT", f"RE {doc} -2%"), u[2])
            rows = [(i0, opn - disc, disc, 0, "", opn - disc)]
        elif kind == "OVERPAY":
            excess = int(_pick((1000, 2500, 5000, 10000, 50000), u[1])) if u[2] < 0.6 else int(u[3] * 20000) + 1
            ref = doc if u[4] < 0.6 else ref_prefix(doc, u[5])
            rows = [(i0, opn, 0, 0, "", opn), (-1, 0, 0, 0, "", excess)]
        elif kind == "SHORT_PAY":
            reason = _pick(reasons, u[1])
            short = max(1000, int(opn * (0.02 + 0.18 * u[2])))
            if u[3] < 0.5:
                short = max(100, short // 100 * 100)
            short = min(short, opn - 100)
            words = _pick(REASON_WORDS[reason], u[4])
            ref = _pick((f"{doc} short {_money(short)} {words}", f"RE {doc} LESS {_money(short)} {words.upper()}",
                         f"{doc} - {words} ded {_money(short)}", f"{doc} SHORT PAID {words.upper()}"), u[5])
            rows = [(i0, opn - short, 0, short, reason, opn - short)]
        elif kind == "PARTIAL":
            part = int(opn * (0.3 + 0.4 * u[1]))
            ref = _pick((f"PARTIAL PAYMENT {doc}", f"{doc} part payment", f"on account {doc}", f"{doc} 1ST INSTALLMENT"), u[2])
            rows = [(i0, part, 0, 0, "", part)]
        elif kind == "MULTI":
            parts = []
            for n_, pos in enumerate(g):
                d_ = docno[pos]
                v = W[doc_offset[j] + n_][7]
                if v < 0.6:
                    parts.append(d_)
                elif v < 0.8 and lz_l[pos]:
                    parts.append(ref_lost_zeros(d_, v))
                else:
                    parts.append(_split(d_)[1])
                rows.append((pos, open_l[pos], 0, 0, "", open_l[pos]))
            sep = _pick((", ", " ", "; ", " / ", " & ", ","), u[1])
            ref = ("INVOICES " if u[2] < 0.3 else "") + sep.join(parts)
        elif kind == "REMITTANCE":
            ref = _pick(("SEE REMITTANCE ADVICE", "REMITTANCE SENT BY EMAIL", f"ACH CTX {len(g)} ADDENDA",
                         f"PMT ADVICE {pay_id}"), u[1])
            for n_, pos in enumerate(g):
                o = open_l[pos]
                v = W[doc_offset[j] + n_]
                d_ = docno[pos]
                pre, digits = _split(d_)
                advised = d_ if v[6] < 0.8 else (pre + digits.lstrip("0") if lz_l[pos] else d_.lower())
                if v[7] < SHARE_REMITTANCE_DEDUCTION and o >= 5_000:
                    reason = _pick(reasons, v[4])
                    ded = max(500, int(o * (0.02 + 0.1 * v[3])))
                    rows.append((pos, o - ded, 0, ded, reason, o - ded))
                    rem.append((pay_id, advised, o - ded, 0, ded, reason))
                else:
                    rows.append((pos, o, 0, 0, "", o))
                    rem.append((pay_id, advised, o, 0, 0, ""))
        else:  # pragma: no cover
            raise AssertionError(kind)
        p_amount[j] = sum(r[5] for r in rows)
        p_cur[j] = pay_cur
        p_ref[j] = ref
        if kind == "UNKNOWN_PAYER":
            p_name[j] = _pick(THIRD_PARTIES, u[6])
            p_acc[j] = f"999{int(u[7] * 1e9):09d}-{j:06d}" if u[3] < 0.7 else ""
            p_cid[j] = ""
        else:
            style, acc = name_style[j], acc_style[j]
            if kind == "PAYER_ONLY_AMOUNT":       # the payer must be identifiable
                acc = "known" if has_acc[c] else "blank"
                style = "exact" if u[6] < 0.5 else "upper"
            p_name[j] = payer_name_variant(names[c], style, u[6])
            accs = accounts[c]
            if acc == "known" and accs:
                p_acc[j] = accs[int(u[7] * len(accs)) % len(accs)]
            elif acc == "unknown":
                p_acc[j] = f"998{int(u[7] * 1e9):09d}-{j:06d}"
            else:
                p_acc[j] = ""
            p_cid[j] = cids[c] if (lockbox[j] or (kind == "PAYER_ONLY_AMOUNT" and not accs)) else ""
        for pos, applied, disc, ded, reason, cash in rows:
            if pos < 0:
                truth.append((pay_id, "", cids[c], kind, 0, 0, 0, "", cash, pay_cur, pay_cur, True))
            else:
                truth.append((pay_id, docno[pos], cids[c], kind, applied, disc, ded, reason, cash,
                              cur[pos], pay_cur, True))
        if len(g) == 1 and kind in ("EXACT_REF", "PREFIX", "LOST_ZEROS", "PO_ONLY"):
            paid.append((i0, pay_id, value[j]))
    payments = {"payment_id": pid, "value_date": value, "amount": p_amount, "currency": p_cur,
                "payer_name": p_name, "payer_account": p_acc, "reference": p_ref, "customer_id": p_cid}
    remittance = {"payment_id": np.array([r[0] for r in rem], dtype=object),
                  "document_no": np.array([r[1] for r in rem], dtype=object),
                  "amount_paid": np.array([r[2] for r in rem], dtype=np.int64),
                  "discount_taken": np.array([r[3] for r in rem], dtype=np.int64),
                  "deduction_amount": np.array([r[4] for r in rem], dtype=np.int64),
                  "deduction_reason": np.array([r[5] for r in rem], dtype=object)}
    truth_df = pd.DataFrame(truth, columns=["payment_id", "document_no", "customer_id", "kind", "applied_amount",
                                            "discount_amount", "deduction_amount", "deduction_reason", "cash_amount",
                                            "currency", "payment_currency", "resolvable"])
    for col in ("applied_amount", "discount_amount", "deduction_amount", "cash_amount"):
        truth_df[col] = truth_df[col].astype("int64")
    truth_df["resolvable"] = truth_df["resolvable"].astype(bool)
    return payments, remittance, truth_df, paid
