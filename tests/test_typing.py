"""The public API is fully annotated (issue 10): every public function and method in a public
module carries a return annotation and annotations on all its parameters."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "pgm_lite"


def _public_modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        yield path


def _missing(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    args = fn.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if method and params and params[0].arg in ("self", "cls"):
        params = params[1:]
    out = [a.arg for a in params if a.annotation is None]
    for extra in (args.vararg, args.kwarg):
        if extra is not None and extra.annotation is None:
            out.append("*" + extra.arg)
    if fn.returns is None and fn.name != "__init__":
        out.append("return")
    return out


def _unannotated():
    bad = []
    for path in _public_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                if miss := _missing(node, False):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {miss}")
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        not item.name.startswith("_") or item.name in ("__init__", "__call__")
                    ):
                        if miss := _missing(item, True):
                            bad.append(f"{path.relative_to(ROOT)}:{item.lineno} {node.name}.{item.name}: {miss}")
    return bad


def test_public_api_is_fully_annotated():
    bad = _unannotated()
    assert bad == [], "\n".join(bad)


def test_package_ships_py_typed():
    assert (ROOT / "py.typed").exists()
