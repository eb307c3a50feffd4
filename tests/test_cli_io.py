"""`pgm-lite info` and `pgm-lite count`, run in-process through pgm_lite.cli.main."""

import json
import pathlib
import re

import networkx as nx
import pytest
from networkx.algorithms.approximation import treewidth_min_fill_in

import pgm_lite as pl
from pgm_lite.cli import main

DATA = pathlib.Path(__file__).parent / "data"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_json_describes_an_example(capsys):
    code, out, err = run(capsys, "info", "asia", "--json")
    assert code == 0 and err == ""
    info = json.loads(out)
    bn = pl.example("asia")
    assert info["format"] == "example" and info["kind"] == "BayesianNetwork"
    assert info["variables"] == bn.variables
    assert info["states"] == {v: list(bn.states(v)) for v in bn.variables}
    assert info["edges"] == [list(e) for e in bn.edges]
    assert info["parents"]["either"] == ["lung", "tub"]
    assert info["parameters"] == pl.count_parameters(bn)
    assert info["treewidth"] == 2


@pytest.mark.parametrize("suffix,writer,fmt", [(".bif.gz", None, "bif"), (".xml", pl.write_xmlbif, "xmlbif"),
                                               (".uai", pl.write_uai, "uai")])
def test_info_reads_every_format(capsys, tmp_path, suffix, writer, fmt):
    bn = pl.read_bif(DATA / "alarm.bif.gz")
    path = DATA / "alarm.bif.gz"
    if writer is not None:
        path = tmp_path / f"alarm{suffix}"
        writer(bn, path)
    code, out, _ = run(capsys, "info", str(path), "--json")
    info = json.loads(out)
    assert code == 0 and info["format"] == fmt and len(info["variables"]) == 37
    width, _ = treewidth_min_fill_in(nx.moral_graph(bn.graph))
    assert info["treewidth"] == width
    assert info["parameters"] == pl.count_parameters(bn)


def test_info_on_a_markov_network(capsys, tmp_path, ising4):
    path = tmp_path / "grid.uai"
    pl.write_uai(ising4, path)
    code, out, _ = run(capsys, "info", str(path), "--json")
    info = json.loads(out)
    assert info["kind"] == "MarkovNetwork" and info["treewidth"] == 2 and "parents" not in info
    assert info["parameters"] == pl.count_parameters(pl.read(path))
    code, out, _ = run(capsys, "info", str(path))
    assert code == 0 and "treewidth (min-fill estimate on the graph): 2" in out


def test_info_text(capsys):
    code, out, _ = run(capsys, "info", "student")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "student: BayesianNetwork (example)"
    assert "variables: 5" in lines and "edges: 4" in lines
    assert "treewidth (min-fill estimate on the moral graph): 2" in lines
    assert lines[4] == "parameters: joint 47, independent 6, chain rule 47, network 15"
    assert lines[6].split() == ["variable", "states", "parents"]
    assert lines[9].split() == ["Grade", "g1,", "g2,", "g3", "Intelligence,", "Difficulty"]
    assert lines[7].split() == ["Difficulty", "d0,", "d1", "-"]


def test_count_json_is_exactly_count_parameters(capsys):
    code, out, _ = run(capsys, "count", str(DATA / "munin.bif.gz"), "--json")
    assert code == 0
    counts = json.loads(out)
    assert counts == pl.count_parameters(pl.read_bif(DATA / "munin.bif.gz"))
    assert counts["network"] == 80592 and counts["joint"] > 10**500


def test_count_text(capsys):
    code, out, _ = run(capsys, "count", "sprinkler")
    assert code == 0
    assert out.splitlines() == ["joint: 15", "independent: 4", "chain_rule: 15", "network: 9"]


@pytest.mark.parametrize("argv,message", [
    (["info", "asai"], r"unknown example 'asai'; did you mean 'asia'\?"),
    (["info", "net.txt"], r"cannot tell the format of 'net\.txt' from its extension; supported: \['\.bif'"),
    (["count", "missing.bif"], r"missing\.bif: No such file or directory"),
    (["count", "BROKEN"], r"broken\.bif:2:\d+: found"),
])
def test_user_errors_exit_2_with_one_line(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.bif").write_text("variable A { type discrete [ 2 ] { a, b }; }\nprobability ( A ) { table 0.5 ")
    argv = [a.replace("BROKEN", "broken.bif") for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"pgm-lite {argv[0]}: error: ")
    assert re.search(message, err)
