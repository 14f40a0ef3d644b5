"""Finishing touches the close gives every sheet it writes (issue 19): the printed footer with
the as-of date, a link back to the dashboard, and drill-down from a customer to its items.

* **Back link**: every result sheet with notes at the top gets "« Back to Dashboard" in the
  blank row under its notes, pointing at ``'Dashboard'!A1`` — or, while the book has no
  ``Dashboard`` sheet (and this run writes none), "« Back to Close" at ``'Close'!A1``, so the
  link never leads nowhere.  Sheets whose table starts in row 1 (``Aging Detail``, ``Aging
  History``, ``Dunning History``, ``Audit Log``: tables other programs read from row 1) get none.
* **Drill-down**: on ``Aging``, ``Worklist``, ``Credit Review`` and ``Commentary`` every customer
  id links to that customer's first row on ``Aging Detail`` (whose rows are grouped by customer),
  when this run writes ``Aging Detail``; a customer with no open item there has no link.
* **Footer**: "As of <date>" left, the sheet's name centre, "Page x of n" right.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ..book import SheetOutput
from .dashboard_sheet import DASHBOARD_SHEET

HOME_SHEET = "Close"                 # where the back link goes while there is no Dashboard
DETAIL_SHEET = "Aging Detail"
DRILL_FROM = ("Aging", "Worklist", "Credit Review", "Commentary")
KEY = "customer_id"


def _location(sheet: str, cell: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell


def detail_anchors(detail: SheetOutput) -> dict[str, str]:
    """customer id -> the location of its first row on the detail sheet (``'Aging Detail'!A12``)."""
    for block, header in zip(detail.blocks, detail.layout()):
        if KEY not in block.df.columns:
            continue
        out: dict[str, str] = {}
        for k, v in enumerate(block.df[KEY].tolist()):
            if v is not None and str(v) not in out:
                out[str(v)] = _location(detail.name, f"A{header + 1 + k}")
        return out
    return {}


def dress(outputs: list[SheetOutput], as_of: dt.date | None, sheet_names: list[str] = ()) -> list[SheetOutput]:
    """``outputs`` with the footer, the back link and the drill-down links (module doc);
    ``sheet_names`` are the book's sheets now (a Dashboard there is linked even when this run
    does not write it)."""
    names = {n.lower() for n in [*sheet_names, *(o.name for o in outputs)]}
    home = DASHBOARD_SHEET if DASHBOARD_SHEET.lower() in names else HOME_SHEET
    back = (f"« Back to {home}", _location(home, "A1"))
    detail = next((o for o in outputs if o.name == DETAIL_SHEET), None)
    anchors = detail_anchors(detail) if detail is not None else {}
    footer = f"As of {as_of:%Y-%m-%d}" if as_of else ""
    done = []
    for out in outputs:
        changes: dict = {"footer": out.footer or footer}
        if out.name != home and out.notes and out.back_link is None:
            changes["back_link"] = back
        if out.name in DRILL_FROM and anchors:
            changes["blocks"] = tuple(replace(b, links={**b.links, KEY: anchors}) if KEY in b.df.columns else b
                                      for b in out.blocks)
        done.append(replace(out, **changes))
    return done
