"""The month-end close headless on the demo workbook: sheets, tables, chart, totals that tie
to the aging command, idempotent re-runs that never apply cash twice, the user's parts of
the file untouched, refused inputs that leave the file as it was, dispatch of main()."""
from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from dataclasses import replace

from xl_collections.close import pipeline as close_mod
from xl_collections import macros
from xl_collections.close import steps as registry
from xl_collections.book import open_book
from xl_collections.cli.dispatch import main as cli
from xl_collections.close.pipeline import STEPS, StepFailed, parse_steps, run_close
from xl_collections.cli.demo import build_demo_book, demo_tables
from xl_collections.core.errors import InputErrors
from xl_collections.io.sources import sheet_part as sheet_member
from xl_collections.io.write import write_table
from xl_collections.close.steps import BUTTONS, OWNED_SHEETS, STEP_NAMES
from xl_collections.workbook.template import build_template

OUTPUT_SHEETS = ("Aging", "Aging Detail", "KPIs", "Cash App", "Unapplied", "Exceptions", "Recon", "Commentary")
TABLES = {"tblClose", "tblAging", "tblAgingTop", "tblAgingDetail", "tblKPIs", "tblCashApp", "tblUnapplied",
          "tblExceptions", "tblBreaks", "tblGLTieout", "tblRollforward", "tblAuditLog"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sheet_part(z: zipfile.ZipFile, name: str) -> str:
    """Part name of a sheet in a workbook package (the readers' own lookup)."""
    return sheet_member(z, name, binary=False)


def run_cli_close(path: Path, *extra) -> int:
    return cli(["close", str(path), *extra])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    gen, path = build_demo_book(d, items=500, seed=11)
    template = d / "template_copy.xlsm"
    shutil.copy(path, template)
    assert run_cli_close(path) == 0
    first = d / "after_first.xlsm"
    shutil.copy(path, first)
    assert run_cli_close(path) == 0
    return {"gen": gen, "dir": d, "template": template, "first": first, "second": path}


def grid(path: Path, sheet: str) -> pd.DataFrame:
    return open_book(path).read_sheet(sheet)


def test_every_output_sheet_with_its_tables_formats_and_chart(demo):
    book = open_book(demo["first"])
    names = book.sheet_names()
    for s in ("Close", *OUTPUT_SHEETS, "Audit Log"):
        assert s in names
    with zipfile.ZipFile(demo["first"]) as z:
        tables = {re.search(r'displayName="([^"]+)"', z.read(n).decode()).group(1)
                  for n in z.namelist() if n.startswith("xl/tables/")}
        assert TABLES <= tables
        charts = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        aging = z.read(sheet_part(z, "Aging")).decode()
        styles = z.read("xl/styles.xml").decode()
    assert any('barDir val="bar"' in c and 'grouping val="stacked"' in c and re.search(r"'?Aging'?!", c) for c in charts)
    assert "<colorScale>" in aging and 'state="frozen"' in aging
    assert "_(* #,##0.00_)" in styles or "#,##0.00" in styles
    checklist = book.read_table("tblClose")
    assert checklist["step"].tolist() == list(STEPS)
    assert set(checklist["status"]) == {"done"}


def _total(df: pd.DataFrame) -> dict:
    row = df[df["customer_id"] == "TOTAL"].iloc[0]
    return {c: Decimal(str(row[c])).quantize(Decimal("0.01")) for c in
            ("total_open", "not_due", "1-30", "31-60", "61-90", "91-120", "121+", "past_due")}


def test_aging_total_equals_the_aging_command_on_the_same_open_items(demo, tmp_path):
    # the pro-forma open items (after this close's cash application) through the aging command
    book = open_book(demo["template"])
    report = run_close(book, steps="validate,cashapp,aging")
    after = report.state.results["cashapp"].open_items_after.drop(columns=["source_row"])
    after.attrs = {"money": ["amount", "open_amount"], "currency": "USD"}
    write_table(after, tmp_path / "open_items_after.csv")
    data = demo["dir"] / "data"
    out = tmp_path / "aging.csv"
    assert cli(["aging", "--open-items", str(tmp_path / "open_items_after.csv"), "--customers", str(data / "customers.csv"),
                "--fx", str(data / "fx_rates.csv"), "--as-of", "2026-10-31", "--out", str(out)]) == 0
    with open(out, newline="") as f:
        cmd = pd.DataFrame(list(csv.DictReader(f)))
    sheet = open_book(demo["first"]).read_table("tblAging")
    assert _total(sheet) == _total(cmd)
    assert _total(sheet)["total_open"] == Decimal(int(report.state.results["aging"].total["total_open"])) / 100


def test_aging_total_without_payments_equals_the_aging_command_on_the_demo_csv(demo, tmp_path):
    tables = {k: v for k, v in demo_tables(demo["gen"]).items() if k != "payments"}
    path = build_template(tmp_path / "no_cash.xlsm", settings=demo["gen"].settings, inputs=tables)
    assert run_cli_close(path, "--steps", "aging") == 0
    data = demo["dir"] / "data"
    out = tmp_path / "aging.csv"
    assert cli(["aging", "--open-items", str(data / "open_items.csv"), "--customers", str(data / "customers.csv"),
                "--fx", str(data / "fx_rates.csv"), "--as-of", "2026-10-31", "--out", str(out)]) == 0
    with open(out, newline="") as f:
        cmd = pd.DataFrame(list(csv.DictReader(f)))
    assert _total(open_book(path).read_table("tblAging")) == _total(cmd)


def test_second_run_gives_identical_outputs_and_applies_no_cash_twice(demo):
    for s in OUTPUT_SHEETS:
        a, b = grid(demo["first"], s), grid(demo["second"], s)
        pd.testing.assert_frame_equal(a, b, obj=s)
    log1 = open_book(demo["first"]).read_table("tblAuditLog")
    log2 = open_book(demo["second"]).read_table("tblAuditLog")
    assert len(log2) == 2 * len(log1) == 2 * len(STEPS)
    fps = [c for c in log1.columns if c.startswith("sha256_")]
    assert (log2[fps].iloc[:len(log1)].to_numpy() == log2[fps].iloc[len(log1):].to_numpy()).all()
    apps = open_book(demo["second"]).read_table("tblCashApp")
    auto = apps[apps["status"] == "AUTO"]
    assert not auto.duplicated(["payment_id", "document_no"]).any()
    pays = demo["gen"].payments.set_index("payment_id")["amount"]
    applied = (auto.groupby("payment_id")["applied_amount"].sum() * 100).round()
    assert (applied <= pays.reindex(applied.index)).all()


def test_a_new_payment_after_a_close_never_reapplies_earlier_cash(demo, tmp_path):
    gen = demo["gen"]
    first = open_book(demo["first"])
    apps = first.read_table("tblCashApp")
    paid_docs = set(apps.loc[apps["status"] == "AUTO", "document_no"])
    oi = gen.open_items
    target = oi[(oi["doc_type"] == "INV") & (oi["currency"] == "USD") & ~oi["document_no"].isin(paid_docs)].iloc[0]
    new = pd.DataFrame([{"payment_id": "PNEW1", "value_date": pd.Timestamp("2026-10-30"),
                         "amount": int(target["open_amount"]), "currency": "USD", "payer_name": "",
                         "payer_account": "", "reference": f"payment of invoice {target['document_no']}",
                         "customer_id": target["customer_id"]}])
    tables = demo_tables(gen)
    pays = pd.concat([tables["payments"].drop(columns=["source_row"]), new], ignore_index=True)
    tables["payments"] = pays
    path = build_template(tmp_path / "next_day.xlsm", settings=gen.settings, inputs=tables)
    # carry the first close's Cash App and Audit Log over, as if the user had added the payment
    from xl_collections.book import SheetOutput, TableBlock
    book = open_book(path)
    book.write_sheet(SheetOutput("Cash App", [TableBlock(apps.reset_index(drop=True), table_name="tblCashApp")]))
    book.write_sheet(SheetOutput("Audit Log", [TableBlock(first.read_table("tblAuditLog").reset_index(drop=True),
                                                          table_name="tblAuditLog")]))
    book.save()
    assert run_cli_close(path) == 0
    after = open_book(path)
    apps2 = after.read_table("tblCashApp")
    old = apps[apps["status"] == "AUTO"].reset_index(drop=True)
    kept = apps2[apps2["payment_id"].isin(set(old["payment_id"])) & (apps2["status"] == "AUTO")].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[old.columns], old, check_dtype=False)      # once, as they were
    mine = apps2[apps2["payment_id"] == "PNEW1"]
    assert mine["document_no"].tolist() == [target["document_no"]] and mine["status"].tolist() == ["AUTO"]
    unapplied = after.read_table("tblUnapplied")
    assert "ALREADY_APPLIED" not in set(unapplied["reason"])
    # the aging is net of both runs' cash: the new payment's invoice is gone
    detail = after.read_table("tblAgingDetail")
    assert target["document_no"] not in set(detail["document_no"]) and not set(old["document_no"]) & set(
        detail.loc[detail["doc_type"] == "INV", "document_no"]) - set(
        oi.loc[oi["open_amount"] > 0, "document_no"])


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_vba_buttons_and_every_user_part_byte_identical_after_the_close(demo):
    before, after = _parts(demo["template"]), _parts(demo["second"])
    with zipfile.ZipFile(demo["template"]) as z:
        owned = {sheet_part(z, s) for s in OWNED_SHEETS if s in open_book(demo["template"]).sheet_names()}
        close_xml = z.read(sheet_part(z, "Close")).decode()
    volatile = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
                "docProps/core.xml", "docProps/app.xml"}
    owned_rels = {p.replace("worksheets/", "worksheets/_rels/") + ".rels" for p in owned}
    checked = 0
    for name, data in before.items():
        if name in owned or name in owned_rels or name in volatile or name.startswith(("xl/tables/", "xl/charts/")):
            continue
        if name.startswith("xl/drawings/drawing"):
            continue
        assert after.get(name) == data, name
        checked += 1
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    vml = [n for n in before if n.endswith(".vml")]
    buttons = 1 + sum(1 for b in BUTTONS.values() if b.cell) + len(registry.SHEET_BUTTONS)   # Close's, each step sheet's, Claims'; one note
    assert len(vml) == buttons + 1 and all(after[n] == before[n] for n in vml)
    ribbon = [n for n in before if "customUI" in n]
    assert all(after[n] == before[n] for n in ribbon)
    with zipfile.ZipFile(demo["second"]) as z:
        new_close = z.read(sheet_part(z, "Close")).decode()
    rid = re.search(r'<legacyDrawing [^>]*r:id="([^"]+)"', close_xml).group(1)
    assert re.search(rf'<legacyDrawing\b[^>]*r:id="{rid}"', new_close)                  # the button stays
    rels = after[sheet_part(zipfile.ZipFile(demo["second"]), "Close").replace("worksheets/", "worksheets/_rels/") + ".rels"]
    assert re.search(rf'Id="{rid}"[^>]*vmlDrawing|vmlDrawing[^>]*Id="{rid}"', rels.decode())
    assert 'codeName="Sheet1"' in new_close
    assert checked >= 14


