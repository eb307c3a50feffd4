"""Every script in examples/ runs (in a subprocess, in a temporary directory) and says what it did."""

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def run(script, *args, cwd):
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_every_example_is_tested():
    tested = {"quickstart.py", "lecture_parameter_counts.py", "query_bnlearn_network.py",
              "render_gallery.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_quickstart_writes_its_picture_where_told(tmp_path):
    out = run("quickstart.py", tmp_path / "pictures", cwd=tmp_path)
    assert "P(Cloudy) P(Sprinkler | Cloudy) P(Rain | Cloudy) P(WetGrass | Sprinkler, Rain)" in out
    assert "network 9" in out and "joint 15" in out
    assert "0.7079" in out          # P(Rain = T | WetGrass = T), the textbook answer
    svg = (tmp_path / "pictures" / "sprinkler.svg").read_text()
    assert "<svg" in svg and "WetGrass" in svg


def test_quickstart_default_output_folder(tmp_path):
    run("quickstart.py", cwd=tmp_path)
    assert (tmp_path / "quickstart_output" / "sprinkler.svg").exists()


def test_lecture_parameter_counts(tmp_path):
    out = run("lecture_parameter_counts.py", cwd=tmp_path)
    assert "Markov chain         1567" in out and "fully independent    784" in out
    assert "30  1073741823           30  1073741823            59" in out


@pytest.mark.parametrize("net", [None, "asia"])
def test_query_bnlearn_network(tmp_path, net):
    out = run("query_bnlearn_network.py", *([net] if net else []), cwd=tmp_path)
    assert ("HYPOVOLEMIA" if net is None else "asia") in out
    assert "likelihood weighting" in out and "moves these marginals most" in out


def test_render_gallery_writes_every_kind_of_picture(tmp_path):
    out = run("render_gallery.py", tmp_path, cwd=tmp_path)
    files = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert len(out.splitlines()) == len(files)
    for kind in ["asia.svg", "asia_evidence", "asia_marginals", "asia_cpds", "asia_markov_blanket",
                 "asia_active_trail", "factor_graph", "moral_graph", "junction_tree",
                 "asia_elimination_1.svg", "factor_lung", "grid_markov_network", "pixels_28x28_plate"]:
        assert any(kind in f for f in files), kind
    assert all((tmp_path / f).read_text().lstrip().startswith("<?xml") for f in files)
