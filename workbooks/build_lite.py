"""Write the xlwings Lite files: ``workbooks/lite/main.py`` (one ``@script`` per button of the
Collections ribbon tab, from the step registry) and ``workbooks/lite/requirements.txt`` (from
pyproject.toml's dependencies).

    python workbooks/build_lite.py [--check]

Both are kept in the repository for users to paste into the add-in; ``--check`` (and
``tests/test_lite.py``) fail when they differ from what the code would write now.
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "lite"
PYPROJECT = HERE.parent / "pyproject.toml"


def files() -> dict[str, str]:
    """File name -> text, as the code writes them now."""
    from xl_collections.workbook.lite import main_py, requirements_txt

    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    version = project["version"]
    return {"main.py": main_py(version), "requirements.txt": requirements_txt(project["dependencies"], version)}


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    wanted = files()
    if "--check" in sys.argv:
        stale = [n for n, text in wanted.items()
                 if not (OUT / n).exists() or (OUT / n).read_text(encoding="utf-8") != text]
        print("up to date" if not stale else "differs: " + ", ".join(stale))
        sys.exit(1 if stale else 0)
    OUT.mkdir(exist_ok=True)
    for name, text in wanted.items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(OUT / name)
