"""The cash step's same-inputs check (CONTRACT §6, a re-run writes the same cells) compares the
settings cash application reads, not the whole Settings record: a credit weight changed, or a
newer version with more settings, still lets a re-run recompute the latest run's cash.  A book
whose Audit Log holds the older whole-Settings fingerprint is judged safely: recognised when
nothing changed, otherwise its cash is an earlier run's - never applied twice."""
from __future__ import annotations

import dataclasses
import datetime as dt

import openpyxl
import pytest

from xl_collections.book import open_book
from xl_collections.cashapp import apply_cash
from xl_collections.cashapp.step import CASH_SETTINGS, cash_settings_fingerprint
from xl_collections.close.pipeline import run_close
from xl_collections.close.state import settings_fingerprint
from xl_collections.core.headers import human_header
from xl_collections.core.settings import Settings
from xl_collections.demo import generate

from test_close_across_runs import OCTOBER, PAYMENTS, book

FIRST, SECOND = dt.datetime(2026, 11, 2, 9, 30), dt.datetime(2026, 11, 3, 8, 0)


def _close(path, now):
    b = open_book(path)
    report = run_close(b, steps="cashapp", as_of=dt.date(2026, 10, 31), now=now)
    b.save()
    return report.state.steps["cashapp"], report.state.settings


def _set(path, cell: str, value) -> None:
    """What a user does: type a value into a named cell of the Settings sheet."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    sheet, coord = next(iter(wb.defined_names[cell].destinations))
    wb[sheet][coord.replace("$", "")] = value
    wb.save(path)


def _cash_log(path):
    log = open_book(path).read_table("tblAuditLog")
    return log[log["step"] == "cashapp"].reset_index(drop=True)


def _old_fingerprint(path, settings) -> None:
    """The book as an earlier version left it: the cash rows of the Audit Log hold a
    fingerprint of the whole Settings record."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["Audit Log"]
    header = [c.value for c in ws[1]]
    step, sha = header.index(human_header("step")), header.index(human_header("sha256_settings"))
    for row in ws.iter_rows(min_row=2):
        if row[step].value == "cashapp":
            row[sha].value = settings_fingerprint(settings)
    wb.save(path)


@pytest.fixture
def closed(tmp_path):
    path = book(tmp_path, "ar.xlsm", "2026-10-31", OCTOBER, PAYMENTS)
    first, settings = _close(path, FIRST)
    assert first.amount and "earlier runs" not in first.message
    return path, first, settings, open_book(path).read_sheet("Cash App")


def test_a_changed_credit_weight_still_recomputes_the_latest_runs_cash(closed):
    path, first, settings, sheet = closed
    _set(path, "CreditTrendDays", 60)
    again, _ = _close(path, SECOND)
    assert (again.amount, again.message) == (first.amount, first.message)      # recomputed, not "earlier runs"
    assert open_book(path).read_sheet("Cash App").equals(sheet)


def test_a_changed_match_tolerance_judges_the_latest_runs_cash_as_applied(closed):
    path, first, settings, _ = closed
    _set(path, "MatchTolerance", 7.5)
    again, _ = _close(path, SECOND)
    assert again.amount == 0 and "applied in earlier runs, not again" in again.message


def test_the_audit_log_fingerprints_the_settings_cash_application_reads(closed):
    path, _, settings, _ = closed
    log = _cash_log(path)
    assert list(log["sha256_settings"]) == [cash_settings_fingerprint(settings)]
    other = open_book(path).read_table("tblAuditLog")
    assert set(other.loc[other["step"] != "cashapp", "sha256_settings"]) == {settings_fingerprint(settings)}


def test_an_old_books_whole_settings_fingerprint_is_recognised_when_nothing_changed(closed):
    path, first, settings, sheet = closed
    _old_fingerprint(path, settings)
    again, _ = _close(path, SECOND)
    assert (again.amount, again.message) == (first.amount, first.message)
    assert open_book(path).read_sheet("Cash App").equals(sheet)


@pytest.mark.parametrize("cell, value", [("CreditTrendDays", 60), ("MatchTolerance", 7.5)])
def test_an_old_books_fingerprint_with_changed_settings_never_applies_cash_twice(closed, cell, value):
    path, first, settings, _ = closed
    _old_fingerprint(path, settings)
    _set(path, cell, value)
    again, _ = _close(path, SECOND)
    assert again.amount == 0 and "applied in earlier runs, not again" in again.message
    apps = open_book(path).read_table("tblCashApp")
    auto = apps[apps["status"] == "AUTO"]
    assert not auto.duplicated(["payment_id", "document_no"]).any()
    assert set(auto["run_id"].astype(str)) == {first_run(path)}


def first_run(path) -> str:
    return str(_cash_log(path)["run_id"].iat[0])


class _Watched(Settings):
    """Settings that note each field read."""
    seen: set = set()

    def __getattribute__(self, name):
        if name in _FIELDS:
            _Watched.seen.add(name)
        return super().__getattribute__(name)


_FIELDS = {f.name for f in dataclasses.fields(Settings)}


def test_cash_settings_name_every_setting_cash_application_reads():
    demo = generate(items=2_000, seed=7)          # remittance, FX, returned items, deductions
    _Watched.seen = set()
    s = _Watched(**{f: getattr(demo.settings, f) for f in _FIELDS})
    apply_cash(demo.open_items, demo.payments, customers=demo.customers, remittance=demo.remittance,
               settings=s, fx_rates=demo.fx_rates, run_id="R1")
    assert _Watched.seen and _Watched.seen <= set(CASH_SETTINGS), _Watched.seen - set(CASH_SETTINGS)


def test_the_cash_fingerprint_ignores_other_settings_and_follows_cash_ones():
    s = Settings(as_of=dt.date(2026, 10, 31))
    assert cash_settings_fingerprint(s.with_(credit_trend_days=60)) == cash_settings_fingerprint(s)
    for name in CASH_SETTINGS:
        changed = s.with_(**{name: "x"})
        assert cash_settings_fingerprint(changed) != cash_settings_fingerprint(s), name
