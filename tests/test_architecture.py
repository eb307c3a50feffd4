"""The package's layering, checked with ``ast`` (see docs/ARCHITECTURE.md).

* the import graph, counting imports inside functions except the allowed kinds (``_repr_*``
  methods, ``to_*``/``from_*`` converters, optional third-party dependencies), has no cycle;
* the model layer reaches no engine, io, render or cli module;
* no ``_private`` name is imported from a public module, and no module imports a module above
  its own layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1] / "pgm_lite"

# Lower number = lower layer. Every module of the package must be listed by its first matching prefix.
LAYERS = [
    ("pgm_lite.exceptions", 0),
    ("pgm_lite._validate", 0),
    ("pgm_lite._states", 0),
    ("pgm_lite._typing", 0),
    ("pgm_lite._dask", 0),
    ("pgm_lite._data", 0),
    ("pgm_lite.tuning", 0),
    ("pgm_lite.factor", 0),
    ("pgm_lite.cpd", 0),
    ("pgm_lite._model", 1),
    ("pgm_lite.bayesian_network", 1),
    ("pgm_lite.markov_network", 1),
    ("pgm_lite.graphs", 1),  # plain-networkx algorithms the models' convenience methods call
    ("pgm_lite.semigraphoid", 1),  # closure / implication on plain triples of names
    ("pgm_lite.independence", 2),
    ("pgm_lite.elimination", 2),
    ("pgm_lite._min_fill", 2),  # the bitmask min-fill behind elimination.min_fill_ids
    ("pgm_lite.bandwidth", 2),  # whole-graph elimination orders (reverse Cuthill-McKee, "auto")
    ("pgm_lite.parameters", 2),
    ("pgm_lite.equivalence", 2),
    ("pgm_lite.prediction", 3),
    ("pgm_lite.distributed", 3),
    ("pgm_lite.classifier", 3),
    ("pgm_lite.progress", 0),
    ("pgm_lite.coding", 3),
    ("pgm_lite.inference", 3),
    ("pgm_lite.sampling", 3),
    ("pgm_lite.learning", 3),
    ("pgm_lite.testing", 3),
    ("pgm_lite.io", 4),
    ("pgm_lite.examples", 4),
    ("pgm_lite.render", 5),
    ("pgm_lite.explore", 6),
    ("pgm_lite.cli", 7),
]
MODEL_LAYER = {"pgm_lite.factor", "pgm_lite.cpd", "pgm_lite.bayesian_network", "pgm_lite.markov_network"}
FORBIDDEN_FOR_MODELS = ("pgm_lite.inference", "pgm_lite.sampling", "pgm_lite.learning", "pgm_lite.io",
                        "pgm_lite.render", "pgm_lite.cli", "pgm_lite.explore")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> int:
    if module == "pgm_lite":
        return 99
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise AssertionError(f"module {module} is not assigned a layer in tests/test_architecture.py")


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _allowed_function(name: str) -> bool:
    return name.startswith(("_repr_", "to_", "from_", "_to_", "_from_"))


class _Imports(ast.NodeVisitor):
    """Collect (target module, imported names, lineno, allowed-local) for one module."""

    def __init__(self, module: str, package: bool) -> None:
        self.module = module
        self.package = package
        self.stack: list[str] = []
        self.found: list[tuple[str, list[str], int, bool]] = []

    def _resolve(self, node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ""
        base = self.module.split(".")
        if not self.package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def _allowed(self) -> bool:
        return any(_allowed_function(name) for name in self.stack)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802
        for alias in node.names:
            self.found.append((alias.name, [], node.lineno, self._allowed()))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        target = self._resolve(node)
        names = [a.name for a in node.names]
        self.found.append((target, names, node.lineno, self._allowed()))

    def visit_If(self, node: ast.If) -> None:  # noqa: N802
        # `if TYPE_CHECKING:` blocks are not imports at run time
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)


def _scan():
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        visitor = _Imports(name, _is_package(path))
        visitor.visit(tree)
        modules[name] = (path, visitor.found)
    return modules


MODULES = _scan()


def _internal_target(target: str, names: list[str]) -> list[str]:
    """The package modules an import statement loads (a `from pkg import mod` loads pkg.mod)."""
    if not (target == "pgm_lite" or target.startswith("pgm_lite.")):
        return []
    out = []
    plain = not names
    for name in names:
        sub = f"{target}.{name}"
        if sub in MODULES:
            out.append(sub)
        else:
            plain = True
    if plain and target in MODULES:
        out.append(target)
    if not out:
        raise AssertionError(f"import of unknown package module {target}")
    return out


def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for module, (_, found) in MODULES.items():
        g.add_node(module)
        for target, names, _, allowed in found:
            if allowed:
                continue
            for dest in _internal_target(target, names):
                if dest != module:
                    g.add_edge(module, dest)
    return g


def _parents(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


def test_import_graph_has_no_cycle():
    g = _graph()
    # a package's __init__ re-exporting its own submodules is not a cycle of the architecture
    h = nx.DiGraph((a, b) for a, b in g.edges if a not in _parents(b))
    cycles = list(nx.simple_cycles(h))
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_no_module_imports_from_a_higher_layer():
    bad = []
    for module, (_, found) in MODULES.items():
        if module == "pgm_lite":
            continue
        for target, names, line, allowed in found:
            if allowed:
                continue
            for dest in _internal_target(target, names):
                if dest in _parents(module):
                    continue
                if _layer(dest) > _layer(module):
                    bad.append(f"{module}:{line} imports {dest}")
    assert bad == []


def test_model_layer_reaches_no_engine():
    g = _graph()
    reach = set()
    for module in MODEL_LAYER:
        reach |= nx.descendants(g, module)
    bad = sorted(m for m in reach if m.startswith(FORBIDDEN_FOR_MODELS))
    assert bad == []


def test_no_private_name_from_a_public_module():
    bad = []
    for module, (_, found) in MODULES.items():
        for target, names, line, _ in found:
            if not target.startswith("pgm_lite"):
                continue
            last = target.split(".")[-1]
            if last.startswith("_"):
                continue
            for name in names:
                sub = f"{target}.{name}"
                if name.startswith("_") and sub not in MODULES and name != "__version__":
                    bad.append(f"{module}:{line} imports {name} from {target}")
    assert bad == []


def test_no_private_module_of_a_dependency_is_imported():
    # public APIs only (issue 10): e.g. numpy's np.einsum, never numpy._core.multiarray.c_einsum
    bad = []
    for module, (path, _) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                if not name.startswith(("pgm_lite", "__")) and any(p.startswith("_") for p in name.split(".")):
                    bad.append(f"{module}:{node.lineno} imports {name}")
    assert bad == []


def test_function_level_imports_are_of_allowed_kinds():
    bad = []
    for module, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if _allowed_function(node.name):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level > 0 or (inner.module or "").startswith("pgm_lite")):
                    bad.append(f"{module}:{inner.lineno} in {node.name}()")
    assert bad == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_size(module):
    path = MODULES[module][0]
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, f"{module} is over 600 lines"
