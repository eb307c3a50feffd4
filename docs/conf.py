"""Sphinx configuration for the pgm_lite documentation (``make docs``).

Sphinx + numpydoc because the docstrings are numpydoc and already run as doctests; autosummary over
``pgm_lite.__all__`` so every exported name gets a page without anyone editing the docs; myst-nb
executes every ``notebooks/*.ipynb`` at build time (the stored files carry no outputs) so the pages
show them, caching the results with jupyter-cache under ``_build/.jupyter_cache/<fingerprint of the
pgm_lite sources>``: an unchanged notebook on unchanged code is not run again, and any change to
the package runs them all afresh (the newest few caches are kept). A failing cell fails the build. Pages generated at build time
(API index, notebook copies, gallery) go to ``_generated/``. No network access: intersphinx is off.
"""

from __future__ import annotations

import hashlib
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

# -- the lecture notebooks: executed here, cached per version of the package's sources -------------


def _source_fingerprint() -> str:
    """Return a short hash of every file of the pgm_lite package (code and shipped networks)."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "pgm_lite").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_path() -> str:
    """Return the jupyter-cache directory of the current package sources."""
    return str(HERE / "_build" / ".jupyter_cache" / _source_fingerprint())


KEEP_CACHES = 3  # the current one and the two newest others (a build may be running on them)


def _prune_caches(current: str) -> None:
    """Remove all but the ``KEEP_CACHES`` newest cache directories (never ``current``).

    Run by a Sphinx build only (not when the configuration is merely imported), and it keeps a
    few recent ones: another build that started on slightly older sources may still be using its
    cache, and deleting it under it breaks that build.
    """
    caches = pathlib.Path(current).parent
    if not caches.is_dir():
        return
    others = sorted((d for d in caches.iterdir() if d.is_dir() and str(d) != current),
                    key=lambda d: (d.stat().st_mtime, d.name), reverse=True)
    for old in others[KEEP_CACHES - 1:]:
        shutil.rmtree(old, ignore_errors=True)


nb_execution_mode = "cache"         # run each notebook once per (notebook, package sources)
nb_execution_cache_path = _cache_path()
nb_execution_timeout = 600          # seconds per cell
nb_execution_raise_on_error = True  # a failing cell fails `make docs`
nb_execution_show_tb = True         # ... and the log shows its traceback
nb_execution_in_temp = True         # files a notebook writes land in a temporary directory
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]  # $...$ in the notebooks
myst_heading_anchors = 3

# -- pages generated at build time ---------------------------------------------------------------

GENERATED = HERE / "_generated"

SECTIONS = {  # module below pgm_lite (two components, else the first) -> API section; else "Other"
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
    "inference.loopy": "Approximate inference",
    "inference.mean_field": "Approximate inference",
    "inference.approximate": "Approximate inference",
    "sampling": "Sampling",
    "learning": "Learning",
    "learning.structure": "Structure learning",
    "learning.scores": "Structure learning",
    "learning.pc": "Structure learning",
    "equivalence": "Structure learning",
    "prediction": "Prediction and scikit-learn",
    "classifier": "Prediction and scikit-learn",
    "distributed": "Prediction and scikit-learn",
    "render": "Rendering",
    "explore": "Rendering",
    "progress": "Other",
}


def api_section(name: str) -> str:
    """Return the API-reference section of ``pgm_lite.<name>``, from its defining module."""
    module = getattr(getattr(pgm_lite, name), "__module__", None) or "pgm_lite"
    parts = module.split(".")[1:]
    return SECTIONS.get(".".join(parts[:2]), SECTIONS.get(parts[0] if parts else "", "Other"))


def _api_page() -> str:
    """Return the API index: one autosummary table per section, over every name in ``__all__``."""
    groups: dict[str, list[str]] = {}
    for name in pgm_lite.__all__:
        if name.startswith("__"):
            continue
        groups.setdefault(api_section(name), []).append(name)
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


def notebook_sources() -> list[pathlib.Path]:
    """Every lecture notebook, ``notebooks/*.ipynb`` in name order (new ones appear by themselves)."""
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def _notebook_pages() -> str:
    """Mirror the lecture notebooks next to the docs (changed files only); return their toctree."""
    out = GENERATED / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    sources = notebook_sources()
    for stale in sorted(set(out.glob("*.ipynb")) - {out / nb.name for nb in sources}):
        stale.unlink()
    for nb in sources:
        if not (out / nb.name).exists() or (out / nb.name).read_bytes() != nb.read_bytes():
            shutil.copy(nb, out / nb.name)     # unchanged copies keep Sphinx's cache valid
    return "\n".join(["Lecture notebooks", "=================", "",
                      "The notebooks of ``notebooks/``, executed when this site was built, with "
                      "their outputs (download one from the repository and run it in Jupyter to "
                      "change it).", "",
                      ".. toctree::", "   :maxdepth: 1", "   :glob:", "", "   notebooks/*", ""])


def _architecture_toc() -> str:
    """Return a toctree entry for docs/ARCHITECTURE.md when it exists."""
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
    _prune_caches(nb_execution_cache_path)
    GENERATED.mkdir(exist_ok=True)
    _write("api.rst", _api_page())
    _write("notebooks.rst", _notebook_pages())
    _write("gallery.rst", _gallery_page())


# decided at configuration time: exclude_patterns must be final before Sphinx reads sources
GENERATED.mkdir(exist_ok=True)
_write("architecture_toc.rst", _architecture_toc())


def setup(app):  # type: ignore[no-untyped-def]
    """Generate the API, notebook and gallery pages when the configuration is read."""
    # before Sphinx lists the source files (and autosummary reads the API page)
    app.connect("config-inited", _generate)
