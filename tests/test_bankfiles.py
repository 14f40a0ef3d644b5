"""Bank files from real third-party sources (tests/fixtures/external and, for the GPL/AGPL
camt statements, ../shared/external: see conftest.external)."""
from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from conftest import external, external_files
from xl_collections.io.bank import detect_format, read_bank_file
from xl_collections.core.schema import PAYMENTS

ALL_FILES = [p for d in ("bai2", "camt", "mt940") for p in external_files(d, (".bai2", ".xml", ".sta"))]


def read(rel: str, **kw):
    return read_bank_file(external(rel), **kw)


def recon_warnings(result):
    return [w for w in result.warnings if "does not reconcile" in w.message]


# ------------------------------------------------------------------ every file

@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_file_reads_into_canonical_payments(path):
    r = read_bank_file(path)
    p = r.payments
    assert list(p.columns) == PAYMENTS.names + ["source_row"]          # bank_reference, end_to_end_id are payments columns
    assert set(p["record_type"]) <= {"PAYMENT", "RETURN"}
    assert p["payment_id"].is_unique
    assert (p["payment_id"] != "").all()
    assert p["value_date"].dtype == "datetime64[ns]"
    assert p["amount"].dtype == "int64" and (p["amount"] > 0).all()
    for col in ("payment_id", "currency", "payer_name", "payer_account", "reference", "customer_id"):
        assert all(isinstance(v, str) for v in p[col]), col
    assert (p["customer_id"] == "").all()
    assert p["source_row"].dtype == "int64" and (p["source_row"] >= 1).all()
    # stable: a second read gives the same ids, row for row
    again = read_bank_file(path)
    assert again.payments["payment_id"].tolist() == p["payment_id"].tolist()
    pd.testing.assert_frame_equal(again.payments, p)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_entry_is_accounted_for_in_the_summary(path):
    """Issue 23: payments, returns, other debits, reversals and credits in no ISO currency add up
    to the entries the statements hold; none is dropped silently."""
    r = read_bank_file(path)
    s = r.summary
    entries = int(r.statements["credits"].sum() + r.statements["debits"].sum())
    assert s["credits"] + s["returns"] + s["debits_skipped"] + s["reversals_skipped"] + s["credits_skipped"] == entries
    kinds = r.payments["record_type"].value_counts().to_dict()
    assert (kinds.get("PAYMENT", 0), kinds.get("RETURN", 0)) == (s["credits"], s["returns"])


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_format_is_sniffed_from_content_not_name(path, tmp_path):
    expected = {".bai2": "bai2", ".sta": "mt940"}.get(path.suffix)
    if expected is None:
        expected = "camt054" if "054" in path.name else "camt053"
    assert detect_format(path) == expected
    renamed = tmp_path / "download.txt"
    renamed.write_bytes(path.read_bytes())
    assert detect_format(renamed) == expected


def test_non_bank_files_are_not_detected():
    assert detect_format(external("camt/genkgo_camt053.v8.json")) is None
    assert detect_format(external("excel/xlwings_tables.xlsx")) is None


def test_the_ar_data_set_is_not_a_bank_file():
    assert detect_format(external("ar/WA_Fn-UseC_-Accounts-Receivable.csv")) is None


# ------------------------------------------------------------------ BAI2

def test_bai2_citi_one_credit_and_balances_that_do_not_add_up():
    r = read("bai2/mj_citi_example.bai2")
    p = r.payments
    assert p["payment_id"].tolist() == ["1234567890"]          # the 16 record's bank reference
    assert p["amount"].tolist() == [1] and p["currency"].tolist() == ["GBP"]
    assert p["value_date"].tolist() == [pd.Timestamp("2015-07-15")]
    ref = p["reference"].iloc[0]
    assert ref.startswith("FR:FP SIP INCOMING ENDT:20150715 TRID:RP12312312312312")  # 88 continuations
    assert "OB:111111 BUCKINGHAM PALACE" in ref
    # 010 opening 100.00 + 0.01 credit != 015 closing 100.00: a warning, not an error
    (w,) = recon_warnings(r)
    assert w.row == 3 and "100.01" in w.message and w.value == "100.00"
    assert r.statements["reconciles"].tolist() == [False]


def test_bai2_nwb_continued_account_record_and_debits():
    r = read("bai2/mj_nwb_example.bai2")
    assert r.summary["credits"] == 1 and r.summary["debits_skipped"] == 4
    p = r.payments
    assert p["amount"].tolist() == [89] and p["currency"].tolist() == ["GBP"]   # account currency, group blank
    assert p["source_row"].tolist() == [13]
    assert "INTERNATIONAL-5373" in p["reference"].iloc[0]
    st = r.statements.iloc[0]
    assert (st["opening"], st["closing"], st["entries_total"]) == (36521, 33845, -2676)
    assert bool(st["reconciles"]) and recon_warnings(r) == []


