"""CLI rough edges of issue 13: one NET resolver, one-line argparse errors, duplicate evidence, --version."""

import re
import subprocess
import sys

import pytest

import pgm_lite as pl
from pgm_lite.cli import main

SCRIPT = [sys.executable, "-c", "import sys; from pgm_lite.cli import main; sys.exit(main())"]
MISTYPED = r"^pgm-lite {}: error: unknown example 'asai'; did you mean 'asia'\? valid examples: \[.*'asia'.*\]$"


@pytest.mark.parametrize("argv", [
    ["info", "asai"],
    ["query", "asai", "lung"],
    ["count", "asai"],
    ["sample", "asai", "-n", "3"],
    ["render", "asai", "-o", "x.svg"],
])
def test_every_subcommand_resolves_net_the_same_way(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.match(MISTYPED.format(argv[0]), err.strip()), err


def test_fit_resolves_net_too(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("asia\nyes\n")
    assert main(["fit", "asai", str(data)]) == 2
    assert "did you mean 'asia'?" in capsys.readouterr().err


def test_a_path_with_an_extension_is_still_a_file(capsys, tmp_path):
    assert main(["count", str(tmp_path / "asai.bif")]) == 2
    err = capsys.readouterr().err
    assert "asai.bif" in err and "did you mean" not in err


def test_argparse_errors_are_one_line_and_exit_2():
    done = subprocess.run([*SCRIPT, "query", "asia"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("pgm-lite query: error: the following arguments are required: VAR "
                           "(see 'pgm-lite query --help')\n")
    done = subprocess.run([*SCRIPT, "sample", "asia", "-n", "many"], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == ("pgm-lite sample: error: argument -n/--n-samples: invalid int value: 'many' "
                           "(see 'pgm-lite sample --help')\n")


def test_unknown_command_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pgm-lite: error: argument COMMAND: invalid choice: 'frobnicate'")
    assert "usage:" not in err


def test_conflicting_evidence_is_an_error(capsys):
    assert main(["query", "asia", "lung", "-e", "smoke=yes", "-e", "smoke=no"]) == 2
    assert capsys.readouterr().err == (
        "pgm-lite query: error: evidence gives 'smoke' two states ('yes' and 'no'); observe each variable once\n")
    assert main(["query", "asia", "lung", "-e", "smoke=yes", "-e", "smoke=yes", "--json"]) == 0


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"pgm-lite {pl.__version__}\n"
