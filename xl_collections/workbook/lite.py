"""xlwings Lite: the workbook's buttons in Excel's Python add-in that needs no local Python.

xlwings Lite runs Python in the browser engine of an Office add-in (Pyodide).  A script is a
function in the ``main.py`` the user pastes into the add-in, decorated ``@script`` and taking
the open workbook as an ``xlwings.Book``; Lite sends the book's contents along and applies
the writes when the script returns.  There is no ``RunPython``, no ``Book.caller()``, no
status bar and no folder beside the book.

- :class:`LiteBook` is the live backend (:class:`~xl_collections.book.live.LiveBook`) on that
  book without the calls Lite lacks: progress and messages are printed (Lite's output pane),
  the screen is never frozen, nothing is saved (Lite writes into the open workbook), and the
  book has no folder, so letters and statements say so instead of writing files.
- :func:`ribbon` runs a ``Collections`` ribbon id on Lite's book: the very function the
  ribbon and the sheet buttons run (:data:`xl_collections.close.steps.RIBBON_ACTIONS`).
- :func:`main_py` is the ``main.py`` to paste: one ``@script`` per ribbon id of the registry,
  named like the macro it runs; :func:`requirements_txt` the add-in's ``requirements.txt``.
  ``python workbooks/build_lite.py`` writes both to ``workbooks/lite/``.
"""
from __future__ import annotations

import re

from .. import macros
from ..book import BookError
from ..book.live import LiveBook
from ..close.steps import RIBBON_ACTIONS, RIBBON_BUTTONS

# compiled packages Lite takes from Pyodide's own repository: their version follows Pyodide's,
# so requirements.txt names them without a version (Lite's advice); every other dependency
# is a pure-Python wheel from PyPI and keeps the range pyproject.toml gives it
PYODIDE_BUILT = frozenset({"pandas", "numpy", "lxml", "pyarrow", "python-calamine", "rapidfuzz", "charset-normalizer"})
# dependencies a workbook in Lite never needs: read only for files beside the book (tables beyond
# a sheet, a DuckDB database; fastexcel, the fast path of a workbook file, optional), imported
# only on those paths; isal (compiled, not in Pyodide) only speeds up the headless save, zlib
# does it without
NOT_IN_LITE = frozenset({"duckdb", "fastexcel", "isal"})
WHEEL_LINE = "https://YOUR-HOST/xl_collections-{version}-py3-none-any.whl"


class LiteBook(LiveBook):
    """The workbook as an xlwings Lite script gets it (an ``xlwings.Book``): read and written
    through the xlwings API like live Excel, without status bar, screen updating or save."""

    def __init__(self, book, *, say=print):
        super().__init__(book)
        self.messages: list[str] = []
        self._say = say

    @property
    def path(self):
        """None: Lite's Python sees no folder beside the book (files it wrote would be lost)."""
        return None

    def status(self, message: str) -> None:
        self.messages.append(str(message))
        self._say(str(message))

    def _show(self, message) -> None:
        """No status bar in Lite."""

    def write_sheet(self, output) -> None:
        self._write(self._with_user_columns(output))

    def save(self, path=None):
        raise BookError("xlwings Lite writes into the open workbook; save it in Excel")


def ribbon(control_id: str, book):
    """Run the ``Collections`` ribbon button ``control_id`` (``xlc_close``, ``xlc_aging`` …) on
    the book Lite passed to the script; refused inputs are listed on the Close sheet and a
    failed step says so, as in Excel."""
    action = RIBBON_ACTIONS.get(str(control_id).strip())
    lite = book if isinstance(book, LiteBook) else LiteBook(book)
    if action is None:
        lite.status(f"no action for {control_id!r}: paste the main.py of your xl-collections version")
        return None
    return macros.run_action(action, lite, origin=" (xlwings Lite)")


def main_py(version: str = "") -> str:
    """The ``main.py`` to paste into xlwings Lite: one ``@script`` per ribbon button, in the
    tab's order, named like the macro it runs."""
    lines = ['"""The collections workbook\'s buttons for xlwings Lite'
             + (f" (xl-collections {version})" if version else "") + ".",
             "",
             "Generated from the step registry by `python workbooks/build_lite.py`: do not edit, regenerate.",
             "Each script runs the same function as the Collections ribbon button of the same name.",
             '"""',
             "import xlwings as xw",
             "from xlwings import script",
             "",
             "from xl_collections.workbook.lite import ribbon",
             ""]
    for b in RIBBON_BUTTONS:
        name = RIBBON_ACTIONS[b.id]
        doc = f"{b.label}: {b.screentip}".replace('"""', "'''").replace("\\", "\\\\")
        lines += ["", "@script", f"def {name}(book: xw.Book):", f'    """{doc}"""', f'    ribbon("{b.id}", book)', ""]
    return "\n".join(lines)


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0]


def requirements_txt(dependencies, version: str = "") -> str:
    """xlwings Lite's ``requirements.txt`` from the package's ``dependencies`` (pyproject.toml):
    the xl-collections wheel (a URL you host), then each dependency — pure-Python wheels with
    their range, the ones Pyodide builds (:data:`PYODIDE_BUILT`) without a version."""
    lines = ["# xlwings Lite: requirements.txt (generated by `python workbooks/build_lite.py`).",
             "# xl-collections itself: build its wheel (`python -m build --wheel`), put it where Excel may",
             "# fetch it (an https address that allows cross-origin requests, e.g. a GitHub release)",
             "# and write that address on the next line.",
             WHEEL_LINE.format(version=version or "VERSION"),
             "# compiled packages: Pyodide's own builds (their version follows Pyodide's; do not pin)"]
    deps = sorted(((n, d) for n, d in {_name(d): d.strip() for d in dependencies}.items()
                   if n.lower() not in NOT_IN_LITE), key=lambda kv: kv[0].lower())
    lines += [name for name, _ in deps if name.lower() in PYODIDE_BUILT]
    lines.append("# pure-Python wheels from PyPI, in the ranges xl-collections is tested with")
    lines += [spec.replace(" ", "") for name, spec in deps if name.lower() not in PYODIDE_BUILT]
    return "\n".join(lines) + "\n"


__all__ = ["LiteBook", "NOT_IN_LITE", "PYODIDE_BUILT", "main_py", "requirements_txt", "ribbon"]
