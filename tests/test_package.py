"""Packaging promises: a light import, an explicit public surface, a working console script."""

import ast
import importlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pgm_lite as pl
from pgm_lite._model import engine, register_engine
from pgm_lite.exceptions import ArgumentTypeError, StructureError

INIT = Path(pl.__file__)
# what `import pgm_lite` must not load: the layers above the models and their heavy dependencies
LAZY_MODULES = ("pgm_lite.io", "pgm_lite.examples", "pgm_lite.render", "pgm_lite.explore", "pgm_lite.inference",
                "pgm_lite.sampling", "pgm_lite.learning", "pgm_lite.independence", "pgm_lite.parameters",
                "pgm_lite.elimination", "pgm_lite.equivalence", "pgm_lite.prediction", "pgm_lite.classifier",
                "pgm_lite.distributed", "pgm_lite.cli", "graphviz", "xml", "webbrowser", "numpy.random",
                "http", "urllib.request", "importlib.metadata")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Run code in a new interpreter and return the JSON it prints last.

    The interpreters share a private bytecode cache (as an installed package has), so each one
    compiles nothing twice even where the shell sets PYTHONDONTWRITEBYTECODE.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))

    def run(code: str) -> object:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.splitlines()[-1])

    return run


def test_import_is_light_and_never_runs_dot():
    code = (
        "import sys, json, subprocess\n"
        "calls = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, args, *a, **k):\n"
        "    calls.append(str(args))\n"
        "    return real(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "import pgm_lite\n"
        "heavy = [m for m in ('pandas', 'pgmpy', 'scipy', 'matplotlib', 'torch', 'pyagrum')"
        " if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'calls': calls}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report == {"heavy": [], "calls": []}


def test_all_names_exist_and_are_unique():
    assert len(pl.__all__) == len(set(pl.__all__))
    for name in pl.__all__:
        assert hasattr(pl, name), name
    assert pl.__version__.count(".") == 2


def test_all_is_a_literal_list_of_the_core_and_lazy_sections():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(pl))
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)]
    literal = ast.literal_eval(node.value)  # other tools read __all__ without importing the package
    assert literal == list(pl.__all__)
    sections = ["__version__", *pl._CORE, *pl._LAZY]
    assert sorted(literal) == sorted(sections) and len(set(literal)) == len(literal)


def test_contract_names_are_public():
    for name in ["BayesianNetwork", "MarkovNetwork", "DiscreteFactor", "TabularCPD", "count_parameters",
                 "parse_independence", "is_d_separated", "PGMError", "ParseError", "MemoryLimitError"]:
        assert name in pl.__all__


def test_console_script_help(capsys):
    from pgm_lite.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "usage: pgm-lite" in capsys.readouterr().out


def test_import_loads_no_layer_above_the_models(fresh):
    code = ("import sys, json, numpy, networkx\n"
            "before = set(sys.modules)\n"
            "import pgm_lite\n"
            f"lazy = {LAZY_MODULES!r}\n"
            "new = sorted(set(sys.modules) - before)\n"
            "print(json.dumps([sorted(m for m in new if m in lazy or m.startswith(tuple(x + '.' for x in lazy))),"
            " 'pgm_lite.bayesian_network' in new]))\n")
    assert fresh(code) == [[], True]


def test_every_exported_name_resolves_in_a_fresh_interpreter(fresh):
    code = ("import json, pgm_lite as pl\n"
            "bad = [n for n in pl.__all__ if getattr(pl, n, None) is None]\n"
            "ns = {}\n"
            "exec('from pgm_lite import ' + ', '.join(pl.__all__), ns)\n"
            "bad += [n for n in pl.__all__ if ns[n] is not getattr(pl, n)]\n"
            "bad += [n for n in pl.__all__ if n not in dir(pl)]\n"
            "print(json.dumps(bad))\n")
    assert fresh(code) == []


def _init_imports(type_checking: bool) -> dict[str, str]:
    """``{name: module}`` of the package-relative imports of ``pgm_lite/__init__.py``: those run at
    import (``type_checking=False``) or those under ``if TYPE_CHECKING:``."""
    found = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        guarded = isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for statement in (node.body if guarded else [node]):
            if guarded == type_checking and isinstance(statement, ast.ImportFrom) and statement.level == 1:
                found.update({alias.name: f"pgm_lite.{statement.module}" for alias in statement.names})
    return found


def _type_checking_imports() -> dict[str, str]:
    return _init_imports(type_checking=True)


def test_lazy_names_match_the_imports_type_checkers_see():
    imports = _type_checking_imports()
    eager = set(_init_imports(type_checking=False)) & set(pl.__all__)
    assert len(imports) > 60 and "BayesianNetwork" in eager and not eager & set(imports)
    assert sorted(imports) == sorted(set(pl.__all__) - eager - {"__version__"})  # every lazy name, once
    for name, module in imports.items():
        assert getattr(pl, name) is getattr(importlib.import_module(module), name), name


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'pgm_lite' has no attribute 'no_such_name'"):
        pl.no_such_name  # noqa: B018
    assert not hasattr(pl, "query_all")