def test_libreoffice_opens_the_result_and_renders_the_chart(demo, tmp_path):
    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice / poppler not installed")
    src = tmp_path / "closed.xlsm"
    shutil.copy(demo["second"], src)
    r = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                       capture_output=True, timeout=240)
    pdf = tmp_path / "closed.pdf"
    assert r.returncode == 0 and pdf.exists(), r.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Aging by bucket" in text           # the chart's title, drawn by LibreOffice
    assert "TOTAL" in text and "Month-end close" in text


class _SheetImpl:
    def __init__(self, name):
        self.name = name


class _SheetsImpl:
    def __init__(self, name):
        self.active = _SheetImpl(name)


def caller_on_sheet(path: Path, sheet: str):
    """``xw.Book.set_mock_caller`` with a headless book (the book layer's xlwings bridge) whose
    active sheet is ``sheet``, as when a button on that sheet is clicked."""
    import xlwings as xw

    from xl_collections.book.headless import HeadlessBook
    from xl_collections.book.xwbridge import HeadlessBookImpl
    impl = HeadlessBookImpl(HeadlessBook(path))
    impl.sheets = _SheetsImpl(sheet)          # the bridge answers no sheets; the active one is all main() asks
    book = xw.Book(impl=impl)
    book.set_mock_caller()
    return book


