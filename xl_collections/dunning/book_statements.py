"""Statements of account from the collections workbook (the ``Statements`` button of the
``Collections`` ribbon tab, ``xlc_statement``): the same statements as ``xl-collections
statement`` (:mod:`.statement`, :func:`.render.render_statements`), for the customers the user
selected on a sheet or for every customer with open items.

The open items are those after cash, as the close's ``Aging`` and dunning letters see them
(:func:`~xl_collections.cashapp.step.open_items_after`): a payment on ``Payments`` applied
automatically no longer shows as owed.  Files go to ``<book name> letters/<as-of
date>/statements/<customer_id>.<ext>`` beside the book (CONTRACT §4 "In a close, letters and
statements go to …"); no sheet of the book is written.  Money is minor units of each item's
currency.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..cashapp.step import open_items_after
from ..close.state import CloseState
from ..core.errors import InputErrors
from .render import STATEMENT_FORMATS, render_statements
from .statement import Statement, statements
from .step import letters_folder
from .templates import Templates

STATEMENTS_FOLDER = "statements"


@dataclass
class StatementRun:
    """What the button did: the ``statements``, the ``files`` written per customer id, the
    ``folder`` they went to (None: the book has no folder, nothing written) and a ``message``
    for the status bar."""
    statements: list[Statement]
    files: dict[str, list[Path]] = field(default_factory=dict)
    folder: Path | None = None
    message: str = ""


def known_customers(state: CloseState) -> set[str]:
    """Every customer id of the customer master and of the open items."""
    out: set[str] = set()
    for table in ("customers", "open_items"):
        df = state.tables.get(table)
        if df is not None and "customer_id" in df.columns:
            out.update(str(c).strip() for c in df["customer_id"].dropna())
    return out


def selected_customer_ids(values, known: set[str]) -> list[str]:
    """The customer ids among the selected cells' ``values`` (a value, a row or a grid), in
    the order they appear, each once; an amount or a name beside them is passed over."""
    flat: list = []
    stack = [values]
    while stack:
        v = stack.pop(0)
        if isinstance(v, list | tuple):
            stack[0:0] = list(v)
        elif v is not None:
            flat.append(v)
    ids = []
    for v in flat:
        text = _id_text(v)
        if text in known:
            ids.append(text)
    return list(dict.fromkeys(ids))


def _id_text(v) -> str:
    """A cell value as the identifier text it stands for (Excel hands ``1001`` back as 1001.0)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def book_statements(state: CloseState, *, customer_ids=None, formats=STATEMENT_FORMATS,
                    pdf_engine: str | None = None) -> StatementRun:
    """Statements for ``customer_ids`` (None: every customer with open items) at the book's
    as-of date, written in ``formats`` beside the book.  A customer id the book does not know
    is refused (:class:`InputErrors`, nothing written)."""
    s = state.settings
    stmts, errors = statements(open_items_after(state), state.tables.get("customers"), s, s.as_of,
                               customer_ids=customer_ids, fx_rates=state.tables.get("fx_rates"))
    if errors:
        raise InputErrors(errors)
    n = f"{len(stmts):,} statement{'s' if len(stmts) != 1 else ''}"
    folder = letters_folder(state.book, s.as_of)
    if folder is None:
        return StatementRun(stmts, message=f"Statements: {n} ready, but the workbook has no folder to write them "
                                           "to: save it to disk (or run xl-collections statement)")
    out = folder / STATEMENTS_FOLDER
    files = render_statements(stmts, s, Templates(s.letter_templates), out, formats, pdf_engine=pdf_engine)
    shown = f"{folder.parent.name}/{folder.name}/{STATEMENTS_FOLDER}/"
    n_files = sum(len(f) for f in files.values())
    return StatementRun(stmts, files, out, f"Statements: {n} ({n_files:,} files: {', '.join(formats)}) -> {shown}")


__all__ = ["StatementRun", "book_statements", "known_customers", "selected_customer_ids"]
