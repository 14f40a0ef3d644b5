"""``xl-collections new-book --out NAME.xlsm``: the empty collections workbook and ``NAME.py``
(the shim its buttons import) beside it."""
from __future__ import annotations

from pathlib import Path

from ..core.errors import UsageError
from ..workbook.template import TemplateError, build_template, check_book_name, shim_text

HELP = "write an empty collections workbook from the template"
FILE_OPTIONS = False    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--out", required=True, metavar="BOOK.xlsm")

def write_book(out: str | Path, *, overwrite: bool = False, **template_options) -> tuple[Path, Path]:
    """Write ``out`` (``.xlsm``) from the template and its shim ``<stem>.py``; returns both paths."""
    out = Path(out)
    try:
        module = check_book_name(out)
    except TemplateError as e:
        raise UsageError(str(e)) from None
    shim = out.with_suffix(".py")
    if not overwrite:
        for p in (out, shim):
            if p.exists():
                raise UsageError(f"{p} exists; choose another name or remove it first")
    build_template(out, **template_options)
    shim.write_text(shim_text(module), encoding="utf-8")
    return out, shim


def run(args) -> int:
    book, shim = write_book(args.out)
    print(f"wrote {book} and {shim.name} (keep them together; the buttons run 'import {shim.stem}')")
    print(f"next: fill the input sheets and Settings, then click 'Run month-end close' or run: xl-collections close {book}")
    return 0