@pytest.mark.parametrize("sheet,steps", [
    ("Close", list(STEPS)), ("Aging", ["validate", "aging", "kpis"]), ("KPIs", ["validate", "aging", "kpis"]),
    ("Cash App", ["validate", "cashapp", "returns", "aging"]), ("Recon", ["validate", "recon"]),
    ("Commentary", ["validate", "commentary"]), ("Open Items", ["validate"]), ("Settings", ["validate"])])
def test_main_dispatches_on_the_active_sheet_of_the_mock_caller(demo, tmp_path, close_steps, sheet, steps):
    path = tmp_path / "b.xlsm"
    shutil.copy(demo["template"], path)
    caller_on_sheet(path, sheet)
    macros.main()
    assert close_steps == steps
    assert macros.action_for_sheet(sheet) in macros.__all__


def _bad_book(tmp_path, demo) -> Path:
    tables = demo_tables(demo["gen"])
    from xl_collections.io.write import to_display
    oi = tables["open_items"].drop(columns=["source_row", "open_amount"]).head(20).copy()
    oi.attrs = {"money": ["amount"], "currency": "USD"}
    oi = to_display(oi)
    oi.attrs["raw"] = True
    pays = tables["payments"].drop(columns=["source_row"]).head(5).copy()
    pays.attrs = {"money": ["amount"], "currency": "USD"}
    pays = to_display(pays).astype(object)
    pays.loc[1, "amount"] = "twelve hundred"
    pays.attrs["raw"] = True
    tables.update(open_items=oi, payments=pays)
    return build_template(tmp_path / "bad_inputs.xlsm", settings=demo["gen"].settings, inputs=tables)