def test_bai2_svb_two_groups_reconcile():
    r = read("bai2/mj_svb_us_example.bai2")
    p = r.payments
    assert p["payment_id"].tolist() == ["172629", "150675"]
    assert p["amount"].tolist() == [490196, 905800]
    assert p["value_date"].tolist() == [pd.Timestamp("2022-02-01"), pd.Timestamp("2022-02-02")]
    assert r.statements["reconciles"].tolist() == [True, True]
    assert r.warnings == []


def test_bai2_moov_sample1_cad_without_references():
    r = read("bai2/moov_sample1.bai2")
    p = r.payments
    assert r.summary["credits"] == 5 and r.summary["debits_skipped"] == 12
    assert p["amount"].sum() == 320000 and set(p["currency"]) == {"CAD"}
    assert p["reference"].tolist() == ["TFR 1020 0345678", "MACLEOD MALL", "MASCOUCHE QUE",
                                      "TFR 1020 0345678", "MONTREAL"]
    assert all(i.startswith("H") for i in p["payment_id"])    # no references: content hashes
    # all entries (credits and debits) add up to the file's control total of 12,800.00
    assert r.statements["entries_total"].sum() == (203500 + 2500 + 2500 + 11500 + 100000) - (
        2500 + 90000 + 500 + 20000 + 90000 + 2000 + 2500 + 1000 + 100000 + 9000 + 2000 + 500)
    assert r.statements["reconciles"].isna().all()           # no 010/015 to check against
    assert r.warnings == []


def test_bai2_moov_sample2_split_summaries_and_blank_availability():
    r = read("bai2/moov_sample2.bai2")
    p = r.payments
    assert len(r.statements) == 5
    assert p["amount"].tolist() == [450000, 500000, 20000000, 10000000]
    assert p["currency"].unique().tolist() == ["USD"]          # no currency anywhere: the default
    lc = p.set_index("payment_id").loc["SP4738"]
    assert lc["value_date"] == pd.Timestamp("2004-06-22")       # funds type V: its own value date
    assert lc["reference"] == "YRC065321 PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"
    assert "LOCK BOX NO.68751" in p["reference"].tolist()
    # the continued 03 record: 190 and its amount on two lines; opening ledger -5,000.00
    assert r.statements["opening"].tolist()[:2] == [4350000, -500000]
    assert read("bai2/moov_sample2.bai2", reporting_currency="EUR").payments["currency"].unique().tolist() == ["EUR"]


# ------------------------------------------------------------------ MT940

def _raw_mt940_credits(path: Path) -> dict[str, int]:
    """Independent count: Σ of :61: C lines per currency of the preceding :60x: balance."""
    totals: dict[str, int] = {}
    ccy = ""
    for line in path.read_text("latin-1").splitlines():
        m = re.match(r"^:60[FM]:[CD]\d{6}([A-Z]{3})", line)
        if m:
            ccy = m.group(1)
        m = re.match(r"^:61:\d{6}(?:\d{4})?(C)[A-Z]?(\d+,\d*)", line)
        if m:
            totals[ccy] = totals.get(ccy, 0) + int(Decimal(m.group(2).replace(",", ".")) * 100)
    return totals


@pytest.mark.parametrize("name, statements, credits, totals, not_reconciled", [
    ("betterplace_sepa_mt9401.sta", 26, 41, {"EUR": 518847494}, 0),
    ("cmxl_mt940.sta", 3, 3, {"EUR": 300000, "PLN": 2004000}, 0),
    ("jejik_rabobank-iban.sta", 2, 0, {}, 0),
    ("jejik_abnamro.sta", 2, 0, {}, 2),
    ("jejik_ing.sta", 1, 2, {"EUR": 468}, 1),
    ("mbank_mt940.sta", 1, 3, {"PLN": 3}, 0),
    ("sberbank_171011_01234945.sta", 1, 0, {}, 0),
])
def test_mt940_counts_totals_and_reconciliation(name, statements, credits, totals, not_reconciled):
    r = read(f"mt940/{name}")
    assert len(r.statements) == statements
    assert r.summary["credits"] == credits
    assert r.summary["credit_totals"] == totals
    assert len(recon_warnings(r)) == not_reconciled
    assert (r.statements["reconciles"] == False).sum() == not_reconciled  # noqa: E712
    raw = _raw_mt940_credits(external(f"mt940/{name}"))
    raw.pop("DEM", None)                     # not an ISO 4217 currency any more (see below)
    assert raw == totals


