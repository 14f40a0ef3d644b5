"""Issue the letters of a proposal: render them (every requested format) and the
``Dunning History`` rows they add.  Shared by ``xl-collections dunning`` and the workbook's
"Generate letters" button."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.settings import Settings
from .documents import letter_contexts
from .policy import HISTORY_COLUMNS, DunningProposal
from .render import render_letters
from .templates import Templates


def issue_letters(proposal: DunningProposal, settings: Settings, letters_dir: Path, formats, *,
                  customer_ids=None, file_prefix: str = "", pdf_engine: str | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Render the letters of ``proposal.to_send`` (only ``customer_ids`` when given) into
    ``letters_dir``.  Returns ``(letters, history)``: ``proposal.letters`` with ``letter_file``
    filled for the letters written (``file_prefix`` + file name of the first format), and one
    new ``Dunning History`` row per letter (``amount``: total due in the reporting currency,
    minor units; ``letter_date``: the as-of date)."""
    templates = Templates(settings.letter_templates)
    contexts = letter_contexts(proposal, settings, templates, customer_ids)
    files = render_letters(contexts, Path(letters_dir), formats, templates, sender=settings.dunning_from,
                           pdf_engine=pdf_engine)
    names = {c["customer"]["id"]: (file_prefix + files[c["stem"]][0].name if files[c["stem"]] else "")
             for c in contexts}
    letters = proposal.letters.copy()
    letters["letter_file"] = [names.get(c, "") for c in letters["customer_id"]]
    letters.attrs = dict(proposal.letters.attrs)
    rows = [{"customer_id": c["customer"]["id"], "level": c["level"], "letter_date": pd.Timestamp(proposal.as_of),
             "items": c["n_items"], "amount": c["reporting_total"], "file": names[c["customer"]["id"]]}
            for c in contexts]
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS).astype({"level": "int64", "items": "int64",
                                                                   "amount": "int64"})
    history["letter_date"] = pd.to_datetime(history["letter_date"])
    history.attrs = {"money": ["amount"], "currency": proposal.reporting_currency}
    return letters, history


def history_with(earlier: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """The earlier history rows (their columns of :data:`HISTORY_COLUMNS`) followed by ``new``."""
    if earlier is None or earlier.empty:
        return new
    old = earlier[[c for c in HISTORY_COLUMNS if c in earlier.columns]].copy()
    old["amount"] = old["amount"].astype("Int64") if "amount" in old.columns else pd.NA
    out = pd.concat([old, new], ignore_index=True)
    out.attrs = dict(new.attrs)
    return out
