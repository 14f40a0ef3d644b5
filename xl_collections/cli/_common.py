"""What every file command does the same way: check the reporting currency and the output
folder, read the column map, then read all input files and refuse them together (every
problem of every file at once, nothing written: exit 1)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..core.dates import DateError, parse_date
from ..core.errors import InputError, InputErrors, UsageError
from ..io.outdir import check_out
from ..core.money import AmountError, is_currency, parse_amount
from ..core.settings import Settings, from_settings_file
from ..io.readers import read_warnings


def as_of_date(args, *, day_first: bool | None = None):
    """``--as-of`` as a date (slashed text read day-first when ``day_first``, else as
    ``--day-first`` says); a usage error when it is blank or not a date."""
    if day_first is None:
        day_first = bool(getattr(args, "day_first", False))
    try:
        as_of = parse_date(args.as_of, day_first=day_first)
    except DateError as e:
        raise UsageError(f"--as-of {args.as_of!r}: expected {e.expected}") from None
    if as_of is None:
        raise UsageError("--as-of is blank: expected a date such as 2026-10-31")
    return as_of


def option_amount(option: str, value, currency: str) -> int | None:
    """An amount option (``--opening``, ``--amount``) in minor units of ``currency``; None when
    blank; a usage error naming the option when it does not read as an amount."""
    if value in (None, ""):
        return None
    try:
        return parse_amount(value, currency)
    except AmountError as e:
        raise UsageError(f"{option} {value!r}: expected {e.expected}") from None


def reporting_currency(args) -> str:
    """``--currency`` as an ISO 4217 code (default USD); a usage error otherwise."""
    currency = str(getattr(args, "currency", None) or "USD").strip().upper()
    if not is_currency(currency):
        raise UsageError(f"--currency {args.currency!r}: expected an ISO 4217 code such as USD")
    return currency


def out_dir(args) -> Path:
    """``--out`` as a folder for one CSV per result table: new, empty or an earlier run's, not
    under a file, not one of the inputs (:func:`~xl_collections.io.outdir.check_out`)."""
    return check_out(args, Path(args.out), folder=True)


def command_settings(args, currency: str, **fields) -> tuple[Settings, list[InputError]]:
    """A file command's Settings: the defaults with ``currency``, ``--day-first`` and ``fields``,
    then the named cells of ``--settings FILE`` over them, with what that file got wrong."""
    base = Settings(reporting_currency=currency, day_first=bool(getattr(args, "day_first", False)), **fields)
    if not getattr(args, "settings", None):
        return base, []
    return from_settings_file(args.settings, base)


def read_options(args, settings=None) -> dict:
    """How the input files are read, from ``--map``, ``--day-first``, ``--encoding`` and
    ``--decimal-comma`` (else ``settings``): ``column_map``, ``day_first``, ``encoding``,
    ``decimal_comma``, ``amount_sign``."""
    from ..io.readers import read_column_map

    return dict(column_map=read_column_map(args.map) if getattr(args, "map", None) else None,
                day_first=bool(getattr(args, "day_first", False)) or bool(getattr(settings, "day_first", False)),
                encoding=getattr(args, "encoding", None) or getattr(settings, "encoding", None) or None,
                decimal_comma=True if getattr(args, "decimal_comma", False) else getattr(settings, "decimal_comma", None),
                amount_sign=getattr(settings, "amount_sign", None) or "signed")


def read_inputs(args, currency: str, files: dict[str, str | None],
                extra_errors: list[InputError] | None = None, settings=None, arrow_text: tuple[str, ...] = ()) -> dict:
    """``files``: table name -> path (None: not given, the table is None; ``payments#2``: one of
    several files of a table, kept apart under that key).  Reads each with
    the ``--map`` column map, ``--day-first``, ``--encoding`` and ``--decimal-comma`` (else
    ``settings``: ``Encoding``, ``DecimalComma``, ``AmountSign``); raises :class:`InputErrors`
    with every problem of every file (and ``extra_errors``) when any file is refused.  What was
    accepted with a remark (an encoding detected, control characters removed) is printed to
    stderr as ``warning:`` lines.  ``arrow_text``: tables whose text columns may stay Arrow-backed
    (``load_table``'s option, for a command that only reads their values)."""
    from ..io.readers import load_table

    options = read_options(args, settings)
    column_map, day_first = options.pop("column_map"), options.pop("day_first")
    errors: list[InputError] = list(extra_errors or [])
    tables = {}
    for table, path in files.items():
        if not path:
            tables[table] = None
            continue
        df, errs = load_table(path, table.split("#")[0], column_map=column_map, reporting_currency=currency,
                              day_first=day_first, settings=settings, arrow_text=table in arrow_text, **options)
        errors.extend(errs)
        tables[table] = df
    if errors:
        raise InputErrors(errors)
    print_warnings(tables)
    return tables


def print_warnings(tables: dict) -> None:
    """:func:`read_warnings` to stderr, one ``warning:`` line each (every command alike)."""
    for w in read_warnings(tables):
        print(f"warning: {w.render()}", file=sys.stderr)
