"""The workbook as a file on disk (CONTRACT §6 "Files on disk"): locks of Excel, LibreOffice
and another run; read-only books; permissions and symbolic links kept on save; backups;
temporary files of killed runs; a book changed underneath."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import digest
from xl_collections.book import BookError, SheetOutput, TableBlock, open_book
from xl_collections.book import ondisk
from xl_collections.book.ondisk import BookRefused, RunLock, lock_path, remove_stale_temps
from xl_collections.cli.dispatch import main
from xl_collections.close.pipeline import parse_steps
from xl_collections.cli.demo import build_demo_book

ROOT = Path(__file__).resolve().parents[2]
DEAD_PID = 2**22 + 12345          # above Linux's pid_max default: never a running process


def output(n: int = 3) -> SheetOutput:
    df = pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "total_open": list(range(n))})
    df.attrs["money"] = ["total_open"]
    return SheetOutput("Aging", [TableBlock(df, table_name="tblAging")])


def save_once(path: Path, n: int = 3, generations: int = 3) -> None:
    book = open_book(path)
    book.backup_generations = generations
    book.write_sheet(output(n))
    book.save()
    book.close()


def others(d: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name not in keep)


# ---- locks held by Excel and LibreOffice -----------------------------------------------------------

LOCKS = {"Excel": lambda p: "~$" + p.name, "Excel, long name shortened": lambda p: "~$" + p.name[2:],
         "LibreOffice": lambda p: f".~lock.{p.name}#"}


@pytest.mark.parametrize("who", sorted(LOCKS))
def test_save_refused_while_another_program_holds_the_book(who, book_path):
    before = digest(book_path)
    book = open_book(book_path)
    book.write_sheet(output())
    lock = book_path.with_name(LOCKS[who](book_path))
    lock.write_bytes(b"owner")
    with pytest.raises(BookRefused, match=f"open in {who.split(',')[0]}") as e:
        book.save()
    assert lock.name in str(e.value) and "delete" in str(e.value)
    assert digest(book_path) == before and others(book_path.parent) == sorted([book_path.name, lock.name])


def test_lock_beside_the_real_file_of_a_linked_book(tmp_path, book_path):
    link = tmp_path / "sub" / "Link.xlsm"
    link.parent.mkdir()
    link.symlink_to(book_path)
    book_path.with_name(f".~lock.{book_path.name}#").write_text("x")
    with pytest.raises(BookRefused, match="LibreOffice"):
        ondisk.check_not_held(link)


# ---- read-only books -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_read_only_book_is_refused(mode, book_path):
    book_path.chmod(mode)
    try:
        before = digest(book_path)
        book = open_book(book_path)
        book.write_sheet(output())
        with pytest.raises(BookRefused, match="read-only"):
            book.save()
        assert digest(book_path) == before and oct(book_path.stat().st_mode & 0o777) == oct(mode)
        assert others(book_path.parent) == [book_path.name]
    finally:
        book_path.chmod(0o644)


def test_book_in_a_folder_without_write_permission_is_refused(book_path):
    folder = book_path.parent
    folder.chmod(0o555)
    try:
        book = open_book(book_path)
        book.write_sheet(output())
        with pytest.raises(BookRefused, match="folder .* is not writable"):
            book.save()
    finally:
        folder.chmod(0o755)
    assert others(folder) == [book_path.name]


def test_read_only_book_may_be_saved_elsewhere(book_path, tmp_path):
    book_path.chmod(0o444)
    try:
        book = open_book(book_path)
        book.write_sheet(output())
        out = book.save(tmp_path / "copy" / "Closed.xlsm")
        assert out.exists() and open_book(out).read_table("tblAging").shape == (3, 2)
    finally:
        book_path.chmod(0o644)


# ---- permissions and links kept -------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o660, 0o664, 0o755])
def test_save_keeps_the_permissions(mode, book_path):
    book_path.chmod(mode)
    save_once(book_path)
    assert oct(book_path.stat().st_mode & 0o777) == oct(mode)
    assert open_book(book_path).read_table("tblAging").shape == (3, 2)


@pytest.mark.parametrize("relative", [True, False])
def test_book_opened_through_a_link_is_written_through_it(relative, tmp_path, book_path):
    d = tmp_path / "links"
    d.mkdir()
    link = d / "Current.xlsm"
    link.symlink_to(os.path.relpath(book_path, d) if relative else book_path)
    save_once(link)
    assert link.is_symlink() and link.resolve() == book_path.resolve()
    assert open_book(book_path).read_table("tblAging").shape == (3, 2)
    assert book_path.with_name(book_path.name + ".bak1").exists()     # the backup beside the real file
    assert others(d) == ["Current.xlsm"]


# ---- backups --------------------------------------------------------------------------------------

@pytest.mark.parametrize("generations,saves", [(3, 1), (3, 2), (3, 3), (3, 5), (1, 3), (0, 2), (5, 6)])
def test_backup_generations(generations, saves, book_path):
    versions = [digest(book_path)]
    for i in range(saves):
        save_once(book_path, n=3 + i, generations=generations)
        versions.append(digest(book_path))
    kept = min(generations, saves)
    for n in range(1, kept + 1):                 # .bak1 is the version before the last save
        assert digest(book_path.with_name(f"{book_path.name}.bak{n}")) == versions[-1 - n]
    assert not book_path.with_name(f"{book_path.name}.bak{kept + 1}").exists()
    assert len([p for p in book_path.parent.iterdir() if ".bak" in p.name]) == kept


# ---- temporary files of killed runs ------------------------------------------------------------------

def test_stale_temporary_files_are_removed_and_live_ones_kept(book_path):
    d = book_path.parent
    dead = d / f".~xlc-{book_path.name}.{DEAD_PID}.tmp"
    live = d / f".~xlc-{book_path.name}.{os.getppid()}.tmp"
    bak_tmp = d / f".~xlc-{book_path.name}.bak.tmp"
    other_book = d / f".~xlc-Other.xlsm.{DEAD_PID}.tmp"
    for p in (dead, live, bak_tmp, other_book):
        p.write_bytes(b"half a zip")
    removed = remove_stale_temps(book_path)
    assert sorted(p.name for p in removed) == sorted([dead.name, bak_tmp.name])
    assert live.exists() and other_book.exists()


def test_a_failed_save_leaves_no_temporary_file(book_path, monkeypatch):
    from xl_collections.book import package as pk

    def full(self, *a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pk.ZipWriter, "write", full)
    before = digest(book_path)
    book = open_book(book_path)
    book.write_sheet(output())
    with pytest.raises(OSError):
        book.save()
    assert digest(book_path) == before and others(book_path.parent) == [book_path.name]


# ---- the program's own lock ---------------------------------------------------------------------------

def _lock_text(pid: int, host: str, age: dt.timedelta = dt.timedelta(0)) -> str:
    return f"{pid} {host} {(dt.datetime.now(dt.timezone.utc) - age).isoformat(timespec='seconds')}\n"


LOCK_OWNERS = {
    "a live run on this machine": (lambda: _lock_text(os.getppid(), socket.gethostname()), True),
    "a live run on another machine": (lambda: _lock_text(4242, "other-host.example"), True),
    "a dead run on this machine": (lambda: _lock_text(DEAD_PID, socket.gethostname()), False),
    "a run on another machine two days ago": (lambda: _lock_text(4242, "other-host.example", dt.timedelta(days=2)), False),
    "garbage written two minutes ago": (lambda: "\x00\x01 not a lock", False),
    "empty since two minutes": (lambda: "", False),
    "garbage just written": (lambda: "\x00\x01 not a lock", True),
    "empty, just created by another run": (lambda: "", True),
}


@pytest.mark.parametrize("owner", sorted(LOCK_OWNERS))
def test_run_lock_refuses_a_live_owner_and_takes_over_a_stale_one(owner, book_path):
    text, refused = LOCK_OWNERS[owner]
    lock_path(book_path).write_text(text())
    if "two minutes" in owner:
        old = time.time() - 120
        os.utime(lock_path(book_path), (old, old))
    if refused:
        with pytest.raises(BookRefused, match="being closed by another run") as e:
            RunLock(book_path).acquire()
        assert lock_path(book_path).name in str(e.value)
    else:
        with RunLock(book_path):
            assert lock_path(book_path).read_text().split()[0] == str(os.getpid())
        assert not lock_path(book_path).exists()


def test_run_lock_breaks_a_stale_lock_but_not_one_just_taken_by_another_run(book_path, monkeypatch):
    """Two runs judge the same dead lock stale; the first replaces it with its own; the second,
    breaking what it judged, must leave the first run's lock in place and be refused."""
    lock_path(book_path).write_text(_lock_text(DEAD_PID, socket.gethostname()))
    first = RunLock(book_path)
    judged = first._owner()
    first.acquire()
    second = RunLock(book_path)
    second._break(judged)                        # what the slower run does with its earlier judgement
    assert RunLock._parse(lock_path(book_path))[0] == os.getpid()
    with pytest.raises(BookRefused, match="being closed by another run"):
        second.acquire()
    first.release()
    assert not lock_path(book_path).exists()
    assert [p.name for p in book_path.parent.iterdir() if p.name.startswith(".~xlc-")] == []


