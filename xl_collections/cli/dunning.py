"""``xl-collections dunning``: propose and render dunning letters (CONTRACT §4, §6 "Dunning").

Reads ``--customers``, ``--open-items`` and, when given, ``--activity`` (disputes and promises
hold items back), ``--history`` (letters sent before: the interval and the next level),
``--fx`` and ``--settings`` (DunningLevels, DunningFees, CompanyName, RemitTo …), and writes
into ``--out DIR``: ``dunning.csv`` (one row per customer and currency with overdue items),
``letters/<customer_id>_L<level>.<ext>`` in each ``--format`` (pdf, docx, eml; default all)
and ``dunning_history.csv`` (the ``--history`` rows plus one row per letter; the history file
itself is never changed).  Nothing is sent.
"""
from __future__ import annotations

from ..dunning import LETTER_FORMATS, history_table, propose
from ..dunning.letters import history_with, issue_letters
from ..dunning.pdf import PdfError
from ..dunning.render import parse_formats
from ..dunning.templates import TemplateError
from ..core.errors import InputErrors, UsageError
from ..io.outdir import staged_folder
from ..io.write import write_table
from ..core.money import format_amount
from ..core.settings import Settings
from ._common import command_settings, as_of_date, out_dir, read_inputs, reporting_currency

HELP = "propose dunning letters and render them (PDF, Word, e-mail drafts)"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--customers", required=True, metavar="FILE")
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--activity", metavar="FILE", help="collections log: disputes and pending promises hold items back")
    p.add_argument("--history", metavar="FILE", help="letters sent before (dunning_history.csv of an earlier run)")
    p.add_argument("--fx", metavar="FILE", help="FX rates (items in other currencies count toward DunningMinAmount)")
    p.add_argument("--settings", metavar="FILE", help="name,value CSV of Settings (DunningLevels, RemitTo, …)")
    p.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", default="", metavar="pdf,docx,eml", help="letter formats (default: all three)")


def settings_and_date(args, currency: str) -> tuple[Settings, object, list]:
    """``--settings`` on top of the defaults (reporting currency from ``--currency``) and
    ``--as-of``; problems of the settings file come back as InputError records."""
    settings, errors = command_settings(args, currency)
    as_of = as_of_date(args, day_first=settings.day_first)
    return settings.with_(as_of=as_of), as_of, errors


def run(args) -> int:
    currency = reporting_currency(args)
    try:
        formats = parse_formats(args.format, LETTER_FORMATS)
    except ValueError as e:
        raise UsageError(f"--format {e}") from None
    out = out_dir(args)
    settings, as_of, errors = settings_and_date(args, currency)
    t = read_inputs(args, currency, {"customers": args.customers, "open_items": args.open_items,
                                     "activity": args.activity, "dunning_history": args.history,
                                     "fx_rates": args.fx}, errors)
    history, errs = history_table(t["dunning_history"])
    if errs:
        raise InputErrors(errs)
    proposal, errs = propose(t["open_items"], t["customers"], settings, as_of, activity=t["activity"],
                             history=history, fx_rates=t["fx_rates"])
    if errs:
        raise InputErrors(errs)
    # letters and tables go into one staged folder swapped in at the end (CONTRACT §6 "Files on disk")
    with staged_folder(out) as stage:
        try:
            letters, new_history = issue_letters(proposal, settings, stage / "letters", formats, file_prefix="letters/")
        except (TemplateError, PdfError) as e:
            raise UsageError(str(e)) from None
        write_table(letters, stage / "dunning.csv")
        write_table(history_with(history, new_history), stage / "dunning_history.csv")
    send = proposal.to_send
    held = proposal.customers[proposal.customers["level"] == 0]["blocked_reason"].value_counts()
    levels = send["level"].value_counts().sort_index()
    total = format_amount(int(send["reporting_total"].sum()), currency)
    print(f"{len(send):,} letter{'s' if len(send) != 1 else ''} ("
          + (", ".join(f"level {k}: {v}" for k, v in levels.items()) or "none")
          + f"), total due {currency} {total}, formats {', '.join(formats)}"
          + ("; held back: " + ", ".join(f"{k} {v}" for k, v in held.items()) if len(held) else "")
          + f" -> {out}")
    return 0
