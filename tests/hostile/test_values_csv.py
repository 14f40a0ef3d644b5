"""Hostile and careless values and CSV files, thrown at ``xl-collections aging`` (CONTRACT §1,
§4, §6): every case asserts the exit code, what the message says, and — when the inputs are
refused — that nothing was written.  Generated from tables of values, one class per block;
docs/reliability.md ("Values and CSV files") lists them with their outcome."""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field

import pytest

from xl_collections.cli.dispatch import main

HEADER = ["customer_id", "document_no", "document_date", "due_date", "open_amount", "reference", "currency"]
GOOD = ["C1", "INV-1", "2026-10-01", "2026-10-15", "100.00", "ok", "USD"]


@dataclass
class Case:
    id: str
    oi: bytes
    exit: int = 1
    says: tuple[str, ...] = ()          # all of these in stderr
    args: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)     # other input files: name -> bytes, passed as --option NAME
    out: tuple[str, ...] = ()           # for exit 0: all of these in the written aging.csv


def csv_bytes(rows, delim=",", enc="utf-8", header=HEADER, eol="\n") -> bytes:
    lines = [delim.join(header)] + [delim.join(r) for r in rows]
    return (eol.join(lines) + eol).encode(enc)


def row(**kw) -> list[str]:
    r = dict(zip(HEADER, GOOD))
    r.update(kw)
    return [r[h] for h in HEADER]


def one(**kw) -> bytes:
    """A file of the good row and one row changed (on line 3)."""
    return csv_bytes([GOOD, row(**{"document_no": "INV-2", **kw})])


CASES: list[Case] = []

# ---------------------------------------------------------------- dates (CONTRACT §1)
for col in ("document_date", "due_date"):
    for v in ("9999-12-31", "2200-01-01", "1899-12-31", "31.12.9999", "99991231", "10/31/9999", "1850-06-01",
              "0001-01-01", "2958465", "-5"):
        CASES.append(Case(f"date-out-of-range-{col}-{v}", one(**{col: v}),
                          says=("row 3", f"column '{col}'", f"{col} is not a date", repr(v), "1900-01-01 and 2199-12-31")))
    for v in ("2026-02-30", "31/31/2026", "yesterday"):
        CASES.append(Case(f"date-not-a-date-{col}-{v}", one(**{col: v}), says=("row 3", f"{col} is not a date", repr(v))))
for v in ("1899-12-30", "0", "1900-01-00"):
    # Excel's zero date is a blank: the due date falls back to the document date (30 days past due), never 46,000 days
    CASES.append(Case(f"zero-date-due-{v}", one(due_date=v), exit=0, out=("C1,,USD,200.00,0.00,200.00,0.00,0.00,0.00,0.00,200.00",)))
    CASES.append(Case(f"zero-date-document-{v}", one(document_date=v), says=("row 3", "document_date is blank")))
for v, day in (("46326", "not due"), ("01.10.2026", "1-30"), ("20261001", "1-30"), ("2026-10-01T08:00:00", "1-30")):
    CASES.append(Case(f"date-forms-{v}", one(document_date=v, due_date=v), exit=0, out=("C1,,USD,200.00",)))

# ---------------------------------------------------------------- amounts beyond int64 (CONTRACT §1)
for v in ("1" * 40, "9" * 20, "92233720368547758.08", "-92233720368547758.08", "(99999999999999999999)",
          "99999999999999999999-", "\"1,000,000,000,000,000,000.00\"", "$99999999999999999999"):
    CASES.append(Case(f"amount-too-large-{v[:12]}-{len(v)}", one(open_amount=v),
                      says=("row 3", "open_amount is not an amount", "64-bit integer of minor units")))
for v in ("12,34,5", "1.2.3", "abc", "--5", "1e5", "USD 5 EUR"):
    CASES.append(Case(f"amount-not-an-amount-{v}", one(open_amount=f'"{v}"'),
                      says=("row 3", "open_amount is not an amount", f"found '{v}'")))

