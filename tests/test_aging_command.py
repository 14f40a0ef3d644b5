"""``xl-collections aging``: files in, CONTRACT §4 summary out; and command, API and UDF agree."""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from udfs.aging import XLC_AGING
from conftest import external, external_path
from xl_collections.ar.aging import age
from xl_collections.cli.dispatch import main
from xl_collections.io.readers import read_table

CONTRACT = ["customer_id", "customer_name", "currency", "total_open", "not_due", "1-30", "31-60", "61-90",
            "91-120", "121+", "past_due"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    oi = write(tmp_path / "open_items.csv",
               "Customer,Invoice No,Invoice Date,Due Date,Open Amount,Currency,Status\n"
               "C1,1001,2026-09-01,2026-10-01,\"1,000.00\",USD,\n"
               "C1,1002,2026-10-01,,-250.50,USD,DISPUTED\n"
               "C2,1003,2026-06-01,2026-07-01,300.00,EUR,\n"
               "C3,1004,2026-10-20,2026-11-19,999,JPY,\n")
    cust = write(tmp_path / "customers.csv", "customer_id,customer_name,payment_terms,region\n"
                                            "C1,Acme Corp,NET30,EU\nC2,Beta GmbH,EOM45,EU\n")
    fx = write(tmp_path / "fx.csv", "currency,rate,date\nEUR,1.08,2026-09-30\nEUR,1.0855,2026-10-31\n"
                                    "EUR,1.2,2026-11-30\nJPY,0.0067,\n")
    return oi, cust, fx


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_csv_summary_has_the_contract_columns(files, tmp_path, capsys):
    oi, cust, fx = files
    out = tmp_path / "aging.csv"
    rc = main(["aging", "--open-items", str(oi), "--customers", str(cust), "--fx", str(fx),
               "--as-of", "2026-10-31", "--out", str(out)])
    assert rc == 0
    rows = read_csv(out)
    assert rows[0] == CONTRACT
    assert rows[1:] == [
        # C1: 1,000.00 at 30 days; 1002 due by NET30 on 2026-10-31: not due
        ["C1", "Acme Corp", "USD", "749.50", "-250.50", "1000.00", "0.00", "0.00", "0.00", "0.00", "1000.00"],
        # C2: 300 EUR × 1.0855 (latest rate on or before the as-of date) = 325.65, 122 days
        ["C2", "Beta GmbH", "USD", "325.65", "0.00", "0.00", "0.00", "0.00", "0.00", "325.65", "325.65"],
        # C3: 999 JPY × 0.0067 = 6.6933 -> 6.69, not yet due; not in the customer master
        ["C3", "", "USD", "6.69", "6.69", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"],
        ["TOTAL", "", "USD", "1081.84", "-243.81", "1000.00", "0.00", "0.00", "0.00", "325.65", "1325.65"],
    ]
    assert "1325.65" in capsys.readouterr().out


def test_xlsx_output_other_buckets_basis_and_grouping(files, tmp_path):
    oi, cust, fx = files
    out = tmp_path / "aging.xlsx"
    rc = main(["aging", "--open-items", str(oi), "--customers", str(cust), "--fx", str(fx), "--as-of", "2026-10-31",
               "--buckets", "0,15", "--basis", "document", "--by", "region", "--out", str(out)])
    assert rc == 0
    ws = openpyxl.load_workbook(out).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0] == ["region", "customer_name", "currency", "total_open", "not_due", "1-15", "16+", "past_due"]
    body = {r[0]: r for r in values[1:]}
    assert body["EU"][3] == pytest.approx(1075.15) and body["EU"][6] == pytest.approx(1075.15)
    assert body["TOTAL"][4] == pytest.approx(0) and body["TOTAL"][5] == pytest.approx(6.69)


def test_reporting_currency_minor_unit(files, tmp_path):
    oi, cust, fx = files
    fxj = write(tmp_path / "fxj.csv", "currency,rate\nUSD,149.5\nEUR,162.25\n")
    out = tmp_path / "jpy.csv"
    assert main(["aging", "--open-items", str(oi), "--fx", str(fxj), "--as-of", "2026-10-31", "--currency", "JPY",
                 "--out", str(out)]) == 0
    total = read_csv(out)[-1]
    # 749.50 USD × 149.5 = 112,050.25 -> 112,050 (1002 due on its document date: 30 days);
    # 300 EUR × 162.25 = 48,675; 999 JPY
    assert total[:4] == ["TOTAL", "", "JPY", str(112050 + 48675 + 999)]


def test_refused_inputs_exit_1_and_write_nothing(files, tmp_path, capsys):
    oi, cust, _ = files
    out = tmp_path / "aging.csv"
    rc = main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(out)])
    assert rc == 1 and not out.exists()
    err = capsys.readouterr().err
    assert "open_items.csv, row 4" in err and "no FX rate for EUR" in err and "no FX rate for JPY" in err
    bad = write(tmp_path / "bad.csv", "customer_id,document_no,document_date,open_amount\nC1,1,someday,1\nC2,2,2026-01-01,abc\n")
    badc = write(tmp_path / "badc.csv", "customer_id,customer_name,payment_terms\nC1,X,NET3O\n")
    rc = main(["aging", "--open-items", str(bad), "--customers", str(badc), "--as-of", "2026-10-31", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1 and not out.exists()
    assert "bad.csv, row 2" in err and "bad.csv, row 3" in err and "badc.csv, row 2" in err  # all files, all at once


@pytest.mark.parametrize("extra", [["--buckets", "30,10"], ["--as-of", "31.13.2026"], ["--currency", "XYZ"],
                                   ["--out", "aging.txt"]])
def test_usage_errors_exit_2(files, tmp_path, extra):
    oi, _, _ = files
    args = ["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(tmp_path / "a.csv")] + extra
    assert main(args) == 2


def test_real_ar_export_with_a_column_map(tmp_path):
    """The IBM sample AR export (2,466 invoices, M/D/YYYY dates, zero-padded invoice numbers):
    every invoice aged as open at 2013-12-31 through a column map."""
    AR_FILE = external("ar/WA_Fn-UseC_-Accounts-Receivable.csv")
    cmap = write(tmp_path / "map.csv", "table,source_column,canonical_column\nopen_items,InvoiceAmount,open_amount\n")
    out = tmp_path / "aging.csv"
    rc = main(["aging", "--open-items", str(AR_FILE), "--map", str(cmap), "--as-of", "2013-12-31", "--out", str(out)])
    assert rc == 0
    rows = read_csv(out)
    assert rows[0] == CONTRACT and len(rows) == 1 + 100 + 1   # header, 100 customerIDs, TOTAL
    total = dict(zip(rows[0], rows[-1]))
    assert total["total_open"] == "147703.18"          # Σ InvoiceAmount per SOURCES.md
    # independent count: days past due from the raw text with the standard library
    ref = {"not_due": Decimal(0), "1-30": Decimal(0), "31-60": Decimal(0), "61-90": Decimal(0),
           "91-120": Decimal(0), "121+": Decimal(0)}
    with open(AR_FILE, newline="") as fh:
        for r in csv.DictReader(fh):
            days = (dt.date(2013, 12, 31) - dt.datetime.strptime(r["DueDate"], "%m/%d/%Y").date()).days
            lab = "not_due" if days <= 0 else "1-30" if days <= 30 else "31-60" if days <= 60 else \
                "61-90" if days <= 90 else "91-120" if days <= 120 else "121+"
            ref[lab] += Decimal(r["InvoiceAmount"])
    assert {k: Decimal(total[k]) for k in ref} == ref


# --- command, API and UDF agree to the cent --------------------------------------------------------

def own_book(seed: int = 3, n: int = 400):
    rng = np.random.default_rng(seed)
    cur = rng.choice(["USD", "EUR", "GBP", "JPY"], n)
    doc = pd.Timestamp("2026-10-31") - pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    due = np.array(list(doc + pd.to_timedelta(rng.choice([0, 30, 45, 60], n), unit="D")), dtype=object)
    due[rng.random(n) < 0.15] = None
    cents = rng.integers(-50_000, 2_000_000, n)
    amount = [f"{c}" if k == "JPY" else f"{Decimal(int(c)).scaleb(-2)}" for c, k in zip(cents, cur)]
    oi = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in rng.integers(0, 40, n)],
                       "document_no": [f"INV{i:05d}" for i in range(n)],
                       "document_date": [d.date().isoformat() for d in doc],
                       "due_date": [d.date().isoformat() if d is not None else "" for d in due],
                       "open_amount": amount, "currency": cur,
                       "status": rng.choice(["OPEN", "DISPUTED", "PROMISED"], n, p=[0.85, 0.1, 0.05])})
    cust = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(35)],
                         "customer_name": [f"Customer {i}" for i in range(35)],
                         "payment_terms": ["NET30", "2/10 NET30", "EOM45", "15 MFI", ""] * 7})
    fx = pd.DataFrame({"currency": ["EUR", "GBP", "JPY", "EUR"], "rate": ["1.0855", "1.27125", "0.006705", "1.01"],
                       "date": ["2026-10-31", "", "", "2026-09-30"]})
    return oi, cust, fx


