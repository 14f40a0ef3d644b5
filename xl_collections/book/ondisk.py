"""The workbook as a file on disk: who holds it, whether it may be replaced, and what a save
leaves behind (CONTRACT §6 "Files on disk").

- ``check_not_held(path)``: Excel's owner file ``~$BOOK`` or LibreOffice's ``.~lock.BOOK#``
  beside the book -> :class:`BookRefused` naming the lock file and how to remove a stale one.
- ``check_replaceable(path)``: a read-only book (mode bits, read-only attribute, or a folder
  the user cannot write to) -> :class:`BookRefused`.
- ``RunLock(path)``: the program's own lock ``.~xlc-BOOK.lock`` (pid, host, time) for a whole
  run; a second run is refused, a lock left by a dead process on this host (or older than a day,
  or unreadable for a minute) is taken over.
- ``remove_stale_temps(path)``: temporary files ``.~xlc-BOOK.<pid>.tmp`` of dead runs.
- ``rotate_backups(path, generations)``: ``BOOK.bak1`` (newest) … ``BOOK.bakN``.
- ``real_target(path)``: the file a save replaces (through a symbolic link, never the link).

Refusals are exit 1 (CONTRACT §4): the book is left as it was.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import socket
import stat
from pathlib import Path

from ..core.errors import Refused
from .base import BookError

STALE_AFTER = dt.timedelta(hours=24)
UNREADABLE_GRACE = 60.0      # seconds a lock that says no owner is still taken as held


class BookRefused(BookError, Refused):
    """The workbook cannot be used now (held, read-only, locked by another run): exit 1."""


def real_target(path: Path) -> Path:
    """The file behind ``path`` (symbolic links followed), which a save replaces."""
    return Path(os.path.realpath(path))


def holders(path: Path) -> list[Path]:
    """Lock files of Excel (``~$name``; it drops two characters of long names) and
    LibreOffice (``.~lock.name#``) beside ``path`` or beside the file it links to."""
    found = []
    for p in dict.fromkeys([Path(path), real_target(path)]):
        for name in ("~$" + p.name, "~$" + p.name[2:], f".~lock.{p.name}#"):
            cand = p.with_name(name)
            if cand.exists() and cand not in found:
                found.append(cand)
    return found


def check_not_held(path: Path) -> None:
    locks = holders(path)
    if locks:
        app = "LibreOffice" if locks[0].name.startswith(".~lock.") else "Excel"
        raise BookRefused(f"{Path(path).name} is open in {app} ({locks[0]} is beside it): close it there first; "
                          f"if {app} is not running, the lock was left by a crash: delete {locks[0].name}. "
                          f"Nothing was written")


def check_replaceable(path: Path) -> None:
    """Refuse a book the user cannot replace: no write bit for anyone, the read-only
    attribute (Windows), or a folder without write permission."""
    real = real_target(path)
    try:
        st = real.stat()
    except OSError as e:
        raise BookRefused(f"{path}: cannot read the workbook ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BookRefused(f"{path} is a folder, not a workbook")
    attrs = getattr(st, "st_file_attributes", 0)
    if not st.st_mode & 0o222 or attrs & getattr(stat, "FILE_ATTRIBUTE_READONLY", 0) or not os.access(real, os.W_OK):
        raise BookRefused(f"{path.name} is read-only: make it writable (or copy it) and run again; "
                          f"or write the result elsewhere with --out. Nothing was written")
    folder = real.parent
    if not os.access(folder, os.W_OK | os.X_OK) or _folder_refuses(folder, st):
        raise BookRefused(f"{path.name}: its folder {folder} is not writable, so the workbook cannot be replaced "
                          f"safely; write the result elsewhere with --out. Nothing was written")


def _folder_refuses(folder: Path, st: os.stat_result) -> bool:
    try:
        fst = folder.stat()
    except OSError:
        return True
    if not fst.st_mode & 0o222:          # no write bit at all (also for an administrator's run)
        return True
    return bool(fst.st_mode & stat.S_ISVTX) and hasattr(os, "geteuid") and os.geteuid() not in (0, st.st_uid)


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` running on this machine?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def lock_path(path: Path) -> Path:
    real = real_target(path)
    return real.with_name(f".~xlc-{real.name}.lock")


class RunLock:
    """The program's own lock on a workbook for a whole run (``with RunLock(path): ...``)."""

    def __init__(self, path: Path):
        self.path = lock_path(path)
        self.book = Path(path)
        self.token = f"{os.getpid()} {socket.gethostname()} {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}"
        self.held = False

    def acquire(self) -> RunLock:
        for _ in range(3):
            if self._create():
                self.held = True
                return self
            owner = self._owner()
            if owner is None:
                if self._age() < UNREADABLE_GRACE:       # being written by a program that is not ours
                    raise BookRefused(f"{self.book.name} is being closed by another run (its lock {self.path.name} "
                                      f"is being written); wait for it to finish. Nothing was written")
                self._break(None)
                continue
            if self._stale(*owner):
                self._break(owner)
                continue
            pid, host, since = owner
            raise BookRefused(f"{self.book.name} is being closed by another run (process {pid} on {host}, "
                              f"since {since}); wait for it to finish. If none is running, delete "
                              f"{self.path.name} beside the workbook. Nothing was written")
        raise BookRefused(f"{self.book.name}: could not take the lock {self.path.name}; nothing was written")

    def _create(self) -> bool:
        """Create the lock with its owner line in one step: the line goes into a file of this
        process first, which is then linked to the lock's name (fails when a lock exists), so
        another run never sees the lock empty. Where the file system has no links, an exclusive
        create and a write. False when a lock is there."""
        mine = self.path.with_name(f"{self.path.name}-{os.getpid()}")
        try:
            mine.write_text(self.token + "\n", "utf-8")
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
                raise BookRefused(f"{self.book.name}: its folder is not writable ({e.strerror}); "
                                  f"nothing was written") from None
            raise
        try:
            os.link(mine, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:                              # no hard links here (some shares, FAT)
            return self._create_exclusive()
        finally:
            _unlink(mine)

    def _create_exclusive(self) -> bool:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as f:
            f.write(self.token + "\n")
        return True

    def _age(self) -> float:
        """Seconds since the lock file was last written (0 when it just went away)."""
        try:
            return max(0.0, dt.datetime.now().timestamp() - self.path.stat().st_mtime)
        except OSError:
            return 0.0

    def _break(self, owner: tuple[int, str, str] | None) -> None:
        """Remove a stale lock. It is first moved to a name of this process, so that of two runs
        breaking it at once only one does; when what was moved is no longer the stale lock that
        was judged (another run had just taken the lock), it is put back."""
        aside = self.path.with_name(f"{self.path.name}-{os.getpid()}.stale")
        try:
            os.replace(self.path, aside)
        except OSError:
            return                                   # gone already: the next attempt creates it
        moved = RunLock._parse(aside)
        if moved != owner:
            try:
                os.link(aside, self.path)
            except OSError:
                pass
        _unlink(aside)

    def _owner(self) -> tuple[int, str, str] | None:
        return RunLock._parse(self.path)

    @staticmethod
    def _parse(path: Path) -> tuple[int, str, str] | None:
        """(pid, host, since) of a lock file; None when it is missing, empty or not a lock."""
        try:
            parts = path.read_text("utf-8", "replace").split()
        except OSError:
            return None
        if len(parts) < 3 or not parts[0].isdigit():
            return None
        return int(parts[0]), parts[1], parts[2]

    @staticmethod
    def _stale(pid: int, host: str, since: str) -> bool:
        try:
            started = dt.datetime.fromisoformat(since)
        except ValueError:
            return True
        if started.tzinfo is None:
            started = started.replace(tzinfo=dt.timezone.utc)
        if dt.datetime.now(dt.timezone.utc) - started > STALE_AFTER:
            return True
        return host == socket.gethostname() and not pid_alive(pid)

    def release(self) -> None:
        if self.held:
            try:
                if self.path.read_text("utf-8", "replace").strip() == self.token:
                    _unlink(self.path)
            except OSError:
                pass
            self.held = False

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


TEMP = re.compile(r"\.~xlc-(?P<name>.+)\.(?P<pid>\d+)\.tmp")


def temp_path(target: Path, pid: int | None = None) -> Path:
    """The temporary file a save of ``target`` writes first (same folder, so the rename is atomic);
    ``pid``: the one of that process (a save's forked worker), default this one."""
    return target.with_name(f".~xlc-{target.name}.{os.getpid() if pid is None else pid}.tmp")


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove temporary files of ``path`` left by runs that died (their process is gone);
    call while holding the :class:`RunLock`.  Returns what was removed."""
    real = real_target(path)
    removed = []
    try:
        entries = list(real.parent.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = TEMP.fullmatch(p.name)
        stale = (m and m["name"] == real.name and int(m["pid"]) != os.getpid() and not pid_alive(int(m["pid"]))) \
            or p.name == f".~xlc-{real.name}.bak.tmp"
        if stale:
            try:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def backup_path(target: Path, n: int) -> Path:
    return target.with_name(f"{target.name}.bak{n}")


def rotate_backups(target: Path, generations: int) -> None:
    """Keep the current ``target`` as ``.bak1`` and shift older ones up to ``.bak<generations>``
    (a hard link when possible: instant, no copy).  ``generations`` 0 keeps none."""
    if generations <= 0 or not target.exists():
        return
    _unlink(backup_path(target, generations))
    for n in range(generations - 1, 0, -1):
        if backup_path(target, n).exists():
            os.replace(backup_path(target, n), backup_path(target, n + 1))
    tmp = target.with_name(f".~xlc-{target.name}.bak.tmp")
    _unlink(tmp)
    try:
        os.link(target, tmp)
    except OSError:
        shutil.copy2(target, tmp)
    os.replace(tmp, backup_path(target, 1))


def copy_permissions(st: os.stat_result | None, tmp: Path) -> None:
    """Give the new file the old one's mode (and owner, when allowed)."""
    if st is None:
        return
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass


def _unlink(p: Path) -> None:
    try:
        p.unlink()
    except FileNotFoundError:
        pass


def check_not_renamed(book, owned: tuple[str, ...]) -> None:
    """Refuse up front when a program sheet was renamed: its table (``tbl`` + the sheet's name
    without spaces, e.g. ``tblCommentary``) sits on a sheet of another name while no sheet has
    the program's name — the close would otherwise run to the end and fail on the table's name."""
    names = {s.lower() for s in book.sheet_names()}
    tables = book.table_sheets()
    for sheet in owned:
        table = "tbl" + re.sub(r"\W", "", sheet)
        where = tables.get(table.lower())
        if sheet.lower() not in names and where is not None and where.lower() != sheet.lower():
            raise BookRefused(f"{book.path.name}: the sheet {sheet!r} seems to have been renamed to {where!r} "
                              f"(its table {table} is there): rename it back to {sheet!r}, or rename the table "
                              f"in Excel to keep it as your copy. Nothing was written")
