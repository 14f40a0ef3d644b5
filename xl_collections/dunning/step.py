"""The close's ``dunning`` step: propose letters on ``Dunning``; render the ones the user
approved (and that are still proposed) and add them to ``Dunning History``.

It reads the open items after cash (``open_items_after``), the customers, the activity log,
the ``Dunning History`` sheet (letters sent before: the interval and the next level) and, when
the worklist step ran before it, that step's promises (judged against applied cash) and
dispute cases (with the resolutions recorded on ``Disputes``).  Approved letters are written
as PDF, Word and e-mail drafts to ``<book name> letters/<as-of date>/`` beside the book; a
re-run the same day finds them in the history (the interval holds them) and writes none again.
"""
from __future__ import annotations

from pathlib import Path

from ..cashapp.step import open_items_after
from ..close.state import DONE, CloseState, StepResult
from ..core.errors import InputErrors
from .letters import history_with, issue_letters
from .policy import history_table, propose
from .render import LETTER_FORMATS
from .sheets import (DUNNING_SHEET, approved, dunning_output, history_output, letter_id,
                     read_approvals)


def letters_folder(book, as_of) -> Path | None:
    """``<book name> letters/<as-of date>/`` beside the book (None for a book without a file)."""
    path = getattr(book, "path", None)
    if not path:
        return None
    path = Path(path)
    return path.parent / f"{path.stem} letters" / as_of.isoformat()


def previous_approvals(book) -> dict[str, object]:
    """The ``approve`` cells of the ``Dunning`` sheet as the user left it."""
    if book is None:
        return {}
    name = next((s for s in book.sheet_names() if s.lower() == DUNNING_SHEET.lower()), None)
    return read_approvals(book.read_sheet(name)) if name else {}


def run(state: CloseState) -> StepResult:
    s = state.settings
    t = state.tables
    history, errors = history_table(t.get("dunning_history"), sheet="Dunning History")
    if errors:
        raise InputErrors(errors)
    collections = state.results.get("collections")
    proposal, errors = propose(open_items_after(state), t.get("customers"), s, s.as_of, activity=t.get("activity"),
                               history=history, fx_rates=t.get("fx_rates"),
                               promises=getattr(collections, "promises", None),
                               disputes=getattr(collections, "disputes", None))
    if errors:
        raise InputErrors(errors)
    state.results["dunning"] = proposal
    approvals = previous_approvals(state.book)
    send = proposal.to_send
    wanted = [cid for cid, lv in zip(send["customer_id"], send["level"])
              if approved(approvals.get(letter_id(cid, lv, proposal.as_of)))]
    folder = letters_folder(state.book, proposal.as_of)
    shown = f"{folder.parent.name}/{folder.name}/" if folder else "(save the book first)"
    files, new_history = {}, None
    if wanted and folder is not None:
        letters, new_history = issue_letters(proposal, s, folder, LETTER_FORMATS, customer_ids=wanted,
                                             file_prefix=shown)
        files = dict(zip(new_history["customer_id"], new_history["file"]))
    outputs = [dunning_output(proposal, approvals, files, shown),
               history_output(history_with(history, new_history) if new_history is not None else history,
                              s.reporting_currency)]
    levels = send["level"].value_counts().sort_index()
    msg = (f"{len(send):,} letters proposed"
           + (" (" + ", ".join(f"level {k}: {v}" for k, v in levels.items()) + ")" if len(send) else "")
           + f"; {len(proposal.customers) - len(send):,} customers held back"
           + (f"; {len(files):,} approved letters written to {shown}" if files else ""))
    return StepResult("dunning", DONE, rows=len(send), amount=int(send["reporting_total"].sum()), message=msg,
                      outputs=outputs)
