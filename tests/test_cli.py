"""The command line's own contract: subcommands of CONTRACT §4 and the exit statuses."""
import pytest

from xl_collections.cli.dispatch import build_parser, main

COMMANDS = ("demo", "close", "aging", "cashapp", "recon", "statement-recon", "new-book")


def test_every_contract_subcommand_is_there():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(COMMANDS) <= set(sub.choices)


@pytest.mark.parametrize("argv", [[], ["aging"], ["aging", "--open-items", "x.csv", "--as-of", "2026-10-31"],
                                  ["nonsense"], ["recon", "--open-items", "a", "--register", "b", "--period", "2026-13", "--out", "d"]])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2


def test_refused_inputs_exit_1_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "aging.csv"
    (tmp_path / "oi.csv").write_text("customer_id,document_no,document_date,open_amount\nC1,INV1,2026-10-01,ten\n")
    assert main(["aging", "--open-items", str(tmp_path / "oi.csv"), "--as-of", "2026-10-31", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "oi.csv" in err and "row 2" in err and "'open_amount'" in err and "'ten'" in err
    assert not out.exists()


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "month-end" in capsys.readouterr().out


def test_an_amount_option_that_does_not_read_is_a_usage_error_naming_it(tmp_path, capsys):
    assert main(["claim", "--customer", "C1", "--amount", "abc", "--payments", str(tmp_path / "p.csv"),
                 "--out", str(tmp_path / "out")]) == 2
    assert "--amount 'abc': expected an amount in USD" in capsys.readouterr().err
    assert main(["allowance", "--open-items", str(tmp_path / "o.csv"), "--history", str(tmp_path / "h.csv"),
                 "--opening", "x1", "--as-of", "2026-10-31", "--out", str(tmp_path / "out")]) == 2
    assert "--opening 'x1': expected an amount in USD" in capsys.readouterr().err