# ---------------------------------------------------------------- control characters (CONTRACT §1 "Text")
for col in ("customer_id", "document_no"):
    for ch in ("\x00", "\x01", "\x07", "\x1b", "\x7f", "\x0b", "\x0c", "\x08"):
        v = f"X{ch}1"
        CASES.append(Case(f"id-control-{col}-{ord(ch):02x}", one(**{col: v}),
                          says=("row 3", f"column '{col}'", f"control character in the identifier {col}", repr(v))))
    for ch in ("\t", "\n", "\r"):
        v = f"X{ch}1"
        CASES.append(Case(f"id-control-{col}-{ord(ch):02x}", one(**{col: '"' + v + '"'}),
                          says=(f"column '{col}'", f"control character in the identifier {col}")))
for ch in ("\x00", "\x01", "\x1b", "\x7f", "\x08", "\ufffe"):
    CASES.append(Case(f"text-control-removed-{ord(ch):04x}", one(reference=f"note{ch}here"), exit=0,
                      says=("warning:", "control characters removed from 1 cell", "column 'reference'"),
                      out=("C1,,USD,200.00",)))

# ---------------------------------------------------------------- long cells and lines
CASES.append(Case("text-32768-chars", one(reference="x" * 32768),
                  says=("row 3", "text of 32,768 characters in one cell", "32,767")))
CASES.append(Case("text-32767-chars", one(reference="x" * 32767), exit=0, out=("C1,,USD,200.00",)))
CASES.append(Case("line-over-131072", one(reference="y" * 140000),
                  says=("line 3", "longer than 131,072 characters")))
CASES.append(Case("quote-left-open", csv_bytes([GOOD, row(document_no="INV-2", reference='"open quote'),
                                                row(document_no="INV-3")]),
                  says=("line 3",)))

# ---------------------------------------------------------------- records and their header (CONTRACT §1)
for delim in (",", ";", "\t"):
    name = {",": "comma", ";": "semicolon", "\t": "tab"}[delim]
    short = delim.join(row(document_no="INV-2", currency="EUR")[:-1])       # the currency field is missing
    lines = [delim.join(HEADER), delim.join(row(currency="EUR")), short]
    CASES.append(Case(f"record-missing-a-field-filled-elsewhere-{name}", ("\n".join(lines) + "\n").encode(),
                      says=("line 3", "has 6 fields, the header 7", "'currency' missing")))
    extra = delim.join(row(document_no="INV-2") + ["EUR"])
    lines = [delim.join(HEADER), delim.join(GOOD), extra]
    CASES.append(Case(f"record-with-an-extra-field-{name}", ("\n".join(lines) + "\n").encode(),
                      says=("line 3", "has 8 fields, the header 7")))
    lines = [delim.join(HEADER)] + [delim.join(r) + delim for r in (GOOD, row(document_no="INV-2"))]
    CASES.append(Case(f"trailing-delimiter-on-every-line-{name}", ("\n".join(lines) + "\n").encode(), exit=0,
                      out=("C1,,USD,200.00",)))
    lines = [delim.join(HEADER), delim.join(row(currency="")), delim.join(row(document_no="INV-2")[:-1])]
    CASES.append(Case(f"record-short-where-the-column-is-blank-everywhere-{name}", ("\n".join(lines) + "\n").encode(),
                      exit=0, out=("C1,,USD,200.00",)))

# ---------------------------------------------------------------- signs of credits (CONTRACT §1)
for t in ("CM", "PMT", "cm", "Credit Memo"):
    for v in ("500.00", "1,500.00", "0.01"):
        data = csv_bytes([row(), row(document_no="CM-1", open_amount=f'"{v}"') + [t]], header=HEADER + ["doc_type"])
        data = data.replace(b"ok,USD\n", b"ok,USD,INV\n", 1)
        CASES.append(Case(f"credit-positive-{t}-{v}", data,
                          says=("row 3", "(a credit) with a positive open_amount", f"found '{v}'", "AmountSign")))
for t in ("CM", "PMT"):
    data = csv_bytes([row() + ["INV"], row(document_no="CM-1", open_amount="-30.00") + [t]], header=HEADER + ["doc_type"])
    CASES.append(Case(f"credit-negative-{t}", data, exit=0, out=("C1,,USD,70.00",)))

