"""Returned items read from bank files (issue 23 item 1): BAI2 return type codes, camt
``RvslInd``/``RtrInf``, MT940 ``RC``.  Small statements written for these tests (a customer's
direct debit or cheque that came back), plus the summary that accounts for every entry."""
from __future__ import annotations

import pytest

from test_bankfiles_edge import camt, ntry, write
from xl_collections.io.bank import read_bank_file

RETURN_CODES = ("552", "555", "557", "558", "566")


def _bai2(code: str) -> str:
    # opening 1,000.00 + 250.00 (cheque 1044 deposited) - 250.00 (returned) - 12.50 (fee) = 987.50
    return f"""
    01,BANKID,COMPANY,261031,0800,1,,,2/
    02,COMPANY,BANKID,1,261031,,USD,2/
    03,5550001,,010,100000,,,015,98750,,/
    16,301,25000,0,DEP-88,1044,CHEQUE 1044 ACME CORP/
    16,{code},25000,0,RET-77,1044,NSF CHEQUE 1044/
    16,698,1250,0,FEE-1,,RETURN ITEM FEE/
    49,250000,5/
    98,250000,1,7/
    99,250000,1,9/
    """


@pytest.mark.parametrize("code", RETURN_CODES)
def test_bai2_return_type_codes_are_returned_items(tmp_path, code):
    r = read_bank_file(write(tmp_path, f"ret{code}.bai", _bai2(code)))
    p = r.payments
    assert p["record_type"].tolist() == ["PAYMENT", "RETURN"]
    ret = p.iloc[1]
    assert (ret["payment_id"], ret["amount"], ret["currency"]) == ("RET-77", 25000, "USD")
    assert ret["original_ref"] == "1044"                  # the customer reference: the cheque number
    assert ret["reason"].startswith(code) and ret["payer_account"] == ""    # BAI2 has no payer account
    s = r.summary
    assert (s["credits"], s["returns"], s["debits_skipped"]) == (1, 1, 1)
    assert s["return_totals"] == {"USD": 25000}
    assert r.statements["reconciles"].tolist() == [True]


def _rtr_tx(*, e2e="E2E-2026-1042", iban="DE02120300000000202051", code="AM04", info="Insufficient funds"):
    return (f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
            f"<RltdPties><Dbtr><Pty><Nm>Lindqvist Trading</Nm></Pty></Dbtr>"
            f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>"
            f"<RtrInf><Rsn><Cd>{code}</Cd></Rsn><AddtlInf>{info}</AddtlInf></RtrInf></TxDtls>")


def test_camt_return_information_keeps_the_iso_reason_code(tmp_path):
    body = ntry("412.50", "DBIT", ref="RTN-5501", txs=_rtr_tx()) + "\n" + ntry("9.99", "DBIT", ref="CHG-1")
    r = read_bank_file(write(tmp_path, "rtr.xml", camt(body, opening="500.00", closing="77.51")))
    (ret,) = r.payments.itertuples(index=False)
    assert (ret.payment_id, ret.record_type, ret.amount) == ("RTN-5501", "RETURN", 41250)
    assert (ret.reason_code, ret.reason) == ("AM04", "Insufficient funds")
    assert ret.original_ref == "E2E-2026-1042" and ret.payer_account == "DE02120300000000202051"
    assert (r.summary["returns"], r.summary["debits_skipped"], r.summary["credits"]) == (1, 1, 0)


def test_camt_reversal_of_a_credit_is_a_returned_item_and_a_reversed_debit_is_not(tmp_path):
    tx = _rtr_tx().replace("<RtrInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>Insufficient funds</AddtlInf></RtrInf>", "")
    body = "\n".join([ntry("100.00", "DBIT", ref="REV-1", rvsl="true", txs=tx),
                      ntry("30.00", "CRDT", ref="REV-2", rvsl="true")])
    r = read_bank_file(write(tmp_path, "rvsl.xml", camt(body, opening="100.00", closing="30.00")))
    (ret,) = r.payments.itertuples(index=False)
    assert (ret.payment_id, ret.record_type, ret.reason, ret.original_ref) == (
        "REV-1", "RETURN", "reversal of a credit", "E2E-2026-1042")
    assert r.summary["reversals_skipped"] == 1 and any("reversal" in w.message for w in r.warnings)


def test_mt940_rc_with_dutch_return_code(tmp_path):
    text = """
    :20:STMT7
    :25:NL91ABNA0417164300
    :28C:7/1
    :60F:C261030EUR1000,00
    :61:2610311031C300,00NTRFNONREF//ING-1
    :86:/EREF/E2E-77//NAME/Bakker BV/REMI/USTD//INV 2026-118/IBAN/NL20INGB0001234567
    :61:2610311031RC300,00NRTINONREF//ING-2
    :86:/RTRN/MS03/EREF/E2E-77//NAME/Bakker BV/IBAN/NL20INGB0001234567
    :62F:C261031EUR1000,00
    -
    """
    r = read_bank_file(write(tmp_path, "nl.sta", text))
    p = r.payments.set_index("payment_id")
    assert p.loc["ING-1", "record_type"] == "PAYMENT" and p.loc["ING-1", "end_to_end_id"] == "E2E-77"
    ret = p.loc["ING-2"]
    assert (ret["record_type"], ret["amount"], ret["reason_code"], ret["original_ref"]) == ("RETURN", 30000, "MS03", "E2E-77")
    assert ret["payer_account"] == "NL20INGB0001234567"
    assert r.summary["returns"] == 1 and r.statements["reconciles"].tolist() == [True]


def test_cashapp_on_a_real_statement_reports_every_entry_and_each_return(tmp_path, capsys):
    """The real MT940 statement's two RC lines reach returns.csv (unmatched: the credits they
    reverse carry no reference and no payer account), and the run says what every entry was."""
    import pandas as pd

    from conftest import external
    from xl_collections.cli.dispatch import main
    oi = tmp_path / "oi.csv"
    oi.write_text("customer_id,document_no,document_date,amount,open_amount,currency\n"
                  "C1,INV-1,2007-08-01,100.00,100.00,EUR\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["cashapp", "--open-items", str(oi), "--payments", str(external("mt940/betterplace_sepa_mt9401.sta")),
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert ("betterplace_sepa_mt9401.sta (mt940, 26 statements): 41 payments, 2 returned items, "
            "54 other debits (not payments)") in said
    ret = pd.read_csv(out / "returns.csv", dtype=str, keep_default_na=False)
    assert ret["status"].tolist() == ["RETURN_UNMATCHED", "RETURN_UNMATCHED"]
    assert ret["amount"].tolist() == ["204.88", "204.88"]
    exc = pd.read_csv(out / "exceptions.csv", dtype=str, keep_default_na=False)
    assert set(ret["return_id"]) <= set(exc["payment_id"])
