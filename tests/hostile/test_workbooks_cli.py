"""The command line as the last line of defence (CONTRACT §4): exit codes, --version, a full
disk, Ctrl-C, an unexpected error; and ``--out`` folders and files (new, empty or an earlier
run's; never an input, never under a file; written beside and swapped in)."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import xl_collections
from xl_collections.cli.dispatch import main
from xl_collections.cli import aging as aging_cmd
from xl_collections.io import outdir, write
from xl_collections.io.outdir import MARKER

OPEN_ITEMS = ("customer_id,document_no,document_date,due_date,open_amount,currency\n"
              "C1,INV-1,2026-09-01,2026-10-01,1000.00,USD\nC2,INV-2,2026-10-01,2026-10-31,250.50,USD\n")
PAYMENTS = "payment_id,value_date,amount,currency,payer_name,reference\nP1,2026-10-15,1000.00,USD,C1,INV-1\n"


@pytest.fixture
def inputs(tmp_path):
    oi = tmp_path / "open_items.csv"
    oi.write_text(OPEN_ITEMS, encoding="utf-8")
    pay = tmp_path / "payments.csv"
    pay.write_text(PAYMENTS, encoding="utf-8")
    return oi, pay


def cashapp(oi: Path, pay: Path, out: Path | str) -> int:
    return main(["cashapp", "--open-items", str(oi), "--payments", str(pay), "--out", str(out)])


def snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


# ---- version, usage ---------------------------------------------------------------------------------

def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"xl-collections {xl_collections.__version__}"


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["aging"], ["aging", "--open-items"], ["close"],
                                  ["aging", "--open-items", "x.csv", "--as-of", "2026-10-31", "--out", "x.txt"],
                                  ["cashapp", "--bogus"]])
def test_usage_errors_are_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


# ---- failures of the environment and unexpected errors ----------------------------------------------------

def _raise(exc):
    def run(args):
        raise exc
    return run


ENVIRONMENT = {
    "disk full (ENOSPC)": (OSError(errno.ENOSPC, "No space left on device", "out/aging.csv"), 3, "the disk is full"),
    "file too large (EFBIG)": (OSError(errno.EFBIG, "File too large"), 3, "the disk is full"),
    "quota exceeded (EDQUOT)": (OSError(errno.EDQUOT, "Disk quota exceeded"), 3, "the disk is full"),
    "I/O error (EIO)": (OSError(errno.EIO, "Input/output error"), 3, "failed unexpectedly"),
    "Ctrl-C": (KeyboardInterrupt(), 130, "interrupted (Ctrl-C)"),
    "a bug (KeyError)": (KeyError("customer_id"), 3, "failed unexpectedly"),
    "a bug (ZeroDivisionError)": (ZeroDivisionError("division by zero"), 3, "failed unexpectedly"),
    "a bug with a multi-line message": (RuntimeError("line one\nline two\n"), 3, "line one line two"),
    "MemoryError": (MemoryError(), 3, "failed unexpectedly"),
    "RecursionError": (RecursionError("maximum recursion depth exceeded"), 3, "failed unexpectedly"),
}


@pytest.mark.parametrize("case", sorted(ENVIRONMENT))
def test_environment_failures_end_in_one_sentence(case, inputs, tmp_path, monkeypatch, capsys):
    exc, code, expected = ENVIRONMENT[case]
    monkeypatch.setenv("XL_COLLECTIONS_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(aging_cmd, "run", _raise(exc))
    oi, _ = inputs
    rc = main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(tmp_path / "a.csv")])
    err = capsys.readouterr().err.strip()
    assert rc == code and expected in err and "\n" not in err and "Traceback" not in err
    logs = list((tmp_path / "logs").glob("xl-collections-*.log")) if (tmp_path / "logs").exists() else []
    if "unexpectedly" in err:
        assert len(logs) == 1 and str(logs[0]) in err
        assert "Traceback" in logs[0].read_text() and type(exc).__name__ in logs[0].read_text()
    else:
        assert logs == []


def test_crash_log_folder_not_writable_still_one_sentence(inputs, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XL_COLLECTIONS_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setattr(aging_cmd, "run", _raise(ValueError("boom")))
    oi, _ = inputs
    assert main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(tmp_path / "a.csv")]) == 3
    err = capsys.readouterr().err.strip()
    assert "could not be written to a log file" in err and "\n" not in err


# ---- --out for a file ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["open_items.csv", "./open_items.csv", "sub/../open_items.csv"])
def test_aging_out_naming_its_own_input_is_refused(name, inputs, tmp_path, capsys, monkeypatch):
    oi, _ = inputs
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    before = oi.read_bytes()
    rc = main(["aging", "--open-items", "open_items.csv", "--as-of", "2026-10-31", "--out", name])
    assert rc == 2 and "one of this run's inputs" in capsys.readouterr().err
    assert oi.read_bytes() == before


def test_aging_out_naming_its_customers_file_is_refused(inputs, tmp_path, capsys):
    oi, _ = inputs
    cust = tmp_path / "customers.csv"
    cust.write_text("customer_id,customer_name\nC1,Acme\n")
    rc = main(["aging", "--open-items", str(oi), "--customers", str(cust), "--as-of", "2026-10-31", "--out", str(cust)])
    assert rc == 2 and cust.read_text() == "customer_id,customer_name\nC1,Acme\n"


def test_aging_out_through_a_link_to_its_input_is_refused(inputs, tmp_path):
    oi, _ = inputs
    link = tmp_path / "link.csv"
    link.symlink_to(oi)
    assert main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(link)]) == 2


@pytest.mark.parametrize("out", ["open_items.csv/aging.csv", "open_items.csv/sub/aging.csv"])
def test_aging_out_under_a_file_is_refused(out, inputs, tmp_path, capsys):
    oi, _ = inputs
    rc = main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(tmp_path / out)])
    err = capsys.readouterr().err
    assert rc == 2 and "is a file" in err and "Traceback" not in err


def test_aging_out_is_a_folder_is_refused(inputs, tmp_path):
    oi, _ = inputs
    (tmp_path / "x.csv").mkdir()
    assert main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(tmp_path / "x.csv")]) == 2


def test_out_path_too_long_is_a_usage_error(inputs, tmp_path, capsys):
    oi, _ = inputs
    rc = main(["aging", "--open-items", str(oi), "--as-of", "2026-10-31", "--out", str(tmp_path / ("a" * 300 + ".csv"))])
    assert rc == 2 and "too long" in capsys.readouterr().err.lower()


# ---- --out DIR -----------------------------------------------------------------------------------------

def test_new_folder_gets_the_marker(inputs, tmp_path):
    oi, pay = inputs
    out = tmp_path / "new" / "run"
    assert cashapp(oi, pay, out) == 0
    assert (out / MARKER).exists() and (out / "applications.csv").exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".~xlc")]


def test_empty_folder_is_used(inputs, tmp_path):
    oi, pay = inputs
    out = tmp_path / "empty"
    out.mkdir()
    assert cashapp(oi, pay, out) == 0 and (out / "posting.csv").exists()


def test_an_earlier_runs_folder_is_replaced_whole(inputs, tmp_path):
    oi, pay = inputs
    out = tmp_path / "run"
    assert cashapp(oi, pay, out) == 0
    (out / "stale_from_an_older_version.csv").write_text("x")
    assert cashapp(oi, pay, out) == 0
    assert not (out / "stale_from_an_older_version.csv").exists() and (out / MARKER).exists()


@pytest.mark.parametrize("content", [{"notes.txt": b"mine"}, {"sub/deep.csv": b"a,b\n"}, {".hidden": b""}])
def test_a_folder_of_someone_elses_files_is_refused(content, inputs, tmp_path, capsys):
    oi, pay = inputs
    out = tmp_path / "mine"
    for rel, data in content.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    before = snapshot(out)
    assert cashapp(oi, pay, out) == 2
    assert "did not make" in capsys.readouterr().err and snapshot(out) == before


@pytest.mark.parametrize("out", ["payments.csv", "open_items.csv/run"])
def test_out_folder_that_is_or_lies_under_a_file_is_refused(out, inputs, tmp_path):
    oi, pay = inputs
    before = pay.read_bytes()
    assert cashapp(oi, pay, tmp_path / out) == 2
    assert pay.read_bytes() == before


def _fail_on_second_table(exc):
    real = write.write_table
    calls = {"n": 0}

    def flaky(df, path, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise exc
        return real(df, path, **kw)
    return flaky


@pytest.mark.parametrize("exc,code", [(OSError(errno.ENOSPC, "No space left on device"), 3), (KeyboardInterrupt(), 130),
                                      (OSError(errno.EFBIG, "File too large"), 3)])
def test_a_run_that_fails_while_writing_leaves_the_folder_as_it_was(exc, code, inputs, tmp_path, monkeypatch):
    oi, pay = inputs
    out = tmp_path / "run"
    assert cashapp(oi, pay, out) == 0
    before = snapshot(out)
    monkeypatch.setattr(write, "write_table", _fail_on_second_table(exc))
    assert cashapp(oi, pay, out) == code
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~xlc")] == []


def test_a_first_run_that_fails_leaves_no_folder(inputs, tmp_path, monkeypatch):
    oi, pay = inputs
    monkeypatch.setattr(write, "write_table", _fail_on_second_table(OSError(errno.ENOSPC, "No space left on device")))
    assert cashapp(oi, pay, tmp_path / "run") == 3
    assert not (tmp_path / "run").exists()


def test_staging_folders_of_killed_runs_are_removed(inputs, tmp_path):
    oi, pay = inputs
    dead = tmp_path / f".~xlc-run.{2**22 + 7}.tmp"
    dead.mkdir()
    (dead / "half.csv").write_text("x")
    live = tmp_path / f".~xlc-run.{os.getppid()}.tmp"
    live.mkdir()
    assert cashapp(oi, pay, tmp_path / "run") == 0
    assert not dead.exists() and live.exists()


def test_staged_folder_swaps_only_at_the_end(tmp_path):
    out = tmp_path / "res"
    with outdir.staged_folder(out) as stage:
        (stage / "a.csv").write_text("1")
        assert not out.exists()
    assert (out / "a.csv").read_text() == "1" and (out / MARKER).exists()


# ---- commands that write letters and statements beside their tables --------------------------------------

from test_dunning_command import AS_OF, files  # noqa: E402,F401 - the dunning command's fixture files


def test_dunning_letters_and_tables_are_swapped_in_together_and_a_rerun_replaces_them(files, capsys):
    out = files["dir"] / "dun"
    args = ["dunning", "--customers", files["cust"], "--open-items", files["oi"], "--as-of", AS_OF.isoformat(),
            "--format", "docx", "--out", str(out)]
    for _ in range(2):
        assert main(args) == 0, capsys.readouterr().err
        assert (out / MARKER).exists() and (out / "dunning.csv").exists()
        assert list((out / "letters").glob("*.docx"))
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".~xlc")]


def test_statements_rerun_into_the_same_folder(files, capsys):
    out = files["dir"] / "st"
    args = ["statement", "--customers", files["cust"], "--open-items", files["oi"], "--as-of", AS_OF.isoformat(),
            "--format", "xlsx", "--out", str(out)]
    for _ in range(2):
        assert main(args) == 0, capsys.readouterr().err
        assert (out / MARKER).exists() and len(list((out / "statements").glob("*.xlsx"))) == 5