# ---------------------------------------------------------------- open amount above the amount: a warning
for amount, opn, warned in (("50.00", "100.00", True), ("-50.00", "-100.00", True), ("100.00", "100.00", False)):
    data = csv_bytes([row() + ["100.00"], row(document_no="INV-2", open_amount=opn) + [amount]], header=HEADER + ["amount"])
    CASES.append(Case(f"open-above-amount-{amount}-{opn}", data, exit=0,
                      says=("warning:", "open amount larger than the document amount", f"found '{opn}'") if warned else (),
                      out=("C1,,USD",)))

# ---------------------------------------------------------------- unknown and mapped codes
for v in ("XX", "DR", "RE", "Invoice?"):
    data = csv_bytes([row() + ["INV"], row(document_no="D-2") + [v]], header=HEADER + ["doc_type"])
    CASES.append(Case(f"doc-type-unknown-{v}", data, says=("row 3", "unknown doc_type", f"found '{v.upper()}'", "Column Map")))
for v, mapped in (("DR", "INV"), ("DZ", "PMT")):
    data = csv_bytes([row() + ["DR"], row(document_no="D-2", open_amount="-10.00") + [v]], header=HEADER + ["Belegart"])
    mp = f"table,source_column,canonical_column,source_value,canonical_value\nopen_items,Belegart,doc_type,{v},{mapped}\n" \
         "open_items,Belegart,doc_type,DR,INV\n"
    CASES.append(Case(f"doc-type-mapped-{v}", data, exit=0, args=("--map", "{map}"), extra={"map": mp.encode()},
                      out=("C1,,USD,90.00",)))
for v in ("OPEN?", "LOST"):
    data = csv_bytes([row() + ["OPEN"], row(document_no="D-2") + [v]], header=HEADER + ["status"])
    CASES.append(Case(f"status-unknown-{v}", data, says=("row 3", "unknown status", f"found '{v}'")))

# ---------------------------------------------------------------- encodings (CONTRACT §1 "Text")
CUSTOMERS_H = "customer_id,customer_name\n"
for name, text, enc in (("utf8-bom", "Société Générale", "utf-8-sig"), ("utf16le-bom", "Müller GmbH", "utf-16"),
                        ("utf16be-bom", "Øresund A/S", "utf-16-be-bom"),
                        ("shift-jis", "株式会社山田商事の東京本社営業部", "shift_jis"),
                        ("cp1251", "Общество с ограниченной ответственностью Ромашка", "cp1251"),
                        ("cp1252", "Bäckerei Weiß & Söhne an der Zürich-Straße", "cp1252")):
    body = CUSTOMERS_H + f"C1,{text}\n"
    data = codecs.BOM_UTF16_BE + body.encode("utf-16-be") if enc == "utf-16-be-bom" else body.encode(enc)
    CASES.append(Case(f"encoding-{name}", one(), exit=0, args=("--customers", "{customers}"), extra={"customers": data},
                      out=(f"C1,{text},USD,200.00",),
                      says=("read as",) if enc in ("shift_jis", "cp1251", "cp1252") else ()))
for ch in ("\x01", "\x1f", "\x00"):
    # issue 24: a name with a control character was written raw into the Dashboard chart's XML
    CASES.append(Case(f"customer-name-control-removed-{ord(ch):02x}", one(), exit=0, args=("--customers", "{customers}"),
                      extra={"customers": (CUSTOMERS_H + f"C1,Acme{ch} Corp\n").encode()},
                      says=("warning:", "control characters removed", "column 'customer_name'"),
                      out=("C1,Acme Corp,USD,200.00",)))
CASES.append(Case("encoding-unsure-refused", one(), args=("--customers", "{customers}"),
                  extra={"customers": (CUSTOMERS_H + "C1,\xe9\n").encode("latin-1")},
                  says=("customers", "the encoding is not clear", "cp1252, cp1251", "give different text", "--encoding")))
CASES.append(Case("encoding-unsure-forced", one(), exit=0, args=("--customers", "{customers}", "--encoding", "cp1252"),
                  extra={"customers": (CUSTOMERS_H + "C1,\xe9\n").encode("latin-1")}, out=("C1,é,USD",)))
