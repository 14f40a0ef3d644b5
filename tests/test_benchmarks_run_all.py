"""``benchmarks/run_all.py --quick``: every figure of issue 20 runs beside its reference and the
table says so (a smoke run at tiny sizes: nothing here is timed)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_run_all_quick_writes_every_figure_with_its_reference(tmp_path):
    out = tmp_path / "figures.md"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--quick", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r[0].strip() for r in rows] == ["aging", "aging_command", "read_sheet", "close", "cashapp",
                                           "outofcore_aging", "outofcore_cleared"]
    for r in rows:
        assert r[-1].strip() == "yes", r           # ours and the reference agree on the result
        assert r[8].strip() in ("met", "not met"), r
    assert "DuckDB CSV->CSV" in text and "QUICK" in text
