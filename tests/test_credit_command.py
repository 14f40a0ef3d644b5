"""``xl-collections credit``: the contract's result files, settings, returns, refused inputs."""
import pandas as pd
import pytest

from xl_collections.cli.dispatch import main

REVIEW = ("customer_id,customer_name,credit_limit,open_ar,open_orders,exposure,utilisation,past_due,"
          "max_days_past_due,altman_z,altman_zone,paydex,add_days,pct_paid_late,score,computed_class,risk_class,"
          "recommended_limit,review_date,reasons")
DECISIONS = "order_no,customer_id,amount,exposure_before,exposure_after,decision,reasons"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "customers.csv").write_text(
        "Customer No,Name,Credit Limit,Risk Class\n00123,Acme Foods Inc,\"10,000.00\",\nC2,Beta Ltd,,\n")
    (tmp_path / "open_items.csv").write_text(
        "customer_id,document_no,document_date,due_date,open_amount,status\n"
        "00123,INV-104233,2026-09-20,2026-10-20,4000.00,\n"
        "00123,INV-104300,2026-10-20,2026-11-19,1000.00,\n"
        "C2,INV-2,2026-10-01,2026-10-31,50.00,\n")
    (tmp_path / "orders.csv").write_text(
        "order_no,customer_id,order_date,amount,status\n"
        "SO-1,00123,2026-10-28,4000.00,\nSO-2,00123,2026-10-29,900.00,\nSO-3,C2,2026-10-30,10.00,\n")
    (tmp_path / "financials.csv").write_text(
        "customer_id,period_end,scale,current_assets,current_liabilities,total_assets,total_liabilities,"
        "retained_earnings,ebit,equity\n00123,2025-12-31,1000,400,300,1000,600,200,50,400\n")
    (tmp_path / "credit_reports.csv").write_text(
        "customer_id,report_date,source,paydex,failure_score\n00123,2026-09-30,DNB,72,55\n")
    return tmp_path


def args(d, *more):
    return ["credit", "--customers", str(d / "customers.csv"), "--open-items", str(d / "open_items.csv"),
            "--orders", str(d / "orders.csv"), "--financials", str(d / "financials.csv"),
            "--credit-reports", str(d / "credit_reports.csv"), "--as-of", "2026-10-31", "--out", str(d / "out"), *more]


def read(d, name):
    return pd.read_csv(d / "out" / name, dtype=str, keep_default_na=False)


def test_writes_the_contract_tables(files, capsys):
    assert main(args(files)) == 0
    assert (files / "out" / "credit_review.csv").read_text().splitlines()[0] == REVIEW
    assert (files / "out" / "order_decisions.csv").read_text().splitlines()[0] == DECISIONS
    rv = read(files, "credit_review.csv").set_index("customer_id")
    assert rv.loc["00123", ["credit_limit", "open_ar", "exposure", "altman_z", "altman_zone", "paydex"]].tolist() == \
        ["10000.00", "5000.00", "9900.00", "2.34", "GREY", "72"]
    d = read(files, "order_decisions.csv").set_index("order_no")
    # 5,000 + 4,000 = 9,000 releases; + 900 = 9,900 releases; C2 has no limit
    assert d["decision"].tolist() == ["RELEASE", "RELEASE", "HOLD"]
    assert d.loc["SO-2", ["exposure_before", "exposure_after"]].tolist() == ["9000.00", "9900.00"]
    assert d.loc["SO-1", "reasons"] == "within limit and terms; 1,000.00 USD of the limit left"
    assert d.loc["SO-3", "reasons"] == "NO_LIMIT: no credit limit set for this customer"
    assert "HOLD 1" in capsys.readouterr().out


def test_settings_file_changes_the_rules(files):
    (files / "settings.csv").write_text("name,value\nCreditFlexPct,0%\nCreditGraceDays,70\nCreditHoldDaysPastDue,90\n")
    (files / "orders.csv").write_text("order_no,customer_id,order_date,amount\nSO-1,00123,2026-10-28,5000.01\n")
    assert main(args(files, "--settings", str(files / "settings.csv"))) == 0
    d = read(files, "order_decisions.csv")
    assert d.loc[0, "decision"] == "HOLD" and "flex allows 0%" in d.loc[0, "reasons"]


def test_returns_file_holds_after_two_returns(files):
    (files / "returns.csv").write_text(
        "return_id,value_date,amount,currency,reason_code,reason,payment_id,customer_id,documents,reopened,fee,status\n"
        "R1,2026-09-01,100.00,USD,R01,NSF,P1,00123,INV-1,100.00,0.00,REVERSED\n"
        "R2,2026-10-15,200.00,USD,R01,NSF,P2,00123,INV-2,200.00,0.00,REVERSED\n")
    assert main(args(files, "--returns", str(files / "returns.csv"))) == 0
    d = read(files, "order_decisions.csv").set_index("order_no")
    assert d.loc["SO-1", "decision"] == "HOLD" and d.loc["SO-1", "reasons"].startswith("RETURNED_PAYMENTS: 2 payments")


def test_bad_inputs_are_refused_and_nothing_is_written(files, capsys):
    (files / "credit_reports.csv").write_text("customer_id,report_date,paydex\n00123,2026-09-30,180\n")
    assert main(args(files)) == 1
    err = capsys.readouterr().err
    assert "credit_reports.csv" in err and "row 2" in err and "'paydex'" in err and "a score from 0 to 100" in err
    (files / "settings.csv").write_text("CreditFlex,10%\n")
    (files / "orders.csv").write_text("order_no,customer_id,order_date,amount\nSO-1,00123,someday,1\n")
    assert main(args(files, "--settings", str(files / "settings.csv"))) == 1
    err = capsys.readouterr().err
    assert "unknown setting 'CreditFlex'" in err and "orders.csv" in err
    assert not (files / "out" / "credit_review.csv").exists()


def test_usage_errors(files, capsys):
    assert main(["credit", "--customers", "x", "--open-items", "y", "--as-of", "someday", "--out", str(files)]) == 2
    assert "--as-of" in capsys.readouterr().err
