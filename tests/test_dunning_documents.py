"""Letters and statements read as a customer reads them: PDFs through pdftotext, the .docx
through python-docx, the .eml through the standard library, the .xlsx through openpyxl."""
from __future__ import annotations

import datetime as dt
import email
import shutil
import subprocess
from decimal import Decimal
from email.policy import default as email_policy
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

from xl_collections.dunning import propose, render_statements, statements
from xl_collections.dunning.documents import letter_contexts, money_text
from xl_collections.dunning.letters import issue_letters
from xl_collections.dunning.pdf import soffice
from xl_collections.dunning.render import parse_formats
from xl_collections.dunning.templates import Templates, TemplateError, language_code
from xl_collections.core.settings import Settings

AS_OF = dt.date(2026, 10, 31)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
ENGINES = [pytest.param("soffice", marks=pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")),
           "fpdf"]

SETTINGS = Settings(as_of=AS_OF, dunning_interest_rate=Decimal("0.08"), company_name="Northwind Supply Co",
                    company_address="1 Harbor Way\nBoston, MA 02110",
                    remit_to="First National Bank\nIBAN US64 NWBK 6016 1331 9268 19\nQuote your customer number",
                    dunning_from="Accounts Receivable <ar@northwind.example>")


def book():
    due = lambda days: (AS_OF - dt.timedelta(days=days)).isoformat()   # noqa: E731
    oi = pd.DataFrame([
        # customer, document, type, due, open, currency
        ("C100", "INV-20417", "INV", due(60), "1234.56", "USD"),
        ("C100", "INV-20488", "INV", due(20), "765.44", "USD"),
        ("C100", "90001234", "INV", due(35), "500.00", "EUR"),
        ("C100", "CM-311", "CM", due(10), "-100.00", "USD"),
        ("C100", "INV-20999", "INV", due(-10), "300.00", "USD"),
        ("C200", "FAC-7001", "INV", due(40), "2500.00", "USD"),
        ("C300", "NF-55", "INV", due(16), "990.10", "USD"),
    ], columns=["customer_id", "document_no", "doc_type", "due_date", "open_amount", "currency"])
    oi["document_date"] = (pd.to_datetime(oi["due_date"]) - pd.Timedelta(days=30)).dt.date.astype(str)
    cust = pd.DataFrame({
        "customer_id": ["C100", "C200", "C300"],
        "customer_name": ["Cardinal Foods Inc", "Distribuidora Benítez S.A.", "Comércio São João Ltda"],
        "address": ["400 Market St\nPhiladelphia, PA 19106", "Calle Mayor 5\n28013 Madrid", "Rua Augusta 10; Lisboa"],
        "language": ["en", "es-ES", "Português"],
        "email": ["ap@cardinal.example", "pagos@benitez.example", ""],
    })
    fx = pd.DataFrame({"currency": ["EUR"], "rate": ["1.10"]})
    return oi, cust, fx


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    oi, cust, fx = book()
    hist = pd.DataFrame({"customer_id": ["C100"], "level": [1], "letter_date": [pd.Timestamp("2026-10-01")]})
    proposal, errors = propose(oi, cust, SETTINGS, activity=None, history=hist, fx_rates=fx)
    assert errors == []
    out = tmp_path_factory.mktemp("letters")
    letters, new_history = issue_letters(proposal, SETTINGS, out, ("pdf", "docx", "eml"), file_prefix="letters/")
    return proposal, letters, new_history, out


@needs_pdftotext
def test_letter_pdf_reads_names_documents_and_totals(letters):
    proposal, table, _, out = letters
    text = pdf_text(out / "C100_L2.pdf")
    for words in ("Cardinal Foods Inc", "400 Market St", "Northwind Supply Co", "Second payment reminder",
                  "INV-20417", "INV-20488", "90001234", "IBAN US64 NWBK 6016 1331 9268 19"):
        assert words in text, words
    assert "CM-311" not in text and "INV-20999" not in text       # credits and items not yet due are not dunned
    usd = table[(table["customer_id"] == "C100") & (table["currency"] == "USD")].iloc[0]
    # 1,234.56 + 765.44 = 2,000.00; interest 8%: 16.24 (60 days) + 3.36 (20 days); level 2 fee 0.00
    assert usd["amount_overdue"] == 200000 and usd["interest"] == 1624 + 336
    assert "2,019.60" in text and "500.00" in text


@needs_pdftotext
def test_letters_in_the_customers_language(letters):
    _, _, _, out = letters
    es = pdf_text(out / "C200_L1.pdf")
    assert "Recordatorio de pago" in es and "Distribuidora Benítez S.A." in es and "FAC-7001" in es
    assert "2.500,00" in es                     # Spanish number format
    pt = pdf_text(out / "C300_L1.pdf")
    assert "Lembrete de pagamento" in pt and "Comércio São João Ltda" in pt and "990,10" in pt
    assert "Rua Augusta 10" in pt and "Lisboa" in pt


def test_docx_and_eml_carry_the_same_letter(letters):
    _, _, history, out = letters
    d = docx.Document(str(out / "C100_L2.docx"))
    text = "\n".join(p.text for p in d.paragraphs) + "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert "Second payment reminder" in text and "INV-20417" in text and "2,019.60" in text
    msg = email.message_from_bytes((out / "C100_L2.eml").read_bytes(), policy=email_policy)
    assert msg["To"] == "ap@cardinal.example"
    assert msg["From"] == "Accounts Receivable <ar@northwind.example>"
    assert "Second payment reminder" in msg["Subject"] and msg["X-Unsent"] == "1"
    parts = {p.get_content_type(): p for p in msg.iter_parts()}
    assert parts["application/pdf"].get_filename() == "C100_L2.pdf"
    assert parts["application/pdf"].get_content()[:5] == b"%PDF-"
    assert "2,019.60" in parts["text/plain"].get_content()
    # one history row per letter, total due in the reporting currency
    h = history.set_index("customer_id")
    assert h.loc["C100", "level"] == 2 and h.loc["C100", "file"] == "letters/C100_L2.pdf"
    assert h.loc["C100", "amount"] == 200000 + 1960 + 55000 + 422     # EUR 500.00 + interest 3.84 (35 days) at 1.10


def test_letter_file_named_in_the_table(letters):
    _, table, _, out = letters
    sent = table[table["level"].notna()]
    assert set(sent["letter_file"]) == {"letters/C100_L2.pdf", "letters/C200_L1.pdf", "letters/C300_L1.pdf"}


@needs_pdftotext
@pytest.mark.parametrize("engine", ENGINES)
def test_statement_pdf_lists_every_open_item_and_the_aging(tmp_path, engine):
    oi, cust, fx = book()
    stmts, errors = statements(oi, cust, SETTINGS, customer_ids=["C100"], fx_rates=fx)
    assert errors == []
    files = render_statements(stmts, SETTINGS, Templates(), tmp_path, ("pdf",), pdf_engine=engine)
    text = pdf_text(files["C100"][0])
    for doc in ("INV-20417", "INV-20488", "90001234", "CM-311", "INV-20999"):
        assert doc in text, doc
    assert "Statement of account" in text and "Cardinal Foods Inc" in text and "First National Bank" in text
    # USD open: 1,234.56 + 765.44 - 100.00 + 300.00 = 2,200.00; EUR 500.00
    assert "2,200.00" in text and "500.00" in text


def test_statement_xlsx_and_docx(tmp_path):
    oi, cust, fx = book()
    stmts, _ = statements(oi, cust, SETTINGS, fx_rates=fx)
    assert [s.customer_id for s in stmts] == ["C100", "C200", "C300"]
    files = render_statements(stmts, SETTINGS, Templates(), tmp_path, ("xlsx", "docx"))
    by_ext = {p.suffix: p for p in files["C100"]}
    ws = openpyxl.load_workbook(by_ext[".xlsx"]).active
    rows = list(ws.iter_rows(values_only=True))
    docs = [r[0] for r in rows]
    assert {"INV-20417", "CM-311", "90001234"} <= set(docs)
    usd = next(r for r in rows if r[0] == "USD")
    assert usd[-1] == pytest.approx(2200.00)
    d = docx.Document(str(by_ext[".docx"]))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    assert "INV-20417" in cells and "2,200.00" in cells


def test_statement_for_an_unknown_customer_is_an_error():
    oi, cust, fx = book()
    stmts, errors = statements(oi, cust, SETTINGS, customer_ids=["C999"], fx_rates=fx)
    assert stmts == [] and errors[0].value == "C999"


def test_user_templates_override_the_words(tmp_path):
    (tmp_path / "en.toml").write_text('[letter]\nsubject = ["Friendly nudge"]\n', encoding="utf-8")
    oi, cust, fx = book()
    proposal, _ = propose(oi, cust, SETTINGS, fx_rates=fx)
    ctx = letter_contexts(proposal, SETTINGS, Templates(tmp_path))
    en = next(c for c in ctx if c["customer"]["id"] == "C100")
    assert en["subject"] == "Friendly nudge"
    assert en["greeting"] == "Dear Cardinal Foods Inc,"        # the rest from the built-in words
    with pytest.raises(TemplateError):
        Templates(tmp_path / "missing")


def test_data_text_is_never_markup_or_template(tmp_path):
    oi, cust, fx = book()
    cust.loc[0, "customer_name"] = "<b>{{ 7*7 }}</b> & Co"
    proposal, _ = propose(oi, cust, SETTINGS, fx_rates=fx)
    t = Templates()
    ctx = next(c for c in letter_contexts(proposal, SETTINGS, t) if c["customer"]["id"] == "C100")
    html = t.render("letter.html.j2", **ctx)
    assert "&lt;b&gt;{{ 7*7 }}&lt;/b&gt; &amp; Co" in html and "49" not in html


def test_languages_and_formats():
    assert [language_code(v) for v in ("es", "ES", "es-MX", "Spanish", "español", "pt_BR", "Português", "", None)] \
        == ["es", "es", "es", "es", "es", "pt", "pt", "", ""]
    assert Templates().language("de") == "en"             # no German words shipped: English
    assert parse_formats("PDF, eml", ("pdf", "docx", "eml")) == ("pdf", "eml")
    assert parse_formats("", ("pdf", "docx")) == ("pdf", "docx")
    with pytest.raises(ValueError):
        parse_formats("pdf,html", ("pdf", "docx"))
    fmt = {"decimal": ",", "thousands": "."}
    assert money_text(123456789, "USD", fmt) == "1.234.567,89"
    assert money_text(-5, "JPY", {}) == "-5" and money_text(1234567, "KWD", {}) == "1,234.567"
