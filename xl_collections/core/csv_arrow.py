"""pyarrow's parse of a CSV's bytes into text columns: the one place its options are set (for
:func:`xl_collections.io.arrow_sources.read_csv_arrow`), and the same parse started early.

:func:`prefetch` reads a file and parses it in a thread, guessing a comma delimiter and the
first line's width; the command line calls it for the file it is about to read, before pandas
is imported, so that the parse (C++ on the other core, no GIL) runs while pandas loads.
:func:`take` hands the bytes and that parse to the reader, which uses the parse only when its
own checks chose the same delimiter, width and quoting and the file is unchanged; else it parses
as it always did.  No pandas here (imported first by the command line).
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import threading

_PENDING: dict[str, tuple[tuple, threading.Thread, dict]] = {}
_LOCK = threading.Lock()


def parse(data: bytes, delim: str, width: int, quoted: bool):
    """The pyarrow Table of ``data`` (a CSV's bytes without a BOM, the header line skipped):
    ``width`` columns ``c0..`` of ``large_string``, empty cells as "" (never null).  Without a
    quote character (``quoted`` False) every line break ends a record: pyarrow then splits
    blocks at line breaks without tracking quotes.  Raises pyarrow's errors."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    return pacsv.read_csv(pa.BufferReader(data),
                          read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
                          parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True,
                                                           escape_char=False, newlines_in_values=quoted,
                                                           ignore_empty_lines=False),
                          convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                               strings_can_be_null=False,
                                                               quoted_strings_can_be_null=False, check_utf8=True))


def _key(path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns


def prefetch(path) -> None:
    """Start reading and parsing ``path`` in a thread (nothing when it cannot be looked at or no
    thread can start); :func:`take` collects it."""
    key = _key(path)
    if key is None:
        return
    got: dict = {}

    def work():
        try:
            with open(path, "rb") as fh:
                data = got["data"] = fh.read()
            body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
            line = body[:body.find(b"\n") + 1 or len(body)].decode("utf-8")
            width = len(next(csv.reader(io.StringIO(line, newline=""), delimiter=",")))
            quoted = b'"' in body
            got["parsed"] = ((",", width, quoted), parse(body, ",", width, quoted))
        except Exception:  # noqa: BLE001 - the reader parses again and meets (and judges) the same problem
            pass

    thread = threading.Thread(target=work, name="csv-prefetch", daemon=True)
    try:
        thread.start()
    except RuntimeError:                 # no threads (Pyodide): the reader reads as usual
        return
    with _LOCK:
        _PENDING[key[0]] = (key, thread, got)


class Early:
    """What :func:`prefetch` got for a file: its ``data`` (bytes) and :meth:`table`."""

    def __init__(self, data: bytes, parsed):
        self.data, self._parsed = data, parsed

    def table(self, delim: str, width: int, quoted: bool):
        """The early parse when it was made with these options, else None (parse again)."""
        if self._parsed is None or self._parsed[0] != (delim, width, quoted):
            return None
        t, self._parsed = self._parsed[1], None
        return t


def take(path) -> Early | None:
    """The prefetched bytes and parse of ``path`` (once), or None when it was not prefetched,
    failed to read, or the file changed since."""
    key = _key(path)
    if key is None:
        return None
    with _LOCK:
        pending = _PENDING.pop(key[0], None)
    if pending is None:
        return None
    started, thread, got = pending
    thread.join()
    if started != key or "data" not in got or _key(path) != key:
        return None
    return Early(got["data"], got.get("parsed"))
