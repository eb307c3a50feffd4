"""The documentation site: its code runs, and its API reference covers every public name.

The site itself is built by ``make docs`` (``sphinx -W``, part of ``make test``); these tests keep
the guide pages honest without a Sphinx build.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

import pgm_lite as pl

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted([*DOCS.glob("*.md"), *DOCS.glob("guide/*.md"), *DOCS.glob("coming_from/*.md")])
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(page: Path) -> list[str]:
    return PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))


def _conf():
    spec = importlib.util.spec_from_file_location("pgm_lite_docs_conf", DOCS / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_guide_page_has_runnable_code():
    without = [p.name for p in PAGES if not _blocks(p) and p.name != "ARCHITECTURE.md"]
    assert without == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_code_blocks_run(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)            # pages may write files
    namespace: dict[str, object] = {}
    for k, code in enumerate(_blocks(page)):
        exec(compile(code, f"{page.name}[block {k}]", "exec"), namespace)  # noqa: S102


def test_api_reference_lists_every_public_name():
    page = _conf()._api_page()
    listed = re.findall(r"^   (\w+)$", page, flags=re.MULTILINE)
    assert sorted(listed) == sorted(n for n in pl.__all__ if not n.startswith("__"))
    assert len(listed) == len(set(listed))


def test_toctree_names_every_page():
    index = (DOCS / "index.rst").read_text(encoding="utf-8")
    for page in PAGES:
        name = str(page.relative_to(DOCS).with_suffix(""))
        if name != "ARCHITECTURE":
            assert f"   {name}\n" in index, name


def test_every_public_name_has_an_api_section():
    conf = _conf()
    unsorted = [n for n in pl.__all__ if not n.startswith("__") and conf.api_section(n) == "Other"]
    assert unsorted == []          # a new module needs a line in SECTIONS (docs/conf.py)
    for name in pl.__all__:
        assert getattr(pl, name) is not None, name


def test_every_notebook_is_in_the_site(tmp_path, monkeypatch):
    conf = _conf()
    monkeypatch.setattr(conf, "GENERATED", tmp_path)
    stale = tmp_path / "notebooks" / "00_removed.ipynb"
    stale.parent.mkdir()
    stale.write_text("{}")
    page = conf._notebook_pages()
    stored = sorted(p.name for p in (DOCS.parent / "notebooks").glob("*.ipynb"))
    assert stored and sorted(p.name for p in (tmp_path / "notebooks").glob("*.ipynb")) == stored
    assert "   :glob:\n\n   notebooks/*\n" in page       # new notebooks appear without an edit
    copy = tmp_path / "notebooks" / stored[0]
    before = copy.stat().st_mtime_ns
    conf._notebook_pages()                                  # unchanged copies are left alone
    assert copy.stat().st_mtime_ns == before


@pytest.mark.parametrize("notebook", sorted((DOCS.parent / "notebooks").glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_notebooks_have_a_title_for_the_toctree(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"]) if cells else ""
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# "), notebook.name


def test_notebooks_are_executed_by_the_build():
    conf = _conf()
    assert conf.nb_execution_mode == "cache" and conf.nb_execution_raise_on_error
    assert Path(conf.nb_execution_cache_path).parent == DOCS / "_build" / ".jupyter_cache"


def test_the_execution_cache_follows_the_package_sources(tmp_path, monkeypatch):
    conf = _conf()
    (tmp_path / "pgm_lite").mkdir()
    source = tmp_path / "pgm_lite" / "module.py"
    source.write_text("x = 1\n")
    monkeypatch.setattr(conf, "ROOT", tmp_path)
    monkeypatch.setattr(conf, "HERE", tmp_path / "docs")
    first = conf._cache_path()
    assert conf._cache_path() == first                    # same sources: same cache
    source.write_text("x = 2\n")
    second = conf._cache_path()
    assert second != first and Path(second).parent == Path(first).parent


def test_old_execution_caches_are_pruned_but_the_newest_kept(tmp_path):
    import os

    conf = _conf()
    caches = tmp_path / ".jupyter_cache"
    for age, name in enumerate(["current", "newer", "older", "oldest"]):
        (caches / name).mkdir(parents=True)
        os.utime(caches / name, (1e9 - age, 1e9 - age))
    os.utime(caches / "current", (1.0, 1.0))                 # the current one is never removed
    conf._prune_caches(str(caches / "current"))
    assert sorted(p.name for p in caches.iterdir()) == ["current", "newer", "older"][:conf.KEEP_CACHES]
    conf._prune_caches(str(caches / "missing" / "x"))       # no cache folder yet: nothing to do
