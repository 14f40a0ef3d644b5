"""validate.py: raw cells -> canonical tables; each rule, and every problem reported at once."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from xl_collections.core.errors import InputErrors
from xl_collections.io.validate import (canonical, empty, match_columns, normalise_header, normalise_period,
                                        validate)
from xl_collections.core.schema import TABLES


def errs(errors):
    return [(e.message, e.row, e.column, e.value) for e in errors]


def test_normalise_header():
    assert normalise_header(" Invoice No. ") == "invoice no"
    assert normalise_header("Document_No") == "document no"
    assert normalise_header("Amount\n(USD)") == "amount usd"


def test_match_columns_map_then_name_then_alias():
    headers = ["Belegnummer", "Kunde", "document_date", "Offener Betrag", "Amount", "X"]
    mapping, errors = match_columns(headers, TABLES["open_items"], {"X": "reference"})
    assert errors == []
    assert mapping["document_no"] == "Belegnummer" and mapping["customer_id"] == "Kunde"
    assert mapping["open_amount"] == "Offener Betrag" and mapping["amount"] == "Amount"
    assert mapping["reference"] == "X"


def test_missing_required_columns_each_named_with_aliases():
    _, errors = validate(pd.DataFrame({"foo": ["1"]}), "payments", file="p.csv", header_row=3)
    assert [(e.message, e.row, e.column) for e in errors] == [
        ("required column 'payment_id' is missing", 3, "payment_id"),
        ("required column 'value_date' is missing", 3, "value_date"),
        ("required column 'amount' is missing", 3, "amount")]
    assert "Column Map" in errors[0].expected and all(e.file == "p.csv" for e in errors)


def test_column_map_to_an_unknown_column_is_reported_on_the_column_map():
    raw = pd.DataFrame({"Cust": ["C1"], "Name": ["A"]})
    _, errors = validate(raw, "customers", column_map={"Cust": "customer_id", "Name": "nam"})
    assert [(e.sheet, e.column, e.value) for e in errors] == [("Column Map", "Name", "nam")]


def test_row_numbers_from_header_row_or_index():
    raw = pd.DataFrame({"payment_id": ["P1", ""], "value_date": ["2026-10-31", "2026-10-31"], "amount": [1, 2]})
    _, errors = validate(raw, "payments", header_row=4)
    assert errs(errors) == [("payment_id is blank", 6, "payment_id", "")]
    raw.index = [10, 20]
    _, errors = validate(raw, "payments")
    assert errs(errors) == [("payment_id is blank", 20, "payment_id", "")]


def test_blank_rows_in_the_middle_are_errors_trailing_ones_are_dropped():
    raw = pd.DataFrame({"customer_id": ["C1", "", "C2", "", " "], "customer_name": ["A", None, "B", "", None]})
    df, errors = validate(raw, "customers")
    assert errs(errors) == [("blank row inside the table", 3, "", "")]
    assert df["customer_id"].tolist() == ["C1", "C2"] and df["source_row"].tolist() == [2, 4]


def test_payments_rules_and_no_double_report():
    raw = pd.DataFrame({"payment_id": ["P1", "P2", "P1", "P4", "P5"],
                        "value_date": ["2026-10-31"] * 5,
                        "amount": ["100.00", "(5.00)", "1", "", "#N/A"]})
    df, errors = validate(raw, "payments", file="bank.csv")
    assert errs(errors) == [
        ("Excel error value in the cell", 6, "amount", "#N/A"),
        ("amount is blank", 5, "amount", ""),
        ("payment amount is not positive", 3, "amount", "(5.00)"),     # as given, never minor units
        ("duplicate payment_id with other content", 4, "payment_id", "P1"),
    ]
    assert df["amount"].dtype == "int64"


def test_codes_defaults_and_choices():
    raw = pd.DataFrame({"customer_id": ["C1", "C1", "C1"], "document_no": ["1", "2", "3"],
                        "document_date": ["2026-10-01"] * 3, "open_amount": [1, -2, 3],
                        "doc_type": ["", "cm", "XX"], "status": ["disputed", "", "LOST"], "currency": ["eur", "", "usd"]})
    df, errors = validate(raw, "open_items", reporting_currency="GBP")
    assert df["doc_type"].tolist()[:2] == ["INV", "CM"] and df["status"].tolist()[:2] == ["DISPUTED", "OPEN"]
    assert df["currency"].tolist() == ["EUR", "GBP", "USD"]
    assert errs(errors) == [("unknown doc_type", 4, "doc_type", "XX"), ("unknown status", 4, "status", "LOST")]


def test_money_in_each_rows_currency():
    raw = pd.DataFrame({"customer_id": ["C"] * 3, "document_no": ["1", "2", "3"], "document_date": ["2026-10-01"] * 3,
                        "open_amount": [1234.5, 1234.0, 1.2345], "currency": ["USD", "JPY", "KWD"]})
    df, errors = validate(raw, "open_items")
    assert errors == []
    assert df["open_amount"].tolist() == [123450, 1234, 1235]  # KWD 1.2345 -> 1.235 (half away)
    assert df["amount"].tolist() == df["open_amount"].tolist()  # amount defaults to the open amount


def test_customers_terms_and_credit_limit():
    raw = pd.DataFrame({"Customer No": ["00123", "00124"], "Customer Name": ["A", "B"],
                        "Payment Terms": ["2/10 NET30", "SOMEDAY"], "Credit Limit": ["10,000", ""]})
    df, errors = validate(raw, "customers")
    assert errs(errors) == [("unknown payment terms", 3, "Payment Terms", "SOMEDAY")]
    assert df["customer_id"].tolist() == ["00123", "00124"]
    assert df["credit_limit"].iloc[0] == 1000000 and pd.isna(df["credit_limit"].iloc[1])
    assert str(df["credit_limit"].dtype) == "Int64"


def test_gl_periods():
    raw = pd.DataFrame({"period": ["2026-10", "Oct 2026", "10/2026", "2026-10-31", "202610", "2026/13", "x"],
                        "closing_balance": range(7)})
    df, errors = validate(raw, "gl")
    assert df["period"].tolist()[:5] == ["2026-10"] * 5
    assert errs(errors) == [("period is not a month", 7, "period", "2026/13"), ("period is not a month", 8, "period", "x")]


@pytest.mark.parametrize("value, period", [("2026-1", "2026-01"), ("2026.10", "2026-10"), ("OCTOBER 2026", "2026-10"),
                                           ("oct-2026", "2026-10"), ("13/2026", None), ("Foo 2026", None), ("", None)])
def test_normalise_period(value, period):
    assert normalise_period(value) == period


def test_fx_rates_are_exact_decimals():
    raw = pd.DataFrame({"currency": ["EUR", "gbp", "JPY", "CAD"], "rate": [1.0855, "1,27", "0.0067", "-1"]})
    df, errors = validate(raw, "fx_rates")
    assert df["rate"].tolist()[:3] == [Decimal("1.0855"), Decimal("1.27"), Decimal("0.0067")]
    assert errs(errors) == [("rate is not a rate", 5, "rate", "-1")]


def test_excel_errors_in_text_columns_and_integral_float_ids():
    raw = pd.DataFrame({"customer_id": [123.0, "#REF!"], "customer_name": ["A", "B"]}, dtype=object)
    df, errors = validate(raw, "customers")
    assert errs(errors) == [("Excel error value in the cell", 3, "customer_id", "#REF!")]
    assert df["customer_id"].iloc[0] == "123"


def test_canonical_is_idempotent_and_raises_all():
    raw = pd.DataFrame({"payment_id": ["P1"], "value_date": ["2026-10-31"], "amount": [Decimal("12.34")]})
    df = canonical(raw, "payments")
    assert df["amount"].tolist() == [1234] and canonical(df, "payments") is df
    with pytest.raises(InputErrors) as exc:
        canonical(pd.DataFrame({"payment_id": ["P1", "P1"], "value_date": ["x", "2026-01-01"], "amount": [1, 2]}),
                  "payments")
    assert [e.message for e in exc.value.errors] == ["value_date is not a date", "duplicate payment_id with other content"]
    assert canonical(None, "payments") is None


@pytest.mark.parametrize("name", sorted(TABLES))
def test_empty_tables_have_every_column_and_type(name):
    df = empty(name)
    assert list(df.columns) == TABLES[name].always + ["source_row"] and len(df) == 0
    for col in TABLES[name].columns:
        if col.kind == "date":
            assert str(df[col.name].dtype) == "datetime64[ns]"
    assert df.attrs["table"] == name


def test_validate_is_pure_and_keeps_leading_zeros():
    raw = pd.DataFrame({"document_no": ["00123"], "customer_id": ["007"], "document_date": [46326],
                        "open_amount": [np.int64(5)]})
    before = raw.copy()
    df, errors = validate(raw, "open_items")
    assert errors == [] and df["document_no"].iloc[0] == "00123" and df["customer_id"].iloc[0] == "007"
    assert df["document_date"].iloc[0] == pd.Timestamp("2026-10-31") and df["open_amount"].iloc[0] == 500
    pd.testing.assert_frame_equal(raw, before)


def test_a_total_row_at_the_end_is_named_as_such():
    """Exports and hand-kept sheets often end with a Total line: one clear error, not a row of blanks."""
    raw = pd.DataFrame({"Customer": ["C1", "C2", None, None], "Invoice": ["I1", "I2", None, None],
                        "Date": ["2026-10-01", "2026-10-02", None, None], "Balance": ["10.00", "5.00", None, "15.00"],
                        "Note": [None, None, None, "Grand Total:"]})
    _, errors = validate(raw, "open_items", file="x.xlsx", sheet="Open Items")
    assert [(e.message, e.row, e.column, e.value) for e in errors] == [
        ("a total row at the end of the table", 5, "Note", "Grand Total:")]
    # a record that merely mentions "Total" is a record
    raw.loc[3, ["Customer", "Invoice", "Date"]] = ["C3", "I3", "2026-10-03"]
    assert validate(raw, "open_items")[1][0].message == "blank row inside the table"
    # a customer named "Total Supplies" is not a total line
    raw.loc[3, "Note"] = "Total Supplies"
    raw.loc[3, "Customer"] = None
    assert "a total row at the end of the table" not in [e.message for e in validate(raw, "open_items")[1]]


def test_the_same_payment_twice_with_the_same_content_is_not_refused():
    """CONTRACT §6: one statement loaded twice is one payment (the cash application reports the
    copy as DUPLICATE_PAYMENT); the same payment_id with other content is refused."""
    raw = pd.DataFrame({"payment_id": ["P1", "P1", "P2"], "value_date": ["2026-10-31"] * 3,
                        "amount": ["100.00", "100.00", "5.00"]})
    df, errors = validate(raw, "payments", file="bank.csv")
    assert errors == [] and df["payment_id"].tolist() == ["P1", "P1", "P2"]
