"""``xl-collections statement``: statements of account (CONTRACT §4).

Reads ``--customers`` and ``--open-items`` (``--fx``, ``--settings`` when given) and writes
``DIR/statements/<customer_id>.<ext>`` in each ``--format`` (pdf, docx, xlsx; default all):
every open item with its days past due, credits and unapplied cash, the aging buckets and the
total per currency, remit-to details — for the ``--customer`` ids given (repeatable), else
for every customer with an open item.
"""
from __future__ import annotations

from ..dunning import STATEMENT_FORMATS, render_statements, statements
from ..dunning.pdf import PdfError
from ..dunning.render import parse_formats
from ..dunning.templates import Templates, TemplateError
from ..core.errors import InputErrors, UsageError
from ..io.outdir import staged_folder
from ._common import out_dir, read_inputs, reporting_currency
from .dunning import settings_and_date

HELP = "write statements of account (PDF, Word, Excel) for one, some or all customers"
FILE_OPTIONS = True    # takes --currency, --map and --day-first


def add_arguments(p) -> None:
    """This command's options (``p``: its argparse sub-parser)."""
    p.add_argument("--customers", required=True, metavar="FILE")
    p.add_argument("--open-items", required=True, metavar="FILE")
    p.add_argument("--customer", action="append", metavar="ID", help="a customer id (repeatable; default: all with open items)")
    p.add_argument("--fx", metavar="FILE")
    p.add_argument("--settings", metavar="FILE", help="name,value CSV of Settings (CompanyName, RemitTo, AgingBuckets …)")
    p.add_argument("--as-of", required=True, dest="as_of", metavar="DATE")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", default="", metavar="pdf,docx,xlsx", help="formats (default: all three)")


def run(args) -> int:
    currency = reporting_currency(args)
    try:
        formats = parse_formats(args.format, STATEMENT_FORMATS)
    except ValueError as e:
        raise UsageError(f"--format {e}") from None
    out = out_dir(args)
    settings, as_of, errors = settings_and_date(args, currency)
    t = read_inputs(args, currency, {"customers": args.customers, "open_items": args.open_items,
                                     "fx_rates": args.fx}, errors)
    ids = [c for part in (args.customer or []) for c in str(part).split(",") if c.strip()] or None
    stmts, errs = statements(t["open_items"], t["customers"], settings, as_of, customer_ids=ids,
                             fx_rates=t["fx_rates"])
    if errs:
        raise InputErrors(errs)
    with staged_folder(out) as stage:      # written beside --out and swapped in at the end
        try:
            files = render_statements(stmts, settings, Templates(settings.letter_templates), stage / "statements",
                                      formats)
        except (TemplateError, PdfError) as e:
            raise UsageError(str(e)) from None
    n_items = sum(len(s.items) for s in stmts)
    print(f"{len(stmts):,} statement{'s' if len(stmts) != 1 else ''} ({n_items:,} open items), "
          f"{sum(len(f) for f in files.values()):,} files ({', '.join(formats)}) -> {out / 'statements'}")
    return 0