RENDER_ORDERS = {
    "submodule first": "import pgm_lite.render._views\nimport pgm_lite as pl\n",
    "from-import of the subpackage first": "from pgm_lite.render import render_factor_graph\nimport pgm_lite as pl\n",
    "subpackage first": "import pgm_lite.render\nimport pgm_lite as pl\n",
    "function first, then the subpackage": ("import pgm_lite as pl\nfrom pgm_lite import render\n"
                                             "import pgm_lite.render._common\n"),
    "explore (imports render) first": "import pgm_lite.explore._app\nimport pgm_lite as pl\n",
    "explore function first": "import pgm_lite as pl\npl.explore\nimport pgm_lite.explore._session\n",
}


@pytest.mark.parametrize("order", sorted(RENDER_ORDERS))
def test_render_and_explore_stay_functions_after_any_import_order(order, fresh):
    code = RENDER_ORDERS[order] + (
        "import json, sys, types\n"
        "bn = pl.BayesianNetwork([('A', 'B')])\n"
        "picture = pl.render(bn, evidence={'A': '1'})\n"
        "import pgm_lite.explore\n"
        "print(json.dumps([type(picture).__name__, isinstance(pl.render, types.FunctionType),"
        " pl.render is sys.modules['pgm_lite.render'].render,"
        " pl.explore is sys.modules['pgm_lite.explore'].explore,"
        " sys.modules['pgm_lite.render'].__name__]))\n")
    assert fresh(code) == ["Digraph", True, True, True, "pgm_lite.render"]


def test_model_convenience_methods_import_their_engine_on_first_use(fresh):
    code = ("import json, sys\n"
            "import pgm_lite as pl\n"
            "mn = pl.MarkovNetwork([('A', 'B')], factors=[pl.DiscreteFactor(['A', 'B'], [[1, 2], [3, 4]])])\n"
            "before = [m in sys.modules for m in ('pgm_lite.inference', 'pgm_lite.equivalence')]\n"
            "z = mn.partition_function()\n"
            "log_z = mn.log_partition_function()\n"
            "cpdag = pl.BayesianNetwork([('A', 'B')]).equivalence_class()\n"
            "after = [m in sys.modules for m in ('pgm_lite.inference', 'pgm_lite.equivalence')]\n"
            "print(json.dumps([before, after, z, log_z, type(cpdag).__name__]))\n")
    before, after, z, log_z, kind = fresh(code)
    assert before == [False, False] and after == [True, True]
    assert z == pytest.approx(10.0) and log_z == pytest.approx(math.log(10.0))
    assert kind == "CPDAG"


def test_engine_registry_resolves_module_attribute_strings_once():
    register_engine("test_package:join", "os.path:join")
    first = engine("test_package:join")
    assert first is importlib.import_module("os.path").join
    assert engine("test_package:join") is first
    with pytest.raises(ArgumentTypeError, match="engine 'x' must be a function or 'module:attribute', got 'os.path:'"):
        register_engine("x", "os.path:")
    with pytest.raises(StructureError, match="no engine 'test_package:missing' is registered"):
        engine("test_package:missing")


def test_dask_engines_are_registered_lazily():
    for function in ("predict", "compiled_query", "fit", "log_likelihood", "sample"):
        assert callable(engine(f"dask:{function}"))
    assert engine("dask:fit") is importlib.import_module("pgm_lite.distributed").dask_fit


DASK_ENGINES = {"predict": "dask_predict", "compiled_query": "dask_query", "fit": "dask_fit",
                "log_likelihood": "dask_log_likelihood", "sample": "dask_sample"}


@pytest.mark.parametrize("function", sorted(DASK_ENGINES))
def test_each_dask_engine_resolves_when_it_is_the_first_one_used(function, fresh):
    # each registered "module:attribute" string must name a real function by itself: once any
    # one of them imports pgm_lite.distributed, that module registers all of them as functions
    code = ("import json\nimport pgm_lite as pl\nfrom pgm_lite._model import engine\n"
            f"found = engine('dask:{function}')\n"
            "import pgm_lite.distributed as d\n"
            "print(json.dumps([found.__name__, found is getattr(d, found.__name__)]))\n")
    assert fresh(code) == [DASK_ENGINES[function], True]


# one exported name per lazily loaded package module (render/explore: the import-order tests above),
# then modules a user or a console script may import first
FIRST_USES = {module: name for name, module in reversed(list(_type_checking_imports().items()))
              if module.count(".") == 1 and module not in ("pgm_lite.render", "pgm_lite.explore")}
FIRST_USES.update({module: "" for module in ("pgm_lite.cli", "pgm_lite.distributed")})


@pytest.mark.parametrize("module", sorted(FIRST_USES))
def test_each_layer_can_be_the_first_one_used(module, fresh):
    # a fresh interpreter uses this layer (one of its exported names, or the module itself) before any
    # other: no import cycle may hide behind the order in which layers are first used
    name = FIRST_USES[module]
    first = f"import pgm_lite as pl\npl.{name}\n" if name else f"import {module}\nimport pgm_lite as pl\n"
    code = first + f"import json, sys\nprint(json.dumps([{module!r} in sys.modules, callable(pl.sample)]))\n"
    assert fresh(code) == [True, True]