def test_run_lock_taken_by_one_of_many_processes_starting_together(book_path):
    """Six processes try the lock at the same moment and hold it for a second: never two at once
    (the holders' intervals do not overlap, however the machine schedules them), and the first
    holder refuses the others while it holds."""
    go = book_path.with_name("go")
    script = ("import sys, time, pathlib\nfrom xl_collections.book.ondisk import RunLock, BookRefused\n"
              f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.001)\n"
              "try:\n"
              f"    with RunLock(pathlib.Path({str(book_path)!r})):\n"
              "        start = time.monotonic(); time.sleep(1.0); print(start, time.monotonic())\n"
              "except BookRefused: sys.exit(1)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(6)]
    time.sleep(2)
    go.write_text("go")
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert all(rc in (0, 1) and "Traceback" not in err for rc, _, err in results), results
    held = sorted(tuple(map(float, out.split())) for rc, out, _ in results if rc == 0)
    assert held, results
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(held, held[1:])), held
    assert not lock_path(book_path).exists()


def test_run_lock_is_exclusive_and_released(book_path):
    with RunLock(book_path):
        with pytest.raises(BookRefused):
            RunLock(book_path).acquire()
    with RunLock(book_path):
        pass
    assert not lock_path(book_path).exists()


def test_run_lock_release_leaves_a_lock_taken_over_by_another_run(book_path):
    lock = RunLock(book_path).acquire()
    lock_path(book_path).write_text(_lock_text(os.getppid(), socket.gethostname()))
    lock.release()
    assert lock_path(book_path).exists()