def test_mt940_sepa_structured_details():
    p = read("mt940/betterplace_sepa_mt9401.sta").payments.set_index("payment_id")
    row = p.loc["0724710290621954"]                       # :61: bank reference after //
    assert row["amount"] == 1500005 and row["currency"] == "EUR"
    assert row["payer_name"] == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"   # ?32 + ?33
    assert row["payer_account"] == "DE42100100100043921105"                               # ?31
    assert row["reference"].startswith("TO 13 TFNr 20004 Eingangskanal Mint")             # SVWZ / ?2x
    assert "EndToEndIdTFNR2000400001" in row["reference"]                                  # EREF+
    assert row["value_date"] == pd.Timestamp("2007-09-04")


def test_mt940_reversals_of_credits_are_returned_items():
    """Issue 23: an RC line (reversal of a credit) is a returned item, never skipped."""
    r = read("mt940/betterplace_sepa_mt9401.sta")
    assert r.summary["returns"] == 2 and r.summary["reversals_skipped"] == 0
    ret = r.payments[r.payments["record_type"] == "RETURN"]
    assert ret["source_row"].tolist() == [19, 101]          # the :61: ...RCR204,88 lines
    assert ret["amount"].tolist() == [20488, 20488] and set(ret["currency"]) == {"EUR"}
    assert ret["reason"].tolist() == ["SAMMLER/STORNO", "SEPA-UEBERW/STORNO"]     # the posting text (?00)
    assert ret["original_ref"].tolist() == ["", "MSGIDCTSc03MintT"]             # NONREF: none given
    assert ret["payment_id"].iloc[1] == "R724710290656678"                      # the bank's reference
    assert not any("reversal" in w.message for w in r.warnings)
    assert all(r.statements["reconciles"])


def test_mt940_historical_currency_is_reported_not_paid():
    r = read("mt940/cmxl_mt940.sta")
    assert r.summary["credits_skipped"] == 4
    assert any("DEM" in w.message for w in r.warnings)
    assert "DEM" not in set(r.payments["currency"])
    assert r.statements["reconciles"].tolist() == [True, True, True]
    assert r.payments.set_index("payment_id").loc["55555", "payer_name"] == "MUELLER"


def test_mt940_ing_statement_information_is_not_remittance_text():
    p = read("mt940/jejik_ing.sta").payments
    assert p["amount"].tolist() == [368, 100]
    assert p["reference"].iloc[1] == ("0111111111 Hr S Marechal ROSMALEN Hr S Marechal ROSMALEN "
                                      "Betaling transactiedatum: 22-07-2010")


def test_mt940_mbank_references():
    p = read("mt940/mbank_mt940.sta").payments
    assert p["payment_id"].tolist() == ["MB170119012058", "MB170119012085", "MB170119012121"]
    assert p["source_row"].tolist() == [6, 12, 18]          # the :61: lines
    assert "TNR: 179171073864111.010001" in p["reference"].iloc[0]


# ------------------------------------------------------------------ camt

def _golden(name: str):
    return ast.literal_eval(external(f"camt/{name}").read_text("utf-8"))


def _minor(x: float) -> int:
    return int((Decimal(repr(x)) * 100).to_integral_value())


def test_camt053_txdtls_batch_is_split_as_the_golden_says():
    r = read("camt/oca_test-camt053-txdtls.xml")
    ccy, account, stmts = _golden("oca_golden-camt053-txdtls.pydata")
    gold = [t for t in stmts[0]["transactions"] if t["amount"] > 0]
    p = r.payments
    assert p["amount"].tolist() == [_minor(t["amount"]) for t in gold] == [218700, 129600]
    assert p["amount"].sum() == 348300                              # the entry: CHF 3,483.00
    assert set(p["currency"]) == {ccy}
    assert p["payer_name"].tolist() == [t["partner_name"] for t in gold]
    assert p["payer_account"].tolist() == [t["account_number"] for t in gold]
    for ref, t in zip(p["reference"], gold):
        assert t["ref"] in ref                                      # Strd/CdtrRefInf/Ref (ESR)
    assert p["payment_id"].tolist() == ["20170323001234567891234567891234/1",
                                        "20170323001234567891234567891234/2"]
    st = r.statements.iloc[0]
    assert (st["account"], st["opening"], st["closing"]) == (account, _minor(stmts[0]["balance_start"]),
                                                             _minor(stmts[0]["balance_end_real"]))
    assert bool(st["reconciles"]) and r.warnings == []


