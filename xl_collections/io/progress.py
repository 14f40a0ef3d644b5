"""Progress of a long run, for people: a bar on the terminal (headless runs) and a line for
Excel's status bar (live runs).

A run reports progress through one callable, ``progress(done, total, what)``: ``done`` of
``total`` units (close steps) are finished and ``what`` is the one under way.
:class:`TerminalProgress` is such a callable drawing a tqdm bar on stderr — only when stderr
is a terminal, and only once the run has taken :data:`DELAY` seconds, so short runs, CI logs
and tests see nothing of it.  :func:`say` prints a line to stderr without tearing a bar that
is showing.  :func:`status_bar_text` is the same progress as one line of text.
"""
from __future__ import annotations

import contextlib
import sys

from tqdm import tqdm

DELAY = 2.0        # seconds before a bar appears: a run faster than this shows none
BAR_CELLS = 10     # width of the status bar's text bar


def is_terminal(stream) -> bool:
    """True when ``stream`` is an interactive terminal (not a file, a pipe or a test's capture)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def say(message: str, stream=None) -> None:
    """``message`` as a line on ``stream`` (default stderr); a progress bar showing there is
    cleared first and drawn again below it."""
    stream = stream if stream is not None else sys.stderr
    tqdm.write(str(message), file=stream)
    with contextlib.suppress(AttributeError, ValueError, OSError):
        stream.flush()


class TerminalProgress:
    """``with TerminalProgress("Close") as progress: run(progress=progress)``: a bar on
    ``stream`` (default stderr) that appears after :data:`DELAY` seconds when ``stream`` is a
    terminal; elsewhere every call does nothing.  ``enabled`` forces it on or off."""

    def __init__(self, title: str, *, stream=None, enabled: bool | None = None, delay: float = DELAY):
        self.title, self.delay = title, delay
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self.bar: tqdm | None = None

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.title, file=self.stream, delay=self.delay, leave=False,
                            unit="step", dynamic_ncols=True, mininterval=0, miniters=1,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}")
        if total != self.bar.total:
            self.bar.total = total
        self.bar.set_postfix_str(what, refresh=False)
        self.bar.update(max(0, done - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def status_bar_text(title: str, done: int, total: int, what: str = "") -> str:
    """One line for Excel's status bar: ``Close ■■■□□□□□□□ 3/7: Pro-forma aging…``."""
    total = max(int(total), 1)
    done = min(max(int(done), 0), total)
    filled = round(BAR_CELLS * done / total)
    bar = "■" * filled + "□" * (BAR_CELLS - filled)
    return f"{title} {bar} {done}/{total}" + (f": {what}…" if what else "")


__all__ = ["DELAY", "TerminalProgress", "is_terminal", "say", "status_bar_text"]
