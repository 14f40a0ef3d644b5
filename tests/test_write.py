"""Result tables at the edge: money rendered exactly in the right currency, text never a formula."""
import openpyxl
import pandas as pd

from xl_collections.io.write import to_display, write_table


def test_money_in_row_currency_and_fixed_currency_columns():
    df = pd.DataFrame({"document_no": ["A", "B"], "currency": ["JPY", "KWD"], "open_amount": [1250, -1234],
                       "reporting_amount": [836, -400555]})
    df.attrs = {"money": ["open_amount", "reporting_amount"], "money_currency": {"reporting_amount": "USD"}}
    out = to_display(df)
    assert [str(v) for v in out["open_amount"]] == ["1250", "-1.234"]
    assert [str(v) for v in out["reporting_amount"]] == ["8.36", "-4005.55"]


def test_csv_and_xlsx(tmp_path):
    df = pd.DataFrame({"customer_id": ["00123", "=HYPERLINK(\"x\")"], "total_open": [123456, -5], "currency": "USD"})
    df.attrs = {"money": ["total_open"]}
    csv = write_table(df, tmp_path / "a.csv")
    assert csv.read_text().splitlines() == ["customer_id,total_open,currency", "00123,1234.56,USD",
                                            '"\'=HYPERLINK(""x"")",-0.05,USD']   # escaped: CONTRACT §6
    x = write_table(df, tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(x).active
    assert ws["A2"].value == "00123" and ws["A3"].value == '=HYPERLINK("x")' and ws["A3"].data_type == "s"
    assert ws["B2"].value == 1234.56


def test_xlsx_never_cuts_a_long_cell_silently(tmp_path):
    import pytest

    df = pd.DataFrame({"note": ["x" * 32768]})
    with pytest.raises(ValueError, match="32,768 characters"):
        write_table(df, tmp_path / "a.xlsx")
    assert not (tmp_path / "a.xlsx").exists() and list(tmp_path.iterdir()) == []
    ok = pd.DataFrame({"note": ["x" * 32767]})
    assert openpyxl.load_workbook(write_table(ok, tmp_path / "b.xlsx")).active["A2"].value == "x" * 32767
