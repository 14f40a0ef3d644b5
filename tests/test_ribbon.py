"""The ``Collections`` ribbon tab (CONTRACT §3): generated from the step registry, valid
against Microsoft's customui14.xsd, every callback a VBA Sub of the book taking the ribbon
control, every id running its step through ``macros.ribbon``, and kept byte for byte by a
headless close."""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from xl_collections.close import pipeline as close_mod
from xl_collections import macros
from xl_collections.close import steps as registry
from xl_collections.cli.dispatch import main as cli
from xl_collections.cli.demo import build_demo_book
from xl_collections.dunning import pdf
from xl_collections.workbook.template import build_template
from xl_collections.workbook.vba import module_sources
from xl_collections.workbook.vba.ribbon import CALLBACK, GROUPS, NAMESPACE, PART, RELATIONSHIP, customui_xml

from xl_collections.book.xwbridge import mock_caller

XSD = Path(__file__).resolve().parents[2] / "shared" / "external" / "customui" / "customui14.xsd"
# CONTRACT §3: the twelve button ids and their groups
CONTRACT_IDS = {"xlc_close": "xlcMonthEnd", "xlc_validate": "xlcMonthEnd", "xlc_cashapp": "xlcCash",
                "xlc_aging": "xlcReceivables", "xlc_recon": "xlcReceivables", "xlc_commentary": "xlcReceivables",
                "xlc_credit": "xlcCredit", "xlc_worklist": "xlcCollect", "xlc_dunning": "xlcCollect",
                "xlc_statement": "xlcCollect", "xlc_allowance": "xlcReserve", "xlc_report": "xlcReport"}
NS = {"c": NAMESPACE}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ribbon") / "ar_close.xlsm"
    build_template(path)
    return path


def _xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(PART)


def test_the_tab_is_in_the_package_with_its_relationship(book):
    with zipfile.ZipFile(book) as z:
        rels = z.read("_rels/.rels").decode()
    assert f'Type="{RELATIONSHIP}" Target="{PART}"' in rels
    tab = etree.fromstring(_xml(book)).find(".//c:tab", NS)
    assert tab.get("id") == "xlcCollections" and tab.get("label") == "Collections"


def test_the_tab_validates_against_microsofts_schema(book):
    if not XSD.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs beside ../shared: {XSD} is missing")
        pytest.skip("../shared/external/customui/customui14.xsd (Microsoft's schema, not shipped) is not present")
    import xmlschema
    xmlschema.XMLSchema(str(XSD)).validate(_xml(book).decode("utf-8"))


def test_buttons_come_from_the_registry_with_the_contracts_ids_and_groups(book):
    buttons = etree.fromstring(_xml(book)).findall(".//c:button", NS)
    ids = [b.get("id") for b in buttons]
    assert ids == [b.id for b in registry.RIBBON_BUTTONS]
    assert set(ids) == set(registry.RIBBON_ACTIONS)
    for b in buttons:
        assert b.get("id") in CONTRACT_IDS, f"{b.get('id')} is not a contract id"
        group = b.getparent().get("id")
        assert group == CONTRACT_IDS[b.get("id")]
        assert b.get("label") and b.get("supertip") and b.get("imageMso")
        assert b.get("onAction") == CALLBACK
    assert {"xlc_close", "xlc_validate", "xlc_cashapp", "xlc_aging", "xlc_recon", "xlc_commentary"} <= set(ids)
    assert buttons[0].get("id") == "xlc_close" and buttons[0].get("size") == "large"


def test_every_step_a_user_runs_has_a_ribbon_button():
    runnable = set()
    actions = {f"xlc_{a.name}" for a in registry.ACTIONS}
    for bid, macro in registry.RIBBON_ACTIONS.items():
        if macro == registry.CLOSE_MACRO or bid in actions:
            continue
        step = bid.removeprefix("xlc_")
        runnable.update(registry.button_steps(step))
    # the dashboard is refreshed by the Report group's xlc_report (CONTRACT §3: "dashboard and management
    # pack"): macros.management_pack runs the dashboard step before Excel prints the pack
    missing = [s.name for s in registry.CLOSE_STEPS if s.user_run and s.name not in runnable | {"dashboard"}]
    assert not missing, f"user-run steps without a ribbon button: {missing}"


