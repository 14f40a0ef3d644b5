"""The save's big sheets rendered on two cores (book/parallel.py, issue 20): the file is byte
for byte the sequential save's, and a worker that fails, dies or is interrupted leaves the book
as it was and no temporary file behind."""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import time
import types
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from xl_collections.book import headless, open_book, parallel
from xl_collections.book.base import BookError
from xl_collections.cli.demo import build_demo_book
from xl_collections.close.pipeline import run_close

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="no fork here: the save is sequential")

NOW = dt.datetime(2026, 11, 30, 18, 30, 0)


class _Frozen(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW.replace(tzinfo=tz) if tz else NOW


FROZEN_DT = types.SimpleNamespace(datetime=_Frozen, timezone=dt.timezone, timedelta=dt.timedelta, date=dt.date)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The demo book (1,500 items, seed 11) as built and once closed."""
    d = tmp_path_factory.mktemp("demo")
    _gen, path = build_demo_book(d, items=1500, seed=11)
    built = d / "built.xlsm"
    shutil.copy(path, built)
    book = open_book(path)
    run_close(book, now=NOW, user="tester")
    book.save()
    book.close()
    return built, path


def closed_pending(src: Path, folder: Path):
    """A copy of ``src`` with a close run (not saved): its sheets wait in the book."""
    path = folder / src.name
    shutil.copy(src, path)
    book = open_book(path)
    run_close(book, now=NOW, user="tester")
    return book


def package_bytes(book, folder: Path, *, workers: bool) -> bytes:
    f = io.BytesIO()
    book._write_package(f, folder / book.path.name if workers else None)
    return f.getvalue()


@pytest.mark.parametrize("which", [0, 1], ids=["first close", "second close"])
def test_two_cores_write_the_same_bytes(books, tmp_path, monkeypatch, which):
    monkeypatch.setattr(headless, "dt", FROZEN_DT)
    book = closed_pending(books[which], tmp_path)
    seq = package_bytes(book, tmp_path, workers=False)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    par = package_bytes(book, tmp_path, workers=True)
    book.close()
    assert len(par) == len(seq) and par == seq
    assert not list(tmp_path.glob(".~xlc-*"))


def test_a_whole_save_on_two_cores(books, tmp_path, monkeypatch):
    monkeypatch.setattr(headless, "dt", FROZEN_DT)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    forked = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or real_fork())
    book = closed_pending(books[1], tmp_path)
    seq = package_bytes(book, tmp_path, workers=False)
    book.save()
    book.close()
    assert forked
    assert (tmp_path / books[1].name).read_bytes() == seq
    assert not list(tmp_path.glob(".~xlc-*"))


def failing_chunks(where: str, how):
    """``sheet_chunks`` that fails after its first chunk, in the worker (``where='worker'``) or
    in the saving process (``'parent'``), through ``how()``."""
    parent = os.getpid()
    real = headless.sheet_chunks

    def chunks(*a, **k):
        gen = real(*a, **k)
        yield next(gen)
        if (os.getpid() == parent) == (where == "parent"):
            how()
        yield from gen
    return chunks


def _raise():
    raise ValueError("a cell that cannot be written")


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _interrupt():
    raise KeyboardInterrupt


def _ctrl_c_while_the_worker_runs():
    """In the worker: Ctrl-C reaches the saving process while this one is still at work (it
    would take a minute: the save kills it)."""
    os.kill(os.getppid(), signal.SIGINT)
    time.sleep(60)


@pytest.mark.parametrize("where, how, error", [
    ("worker", _raise, ValueError), ("parent", _raise, ValueError), ("worker", _die, BookError),
    ("parent", _interrupt, KeyboardInterrupt), ("worker", _ctrl_c_while_the_worker_runs, KeyboardInterrupt)])
def test_a_failing_worker_leaves_the_book_as_it_was(books, tmp_path, monkeypatch, where, how, error):
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    book = closed_pending(books[1], tmp_path)
    before = book.path.read_bytes()
    monkeypatch.setattr(headless, "sheet_chunks", failing_chunks(where, how))
    with pytest.raises(error) as e:
        book.save()
    if how is _raise:
        assert str(e.value) == "a cell that cannot be written"
    if how is _die:
        assert "stopped (signal 9)" in str(e.value) and "nothing was written" in str(e.value)
    assert book.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.path.name]
    monkeypatch.undo()
    book.save()                      # the sheets still wait: a second try writes them
    book.close()
    assert book.path.read_bytes() != before


@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(0, 10**6), max_size=8))
@settings(max_examples=200, deadline=None)
def test_split_shares_every_part_once(costs):
    theirs, mine = parallel.split(costs)
    assert sorted(theirs + mine) == sorted(costs)
    if costs:   # the loads differ by at most the biggest part
        a, b = sum(costs[n] for n in theirs), sum(costs[n] for n in mine)
        assert abs(a - b) <= max(costs.values())


def test_small_books_and_no_fork_stay_sequential(books, tmp_path, monkeypatch):
    """The demo book's sheets are below PARALLEL_FROM: nothing is forked; nor where the platform
    has no fork (Windows, Pyodide), whatever the size."""
    forked = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or real_fork())
    book = closed_pending(books[1], tmp_path)
    book.save()
    assert not forked
    book.close()
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    monkeypatch.delattr(os, "fork")
    assert not parallel.can_fork() and not parallel.worth_it({"a": 10**9, "b": 10**9})
    (tmp_path / "again").mkdir()
    book = closed_pending(books[1], tmp_path / "again")
    book.save()
    book.close()
    assert not forked


def test_a_dead_workers_file_is_stale(books, tmp_path):
    """A worker's file carries its own pid, so a later save removes it when that process is gone."""
    from xl_collections.book import ondisk
    target = tmp_path / "book.xlsm"
    target.write_bytes(b"x")
    left = ondisk.temp_path(target, 2 ** 22 + 12345)       # no such process
    left.write_bytes(b"half a part")
    assert ondisk.remove_stale_temps(target) == [left] and not left.exists()


@pytest.mark.parametrize("platform", ["darwin", "win32", "emscripten"])
def test_forks_on_linux_only(platform, monkeypatch):
    """macOS has fork, but forking a process with system frameworks loaded is unsafe there."""
    monkeypatch.setattr(parallel.sys, "platform", platform)
    assert not parallel.can_fork()
    assert not parallel.worth_it({"a": 10**9, "b": 10**9})
