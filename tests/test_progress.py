"""Progress of a close: a terminal bar only where a person watches (a TTY, after a delay), a
line on Excel's status bar in live mode, and every step reported in order."""
from __future__ import annotations

import io

import pytest

from xl_collections.close import pipeline as close_mod
from xl_collections import macros
from xl_collections.book import open_book
from xl_collections.cli.dispatch import main as cli
from xl_collections.cli.demo import build_demo_book
from xl_collections.io.progress import TerminalProgress, say, status_bar_text


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's console does."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    _, path = build_demo_book(tmp_path_factory.mktemp("progress"), items=120, customers=10, seed=11)
    return path


def test_no_bar_when_stderr_is_not_a_terminal():
    out = io.StringIO()
    with TerminalProgress("Close", stream=out, delay=0) as progress:
        for i in range(5):
            progress(i, 5, f"step {i}")
        progress(5, 5)
    assert out.getvalue() == ""


def test_a_terminal_gets_a_bar_naming_the_step_under_way():
    out = Terminal()
    with TerminalProgress("Close", stream=out, delay=0) as progress:
        progress(0, 4, "Check inputs")
        progress(2, 4, "Pro-forma aging")
        shown = out.getvalue()
    assert "Close" in shown and "2/4" in shown and "Pro-forma aging" in shown


def test_a_run_shorter_than_the_delay_draws_nothing():
    out = Terminal()
    with TerminalProgress("Close", stream=out, delay=3600) as progress:
        for i in range(4):
            progress(i, 4, "x")
    assert out.getvalue().strip("\r\x1b[A ") == ""


def test_a_line_said_during_a_bar_is_printed_whole():
    out = Terminal()
    with TerminalProgress("Close", stream=out, delay=0) as progress:
        progress(1, 3, "Apply cash")
        say("kept your cells beside the table on 'Aging'", out)
    assert "kept your cells beside the table on 'Aging'\n" in out.getvalue()


def test_a_long_step_shows_the_bar_and_a_command_without_steps_a_working_line():
    out = Terminal()
    with TerminalProgress("xl-collections statement", stream=out, delay=0, tick=3600) as progress:
        progress.tick_once()                 # what the ticking thread does every half second
        assert "xl-collections statement: working…" in out.getvalue()
        progress(1, 3, "Apply cash")         # steps arrive: the working line gives way to the bar
        assert "1/3" in out.getvalue()


def test_before_the_delay_a_tick_draws_nothing():
    out = Terminal()
    with TerminalProgress("x", stream=out, delay=3600, tick=3600) as progress:
        progress.tick_once()
    assert out.getvalue() == ""


def test_printed_results_pass_above_the_bar_whole(capsys):
    with TerminalProgress("x", stream=Terminal(), delay=0, tick=3600) as progress:
        progress(0, 2, "a")
        print("12 statements -> out/statements")
    assert capsys.readouterr().out == "12 statements -> out/statements\n"


def test_no_thread_and_no_redirect_when_not_a_terminal():
    import sys
    before = sys.stdout
    with TerminalProgress("x", stream=io.StringIO()) as progress:
        assert progress._thread is None and sys.stdout is before


def test_commands_draw_nothing_into_a_log(tmp_path, capsys):
    assert cli(["new-book", "--out", str(tmp_path / "book.xlsm")]) == 0
    assert "working" not in capsys.readouterr().err


def test_status_bar_text():
    assert status_bar_text("Close", 0, 7, "Check inputs") == "Close □□□□□□□□□□ 0/7: Check inputs…"
    assert status_bar_text("Close", 7, 7) == "Close ■■■■■■■■■■ 7/7"
    assert status_bar_text("Close", 9, 0) == "Close ■■■■■■■■■■ 1/1"     # never more than full, never / 0


def test_the_close_reports_every_step_in_order_then_done(small_book):
    seen = []
    with open_book(small_book) as book:
        report = macros.month_end_close(book, progress=lambda d, n, w: seen.append((d, n, w)))
    n = len(report.steps)
    assert [d for d, _, _ in seen] == list(range(n + 1))
    assert {t for _, t, _ in seen} == {n}
    assert [w for _, _, w in seen[:-1]] == [close_mod.STEP_TITLES[s.step] for s in report.steps]
    assert seen[-1] == (n, n, "")


def test_live_progress_goes_to_the_status_bar(small_book, monkeypatch):
    monkeypatch.setattr(macros, "_is_live", lambda wb: True)
    with open_book(small_book) as book:
        shown = []
        monkeypatch.setattr(book, "status", shown.append)
        report = macros.refresh_aging(book)
    bars = [m for m in shown if m.startswith("Close ") and ("■" in m or "□" in m)]
    n = len(report.steps)
    assert bars[0] == f"Close □□□□□□□□□□ 0/{n}: {close_mod.STEP_TITLES['validate']}…"
    assert bars[-1] == f"Close ■■■■■■■■■■ {n}/{n}"


def test_the_close_command_draws_no_bar_into_a_log(small_book, tmp_path, capsys):
    assert cli(["close", str(small_book), "--out", str(tmp_path / "closed.xlsm")]) == 0
    err = capsys.readouterr().err
    assert "%|" not in err and "\r" not in err
