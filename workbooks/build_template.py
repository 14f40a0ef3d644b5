"""Rebuild the kept template ``workbooks/ar_close.xlsm`` (and its shim ``ar_close.py``).

    python workbooks/build_template.py [--check]

The file is kept in the repository so people can download it; tests rebuild it and compare
the two part by part (``tests/test_template.py``), so it never drifts from the code.  The
name is ``ar_close`` and not ``xl_collections``: the buttons run ``import <workbook name>``,
and a shim called ``xl_collections.py`` would shadow the package itself.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOOK = HERE / "ar_close.xlsm"
CREATED = dt.datetime(2026, 1, 1)       # pinned, so a rebuild is byte-comparable


def build(path: Path = BOOK) -> Path:
    from xl_collections.workbook.template import build_template, check_book_name, shim_text

    build_template(path, created=CREATED)
    path.with_suffix(".py").write_text(shim_text(check_book_name(path)), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    if "--check" in sys.argv:
        import tempfile

        from xl_collections.workbook.template import compare_books
        with tempfile.TemporaryDirectory() as d:
            fresh = build(Path(d) / BOOK.name)
            diff = compare_books(BOOK, fresh)
        print("up to date" if not diff else "differs: " + ", ".join(diff))
        sys.exit(1 if diff else 0)
    print(build())
