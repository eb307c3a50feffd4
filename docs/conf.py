"""Sphinx configuration for the pgm_lite documentation (``make docs``).

Sphinx + numpydoc because the docstrings are numpydoc and already run as doctests; autosummary over
``pgm_lite.__all__`` so every exported name gets a page without anyone editing the docs; myst-nb
renders the lecture notebooks as stored (never executed here: ``make test`` executes them with
nbmake). Pages generated at build time (API index, notebook copies, gallery) go to ``_generated/``.
No network access: intersphinx is off.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import pgm_lite  # noqa: E402

project = "pgm_lite"
author = "the pgm_lite developers"
copyright = "2026, the pgm_lite developers"
release = version = pgm_lite.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "ARCHITECTURE.md", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
html_theme = "furo"
html_title = f"pgm_lite {release}"

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"          # numpydoc sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

nb_execution_mode = "off"           # notebooks are executed by `make test` (nbmake), not here
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# -- pages generated at build time ---------------------------------------------------------------

GENERATED = HERE / "_generated"

SECTIONS = {  # first package component below pgm_lite -> API section (unknown ones go to "Other")
    "exceptions": "Errors",
    "factor": "Factors and CPDs",
    "cpd": "Factors and CPDs",
    "bayesian_network": "Models",
    "markov_network": "Models",
    "independence": "Independencies and graphs",
    "graphs": "Independencies and graphs",
    "parameters": "Counting parameters",
    "io": "File formats and examples",
    "examples": "File formats and examples",
    "elimination": "Exact inference",
    "inference": "Exact inference",
    "sampling": "Sampling and approximate inference",
    "learning": "Learning",
    "prediction": "Prediction and scikit-learn",
    "classifier": "Prediction and scikit-learn",
    "distributed": "Prediction and scikit-learn",
    "render": "Rendering",
    "explore": "Rendering",
    "progress": "Other",
}


def _api_page() -> str:
    """The API index: one autosummary table per section, over every name in ``__all__``."""
    groups: dict[str, list[str]] = {}
    for name in pgm_lite.__all__:
        if name.startswith("__"):
            continue
        module = getattr(getattr(pgm_lite, name), "__module__", None) or "pgm_lite"
        part = module.split(".")[1] if module.count(".") else ""
        groups.setdefault(SECTIONS.get(part, "Other"), []).append(name)
    order = list(dict.fromkeys([*SECTIONS.values(), "Other"]))
    lines = ["API reference", "=============", "",
             "Every public name, as ``pl.NAME`` after ``import pgm_lite as pl``.", "",
             ".. currentmodule:: pgm_lite", ""]
    for title in order:
        if title not in groups:
            continue
        lines += [title, "-" * len(title), "", ".. autosummary::", "   :toctree: api", "",
                  *[f"   {name}" for name in groups[title]], ""]
    return "\n".join(lines)


def _gallery_page() -> str:
    """Run examples/render_gallery.py into _generated/gallery (PNGs it wrote, else SVG -> page)."""
    out = GENERATED / "gallery"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    script = ROOT / "examples" / "render_gallery.py"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, str(script), str(out)], check=True, cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL)
    pictures = sorted(out.glob("*.png")) or sorted(out.glob("*.svg"))
    lines = ["Picture gallery", "===============", "",
             "Every kind of picture pgm_lite draws, made by ``examples/render_gallery.py`` "
             "(run it yourself: ``python examples/render_gallery.py OUT_DIR``).", ""]
    for path in pictures:
        title = path.stem.replace("_", " ")
        lines += [title, "-" * len(title), "", f".. image:: gallery/{path.name}",
                  f"   :alt: {title}", "   :width: 600px", ""]
    return "\n".join(lines)


def _notebook_pages() -> str:
    """Copy the lecture notebooks next to the docs; return their toctree."""
    out = GENERATED / "notebooks"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    names = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy(nb, out / nb.name)
        names.append(f"notebooks/{nb.stem}")
    return "\n".join(["Lecture notebooks", "=================", "",
                      "The notebooks of ``notebooks/`` as stored in the repository (``make test`` "
                      "executes them; run them yourself with Jupyter to see every output).", "",
                      ".. toctree::", "   :maxdepth: 1", "", *[f"   {n}" for n in names], ""])


def _architecture_toc() -> str:
    """A toctree entry for docs/ARCHITECTURE.md when it exists."""
    if not (HERE / "ARCHITECTURE.md").exists():
        return ""
    exclude_patterns.remove("ARCHITECTURE.md")
    return ".. toctree::\n   :caption: Developers\n   :maxdepth: 1\n\n   /ARCHITECTURE\n"


def _write(name: str, text: str) -> None:
    path = GENERATED / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:   # unchanged files keep Sphinx's cache valid
        path.write_text(text)


def _generate(app: object, config: object) -> None:
    GENERATED.mkdir(exist_ok=True)
    _write("api.rst", _api_page())
    _write("notebooks.rst", _notebook_pages())
    _write("gallery.rst", _gallery_page())


# decided at configuration time: exclude_patterns must be final before Sphinx reads sources
GENERATED.mkdir(exist_ok=True)
_write("architecture_toc.rst", _architecture_toc())


def setup(app):  # type: ignore[no-untyped-def]
    # before Sphinx lists the source files (and autosummary reads the API page)
    app.connect("config-inited", _generate)
