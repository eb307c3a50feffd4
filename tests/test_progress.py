"""The progress helper: silent unless asked or on a terminal; tqdm when installed, else one stderr line."""

import sys

import pgm_lite as pl
from pgm_lite.progress import progress_bar


def _no_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


class _Terminal:
    """A stderr that says it is a terminal and keeps what is written to it."""

    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def _run(progress, steps=3):
    with progress_bar(steps, desc="work", progress=progress) as bar:
        for _ in range(steps):
            bar.update()
        bar.note("score=1")
    return bar


def test_silent_by_default_off_a_terminal_and_when_disabled(capsys):
    _run(None)
    _run(False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_plain_line_without_tqdm(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    bar = _run(True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith("\rwork: 3/3 (100%) score=1\n")
    assert bar.count == 3


def test_plain_line_with_a_unit_even_with_tqdm(capsys):
    import tqdm  # noqa: F401  (installed, but plain=True draws the plain line)

    with progress_bar(None, desc="reading", progress=True, unit="rows", plain=True) as bar:
        bar.update(1500)
    assert capsys.readouterr().err.endswith("\rreading: 1,500 rows\n")
    with progress_bar(4, desc="steps", progress=True, plain=True) as bar:
        bar.update(1)
    assert capsys.readouterr().err.endswith("\rsteps: 1/4 (25%)\n")


def test_tqdm_when_installed(capsys):
    import tqdm  # noqa: F401  (the dev extra installs it)

    _run(True)
    captured = capsys.readouterr()
    assert captured.out == "" and "work" in captured.err


def test_terminal_detection(capsys, monkeypatch):
    _no_tqdm(monkeypatch)
    fake = _Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    _run(None)
    assert "work: 3/3" in fake.text


def test_structure_search_reports_progress_only_when_asked(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    data = pl.sample(pl.example("asia"), 500, rng=0)
    pl.learn_structure(data)
    assert capsys.readouterr().err == ""
    pl.learn_structure(data, progress=True)
    assert "hill climbing:" in capsys.readouterr().err
    pl.learn_structure(data, "pc", progress=True)
    assert "PC tests:" in capsys.readouterr().err


# -- the pgm-lite commands on large inputs --------------------------------------------------------

def test_cli_sample_progress_only_for_a_big_n_on_a_terminal(tmp_path, monkeypatch):
    from pgm_lite import tuning
    from pgm_lite.cli import main

    monkeypatch.setattr(tuning, "SAMPLE_CHUNK", 100)      # "big" means more rows than one chunk
    fake = _Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    out = tmp_path / "rows.csv"
    assert main(["sample", "asia", "-n", "250", "--seed", "0", "-o", str(out)]) == 0
    assert fake.text.endswith("\rsampling: 250/250 rows (100%)\n")
    assert len(out.read_text().splitlines()) == 251        # the rows are all written, once
    fake.text = ""
    assert main(["sample", "asia", "-n", "50", "--seed", "0", "-o", str(out)]) == 0
    assert fake.text == ""                                 # one chunk: no progress line
    assert main(["sample", "asia", "-n", "250", "--seed", "0", "-o", str(out), "--no-progress"]) == 0
    assert fake.text == ""


def test_cli_sample_progress_when_asked_and_silent_otherwise(tmp_path, capsys):
    from pgm_lite.cli import main

    out = tmp_path / "rows.csv"
    assert main(["sample", "asia", "-n", "300", "--seed", "0", "-o", str(out)]) == 0
    assert capsys.readouterr().err == ""                   # tests' stderr is no terminal
    assert main(["sample", "asia", "-n", "30", "--seed", "0", "-o", str(out), "--progress"]) == 0
    assert capsys.readouterr().err.endswith("\rsampling: 30/30 rows (100%)\n")


def test_cli_learn_and_fit_pass_progress_on(tmp_path, monkeypatch, capsys):
    from pgm_lite.cli import main

    _no_tqdm(monkeypatch)
    data = pl.sample(pl.example("asia"), 400, rng=0)
    complete = tmp_path / "complete.csv"
    data.to_csv(complete, index=False)
    holes = data.astype(object)
    holes.loc[::4, "lung"] = None
    missing = tmp_path / "missing.csv"
    holes.to_csv(missing, index=False)
    learned = str(tmp_path / "learned.bif")
    assert main(["learn", str(complete), "-o", learned]) == 0
    assert "hill climbing:" not in capsys.readouterr().err
    assert main(["learn", str(complete), "-o", learned, "--progress"]) == 0
    assert "hill climbing:" in capsys.readouterr().err
    fitted = str(tmp_path / "fitted.bif")
    assert main(["fit", "asia", str(missing), "-o", fitted, "--max-iter", "3"]) == 0
    assert "EM:" not in capsys.readouterr().err.split("fitted")[0]
    assert main(["fit", "asia", str(missing), "-o", fitted, "--max-iter", "3", "--progress"]) == 0
    assert capsys.readouterr().err.startswith("\rEM:")
