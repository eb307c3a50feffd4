"""The `pgm-lite query` command, run in-process."""

import json

import pytest

import pgm_lite as pl
from pgm_lite.cli import main


def run(capsys, *argv):
    code = main(["query", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_prints_exactly_the_marginals(capsys):
    code, out, err = run(capsys, "asia", "lung", "bronc", "-e", "smoke=yes", "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert list(result) == ["lung", "bronc"]
    assert result["lung"] == pytest.approx({"yes": 0.1, "no": 0.9}, abs=1e-12)
    expected = pl.query(pl.example("asia"), ["bronc"], {"smoke": "yes"}).values
    assert list(result["bronc"].values()) == pytest.approx(expected.tolist(), abs=1e-12)


def test_tables_name_each_variable(capsys):
    code, out, _ = run(capsys, "asia", "tub", "-e", "xray=yes", "-e", "smoke=no")
    assert code == 0
    assert out.splitlines()[0] == "P(tub | xray=yes, smoke=no)"
    assert "yes" in out and "no" in out


def test_joint(capsys):
    code, out, _ = run(capsys, "asia", "lung", "bronc", "-e", "smoke=yes", "--joint")
    assert code == 0 and out.startswith("P(lung, bronc | smoke=yes)")
    assert "0.06" in out and "0.36" in out
    code, out, _ = run(capsys, "asia", "lung", "bronc", "--joint", "--json")
    data = json.loads(out)
    assert data["variables"] == ["lung", "bronc"] and len(data["table"]) == 4
    assert sum(row[-1] for row in data["table"]) == pytest.approx(1.0)


def test_map(capsys):
    code, out, _ = run(capsys, "asia", "lung", "bronc", "-e", "xray=yes", "--map")
    assert code == 0
    assert "lung = no" in out and "bronc = no" in out and "probability:" in out
    code, out, _ = run(capsys, "asia", "lung", "-e", "xray=yes", "--map", "--json")
    data = json.loads(out)
    expected = pl.map_query(pl.example("asia"), ["lung"], {"xray": "yes"})
    assert data == {"assignment": expected.assignment, "probability": pytest.approx(expected.probability)}


def test_explain(capsys):
    code, out, _ = run(capsys, "asia", "lung", "-e", "xray=yes", "--explain")
    assert code == 0
    assert "pruned: bronc, dysp" in out and "eliminate" in out
    code, out, _ = run(capsys, "asia", "lung", "-e", "xray=yes", "--explain", "--json",
                       "--elimination-order", "min-degree")
    data = json.loads(out)
    assert data["pruned"] == ["bronc", "dysp"]
    assert {s["variable"] for s in data["steps"]} == {"asia", "tub", "smoke", "either"}


@pytest.mark.parametrize("argv, message", [
    (["asia", "lung", "-e", "xray=maybe"], "unknown state 'maybe' of variable 'xray'; choose from ['yes', 'no']"),
    (["asia", "lunk"], "unknown variable 'lunk'"),
    (["asia", "lung", "-e", "lung=yes"], "both queried and observed"),
    (["asia", "tub", "-e", "lung=yes", "-e", "either=no"], "probability zero"),
    (["asia", "lung", "-e", "xray"], "evidence must look like VAR=STATE"),
    (["asia", "lung", "--elimination-order", "min-fil"], "unknown elimination order 'min-fil'"),
    (["no_such_net.bif", "lung"], "no_such_net.bif"),
])
def test_errors_exit_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("pgm-lite query: error: ")
    assert message in err