def test_a_button_in_no_group_is_refused():
    from xl_collections.workbook.vba.ribbon import RibbonButton
    with pytest.raises(ValueError, match="xlc_x"):
        customui_xml([RibbonButton("xlc_x", "nowhere", "X", "x", "HappyFace")])
    assert [g for g, _ in GROUPS] == list(dict.fromkeys(CONTRACT_IDS.values()))


def test_every_callback_is_a_sub_taking_the_ribbon_control(book):
    with zipfile.ZipFile(book) as z:
        code = "\n".join(module_sources(z.read("xl/vbaProject.bin")).values())
    callbacks = {b.get("onAction") for b in etree.fromstring(_xml(book)).iter(f"{{{NAMESPACE}}}button")}
    for cb in callbacks:
        m = re.search(rf"^Sub {cb}\(([^)]*)\)", code, re.M)
        assert m, f"no Sub {cb} in the book's VBA"
        assert re.fullmatch(r"\s*control As IRibbonControl\s*(,.*)?", m.group(1))
        body = code[m.end():code.index("End Sub", m.end())]
        assert "xl_collections.macros" in body and "ribbon(" in body and "control.Id" in body


@pytest.mark.parametrize("control_id", sorted(set(registry.RIBBON_ACTIONS) - {"xlc_report"}))    # test_report.py
def test_each_ribbon_id_runs_its_steps_on_the_caller(tmp_path, close_steps, control_id, monkeypatch):
    _, path = build_demo_book(tmp_path, items=150, customers=12, seed=3)
    monkeypatch.setattr(pdf, "soffice", lambda: None)     # PDFs without LibreOffice: quicker, same files
    mock_caller(path)                       # the ribbon does not look at the active sheet
    result = macros.ribbon(control_id)
    macro = registry.RIBBON_ACTIONS[control_id]
    if control_id == "xlc_statement":       # an action outside the close: statements beside the book
        assert close_steps == [] and result.statements
        folder = path.parent / f"{path.stem} letters" / result.statements[0].as_of.isoformat() / "statements"
        assert result.folder == folder and sorted(p.name for p in folder.iterdir()) == sorted(
            f"{s.customer_id}.{ext}" for s in result.statements for ext in ("pdf", "docx", "xlsx"))
    elif macro == registry.CLOSE_MACRO:
        assert close_steps == list(close_mod.STEPS)
    else:
        assert close_steps == list(registry.button_steps(control_id.removeprefix("xlc_")))


def test_an_unknown_ribbon_id_runs_nothing_and_says_so(tmp_path, monkeypatch):
    import xlwings as xw
    _, path = build_demo_book(tmp_path, items=60, customers=5, seed=4)
    called = []
    monkeypatch.setattr(close_mod, "run_close", lambda *a, **k: called.append(1))
    monkeypatch.setattr(xw.Book, "_mock_caller", None, raising=False)
    mock_caller(path)
    assert macros.ribbon("xlc_nope") is None
    assert not called


def test_a_headless_close_keeps_the_ribbon_and_the_vba_byte_for_byte(tmp_path):
    _, path = build_demo_book(tmp_path, items=120, customers=10, seed=5)
    with zipfile.ZipFile(path) as z:
        before = {n: z.read(n) for n in (PART, "xl/vbaProject.bin", "_rels/.rels")}
    assert cli(["close", str(path)]) == 0
    with zipfile.ZipFile(path) as z:
        after = {n: z.read(n) for n in before}
    assert after == before


def test_new_book_carries_the_tab(tmp_path):
    out = tmp_path / "my_close.xlsm"
    assert cli(["new-book", "--out", str(out)]) == 0
    assert _xml(out) == customui_xml(registry.RIBBON_BUTTONS).encode("utf-8")
    shutil.rmtree(tmp_path)
