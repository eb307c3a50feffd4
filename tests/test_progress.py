"""The progress helper: silent unless asked or on a terminal; tqdm when installed, else one stderr line."""

import sys

import pgm_lite as pl
from pgm_lite.progress import progress_bar


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
    assert captured.err.endswith("\rwork: 3/3 score=1\n")
    assert bar.count == 3


def test_tqdm_when_installed(capsys):
    import tqdm  # noqa: F401  (the dev extra installs it)

    _run(True)
    captured = capsys.readouterr()
    assert captured.out == "" and "work" in captured.err


def test_terminal_detection(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)

    class Terminal:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    fake = Terminal()
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
