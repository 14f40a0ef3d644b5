"""A1 cell addressing: column letters and cell references (a leaf: the file readers in
``io/`` and the workbook writers in ``book/`` both use it, and neither imports the other for it)."""
from __future__ import annotations

import re

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def col_letter(i: int) -> str:
    """0-based column index -> letters (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def col_index(letters: str) -> int:
    """Column letters -> 0-based index (``A`` -> 0, ``Z`` -> 25, ``AA`` -> 26)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_cell(ref: str) -> tuple[int, int]:
    """``"K2"`` (or ``"$K$2"``) -> (row 1, col 10), both 0-based."""
    m = _CELL.fullmatch(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)) - 1, col_index(m.group(1))