CASES.append(Case("encoding-latin-word-detected", one(), exit=0, args=("--customers", "{customers}"),
                  extra={"customers": (CUSTOMERS_H + "C1,Caf\xe9 de la Gare\n").encode("latin-1")},
                  says=("read as cp1252",), out=("C1,Café de la Gare,USD",)))
CASES.append(Case("encoding-forced-wrong", one(), args=("--customers", "{customers}", "--encoding", "ascii"),
                  extra={"customers": (CUSTOMERS_H + "C1,Müller\n").encode("utf-8")}, says=("the file is not ascii",)))
CASES.append(Case("encoding-unknown-name", one(), args=("--encoding", "klingon-8"), says=("unknown encoding 'klingon-8'",)))
CASES.append(Case("utf16-without-bom", one().decode().encode("utf-16-le"), says=("not a text file",)))
CASES.append(Case("binary-file", bytes(range(256)) * 40, says=("not a text file",)))

# ---------------------------------------------------------------- delimiters and decimal commas (CONTRACT §1 "Real exports")
for name, delim in (("comma", ","), ("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
    CASES.append(Case(f"delimiter-{name}", csv_bytes([GOOD, row(document_no="INV-2")], delim=delim), exit=0,
                      out=("C1,,USD,200.00",)))
for name, amounts, total in (("grouped", ("1.234,56", "1.000,00"), "2234.56"), ("plain", ("99,50", "0,50"), "100.00"),
                             ("negative", ("1.234,56", "234,56-"), "1000.00"), ("parens", ("1.000,00", "(1.000,00)"), "0.00")):
    rows = [row(open_amount=amounts[0]), row(document_no="INV-2", open_amount=amounts[1])]
    CASES.append(Case(f"decimal-comma-{name}", csv_bytes(rows, delim=";"), exit=0, out=(f"C1,,USD,{total}",)))
CASES.append(Case("decimal-comma-forced", csv_bytes([row(open_amount="1.234")], delim=";"), exit=0,
                  args=("--decimal-comma",), out=("C1,,USD,1234.00",)))
CASES.append(Case("decimal-point-three-decimals-refused", csv_bytes([row(open_amount="1.234")], delim=";"),
                  says=("row 2", "at most 2 decimals for USD", "found '1.234'")))

# ---------------------------------------------------------------- CSV injection in what is written (CONTRACT §6)
for v, written in (("=1+1", "'=1+1"), ("+1", "'+1"), ("-12345", "'-12345"), ("@SUM(A1)", "'@SUM(A1)"),
                   ('"\t=1+1"', "'=1+1"), ("'=2", "'=2"), ("''=2", "''=2")):
    CASES.append(Case(f"injection-escaped-{v.strip(chr(34))!r}", one(customer_id=v), exit=0, out=(f"{written},,USD,100.00",)))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_value_case(case: Case, tmp_path, capsys):
    oi = tmp_path / "open_items.csv"
    oi.write_bytes(case.oi)
    paths = {"open_items": oi}
    for name, data in case.extra.items():
        p = tmp_path / f"{name}.csv"
        p.write_bytes(data)
        paths[name] = p
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "aging.csv"
    args = [a.format(**{k: str(v) for k, v in paths.items()}) for a in case.args]
    code = main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == case.exit, err
    for s in case.says:
        assert s in err, (s, err)
    assert "Traceback" not in err
    if case.exit != 0:
        assert "nothing was written" in err or "xl-collections aging:" in err
        assert sorted(p.name for p in tmp_path.iterdir()) == before          # nothing written
    else:
        written = out.read_text(encoding="utf-8")
        for s in case.out:
            assert s in written, (s, written)


def test_there_are_enough_cases():
    assert len(CASES) >= 90


def test_reliability_table_lists_every_case():
    """docs/reliability.md names every generated case (and so says what happens to it)."""
    from pathlib import Path

    import test_values_xlsx

    doc = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    missing = [c.id for c in CASES if f"`{c.id}`" not in doc] + \
              [c[0] for c in test_values_xlsx.CASES if f"`{c[0]}`" not in doc]
    assert missing == []
