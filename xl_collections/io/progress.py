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
import threading
import time

from tqdm import tqdm

DELAY = 2.0        # seconds before a bar appears: a run faster than this shows none
TICK = 0.5         # seconds between redraws while a bar shows
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
    terminal; elsewhere nothing is drawn and no thread runs.  ``enabled`` forces it on or off.

    While it is on, a small thread redraws it every ``tick`` seconds, so the bar shows up and
    its clock runs during a long step too; a run that never calls it (a command without
    steps) gets a ``working… [00:05]`` line instead.  Lines the run prints to stdout meanwhile
    go through tqdm, above the bar, never into it."""

    def __init__(self, title: str, *, stream=None, enabled: bool | None = None, delay: float = DELAY,
                 tick: float = TICK):
        self.title, self.delay, self.tick = title, delay, tick
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self.bar: tqdm | None = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stdout = None
        self._started = time.time()

    def __enter__(self) -> "TerminalProgress":
        if self.enabled:
            self._started = time.time()
            self._stdout = contextlib.redirect_stdout(_AboveTheBar(sys.stdout, self))
            self._stdout.__enter__()
            self._thread = threading.Thread(target=self._run_ticks, name="xlc-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _new_bar(self, total: int | None) -> tqdm:
        fmt = ("{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}]{postfix}" if total
               else "{desc}: working… [{elapsed}]")
        bar = tqdm(total=total, desc=self.title, file=self.stream, delay=self.delay, leave=False, unit="step",
                   dynamic_ncols=True, mininterval=0, miniters=1, bar_format=fmt)
        bar.start_t = self._started                # the delay counts from the start of the run
        return bar

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if not self.enabled:
            return
        with self._lock:
            if self.bar is not None and self.bar.total is None:      # the 'working…' line gives way
                self.bar.close()
                self.bar = None
            if self.bar is None:
                self.bar = self._new_bar(total)
            if total != self.bar.total:
                self.bar.total = total
            self.bar.set_postfix_str(what, refresh=False)
            self.bar.update(max(0, done - self.bar.n))

    def tick_once(self) -> None:
        """Redraw the bar (or start the ``working…`` line) once the delay has passed."""
        if not self.enabled or time.time() < self._started + self.delay:
            return
        with self._lock:
            if self.bar is None:
                self.bar = self._new_bar(None)
            self.bar.refresh()

    def _run_ticks(self) -> None:
        while not self._stop.wait(self.tick):
            with contextlib.suppress(Exception):      # a closed terminal: stop drawing, never fail the run
                self.tick_once()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None
        if self._stdout is not None:
            sys.stdout.flush()
            self._stdout.__exit__(None, None, None)
            self._stdout = None


class _AboveTheBar:
    """stdout while a bar shows: each whole line is written above the bar (cleared first,
    drawn again after), so a command's printed results never run into it."""

    def __init__(self, stream, progress: TerminalProgress):
        self._stream, self._progress, self._buf = stream, progress, ""

    def write(self, text: str) -> int:
        self._buf += text
        if "\n" in self._buf:
            lines, self._buf = self._buf.rsplit("\n", 1)
            with self._progress._lock:
                bar = self._progress.bar
                if bar is not None:
                    bar.clear()
                self._stream.write(lines + "\n")
                self._stream.flush()
                if bar is not None:
                    bar.refresh()
        return len(text)

    def flush(self) -> None:
        if self._buf:
            self._stream.write(self._buf)
            self._buf = ""
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def status_bar_text(title: str, done: int, total: int, what: str = "") -> str:
    """One line for Excel's status bar: ``Close ■■■□□□□□□□ 3/7: Pro-forma aging…``."""
    total = max(int(total), 1)
    done = min(max(int(done), 0), total)
    filled = round(BAR_CELLS * done / total)
    bar = "■" * filled + "□" * (BAR_CELLS - filled)
    return f"{title} {bar} {done}/{total}" + (f": {what}…" if what else "")


__all__ = ["DELAY", "TerminalProgress", "is_terminal", "say", "status_bar_text"]