def test_bad_inputs_leave_the_workbook_untouched_and_name_the_cells(demo, tmp_path, capsys):
    path = _bad_book(tmp_path, demo)
    digest = sha(path)
    assert run_cli_close(path) == 1
    err = capsys.readouterr().err
    assert "sheet 'Open Items'" in err and "'open_amount'" in err and "missing" in err
    assert "sheet 'Payments', row 3, column 'amount'" in err and "twelve hundred" in err
    assert sha(path) == digest
    assert not list(tmp_path.glob("*.bak*")) and not list(tmp_path.glob(".~xlc*"))
    with pytest.raises(InputErrors) as e:
        macros.month_end_close(open_book(path))
    assert {x.sheet for x in e.value.errors} >= {"Open Items", "Payments"}


def test_blank_as_of_date_is_refused_unless_given(demo, tmp_path, capsys):
    tables = {k: v for k, v in demo_tables(demo["gen"]).items() if k in ("open_items", "customers", "fx_rates")}
    path = build_template(tmp_path / "no_date.xlsm", inputs=tables)
    assert run_cli_close(path, "--steps", "aging") == 1
    assert "AsOfDate" in capsys.readouterr().err
    assert run_cli_close(path, "--steps", "aging", "--as-of", "2026-10-31", "--out", str(tmp_path / "out.xlsm")) == 0
    assert open_book(tmp_path / "out.xlsm").read_table("tblClose")["status"].tolist()[:4] == [
        "done", "not run", "not run", "done"]        # validate, cashapp, returns, aging


def _replace_step(monkeypatch, name, run):
    monkeypatch.setitem(registry.BY_NAME, name, replace(registry.BY_NAME[name], run=run))