def demo_book(tmp_path):
    """The demo book (``xl_collections.demo``), written as the CSVs ``xl-collections demo`` writes."""
    demo = pytest.importorskip("xl_collections.demo")
    book = demo.generate(items=600, seed=7)
    demo.write_csv(book, tmp_path)
    paths = {n: tmp_path / f"{n}.csv" for n in ("open_items", "customers", "fx_rates")}
    return book, paths, book.settings.as_of.isoformat()


def to_range(df: pd.DataFrame) -> list[list]:
    """What Excel hands a UDF for a sheet holding ``df``: header row, then cells."""
    return [list(df.columns)] + [[None if (isinstance(v, str) and v == "") else v for v in r]
                                 for r in df.itertuples(index=False)]


@pytest.mark.parametrize("book", ["own", "demo"])
def test_command_api_and_udf_agree_to_the_cent(book, tmp_path):
    as_of = "2026-10-31"
    if book == "own":
        oi, cust, fx = own_book()
        paths = {}
        for name, df in (("open_items", oi), ("customers", cust), ("fx_rates", fx)):
            paths[name] = tmp_path / f"{name}.csv"
            df.to_csv(paths[name], index=False)
        canonical = None
    else:
        demo, paths, as_of = demo_book(tmp_path)
        canonical = demo.tables
    out = tmp_path / "aging.csv"
    assert main(["aging", "--open-items", str(paths["open_items"]), "--customers", str(paths["customers"]),
                 "--fx", str(paths["fx_rates"]), "--as-of", as_of, "--out", str(out)]) == 0
    command = read_csv(out)

    # the API on the generator's own canonical tables (the demo) or on the files read back
    tables = canonical or {n: read_table(p, n) for n, p in paths.items()}
    res = age(tables["open_items"], as_of, customers=tables["customers"], fx_rates=tables["fx_rates"])
    api = res.summary[CONTRACT]
    assert command[0] == CONTRACT
    assert len(command) - 1 == len(api)
    for crow, (_, arow) in zip(command[1:], api.iterrows()):
        assert crow[:3] == [arow["customer_id"], arow["customer_name"], "USD"]
        assert [int(Decimal(x).scaleb(2)) for x in crow[3:]] == [int(arow[c]) for c in CONTRACT[3:]]

    raw = {n: pd.read_csv(p, dtype=str, keep_default_na=False) for n, p in paths.items()}
    udf = XLC_AGING(to_range(raw["open_items"]), dt.datetime.fromisoformat(as_of), None, None,
                    to_range(raw["fx_rates"]), to_range(raw["customers"]))
    assert not isinstance(udf, str), udf
    assert udf[0][:len(CONTRACT)] == CONTRACT
    for urow, (_, arow) in zip(udf[1:], api.iterrows()):
        assert urow[0] == arow["customer_id"]
        assert [round(v * 100) for v in urow[3:len(CONTRACT)]] == [int(arow[c]) for c in CONTRACT[3:]]