# ---- a book changed on disk while a run reads or writes it ------------------------------------------

def test_book_replaced_before_it_is_read_is_refused_not_half_read(book_path, tmp_path):
    book = open_book(book_path)
    other = tmp_path / "other.xlsm"
    shutil.copy(book_path, other)
    save_once(other, n=7)
    os.replace(other, book_path)                  # someone saves over it (as Excel does: a rename)
    with pytest.raises(BookRefused, match="changed on disk while it was being read"):
        book.read_sheet(book.sheet_names()[0])


def test_book_changed_after_reading_is_not_overwritten(book_path):
    book = open_book(book_path)
    book.write_sheet(output())
    save_once(book_path, n=9)
    theirs = digest(book_path)
    with pytest.raises(BookRefused, match="changed on disk"):
        book.save()
    assert digest(book_path) == theirs


# ---- the close command on a held, read-only or busy book -----------------------------------------------

@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    _, path = build_demo_book(d, items=80, customers=8, seed=5)
    return path


@pytest.fixture
def book(demo_book, tmp_path):
    p = tmp_path / "Close.xlsm"
    shutil.copy(demo_book, p)
    return p


CLOSE_REFUSALS = {
    "Excel holds it": (lambda p: p.with_name("~$" + p.name).write_text("x"), "open in Excel"),
    "LibreOffice holds it": (lambda p: p.with_name(f".~lock.{p.name}#").write_text("x"), "open in LibreOffice"),
    "read-only": (lambda p: p.chmod(0o444), "read-only"),
    "another close runs": (lambda p: lock_path(p).write_text(_lock_text(os.getppid(), socket.gethostname())),
                           "being closed by another run"),
}


