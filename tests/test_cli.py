"""The console script as users run it: exit codes, one-line errors, pipes."""

import subprocess
import sys

import pytest

from pgm_lite.cli import main

SCRIPT = [sys.executable, "-c", "import sys; from pgm_lite.cli import main; sys.exit(main())"]


def test_closed_pipe_is_not_an_error():
    producer = subprocess.Popen([*SCRIPT, "sample", "alarm", "-n", "200000", "--seed", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = producer.stdout.readline()
    producer.stdout.close()                      # like `| head -1`
    assert producer.wait(timeout=120) == 0
    assert first.startswith(b"HISTORY,CVP")
    assert producer.stderr.read() == b""


def test_user_error_is_one_line_and_exit_2():
    done = subprocess.run([*SCRIPT, "query", "asia", "lung", "-e", "smoke=maybe"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "'maybe'" in lines[0] and "yes" in lines[0]


def test_missing_file_names_it(capsys, tmp_path):
    assert main(["info", str(tmp_path / "nowhere.bif")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere.bif" in err


def test_unknown_command_is_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
