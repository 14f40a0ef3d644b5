"""Bank files: hand-written edge cases (debit-only, reversals, batches, malformed input) and id invariants."""
from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_collections.core.errors import InputErrors
from xl_collections.io.bank import BankEntry, assign_ids, detect_format, read_bank_file


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def errors_of(path):
    with pytest.raises(InputErrors) as exc:
        read_bank_file(path)
    return exc.value.errors


# ------------------------------------------------------------------ camt

def camt(entries: str, *, ns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13", opening="100.00",
         closing="100.00", opening_code="PRCD") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-10-31T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S-2026-10-31</Id>
      <Acct><Id><Othr><Id>123-456</Id></Othr></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>{opening_code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-10-30</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-10-31</Dt></Dt></Bal>
{entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def ntry(amount, ind="CRDT", *, ref="", rvsl="", txs="", valdt="<Dt>2026-10-31</Dt>"):
    rv = f"<RvslInd>{rvsl}</RvslInd>" if rvsl else ""
    r = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return (f"      <Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{rv}<Sts><Cd>BOOK</Cd></Sts>"
            f"<BookgDt><Dt>2026-10-31</Dt></BookgDt><ValDt>{valdt}</ValDt>{r}"
            f"<NtryDtls>{txs}</NtryDtls></Ntry>")


def tx(amount=None, *, name="ACME GmbH", iban="DE89370400440532013000", ustrd="INV-1001", e2e="E2E-1"):
    amt = f"<Amt Ccy=\"EUR\">{amount}</Amt>" if amount is not None else ""
    return (f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{amt}<RltdPties><Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr>"
            f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>"
            f"<RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf></TxDtls>")


def test_camt_debit_only_statement_has_no_payments(tmp_path):
    p = write(tmp_path, "debits.xml", camt(ntry("30.00", "DBIT", ref="D1") + "\n" + ntry("20.00", "DBIT", ref="D2"),
                                           closing="50.00"))
    r = read_bank_file(p)
    assert r.payments.empty and list(r.payments.columns)[0] == "payment_id"
    assert r.summary["debits_skipped"] == 2 and r.summary["credits"] == 0
    assert r.statements["reconciles"].tolist() == [True] and r.warnings == []


def test_camt_any_schema_version_and_newer_element_shapes(tmp_path):
    p = write(tmp_path, "v13.xml", camt(ntry("1234.56", ref="BANKREF-1", txs=tx(), valdt="<DtTm>2026-10-31T09:30:00+01:00</DtTm>"),
                                        closing="1334.56"))
    r = read_bank_file(p)
    assert detect_format(p) == "camt053"
    row = r.payments.iloc[0]
    assert (row["payment_id"], row["amount"], row["currency"]) == ("BANKREF-1", 123456, "EUR")
    assert (row["payer_name"], row["payer_account"]) == ("ACME GmbH", "DE89370400440532013000")
    assert row["reference"] == "INV-1001 E2E-1"
    assert str(row["value_date"].date()) == "2026-10-31"
    assert r.statements.iloc[0]["account"] == "123-456" and r.warnings == []     # Othr/Id, PRCD opening


def test_camt_reversed_credit_is_skipped_with_warning(tmp_path):
    body = ntry("50.00", ref="R1", rvsl="true", txs=tx()) + "\n" + ntry("10.00", ref="OK1", txs=tx())
    p = write(tmp_path, "rev.xml", camt(body, closing="160.00"))
    r = read_bank_file(p)
    assert r.payments["payment_id"].tolist() == ["OK1"]
    (w,) = r.warnings
    assert "reversal" in w.message and w.row is not None and w.value == "R1"


def test_camt_batch_split_and_unsplittable_batch(tmp_path):
    split = ntry("30.00", ref="B1", txs=tx("10.00", ustrd="INV-1", e2e="A") + tx("20.00", ustrd="INV-2", e2e="B"))
    whole = ntry("30.00", ref="B2", txs=tx("10.00", ustrd="INV-3") + tx("5.00", ustrd="INV-4"))
    r = read_bank_file(write(tmp_path, "batch.xml", camt(split + "\n" + whole, closing="160.00")))
    p = r.payments
    assert p["payment_id"].tolist() == ["B1/1", "B1/2", "B2"]
    assert p["amount"].tolist() == [1000, 2000, 3000]
    assert p["reference"].tolist()[:2] == ["INV-1 A", "INV-2 B"]
    assert "INV-3" in p["reference"].iloc[2] and "INV-4" in p["reference"].iloc[2]
    assert ["batch entry" in w.message for w in r.warnings] == [True]


def test_camt_repeated_bank_reference_gets_unique_stable_ids(tmp_path):
    body = "\n".join(ntry(a, ref="SAME", txs=tx(ustrd=u)) for a, u in (("1.00", "X"), ("2.00", "Y"), ("1.00", "X")))
    p = write(tmp_path, "dup.xml", camt(body, closing="104.00"))
    ids = read_bank_file(p).payments["payment_id"].tolist()
    assert len(set(ids)) == 3 and all(i.startswith("SAME-") for i in ids)
    assert ids[2] == ids[0] + "-2"                                  # identical entries: numbered in order
    assert read_bank_file(p).payments["payment_id"].tolist() == ids


def test_camt_unreconciled_statement_warns(tmp_path):
    r = read_bank_file(write(tmp_path, "off.xml", camt(ntry("10.00", ref="C1", txs=tx()), closing="111.00")))
    (w,) = r.warnings
    assert "does not reconcile" in w.message and "S-2026-10-31" in w.message
    assert w.value == "111.00" and w.expected == "closing balance 110.00" and w.row == 5   # the <Stmt> line


def test_camt_malformed_amount_is_refused_with_line(tmp_path):
    p = write(tmp_path, "bad.xml", camt(ntry("12,50", ref="X", txs=tx()) + "\n" + ntry("1.234", ref="Y", txs=tx())))
    errs = errors_of(p)
    assert [e.row for e in errs] == [10, 11]
    assert all("malformed amount" in e.message and e.file == "bad.xml" for e in errs)
    assert errs[0].value == "12,50"


def test_camt_truncated_file_is_refused(tmp_path):
    text = camt(ntry("10.00", ref="C1", txs=tx()), closing="110.00")
    p = tmp_path / "cut.xml"
    p.write_text(text[: len(text) // 2 + 300], encoding="utf-8")
    (e,) = errors_of(p)
    assert "well-formed" in e.message and e.row is not None and e.file == "cut.xml"


# ------------------------------------------------------------------ BAI2

BAI2 = """
01,BANKID,COMPANY,261031,0800,1,,,2/
02,COMPANY,BANKID,1,261031,,JPY,2/
03,5550001,,010,100000,,,015,130000,,/
16,165,50000,0,REF1,CUST1,INVOICE 4711/
16,475,20000,0,REF2,,CHECK PAID/
49,300000,4/
98,300000,1,6/
99,300000,1,8/
"""


def test_bai2_zero_decimal_currency_and_debits(tmp_path):
    r = read_bank_file(write(tmp_path, "jpy.bai", BAI2))
    p = r.payments
    assert p["payment_id"].tolist() == ["REF1"] and p["amount"].tolist() == [50000]
    assert p["currency"].tolist() == ["JPY"] and p["reference"].tolist() == ["CUST1 INVOICE 4711"]
    assert r.summary["debits_skipped"] == 1 and r.statements["reconciles"].tolist() == [True]


def test_bai2_malformed_amount_names_the_line(tmp_path):
    (e,) = errors_of(write(tmp_path, "bad.bai", BAI2.replace("16,165,50000,", "16,165,500.00,")))
    assert e.row == 4 and e.value == "500.00" and "amount" in e.message


def test_bai2_truncated_file_is_refused(tmp_path):
    text = "\n".join(BAI2.strip().splitlines()[:5])
    (e,) = errors_of(write(tmp_path, "cut.bai", text))
    assert "99 file trailer" in e.message and e.row == 5


def test_bai2_control_total_mismatch_is_refused(tmp_path):
    errs = errors_of(write(tmp_path, "ctl.bai", BAI2.replace("49,300000,4/", "49,300001,4/")))
    assert "control total" in errs[0].message


# ------------------------------------------------------------------ MT940

MT940 = """
:20:STMT1
:25:DE89370400440532013000
:28C:1/1
:60F:C261030EUR1000,00
:61:2610311031C250,00NTRFNONREF//BANK-1
:86:166?00GUTSCHRIFT?20SVWZ+RE 2026-0042?21EREF+E2E-9?32ACME GMBH?31DE02120300000000202051
:61:2610311031RD40,00NTRFNONREF//BANK-2
:86:Ruecklastschrift
:61:2610311031D10,00NMSCNONREF
:62F:C261031EUR1280,00
-
"""


def test_mt940_credit_reversal_and_debit(tmp_path):
    r = read_bank_file(write(tmp_path, "s.sta", MT940))
    p = r.payments
    assert p["payment_id"].tolist() == ["BANK-1"] and p["amount"].tolist() == [25000]
    row = p.iloc[0]
    assert row["payer_name"] == "ACME GMBH" and row["payer_account"] == "DE02120300000000202051"
    assert row["reference"] == "RE 2026-0042 E2E-9" and row["source_row"] == 5
    assert r.summary["reversals_skipped"] == 1 and r.summary["debits_skipped"] == 1
    assert [("reversal" in w.message, w.row) for w in r.warnings] == [(True, 7)]
    assert r.statements["reconciles"].tolist() == [True]     # 1000 + 250 + 40 - 10 = 1280


def test_mt940_malformed_amount_is_refused(tmp_path):
    errs = errors_of(write(tmp_path, "bad.sta", MT940.replace("C250,00NTRF", "C25X,00NTRF")))
    assert [(e.row, "malformed :61:" in e.message) for e in errs] == [(5, True)]


def test_mt940_truncated_file_is_refused(tmp_path):
    text = "\n".join(MT940.strip().splitlines()[:6])
    (e,) = errors_of(write(tmp_path, "cut.sta", text))
    assert "closing balance" in e.message and e.row == 1


def test_not_a_bank_file(tmp_path):
    p = write(tmp_path, "payments.csv", "payment_id,value_date,amount\nP1,2026-10-31,10.00\n")
    assert detect_format(p) is None
    (e,) = errors_of(p)
    assert e.message == "not a bank file" and e.file == "payments.csv"
    empty = tmp_path / "empty.sta"
    empty.write_bytes(b"")
    assert detect_format(empty) is None


# ------------------------------------------------------------------ ids

_entry = st.builds(
    lambda ref, amount, day, text, group: BankEntry(
        line=1, statement="S", account="A", currency="EUR", amount=amount, credit=True,
        value_date=dt.date(2026, 10, day), refs=(ref,), reference=text, group=group),
    ref=st.sampled_from(["", "NONREF", "R1", "R2", "R3"]), amount=st.integers(1, 5),
    day=st.integers(1, 3), text=st.sampled_from(["", "INV 1", "INV 2"]), group=st.sampled_from(["", "", "G1"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_entry, max_size=25))
def test_ids_are_unique_and_deterministic(entries):
    ids = assign_ids(entries)
    assert len(ids) == len(entries) and len(set(ids)) == len(ids)
    assert all(ids) and assign_ids(list(entries)) == ids


# ------------------------------------------------------------------ round trip through all three formats

def _mt940(opening, rows):
    def bal(tag, v, day):
        return f":{tag}:{'C' if v >= 0 else 'D'}2610{day}EUR{abs(v) // 100},{abs(v) % 100:02d}"
    out = [":20:RT", ":25:DE89370400440532013000", ":28C:1/1", bal("60F", opening, "30")]
    for i, (credit, cents, ref) in enumerate(rows):
        out.append(f":61:2610311031{'C' if credit else 'D'}{cents // 100},{cents % 100:02d}NTRFNONREF" + (f"//{ref}" if ref else ""))
        out.append(f":86:166?00GUTSCHRIFT?20SVWZ+INV {i}?32PAYER {i}")
    out.append(bal("62F", opening + sum(c if cr else -c for cr, c, _ in rows), "31"))
    return "\n".join(out) + "\n-\n"


def _camt(opening, rows):
    closing = opening + sum(c if cr else -c for cr, c, _ in rows)
    body = "\n".join(ntry(f"{c // 100}.{c % 100:02d}", "CRDT" if cr else "DBIT", ref=ref, txs=tx(ustrd=f"INV {i}"))
                     for i, (cr, c, ref) in enumerate(rows))

    def dec(v):
        return f"{abs(v) // 100}.{abs(v) % 100:02d}"
    text = camt(body, opening=dec(opening), closing=dec(closing))
    if opening < 0:
        text = text.replace(f"<Amt Ccy=\"EUR\">{dec(opening)}</Amt><CdtDbtInd>CRDT", f"<Amt Ccy=\"EUR\">{dec(opening)}</Amt><CdtDbtInd>DBIT", 1)
    if closing < 0:
        text = text.replace(f"<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{dec(closing)}</Amt><CdtDbtInd>CRDT",
                            f"<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{dec(closing)}</Amt><CdtDbtInd>DBIT")
    return text


def _bai2(opening, rows):
    closing = opening + sum(c if cr else -c for cr, c, _ in rows)
    details = [f"16,{'165' if cr else '475'},{c},0,{ref},,INV {i}/" for i, (cr, c, ref) in enumerate(rows)]
    total = opening + closing + sum(c for _, c, _ in rows)
    n_acct = len(details) + 2
    return "\n".join(["01,B,C,261031,0800,1,,,2/", "02,C,B,1,261031,,EUR,2/",
                      f"03,5550001,,010,{opening:+d},,,015,{closing:+d},,/", *details,
                      f"49,{total},{n_acct}/", f"98,{total},1,{n_acct + 2}/", f"99,{total},1,{n_acct + 4}/"]) + "\n"


_rows = st.lists(st.tuples(st.booleans(), st.integers(1, 10**9),
                           st.sampled_from(["", "", "REF-A", "REF-B"])), max_size=12)


@settings(max_examples=40, deadline=None)
@given(opening=st.integers(-10**9, 10**9), rows=_rows)
def test_round_trip_every_format(tmp_path_factory, opening, rows):
    d = tmp_path_factory.mktemp("rt")
    credits = [c for cr, c, _ in rows if cr]
    for name, make in (("s.sta", _mt940), ("s.xml", _camt), ("s.bai", _bai2)):
        p = d / name
        p.write_text(make(opening, rows), encoding="utf-8")
        r = read_bank_file(p)
        assert r.payments["amount"].tolist() == credits, name
        assert r.payments["payment_id"].is_unique, name
        assert r.summary["debits_skipped"] == len(rows) - len(credits), name
        assert r.statements["reconciles"].tolist() == [True], name
        assert r.warnings == [], name
        assert read_bank_file(p).payments["payment_id"].tolist() == r.payments["payment_id"].tolist()
