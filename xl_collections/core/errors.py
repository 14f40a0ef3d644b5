"""Errors as data.

Every problem found in the inputs is an :class:`InputError` record that says where it is
(file, sheet, row, column — as the user sees them: Excel row numbers, the header text of
the source) and what was expected.  Steps collect them and hand them back; only the edge
(command line, workbook) renders them, all at once.  :class:`InputErrors` is the exception
that carries a batch of them when a step refuses its inputs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:        # pandas is imported where a table is made: the command line loads this first
    import pandas as pd


@dataclass(frozen=True)
class InputError:
    """One problem in one place.  ``row`` is the 1-based row as the user sees it (Excel row,
    or CSV line number); ``column`` is the header as it stands in the source file."""
    message: str
    table: str = ""
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    expected: str = ""

    def render(self) -> str:
        where = [p for p in (self.file, f"sheet {self.sheet!r}" if self.sheet else "",
                             f"row {self.row}" if self.row is not None else "",
                             f"column {self.column!r}" if self.column else "") if p]
        loc = ", ".join(where)
        what = self.message
        if self.value != "":
            what += f" (found {self.value!r})"
        if self.expected:
            what += f"; expected {self.expected}"
        return f"{loc}: {what}" if loc else what


ERROR_COLUMNS = [f.name for f in fields(InputError)]


class InputErrors(Exception):
    """The inputs were refused.  ``errors`` lists every problem found, not just the first."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__(self.render())

    def table(self) -> pd.DataFrame:
        """pandera-style failure table: one row per problem."""
        import pandas as pd

        return pd.DataFrame([asdict(e) for e in self.errors], columns=ERROR_COLUMNS)

    def render(self, limit: int = 200) -> str:
        n = len(self.errors)
        head = f"{n} problem{'s' if n != 1 else ''} in the inputs; nothing was written:"
        lines = [head] + [f"  - {e.render()}" for e in self.errors[:limit]]
        if n > limit:
            lines.append(f"  … and {n - limit} more")
        return "\n".join(lines)


class UsageError(Exception):
    """A command was called wrongly (an option value it cannot use): exit status 2."""


class Refused(Exception):
    """A file or the environment refused as it is — a workbook held by Excel or another run,
    read-only, not a workbook, hostile: exit status 1, the message one line naming the file."""