def test_a_failing_step_changes_no_result_sheet_and_exits_3(demo, tmp_path, monkeypatch, capsys):
    """CONTRACT §6: a step failing after the inputs were accepted changes no result sheet —
    only Close (the step FAILED and why) and Audit Log (the failed run) are written."""
    path = tmp_path / "fails.xlsm"
    shutil.copy(demo["first"], path)
    before = {s: grid(path, s) for s in OUTPUT_SHEETS}
    log_before = open_book(path).read_table("tblAuditLog")

    def boom(state):
        raise RuntimeError("KPI engine exploded")
    _replace_step(monkeypatch, "kpis", boom)
    with pytest.raises(StepFailed):
        run_close(open_book(path))          # not saved: the file is as it was
    assert run_cli_close(path) == 3
    err = capsys.readouterr().err
    assert "KPI engine exploded" in err and "no result sheet changed" in err
    book = open_book(path)
    for s in OUTPUT_SHEETS:
        assert grid(path, s).equals(before[s]), s
    close = book.read_table("tblClose")
    status = dict(zip(close["step"], close["status"]))
    later = STEP_NAMES[STEP_NAMES.index("kpis") + 1:]
    assert status == {"validate": "done", "cashapp": "done", "returns": "done", "aging": "done", "kpis": "FAILED",
                      **{n: "not run" for n in later}}
    assert "KPI engine exploded" in " ".join(close["message"].astype(str))
    assert "not written" in close.set_index("step").at["aging", "message"]
    log = book.read_table("tblAuditLog")
    assert log["status"].tolist()[len(log_before):] == ["done", "done", "done", "done", "FAILED"]   # validate, cashapp, returns, aging, kpis


def test_when_the_last_step_fails_no_sheet_of_any_earlier_step_changes(demo, tmp_path, monkeypatch):
    """Every step ran and returned its sheets, the last one raised: none of them is written."""
    path = tmp_path / "last_fails.xlsm"
    shutil.copy(demo["first"], path)
    names = open_book(path).sheet_names()
    results = [s for s in registry.RESULT_SHEETS if s in names]
    before = {s: grid(path, s) for s in results}
    last = registry.STEP_NAMES[-1]

    def boom(state):
        raise RuntimeError("the last step broke")
    _replace_step(monkeypatch, last, boom)
    book = open_book(path)
    with pytest.raises(StepFailed):
        run_close(book)
    book.save()
    for s in results:
        assert grid(path, s).equals(before[s]), s
    close = open_book(path).read_table("tblClose")
    assert close.set_index("step").at[last, "status"] == "FAILED"
    assert (close["status"] == "done").sum() == len(registry.STEP_NAMES) - 1


def test_the_commentary_step_returns_its_sheets_and_writes_nothing(demo):
    """Steps never write the book: the commentary (which reads its last sheet) included."""
    class ReadOnly:
        def __init__(self, book):
            self.book, self.writes = book, []

        def __getattr__(self, name):
            return getattr(self.book, name)

        def write_sheet(self, out):
            self.writes.append(out.name)

    book = ReadOnly(open_book(demo["first"]))
    settings, tables, problems = close_mod.read_workbook_inputs(book)
    assert problems == []
    state = close_mod.CloseState(settings, tables, {}, book=book)
    res = registry.BY_NAME["commentary"].run(state)
    assert book.writes == []
    assert [o.name for o in res.outputs] == ["Commentary"]
    assert res.status == close_mod.DONE and res.rows > 0


def test_a_failed_runs_cash_is_not_taken_as_applied(demo, tmp_path, monkeypatch):
    """The Audit Log of a failed run says cashapp done, but its Cash App was never written:
    the next run must not take that run's inputs as the ones behind the Cash App sheet."""
    path = tmp_path / "after_fail.xlsm"
    shutil.copy(demo["first"], path)
    book = open_book(path)
    assert close_mod.last_cash_inputs(book) is not None
    good = close_mod.last_cash_inputs(book)

    def boom(state):
        raise RuntimeError("boom")
    _replace_step(monkeypatch, "recon", boom)
    with pytest.raises(StepFailed):
        run_close(book)
    book.save()
    assert close_mod.last_cash_inputs(open_book(path)) == good


def test_a_step_can_never_write_a_users_sheet(demo, tmp_path, monkeypatch):
    path = tmp_path / "guard.xlsm"
    shutil.copy(demo["template"], path)
    before = grid(path, "Open Items")

    def rogue(state):
        from xl_collections.book import SheetOutput, TableBlock
        return close_mod.StepResult("kpis", close_mod.DONE,
                                    outputs=[SheetOutput("Open Items", [TableBlock(pd.DataFrame({"x": [1]}))])])
    _replace_step(monkeypatch, "kpis", rogue)
    book = open_book(path)
    with pytest.raises(StepFailed) as e:
        run_close(book, steps="aging,kpis")
    assert "not one of the program's sheets" in str(e.value.error)
    book.save()
    assert grid(path, "Open Items").equals(before)
    assert "Aging History" in OWNED_SHEETS


