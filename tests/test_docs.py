"""The documentation site: its code runs, and its API reference covers every public name.

The site itself is built by ``make docs`` (``sphinx -W``, part of ``make test``); these tests keep
the guide pages honest without a Sphinx build.
"""

from __future__ import annotations

import importlib.util
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
