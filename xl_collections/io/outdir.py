"""Result files on disk (CONTRACT §4 and §6 "Files on disk").

``check_out(args, out, folder=True)`` refuses (exit 2, :class:`UsageError`) an ``--out`` that
names one of the run's own inputs, that lies under a file, that is a file where a folder is
wanted, or that is a folder holding other files than an earlier run's (it carries the marker
``.xl-collections-out``).  ``staged_folder(out)`` writes a run's files into a sibling folder
and swaps it in at the end, so a run that fails, is killed or meets a full disk leaves
``out`` as it was.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import UsageError

MARKER = ".xl-collections-out"


def _inputs(args) -> list[Path]:
    """Every existing file named by an option other than ``--out`` (one or several)."""
    found = []
    for key, value in vars(args).items():
        if key == "out" or value is None:
            continue
        for v in value if isinstance(value, list | tuple) else [value]:
            if isinstance(v, str | os.PathLike) and str(v):
                p = Path(v)
                with contextlib.suppress(OSError):
                    if p.is_file():
                        found.append(p.resolve())
    return found


def check_out(args, out: Path, *, folder: bool) -> Path:
    """``out`` checked for this run (see the module doc); returns it."""
    try:
        resolved = out.resolve()
        exists, is_dir = out.exists(), out.is_dir()
    except OSError as e:                          # a name too long, a loop of links
        raise UsageError(f"--out {out}: {e.strerror}") from None
    if resolved in _inputs(args):
        raise UsageError(f"--out {out} is one of this run's inputs: write the results to another "
                         f"{'folder' if folder else 'file'}")
    for parent in resolved.parents:
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"--out {out}: {parent} is a file, so nothing can be written under it")
    if folder:
        if exists and not is_dir:
            raise UsageError(f"--out {out}: expected a folder (one CSV per result table)")
        if is_dir and not (out / MARKER).exists() and any(out.iterdir()):
            raise UsageError(f"--out {out}: the folder holds files that an earlier run did not make; give a new "
                             f"or empty folder (a run's folder carries the marker {MARKER})")
    elif is_dir:
        raise UsageError(f"--out {out} is a folder: expected a file")
    return out


_ACTIVE: dict[Path, Path] = {}       # out folder -> its staging folder, while a run writes it


@contextlib.contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """``with staged_folder(out) as d: write into d`` — ``d`` becomes ``out`` (with the marker)
    only when the block ends without an error; ``out`` is never half written.  Inside such a
    block, another ``staged_folder(out)`` (``write_tables``) writes into the same ``d``, so a
    command that writes letters and tables swaps them in together."""
    out = Path(out)
    key = out.resolve()
    if key in _ACTIVE:
        yield _ACTIVE[key]
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.with_name(f".~xlc-{out.name}.{os.getpid()}.tmp")
    old = out.with_name(f".~xlc-{out.name}.{os.getpid()}.old")
    _remove_leftovers(out)
    for p in (stage, old):
        shutil.rmtree(p, ignore_errors=True)
    stage.mkdir()
    _ACTIVE[key] = stage
    try:
        yield stage
        (stage / MARKER).write_text("made by xl-collections; the whole folder is replaced by the next run\n",
                                    encoding="utf-8")
        if out.exists():
            os.rename(out, old)
            try:
                os.rename(stage, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(stage, out)
    finally:
        _ACTIVE.pop(key, None)
        shutil.rmtree(stage, ignore_errors=True)


def _remove_leftovers(out: Path) -> None:
    """Staging folders of runs that died (their process is gone)."""
    # imported here for a command's start-up: importing book/ loads the whole workbook layer
    # (0.1 s), which a command writing CSV files never uses
    from ..book.ondisk import pid_alive

    prefix = f".~xlc-{out.name}."
    with contextlib.suppress(OSError):
        for p in out.parent.iterdir():
            if p.name.startswith(prefix) and p.name.endswith((".tmp", ".old")):
                pid = p.name[len(prefix):].rsplit(".", 1)[0]
                if pid.isdigit() and not pid_alive(int(pid)):
                    shutil.rmtree(p, ignore_errors=True)