def test_parse_steps():
    assert parse_steps(None) == STEPS
    assert parse_steps("aging, reconciliation") == ("validate", "aging", "recon")
    with pytest.raises(ValueError):
        parse_steps("aging,posting")
    assert cli(["close", "nowhere.xlsm"]) == 2


def test_column_map_sheet_maps_the_users_headers_and_its_mistakes_are_reported(demo, tmp_path, capsys):
    from xl_collections.io.write import to_display
    tables = {k: v for k, v in demo_tables(demo["gen"]).items() if k in ("open_items", "customers", "fx_rates")}
    oi = tables["open_items"].drop(columns=["source_row"])
    oi.attrs = {"money": ["amount", "open_amount"], "currency": "USD"}
    oi = to_display(oi).rename(columns={"document_no": "Beleg Nr X", "open_amount": "Rest EUR-Äquivalent"})
    oi.attrs["raw"] = True
    cmap = pd.DataFrame({"table": ["Open Items", "open_items"], "source_column": ["Beleg Nr X", "Rest EUR-Äquivalent"],
                         "canonical_column": ["document_no", "open_amount"]})
    path = build_template(tmp_path / "mapped.xlsm", settings=demo["gen"].settings,
                          inputs={**tables, "open_items": oi, "column_map": cmap})
    assert run_cli_close(path, "--steps", "aging") == 0
    total = open_book(path).read_table("tblAging").iloc[-1]
    assert total["customer_id"] == "TOTAL" and total["total_open"] != 0
    bad = cmap.copy()
    bad.loc[1, "canonical_column"] = "open_amt"
    path2 = build_template(tmp_path / "mapped_bad.xlsm", settings=demo["gen"].settings,
                           inputs={**tables, "open_items": oi, "column_map": bad})
    assert run_cli_close(path2, "--steps", "aging") == 1
    err = capsys.readouterr().err
    assert "sheet 'Column Map', row 3, column 'canonical_column'" in err and "open_amt" in err


def test_in_excel_refused_inputs_are_listed_on_the_close_sheet(demo, tmp_path, monkeypatch):
    import xlwings as xw
    path = _bad_book(tmp_path, demo)
    monkeypatch.setattr(xw.Book, "_mock_caller", None, raising=False)
    book = caller_on_sheet(path, "Close").impl.book
    monkeypatch.setattr(macros, "_is_live", lambda wb: True)      # as LiveBook would: show, do not raise
    result = macros.main()
    assert isinstance(result, InputErrors)
    out = book.pending["Close"]
    checklist, problems = out.blocks[0].df, out.blocks[1].df
    assert checklist.loc[0, "status"] == "FAILED"
    assert ("Payments", 3, "amount") in set(zip(problems["sheet"], problems["row"], problems["column"]))
    assert "open_amount" in set(problems["column"])



def test_fingerprint_ignores_source_rows_but_not_content(demo):
    oi = demo["gen"].open_items
    fp = close_mod.table_fingerprint(oi, "open_items")
    assert close_mod.table_fingerprint(oi.assign(source_row=oi["source_row"] + 5), "open_items") == fp
    changed = oi.copy()
    changed.loc[changed.index[0], "open_amount"] += 1
    assert close_mod.table_fingerprint(changed, "open_items") != fp


def test_demo_command_builds_closes_and_summarises(tmp_path, capsys):
    out = tmp_path / "demo_out"
    assert cli(["demo", "--out", str(out), "--items", "300", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    for needle in ("Aging as of 2026-10-31: total open", "auto-match rate", "breaks found", "Commentary:"):
        assert needle in text
    assert sorted(p.name for p in out.iterdir()) == ["collections_demo.py", "collections_demo.xlsm", "data"]
    assert (out / "data" / "open_items.csv").exists()
    status = open_book(out / "collections_demo.xlsm").read_table("tblClose")["status"].tolist()
    assert status == ["done"] * len(STEPS)
    assert cli(["demo", "--out", str(tmp_path / "csv"), "--items", "300", "--csv-only"]) == 0
    assert [p.name for p in (tmp_path / "csv").iterdir()] == ["data"]