def test_camt053_reversal_debit_and_unreconciled_balances():
    r = read("camt/oca_test-camt053.xml")
    ccy, account, stmts = _golden("oca_golden-camt053.pydata")
    gold = [t for t in stmts[0]["transactions"] if t["amount"] > 0]
    p = r.payments[r.payments["record_type"] == "PAYMENT"]
    assert len(p) == len(gold) == 1
    row = p.iloc[0]
    assert row["amount"] == _minor(gold[0]["amount"]) == 140531
    assert row["payer_name"] == gold[0]["partner_name"] == "3rd party Media"
    assert row["payer_account"] == gold[0]["account_number"]
    assert row["payment_id"] == "115"                               # EndToEndId: no bank reference
    assert "CUSNO 90782" in row["reference"]                        # AddtlTxInf
    assert r.summary["returns"] == 2 and r.summary["debits_skipped"] == 1
    # the reversed direct-debit batch (RvslInd on a debit, RtrInf AC06) is two returned items
    ret = r.payments[r.payments["record_type"] == "RETURN"]
    assert ret["amount"].sum() == 66405 and set(ret["reason_code"]) == {"AC06"}
    assert ret["original_ref"].tolist() == ["TESTBANK/NL/20141229/01206408", "TESTBANK/NL/20141229/01206407"]
    (w,) = recon_warnings(r)
    assert w.file == "oca_test-camt053.xml" and "1234Test/1" in w.message and w.value == "15121.12"
    assert r.statements["account"].tolist() == [account]


def test_camt054_structured_reference():
    r = read("camt/oca_test-camt054.xml")
    ccy, account, stmts = _golden("oca_golden-camt054.pydata")
    (gold,) = stmts[0]["transactions"]
    row = r.payments.iloc[0]
    assert len(r.payments) == 1 and row["currency"] == ccy == "EUR"
    assert row["amount"] == _minor(gold["amount"]) == 500
    assert row["payer_name"] == gold["partner_name"]
    assert row["payer_account"] == gold["account_number"]
    assert row["reference"].startswith(gold["ref"])                 # 000000000000000000000000003
    assert row["value_date"] == pd.Timestamp(gold["date"])
    assert row["payment_id"] == "98888208N8"                        # entry AcctSvcrRef
    assert r.statements["reconciles"].isna().all() and r.warnings == []


def test_camt053_kedder_real_statement_reconciles():
    r = read("camt/kedder_davider80_camt053v04.xml")
    st = r.statements.iloc[0]
    assert (st["opening"], st["entries_total"], st["closing"]) == (943331, -367985, 575346)
    assert bool(st["reconciles"]) and r.warnings == []
    assert r.summary["credits"] == 1 and r.summary["debits_skipped"] == 15
    assert r.payments["amount"].tolist() == [36800] and r.payments["currency"].tolist() == ["CHF"]


def test_camt_genkgo_robustness():
    r53 = read("camt/genkgo_camt053.v8.xml")
    row = r53.payments.iloc[0]
    assert (row["payment_id"], row["amount"], row["currency"]) == ("AAAASESS-FP-CN_98765/01", 885, "EUR")
    assert row["payer_name"] == "NAME NAME"                      # v8: Dbtr/Pty/Nm
    assert row["payer_account"] == "NL56AGDH9619008421"
    assert "4654654654654654" in row["reference"]
    assert row["value_date"] == pd.Timestamp("2015-01-02")       # ValDt over BookgDt/DtTm
    assert any("balance check was not made" in w.message for w in r53.warnings)   # EUR vs SEK balances
    assert recon_warnings(r53) == []
    r54 = read("camt/genkgo_camt054.v4.xml")
    assert r54.payments.empty and r54.summary["debits_skipped"] == 1


# ------------------------------------------------------------------ wrappers real files arrive in

def test_byte_order_mark_and_swift_envelope(tmp_path):
    bom = tmp_path / "bom.xml"
    bom.write_bytes(b"\xef\xbb\xbf" + (external("camt/oca_test-camt054.xml")).read_bytes())
    assert detect_format(bom) == "camt054"
    assert read_bank_file(bom).payments["amount"].tolist() == [500]
    env = tmp_path / "swift.fin"
    body = (external("mt940/mbank_mt940.sta")).read_bytes().replace(b"\x01", b"").replace(b"\x03", b"")
    env.write_bytes(b"{1:F01BANKDEFFXXXX0000000000}{2:O940BANKDEFFXXXXN}{4:\r\n" + body + b"\r\n-}")
    r = read_bank_file(env)
    assert r.payments["payment_id"].tolist() == ["MB170119012058", "MB170119012085", "MB170119012121"]
    assert r.statements["reconciles"].tolist() == [True]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_payments_are_already_canonical(path):
    from xl_collections.io.validate import canonical
    p = read_bank_file(path).payments
    pd.testing.assert_frame_equal(canonical(p, "payments")[list(p.columns)], p)
