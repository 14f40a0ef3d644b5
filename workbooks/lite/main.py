"""The collections workbook's buttons for xlwings Lite (xl-collections 0.1.0).

Generated from the step registry by `python workbooks/build_lite.py`: do not edit, regenerate.
Each script runs the same function as the Collections ribbon button of the same name.
"""
import xlwings as xw
from xlwings import script

from xl_collections.workbook.lite import ribbon


@script
def month_end_close(book: xw.Book):
    """Run month-end close: Runs every step of the close on this workbook and ticks each off on the Close sheet."""
    ribbon("xlc_close", book)


@script
def check_inputs(book: xw.Book):
    """Check inputs: Read the settings and every input table; list all problems on Close."""
    ribbon("xlc_validate", book)


@script
def apply_payments(book: xw.Book):
    """Apply cash: Apply the payments (never those applied in an earlier run) and refresh the aging."""
    ribbon("xlc_cashapp", book)


@script
def refresh_aging(book: xw.Book):
    """Refresh aging: Pro-forma aging (net of applied cash on the Cash App sheet) and the KPIs."""
    ribbon("xlc_aging", book)


@script
def reconcile(book: xw.Book):
    """Reconcile: Register ↔ sub-ledger ↔ GL for the as-of month."""
    ribbon("xlc_recon", book)


@script
def write_commentary(book: xw.Book):
    """Write commentary: Past-due commentary (the Commentary sheet; edited comments are kept)."""
    ribbon("xlc_commentary", book)


@script
def credit_review(book: xw.Book):
    """Credit review: Exposure, score and class per customer; RELEASE / FLEX / HOLD per open order."""
    ribbon("xlc_credit", book)


@script
def collections_worklist(book: xw.Book):
    """Refresh worklist: Who to call today, promises to pay and dispute cases (your resolution notes are kept)."""
    ribbon("xlc_worklist", book)


@script
def generate_letters(book: xw.Book):
    """Generate letters: Propose dunning letters and write the approved ones (PDF, Word, e-mail drafts) beside the book."""
    ribbon("xlc_dunning", book)


@script
def customer_statements(book: xw.Book):
    """Statements: Statements of account (PDF, Word, Excel) for the customers whose ids you selected on a sheet, else for every customer with open items; written beside the book."""
    ribbon("xlc_statement", book)


@script
def allowance(book: xw.Book):
    """Allowance: Allowance for doubtful accounts (roll rates, specific reserves, journal) and write-off proposals; approved write-offs are booked."""
    ribbon("xlc_allowance", book)


@script
def management_pack(book: xw.Book):
    """Management pack: Prints the management pack (Dashboard, Aging, Commentary, Recon, Allowance) to one PDF beside this workbook."""
    ribbon("xlc_report", book)
