"""Packaging promises: a light import, an explicit public surface, a working console script."""

import json
import subprocess
import sys

import pytest

import pgm_lite as pl


def test_import_is_light_and_never_runs_dot():
    code = (
        "import sys, json, subprocess\n"
        "calls = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, args, *a, **k):\n"
        "    calls.append(str(args))\n"
        "    return real(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "import pgm_lite\n"
        "heavy = [m for m in ('pandas', 'pgmpy', 'scipy', 'matplotlib', 'torch', 'pyagrum')"
        " if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'calls': calls}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report == {"heavy": [], "calls": []}


def test_all_names_exist_and_are_unique():
    assert len(pl.__all__) == len(set(pl.__all__))
    for name in pl.__all__:
        assert hasattr(pl, name), name
    assert pl.__version__.count(".") == 2


def test_contract_names_are_public():
    for name in ["BayesianNetwork", "MarkovNetwork", "DiscreteFactor", "TabularCPD", "count_parameters",
                 "parse_independence", "is_d_separated", "PGMError", "ParseError", "MemoryLimitError"]:
        assert name in pl.__all__


def test_console_script_help(capsys):
    from pgm_lite.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "usage: pgm-lite" in capsys.readouterr().out
