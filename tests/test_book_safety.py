"""Safe save: refusals write nothing; a failure mid-save leaves the original as it was."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import digest, external
from xl_collections.book import BookError, SheetOutput, TableBlock, open_book
from xl_collections.book import package as pk



def output(n: int = 3) -> SheetOutput:
    return SheetOutput("Aging", [TableBlock(pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)],
                                                          "total_open": list(range(n))}).pipe(_money),
                                            table_name="tblAging")])


def _money(df):
    df.attrs["money"] = ["total_open"]
    return df


def leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.startswith(".~xlc"))


def test_refused_when_open_in_excel(book_path):
    before = digest(book_path)
    book = open_book(book_path)
    book.write_sheet(output())
    (book_path.parent / ("~$" + book_path.name)).write_bytes(b"owner")
    with pytest.raises(BookError, match="open in Excel"):
        book.save()
    assert digest(book_path) == before and leftovers(book_path.parent) == []
    assert not book_path.with_name(book_path.name + ".bak1").exists()


def test_refused_when_changed_underneath(book_path):
    before = open_book(book_path)
    before.write_sheet(output())
    other = open_book(book_path)                 # someone else saves first
    other.write_sheet(output(5))
    other.save()
    after_other = digest(book_path)
    with pytest.raises(BookError, match="changed on disk"):
        before.save()
    assert digest(book_path) == after_other and leftovers(book_path.parent) == []


def test_failure_mid_save_leaves_the_original(book_path, monkeypatch):
    before = digest(book_path)
    book = open_book(book_path)
    book.write_sheet(output(50_000))
    calls = {"n": 0}
    real = pk.ZipWriter.write

    def crash(self, name, chunks, *a, **k):
        calls["n"] += 1
        if "worksheets" in name:
            def boom():
                yield next(iter(chunks))
                raise OSError("disk full (injected)")
            return real(self, name, boom(), *a, **k)
        return real(self, name, chunks, *a, **k)
    monkeypatch.setattr(pk.ZipWriter, "write", crash)
    with pytest.raises(OSError, match="injected"):
        book.save()
    assert calls["n"] >= 1
    assert digest(book_path) == before and leftovers(book_path.parent) == []
    monkeypatch.undo()
    book.save()                                   # the pending write is still there and succeeds
    assert open_book(book_path).read_table("tblAging").shape == (50_000, 2)


def test_backup_keeps_the_previous_version(book_path):
    before = digest(book_path)
    book = open_book(book_path)
    book.write_sheet(output())
    book.save()
    bak = book_path.with_name(book_path.name + ".bak1")
    assert digest(bak) == before and digest(book_path) != before
    book.write_sheet(output(4))                   # the same object keeps working after a save
    first = digest(book_path)
    book.save()
    assert digest(bak) == first
    assert digest(book_path.with_name(book_path.name + ".bak2")) == before
    assert len(open_book(book_path).read_table("tblAging")) == 4


def test_save_as_leaves_the_source(book_path, tmp_path):
    before = digest(book_path)
    book = open_book(book_path)
    book.write_sheet(output())
    out = book.save(tmp_path / "out" / "Closed.xlsm")
    assert digest(book_path) == before
    assert out.exists() and book.path == out
    assert open_book(out).read_table("tblAging")["customer_id"].tolist() == ["C0", "C1", "C2"]
    with pytest.raises(BookError, match="same kind"):
        book.save(tmp_path / "Closed.xlsx")


def test_nothing_pending_writes_nothing(book_path):
    before = book_path.stat().st_mtime_ns
    open_book(book_path).save()
    assert book_path.stat().st_mtime_ns == before


def test_audit_log_only_grows(book_path):
    for run in range(3):
        book = open_book(book_path)
        book.append_rows("Audit Log", pd.DataFrame({"run_id": [run], "step": ["aging"], "user": ["=cmd"]}))
        book.save()
    log = open_book(book_path).read_table("tblAuditLog")       # shown "Run", "User": read back as written
    assert log["run_id"].tolist() == [0, 1, 2] and log["user"].tolist() == ["=cmd"] * 3
    assert zipfile.ZipFile(book_path).testzip() is None


def test_table_name_taken_by_a_user_table_is_refused(tmp_path):
    src = external("excel/xlwings_tables.xlsx")
    p = tmp_path / "t.xlsx"
    shutil.copy(src, p)
    p.chmod(0o644)
    before = digest(p)
    book = open_book(p)
    book.write_sheet(SheetOutput("Aging", [TableBlock(pd.DataFrame({"a": [1]}), table_name="table1")]))
    with pytest.raises(BookError, match="already exists"):
        book.save()
    assert digest(p) == before and leftovers(tmp_path) == []


def test_invalid_table_name():
    with pytest.raises(ValueError, match="table name"):
        TableBlock(pd.DataFrame({"a": [1]}), table_name="Aging Table")
