"""The step registry: one declaration per step, and everything that derives from it —
the checklist, owned sheets, buttons, macros, ribbon ids, --steps aliases, audited tables —
plus the close reading every declared input table whose sheet exists."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from xl_collections import macros
from xl_collections.core import schema
from xl_collections.close import steps
from xl_collections.book import open_book
from xl_collections.close.checklist import AUDIT_HEADER, close_sheet_rows
from xl_collections.close.pipeline import parse_steps
from xl_collections.close.inputs import read_workbook_inputs
from xl_collections.core.settings import Settings
from xl_collections.core.settings import SETTINGS
from xl_collections.workbook.template import INPUT_SHEETS, OUTPUT_SHEETS, STEP_BUTTON_CELLS, STEP_BUTTONS, build_template

OPEN_ITEMS = pd.DataFrame({"customer_id": ["C1"], "document_no": ["INV1"], "document_date": [pd.Timestamp("2026-09-01")],
                           "due_date": [pd.Timestamp("2026-10-01")], "open_amount": [12345], "currency": ["USD"]})
OPEN_ITEMS.attrs = {"money": ["open_amount"], "currency": "USD"}


def test_names_titles_and_sheets_come_from_one_declaration_each():
    names = [s.name for s in steps.CLOSE_STEPS]
    assert names == ["validate", "cashapp", "returns", "aging", "kpis", "recon", "commentary", "credit", "worklist", "dunning",
                     "allowance", "dashboard"]
    assert len(set(names)) == len(names)
    aliases = [a for s in steps.CLOSE_STEPS for a in s.aliases]
    assert len(set(aliases)) == len(aliases) and not set(aliases) & set(names)
    sheets = [sh for s in steps.CLOSE_STEPS for sh in s.sheets]
    assert len(set(sheets)) == len(sheets), "a sheet has one owner step"
    assert [r[0] for r in close_sheet_rows({})] == names
    assert [r[1] for r in close_sheet_rows({})] == [s.title for s in steps.CLOSE_STEPS]


def test_every_reference_to_a_table_or_setting_names_a_declared_one():
    cells = {d.cell for d in SETTINGS}
    for s in steps.CLOSE_STEPS:
        assert set(s.reads) <= set(schema.TABLES), s.name
        assert set(s.settings) <= cells, s.name
        if s.button:
            assert set(s.button.runs) <= set(steps.STEP_NAMES), s.name


def test_owned_sheets_are_the_close_every_steps_sheets_and_the_audit_log():
    assert steps.OWNED_SHEETS[0] == "Close" and steps.OWNED_SHEETS[-1] == "Audit Log"
    assert set(steps.OWNED_SHEETS) == {"Close", "Audit Log", *steps.RECORD_SHEETS,
                                       *(sh for s in steps.CLOSE_STEPS for sh in s.sheets)}
    assert "Aging History" in steps.OWNED_SHEETS
    assert OUTPUT_SHEETS == [*steps.RESULT_SHEETS, "Audit Log"]
    assert not set(INPUT_SHEETS) & set(steps.OWNED_SHEETS)


def test_sheet_actions_ribbon_and_macros_derive_from_the_buttons():
    assert steps.SHEET_ACTIONS == {
        "close": "month_end_close", "cash app": "apply_payments", "unapplied": "apply_payments", "exceptions": "apply_payments",
        "returned items": "apply_payments",
        "aging": "refresh_aging", "aging detail": "refresh_aging", "kpis": "refresh_aging",   # KPIs: run by aging's button
        "recon": "reconcile", "commentary": "write_commentary", "aging history": "refresh_aging",
        "credit review": "credit_review", "order decisions": "credit_review",
        "worklist": "collections_worklist", "promises": "collections_worklist", "disputes": "collections_worklist",
        "allowance": "allowance", "write-off proposals": "allowance",
        "dunning": "generate_letters", "dunning history": "generate_letters",
        "claims": "research_claims", "claim research": "research_claims"}          # a sheet button, not a step
    assert steps.RIBBON_ACTIONS == {"xlc_close": "month_end_close", "xlc_validate": "check_inputs",
                                    "xlc_cashapp": "apply_payments", "xlc_aging": "refresh_aging",
                                    "xlc_recon": "reconcile", "xlc_commentary": "write_commentary",
                                    "xlc_credit": "credit_review", "xlc_worklist": "collections_worklist",
                                    "xlc_allowance": "allowance", "xlc_dunning": "generate_letters",
                                    "xlc_statement": "customer_statements",   # actions outside the close
                                    "xlc_report": "management_pack"}
    for action in {*steps.SHEET_ACTIONS.values(), *steps.RIBBON_ACTIONS.values()}:
        assert callable(getattr(macros, action)) and action in macros.__all__
    assert macros.action_for_sheet("Open Items") == "check_inputs"
    assert steps.button_steps("cashapp") == ("validate", "cashapp", "returns", "aging")
    assert steps.button_steps("aging") == ("validate", "aging", "kpis")
    assert "Apply the payments" in macros.apply_payments.__doc__


def test_template_buttons_sit_on_each_steps_first_sheet():
    assert STEP_BUTTONS == {"Cash App": "Apply cash", "Aging": "Refresh aging", "Recon": "Reconcile",
                            "Commentary": "Write commentary", "Credit Review": "Credit review",
                            "Worklist": "Refresh worklist", "Allowance": "Allowance",
                            "Dunning": "Generate letters"}
    assert STEP_BUTTON_CELLS == {"Cash App": "J1", "Aging": "J1", "Recon": "E1", "Commentary": "E1",
                                 "Credit Review": "E1", "Worklist": "E1", "Allowance": "E1", "Dunning": "E1"}


@pytest.mark.parametrize("text,expected", [
    ("cash", ("validate", "cashapp")), ("reconciliation, KPI", ("validate", "kpis", "recon")),
    ("write-commentary", ("validate", "commentary")), ("inputs", ("validate",))])
def test_steps_option_takes_every_declared_alias(text, expected):
    assert parse_steps(text) == expected


def test_a_step_not_for_users_runs_only_within_the_whole_close(monkeypatch):
    monkeypatch.setitem(steps.BY_NAME, "kpis", replace(steps.BY_NAME["kpis"], user_run=False))
    with pytest.raises(ValueError, match="only within the whole close"):
        parse_steps("aging,kpis")
    assert "kpis" in parse_steps(None)


def test_audit_log_fingerprints_every_table_a_step_reads():
    read = {t for s in steps.CLOSE_STEPS for t in s.reads}
    assert [h for h in AUDIT_HEADER if h.startswith("sha256_") and h != "sha256_settings"] == \
        [f"sha256_{t}" for t in schema.TABLES if t in read]


def _book(tmp_path, **tables):
    path = build_template(tmp_path / "b.xlsm", settings=Settings(as_of=dt.date(2026, 10, 31)),
                          inputs={"open_items": OPEN_ITEMS, **tables})
    return open_book(path)


def test_the_template_has_every_input_sheet_of_the_schema(tmp_path):
    names = _book(tmp_path).sheet_names()
    for t in (*schema.BOOK_TABLES.values(), *schema.WORKFLOW_TABLES.values()):
        assert t.sheet in names, t.sheet


def test_close_reads_a_workflow_table_whose_sheet_holds_rows(tmp_path):
    orders = pd.DataFrame({"order_no": ["SO1", "SO2"], "customer_id": ["C1", "C1"],
                           "order_date": [pd.Timestamp("2026-10-20")] * 2, "amount": [50000, 7550],
                           "currency": ["USD", "USD"], "status": ["OPEN", "OPEN"]})
    orders.attrs = {"money": ["amount"], "currency": "USD"}
    settings, tables, problems = read_workbook_inputs(_book(tmp_path, orders=orders))
    assert problems == []
    assert tables["orders"]["amount"].tolist() == [50000, 7550]           # minor units
    assert "financials" not in tables                                      # header only: not given


def test_a_workflow_tables_bad_row_is_refused_naming_sheet_row_and_column(tmp_path):
    bad = pd.DataFrame({"order_no": ["SO1"], "customer_id": ["C1"], "order_date": ["not a date"], "amount": ["10"]})
    bad.attrs = {"raw": True}
    _, _, problems = read_workbook_inputs(_book(tmp_path, orders=bad))
    assert [(p.sheet, p.row, p.column) for p in problems] == [("Orders", 2, "order_date")]
