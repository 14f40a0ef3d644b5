"""Cash across runs through the workbook close, as a person uses it (CONTRACT §6): two or three
closes with random edits between them — decisions typed beside Cash App (ACCEPT / REJECT),
Cash App rows deleted, the payments re-imported (some twice), the ledger posting some of the
applied cash — and after every close: applied + unapplied = received per payment, no payment
applied twice, no document's open amount pushed below zero or below what the ledger has not
booked, and the close's cash total ties to the Cash App rows it added, to the cent."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries
import pandas as pd
from hypothesis import HealthCheck, Phase, example, given, settings as hsettings, strategies as st

from xl_collections.book import open_book
from xl_collections.core.headers import contract_name
from xl_collections.book.usercells import OWNED_NAME, Box, owned_boxes, owned_formula

from test_close_across_runs import book, close, replace_input

DOCS = [("INV0010001", "C100", 10000), ("INV0010002", "C100", 25000), ("INV0010003", "C100", 4000),
        ("INV0020001", "C200", 50000), ("INV0020002", "C200", 12000), ("INV0020003", "C200", 7000)]
NAMES = {"C100": "ACME TOOLS", "C200": "Beta Foods"}
CUST_OF = {d: c for d, c, _ in DOCS}


@st.composite
def pool(draw):
    """Payments: (payment_id, value_date, amount in pence, reference, payer)."""
    out = []
    for k in range(draw(st.integers(2, 6))):
        doc, cust, amt = draw(st.sampled_from(DOCS))
        kind = draw(st.sampled_from(["exact", "part", "none", "two"]))
        if kind == "part":
            amt = draw(st.integers(1, amt))
        elif kind == "two":
            other = draw(st.sampled_from([d for d in DOCS if d[1] == cust and d[0] != doc]))
            amt += other[2]
            doc = f"{doc} {other[0]}"
        out.append((f"P{k}", f"2026-10-{k + 1:02d}", amt, "" if kind == "none" else doc, NAMES[cust]))
    return out


EDIT = st.one_of(st.tuples(st.just("decide"), st.integers(0, 9), st.sampled_from(["ACCEPT", "REJECT"])),
                 st.tuples(st.just("delete"), st.integers(0, 9)),
                 st.tuples(st.just("reimport"), st.booleans()),
                 st.tuples(st.just("post"), st.floats(0, 1)))


def _items(ledger: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame([{"customer_id": CUST_OF[d], "document_no": d, "doc_type": "INV", "document_date": "2026-09-15",
                          "due_date": "2026-10-15", "amount": a / 100, "open_amount": a / 100, "currency": "GBP"}
                         for d, a in ledger.items() if a])


def _payments(rows, twice=False) -> pd.DataFrame:
    df = pd.DataFrame([{"payment_id": p, "value_date": d, "amount": a / 100, "currency": "GBP", "payer_name": n,
                        "reference": r} for p, d, a, r, n in rows])
    return pd.concat([df, df.iloc[:1]], ignore_index=True) if twice else df


def _pence(v) -> int:
    return int((Decimal(str(v)) * 100).to_integral_value())


def _cash_app_rows(ws):
    head = next(r for r in range(1, 40) if contract_name(ws.cell(r, 1).value) == "payment_id")   # "Payment"
    cols = {contract_name(ws.cell(head, c).value): c for c in range(1, 80) if ws.cell(head, c).value not in (None, "")}
    rows = [r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, 1).value not in (None, "")
            and ws.cell(r, cols["status"]).value in ("AUTO", "REVIEW")]
    return head, cols, rows


def _decide(path, n: int, decision: str) -> None:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Cash App"]
    head, cols, rows = _cash_app_rows(ws)
    want = "REVIEW" if decision == "ACCEPT" else "AUTO"
    rows = [r for r in rows if ws.cell(r, cols["status"]).value == want]
    if not rows:
        return
    col = cols.get("decision") or max(cols.values()) + 1
    ws.cell(head, col, "decision")
    ws.cell(rows[n % len(rows)], col, decision)
    wb.save(path)


def _delete(path, n: int) -> None:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Cash App"]
    _, cols, rows = _cash_app_rows(ws)
    rows = [r for r in rows if ws.cell(r, cols["status"]).value == "AUTO"]
    if rows:
        delete_row(ws, rows[n % len(rows)])
        wb.save(path)


def delete_row(ws, r: int) -> None:
    """What Excel does when a person deletes sheet row ``r``: the cells below move up and every
    table over the row gets one row shorter (openpyxl alone leaves the tables' ranges as they were)."""
    ws.delete_rows(r)
    for t in ws.tables.values():
        c1, r1, c2, r2 = range_boundaries(t.ref)
        if r1 < r <= r2:
            t.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2 - 1}"
        elif r <= r1:
            t.ref = f"{get_column_letter(c1)}{r1 - 1}:{get_column_letter(c2)}{r2 - 1}"
        if t.autoFilter is not None:
            t.autoFilter.ref = t.ref
    d = r - 1                                   # and every range name over it (the program's xlc_owned)
    for dn in ws.defined_names.values():
        if dn.name != OWNED_NAME:
            continue
        boxes = []
        for b in owned_boxes(dn.attr_text):
            if d < b.r0:
                b = Box(b.r0 - 1, b.c0, b.r1 - 1, b.c1)
            elif d <= b.r1:
                b = Box(b.r0, b.c0, b.r1 - 1, b.c1)
            if b.r1 >= b.r0:
                boxes.append(b)
        dn.attr_text = owned_formula(ws.title, boxes)


