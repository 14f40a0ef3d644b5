"""Shared test helpers.

Under CI (``CI`` set) hypothesis runs derandomized, so a run is repeatable.

Third-party fixture files: ``external("bai2/moov_sample1.bai2")`` is the file in
``tests/fixtures/external/`` (copied with its licence, see SOURCES.md there) or, for the files
whose licence keeps them out of the repository (GPL/AGPL camt statements, the unlicensed AR
data set), in ``../shared/external`` beside the clone.  When neither holds it the test is
skipped with a reason naming the missing file — except under CI (``CI`` set), where it fails,
so CI keeps testing them.  ``external_path`` gives the path without skipping, for building
parameter lists at import time.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import xlwings as xw
from hypothesis import settings as hypothesis_settings

from xl_collections.close import pipeline as close_mod

# CI replays the same examples every run (a property failure found locally gets a test of its
# own; CI must not turn red on a new random draw) and waits for slow examples on a busy machine
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# a workbook Excel made: xlwings' quickstart (VBA, a button, names) — the book tests write into
QUICKSTART = Path(xw.__file__).parent / "quickstart_standalone.xlsm"


def digest(p: Path) -> str:
    """SHA-256 of a file's bytes: a refused or failed save must leave it unchanged."""
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def book_path(tmp_path) -> Path:
    """A fresh copy of :data:`QUICKSTART` named ``Collections.xlsm`` (read-write)."""
    p = tmp_path / "Collections.xlsm"
    shutil.copy(QUICKSTART, p)
    p.chmod(0o644)
    return p


IN_TREE = Path(__file__).resolve().parent / "fixtures" / "external"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "external"


def external_path(rel: str) -> Path:
    """Where ``rel`` (e.g. ``"camt/oca_test-camt054.xml"``) is: in the tree, else in
    ../shared/external (that path may not exist)."""
    here = IN_TREE / rel
    return here if here.exists() else SHARED / rel


def external(rel: str) -> Path:
    """The fixture file or folder ``rel``; skips the calling test when it is missing (fails
    under CI)."""
    path = external_path(rel)
    if not path.exists():
        reason = (f"{rel} is not in tests/fixtures/external and ../shared/external is not beside the "
                  f"clone (its licence keeps it out of the repository)")
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return path


def external_files(folder: str, suffixes: tuple[str, ...] = ()) -> list[Path]:
    """Every file in ``folder`` of both places (the tree's copy wins), for parametrising."""
    found: dict[str, Path] = {}
    for base in (SHARED, IN_TREE):
        d = base / folder
        if d.is_dir():
            for p in d.iterdir():
                if p.is_file() and (not suffixes or p.suffix.lower() in suffixes):
                    found[p.name] = p
    if os.environ.get("CI") and not (SHARED / folder).is_dir() and not (IN_TREE / folder).is_dir():
        raise RuntimeError(f"CI: {folder} is in neither tests/fixtures/external nor ../shared/external")
    return sorted(found.values())


@pytest.fixture
def close_steps(monkeypatch) -> list[str]:
    """The steps the next ``run_close`` runs, filled in when it returns (a button or ribbon
    test asserts on them); ``xw.Book.caller()``'s mock is cleared for the test."""
    seen: list[str] = []
    real = close_mod.run_close

    def spy(book, **kw):
        report = real(book, **kw)
        seen[:] = [s.step for s in report.steps]
        return report
    monkeypatch.setattr(close_mod, "run_close", spy)
    monkeypatch.setattr(xw.Book, "_mock_caller", None, raising=False)
    return seen
