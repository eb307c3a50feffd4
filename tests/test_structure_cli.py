"""`pgm-lite learn` and the structure-diff picture."""

import pytest

import pgm_lite as pl
from pgm_lite.cli import main


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("learn") / "asia.csv"
    pl.sample(pl.example("asia"), 2000, rng=3).to_csv(path, index=False)
    return path


def test_learn_writes_a_fitted_bif_and_a_picture(csv_file, tmp_path, capsys):
    out, picture = tmp_path / "learned.bif", tmp_path / "learned.svg"
    assert main(["learn", str(csv_file), "--method", "hill_climb", "--score", "bic",
                 "-o", str(out), "--render", str(picture)]) == 0
    learned = pl.read_bif(out)
    assert learned.is_fully_specified() and sorted(learned.variables) == sorted(pl.example("asia").variables)
    assert picture.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "learned" in capsys.readouterr().err
    import pandas as pd

    data = pd.read_csv(csv_file, dtype="category")
    direct = pl.learn_structure(data)
    assert set(learned.edges) == set(direct.edges)


@pytest.mark.parametrize("extra", [["--method", "pc"], ["--method", "chow_liu", "--root", "smoke"],
                                   ["--method", "tan", "--class-variable", "dysp"], ["--method", "tabu"]])
def test_learn_every_method(csv_file, tmp_path, extra):
    out = tmp_path / "net.bif"
    assert main(["learn", str(csv_file), *extra, "-o", str(out)]) == 0
    assert pl.read_bif(out).is_fully_specified()


@pytest.mark.parametrize("args, message", [
    (["--method", "hillclimb"], "unknown structure learning method 'hillclimb'; choose from"),
    (["--score", "bics"], "unknown score 'bics'"),
    (["--method", "tan"], "needs class_variable"),
    (["--render", "x.gif"], "cannot tell the picture format"),
])
def test_learn_errors_are_one_line(csv_file, tmp_path, capsys, args, message):
    assert main(["learn", str(csv_file), "-o", str(tmp_path / "n.bif"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("pgm-lite learn: error:")


def test_learn_bad_output_and_missing_file(csv_file, tmp_path, capsys):
    assert main(["learn", str(csv_file), "-o", str(tmp_path / "n.csv")]) == 2
    assert "written as .bif" in capsys.readouterr().err
    assert main(["learn", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "n.bif")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_render_structure_diff_styles():
    true = pl.BayesianNetwork([("A", "B"), ("B", "C"), ("C", "D")])
    learned = pl.BayesianNetwork([("B", "A"), ("C", "D"), ("A", "D")], variables="ABCD")
    source = pl.render_structure_diff(true, learned).source
    assert "C -> D\n" in source or "C -> D \n" in source or "\tC -> D\n" in source
    assert 'B -> C [color=grey55 style=dashed]' in source
    assert 'A -> D [color="#d62728" constraint=false penwidth=2]' in source
    assert 'A -> B [color="#ff7f0e" dir=back penwidth=2]' in source
    assert "SHD 3" in source
    assert "SHD" not in pl.render_structure_diff(true, learned, legend=False).source
    cp = pl.render_structure_diff(true, pl.cpdag(learned))
    assert "dir=none" in cp.source
    with pytest.raises(pl.StructureError, match="different variables"):
        pl.render_structure_diff(true, pl.BayesianNetwork([("A", "B")]))