@hsettings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],     # no shrinking: slow
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                  HealthCheck.function_scoped_fixture])
@given(pool(), st.lists(st.lists(EDIT, max_size=4), min_size=1, max_size=2))
@example(payments=[("P0", "2026-10-01", 25000, "", "ACME TOOLS"), ("P1", "2026-10-02", 3038, "INV0020001", "Beta Foods")],
         rounds=[[("delete", 8), ("post", 1.0), ("decide", 3, "ACCEPT")], [("delete", 3), ("post", 0.68)]])
def test_closes_with_a_persons_edits_between_never_apply_cash_twice(tmp_path_factory, payments, rounds):
    ledger = {d: a for d, _, a in DOCS}
    posted: set[tuple] = set()
    path = book(tmp_path_factory.mktemp("close"), "ar.xlsm", "2026-10-31", _items(ledger), _payments(payments))
    assert close(path, "2026-10-31") == 0
    applied_by: dict[str, str] = {}               # payment -> the run that applied it, over all closes
    _check(path, payments, ledger, posted, applied_by)
    for edits in rounds:
        for e in edits:
            if e[0] == "decide":
                _decide(path, e[1], e[2])
            elif e[0] == "delete":
                _delete(path, e[1])
            elif e[0] == "reimport":
                replace_input(path, "Payments", _payments(payments, twice=e[1]))
            elif e[0] == "post":
                apps = open_book(path).read_table("tblCashApp")
                exc = open_book(path).read_table("tblExceptions")
                doubtful = set(exc["payment_id"]) if len(exc) else set()
                auto = apps[(apps["status"] == "AUTO") & ~apps["payment_id"].isin(doubtful)]
                if "decision" in auto.columns:
                    auto = auto[auto["decision"].fillna("").astype(str) == ""]
                for i, r in enumerate(auto.itertuples()):
                    if (r.payment_id, r.document_no) in posted or (i % 10) / 10 >= e[1]:
                        continue
                    cleared = sum(_pence(getattr(r, c)) for c in ("applied_amount", "write_off_amount",
                                                                  "discount_amount", "deduction_amount"))
                    if cleared > ledger[r.document_no]:
                        continue
                    posted.add((r.payment_id, r.document_no))
                    ledger[r.document_no] -= cleared
                replace_input(path, "Open Items", _items(ledger))
        assert close(path, "2026-10-31") == 0
        _check(path, payments, ledger, posted, applied_by)


def _check(path, payments, ledger, posted, applied_by: dict[str, str]) -> None:
    b = open_book(path)
    apps = b.read_table("tblCashApp")
    un = b.read_table("tblUnapplied")
    auto = apps[apps["status"] == "AUTO"]
    applied = auto.groupby("payment_id")["applied_amount"].sum().map(_pence)
    left = un.groupby("payment_id")["amount_unapplied"].sum().map(_pence) if len(un) else pd.Series(dtype=int)
    for pid, _, amount, _, _ in payments:
        assert applied.get(pid, 0) + left.get(pid, 0) == amount, (pid, apps, un)
    # no payment applied twice: one run per payment, each document once
    assert (auto.groupby("payment_id")["run_id"].nunique() <= 1).all(), auto
    assert not auto.duplicated(["payment_id", "document_no"]).any(), auto
    # ... and over closes: once a run applied a payment, no other run applies it (rows deleted or not)
    for pid, run in zip(auto["payment_id"], auto["run_id"].astype(str)):
        assert applied_by.setdefault(pid, run) == run, (pid, applied_by[pid], run)
    # the close's cash total = the AUTO cash it added, to the cent: its rows carry its run id, or -
    # a close on the very inputs of the latest rows recomputes them - that run's id (the latest on the sheet)
    log = b.read_table("tblAuditLog")
    runs = log[(log["step"] == "cashapp") & (log["status"] == "done")]
    if len(runs):
        amount = _pence(runs["amount"].iat[-1] or 0)
        ids = {str(runs["run_id"].iat[-1]), max((str(r) for r in apps["run_id"] if str(r)), default="")}
        sums = [sum(map(_pence, auto.loc[auto["run_id"].astype(str) == r, "applied_amount"])) for r in sorted(ids)]
        assert amount in sums, (amount, ids, sums)
    # open amounts: never below zero, never below what the ledger has not booked yet
    detail = b.read_table("tblAgingDetail")
    shown = dict(zip(detail["document_no"], map(_pence, detail["open_amount"])))
    for doc, open_ledger in ledger.items():
        mine = auto[(auto["document_no"] == doc).to_numpy()
                    & np.array([(p, doc) not in posted for p in auto["payment_id"]], dtype=bool)]
        unbooked = sum(_pence(v) for c in ("applied_amount", "write_off_amount", "discount_amount", "deduction_amount")
                       for v in mine[c])
        now = shown.get(doc, 0)
        assert 0 <= now <= open_ledger, (doc, now, open_ledger)
        assert now >= open_ledger - unbooked, (doc, now, open_ledger, unbooked)