@pytest.mark.parametrize("case", sorted(CLOSE_REFUSALS))
def test_close_refuses_before_reading(case, book, capsys):
    setup, expected = CLOSE_REFUSALS[case]
    setup(book)
    before, listing = digest(book), others(book.parent)
    try:
        rc = main(["close", str(book)])
    finally:
        book.chmod(0o644)
    err = capsys.readouterr().err.strip()
    assert rc == 1 and expected in err and "\n" not in err and "Close step" not in err
    assert digest(book) == before and others(book.parent) == listing


@pytest.mark.parametrize("args,expected", [
    (lambda t: [str(t)], "is a folder"),
    (lambda t: [str(t / ("x" * 300 + ".xlsm"))], "too long"),
    (lambda t: [str(t / "missing.xlsm")], "no such workbook"),
    (lambda t: [str(t / "Close.xlsm"), "--out", str(t / "Closed.xlsx")], "expected a .xlsm file"),
])
def test_close_usage_errors(args, expected, book, capsys):
    rc = main(["close", *args(book.parent)])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err.lower() and "Traceback" not in err


def test_close_of_a_read_only_book_into_another_file_and_stale_temps_gone(book, tmp_path, capsys):
    stale = book.with_name(f".~xlc-{book.name}.{DEAD_PID}.tmp")
    stale.write_bytes(b"left by a killed run")
    book.chmod(0o444)
    try:
        rc = main(["close", str(book), "--out", str(tmp_path / "Closed.xlsm")])
    finally:
        book.chmod(0o644)
    assert rc == 0, capsys.readouterr().err
    assert not stale.exists() and not lock_path(book).exists()
    assert (tmp_path / "Closed.xlsm").exists()


def test_two_closes_at_once_one_refuses_cleanly(book):
    """Two processes close one book: the loser exits 1 naming the other run; the Audit Log keeps
    every row of the runs that finished and the file is a valid package."""
    def audit_rows() -> int:
        try:
            return len(open_book(book).read_table("tblAuditLog"))
        except BookError:                        # a book never closed has no Audit Log table yet
            return 0
    before = audit_rows()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    go = book.with_name("go")
    script = ("import sys, time, pathlib\nfrom xl_collections.cli.dispatch import main\n"      # imported before the start
              f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.005)\n"
              f"sys.exit(main(['close', {str(book)!r}]))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    time.sleep(3)
    go.write_text("go")
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    print("exit codes", codes)
    assert all("Traceback" not in err and "BadZipFile" not in err for _, err in results), results
    assert codes in ([0, 1], [0, 0]), results
    if codes == [0, 1]:
        assert any("being closed by another run" in err for rc, err in results if rc == 1)
    go.unlink()
    assert zipfile.ZipFile(book).testzip() is None
    per_run = len(parse_steps(None))             # one Audit Log row per step of a default close
    assert audit_rows() == before + per_run * codes.count(0)
    assert not lock_path(book).exists()


def test_close_of_a_book_in_a_read_only_folder_into_another_folder(book, tmp_path, capsys):
    folder = book.parent
    folder.chmod(0o555)
    try:
        rc = main(["close", str(book), "--out", str(tmp_path / "elsewhere" / "Closed.xlsm")])
    finally:
        folder.chmod(0o755)
    assert rc == 0, capsys.readouterr().err
    assert (tmp_path / "elsewhere" / "Closed.xlsm").exists() and not lock_path(tmp_path / "elsewhere" / "Closed.xlsm").exists()
