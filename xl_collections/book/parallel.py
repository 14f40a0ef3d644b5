"""A save's big sheets rendered and deflated on two cores: a forked worker does some of them
while this process does the others, then the package is written in its usual order with each
part's compressed bytes copied as they are (:meth:`~.package.ZipWriter.copy_deflated`).

The worker is a ``fork`` of this process (the sheets' frames are already in memory, shared
copy-on-write) and runs exactly the calls the sequential save runs for its parts
(:func:`~.package._deflate_to` over the same chunks), so the saved file is byte for byte the
sequential one.  It writes its parts' deflated streams to its own temporary file in the
staging folder (``.~xlc-BOOK.<worker pid>.tmp``, which :func:`~.ondisk.remove_stale_temps`
knows) and reports (crc, size, compressed size, offset) per part through a pipe.

Where ``fork`` is missing or unsafe (Windows, Pyodide, macOS) or the sheets are small, nothing is forked: the
save stays sequential.  A worker that raises hands its exception back (raised here, the same
type and message as the sequential save's); one that dies is a :class:`BookError`; Ctrl-C or
any error here kills the worker and removes its file.  The book is replaced only after all of
it succeeded (``HeadlessBook.save``).
"""
from __future__ import annotations

import io
import os
import pickle
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import ondisk
from .base import BookError
from .package import _deflate_to

PARALLEL_FROM = 300_000     # cells in the big sheets of a save: below, forking costs more than it saves


@dataclass(frozen=True)
class Deflated:
    """One part's raw deflate stream: ``csize`` bytes at ``offset`` of ``source`` (a file path,
    or a buffer of this process); ``crc``/``usize`` of the uncompressed bytes."""
    crc: int
    usize: int
    csize: int
    offset: int
    source: object


def can_fork() -> bool:
    """Linux only: Windows and Pyodide have no ``fork``, and on macOS forking a process that
    has loaded system frameworks is unsafe (Python's own default there is ``spawn``)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


def split(costs: dict[str, int]) -> tuple[list[str], list[str]]:
    """The parts (name -> cost, e.g. cells) shared out over two workers, the biggest first to
    the less loaded (ties to the worker): (the forked worker's, this process's)."""
    child: list[str] = []
    mine: list[str] = []
    load = [0, 0]
    for name, cost in sorted(costs.items(), key=lambda kv: (-kv[1], kv[0])):
        k = 0 if load[0] <= load[1] else 1
        (child, mine)[k].append(name)
        load[k] += cost
    return child, mine


def worth_it(costs: dict[str, int]) -> bool:
    return can_fork() and len(costs) >= 2 and sum(costs.values()) >= PARALLEL_FROM


class Deflater:
    """``with Deflater(parts, levels, costs, staging=real_target) as done:`` deflates the parts
    named in ``costs`` (chunk iterables in ``parts``) on two cores; ``done`` maps each to its
    :class:`Deflated`.  Leaving the block removes the worker's file (and kills it if running)."""

    def __init__(self, parts: dict[str, Iterable[bytes]], levels: dict[str, int], costs: dict[str, int],
                 target: Path, book_name: str):
        self.parts, self.levels, self.costs = parts, levels, costs
        self.target, self.book_name = Path(target), book_name
        self.pid: int | None = None
        self.file: Path | None = None
        self.read_fd: int | None = None

    def __enter__(self) -> dict[str, Deflated]:
        try:
            return self._run()
        except BaseException:
            self._cleanup()
            raise

    def __exit__(self, *exc) -> None:
        self._cleanup()

    # ---- the worker ------------------------------------------------------------------------
    def _run(self) -> dict[str, Deflated]:
        theirs, mine = split(self.costs)
        self._fork(theirs)
        done: dict[str, Deflated] = {}
        buf = io.BytesIO()
        for name in mine:
            off = buf.tell()
            crc, usize, csize = _deflate_to(buf, self.parts[name], self.levels[name])
            done[name] = Deflated(crc, usize, csize, off, buf)
        done.update(self._collect(theirs))
        return done

    def _fork(self, names: list[str]) -> None:
        r, w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:                                     # the worker: never returns
            os.close(r)
            _worker(w, names, self.parts, self.levels, ondisk.temp_path(self.target))
        os.close(w)
        self.pid, self.read_fd = pid, r
        self.file = ondisk.temp_path(self.target, pid)

    def _collect(self, names: list[str]) -> dict[str, Deflated]:
        msg = _read_all(self.read_fd)
        os.close(self.read_fd)
        self.read_fd = None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            kind, payload = pickle.loads(msg) if msg else ("died", None)
        except Exception:  # noqa: BLE001 - a message cut short: the worker died while writing it
            kind, payload = "died", None
        if kind == "ok" and os.waitstatus_to_exitcode(status) == 0:
            return {name: Deflated(crc, usize, csize, off, self.file) for name, crc, usize, csize, off in payload}
        if kind == "error":
            raise payload
        code = os.waitstatus_to_exitcode(status)
        how = f"signal {-code}" if code < 0 else f"exit status {code}"
        raise BookError(f"{self.book_name}: the second worker writing {', '.join(names)} stopped ({how}); "
                        f"nothing was written")

    def _cleanup(self) -> None:
        if self.read_fd is not None:
            os.close(self.read_fd)
            self.read_fd = None
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = None
        if self.file is not None:
            self.file.unlink(missing_ok=True)
            self.file = None


def _worker(w: int, names, parts, levels, path: Path) -> None:
    """In the forked process: deflate ``names`` into ``path``, report through ``w``, exit."""
    code = 1
    msg = b""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)     # Ctrl-C: the worker just stops
        out = []
        with open(path, "wb") as f:
            for name in names:
                off = f.tell()
                crc, usize, csize = _deflate_to(f, parts[name], levels[name])
                out.append((name, crc, usize, csize, off))
        msg = pickle.dumps(("ok", out))
        code = 0
    except BaseException as e:  # noqa: BLE001 - handed back to the saving process
        try:
            msg = pickle.dumps(("error", e))
            pickle.loads(msg)
        except Exception:  # noqa: BLE001 - an exception that does not travel: its text does
            msg = pickle.dumps(("error", BookError(f"{type(e).__name__}: {e}")))
    finally:
        try:
            view = memoryview(msg)
            while view:
                view = view[os.write(w, view):]
        finally:
            os._exit(code)


def _read_all(fd: int) -> bytes:
    out = []
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            return b"".join(out)
        out.append(b)


def copy_stream(d: Deflated, f) -> None:
    """Write the ``d.csize`` bytes of ``d``'s deflate stream to ``f``."""
    if isinstance(d.source, io.BytesIO):
        f.write(d.source.getbuffer()[d.offset:d.offset + d.csize])
        return
    with open(d.source, "rb") as src:
        src.seek(d.offset)
        left = d.csize
        while left:
            b = src.read(min(left, 1 << 20))
            if not b:
                raise BookError(f"{d.source}: the worker's part is short; nothing was written")
            f.write(b)
            left -= len(b)
