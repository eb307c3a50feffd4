"""pgm_lite: discrete probabilistic graphical models for people who learn, teach and use them.

Define a Bayesian network or Markov random field in a few lines (or derive its structure from the
independencies you declare), count its parameters, query exact marginals, sample, learn its tables
from data and draw it with Graphviz.

``import pgm_lite`` loads only the core (exceptions, factors, CPDs and the two model classes). Every
other exported name is listed in a section below with the module that defines it, and that module is
imported the first time the name is used (PEP 562 ``__getattr__``): ``pl.read_bif``, ``pl.query``,
``pl.render``, ... cost nothing until they are called for.
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module (relative to this package) that defines it; filled by _lazy() section by section.
# To export a name: add it to its section's _lazy({...}) table and to the section's TYPE_CHECKING
# import (what type checkers and IDEs read); tests/test_package.py checks that both agree.
_LAZY: dict[str, str] = {}


def _lazy(modules: dict[str, list[str]]) -> list[str]:
    """Record that each name of ``modules[module]`` is loaded from ``module`` on first use."""
    names = []
    for module, exported in modules.items():
        _LAZY.update(dict.fromkeys(exported, module))
        names += exported
    return names


# -- core -- (imported eagerly: everything else builds on it)
from ._dask import dask_engine_name
from ._model import register_engine
from .bayesian_network import BayesianNetwork
from .cpd import TabularCPD
from .exceptions import (ArgumentTypeError, DotNotFoundError, MemoryLimitError, MissingDependencyError,
                         MissingFileError, NumericRangeError, OptionError, ParseError, PerformanceWarning,
                         PGMError, RenderError,
                         ShapeError, StructureError, VariableNotFoundError, ZeroEvidenceError)
from .factor import DiscreteFactor
from .markov_network import MarkovNetwork

_CORE = [
    "PGMError", "StructureError", "ShapeError", "VariableNotFoundError", "ZeroEvidenceError",
    "ParseError", "MemoryLimitError", "RenderError", "DotNotFoundError", "OptionError",
    "ArgumentTypeError", "MissingFileError", "MissingDependencyError", "NumericRangeError",
    "PerformanceWarning",
    "DiscreteFactor", "TabularCPD", "BayesianNetwork", "MarkovNetwork",
]

# -- independence reasoning and parameter counts (issue 13) --
if TYPE_CHECKING:
    from .independence import (Independence, ParentChoice, active_trail_nodes, closure, derivation, implies,
                               independencies_hold, is_d_separated, is_separated, markov_blanket,
                               parse_independence)
    from .parameters import count_parameters, parameter_table

_INDEPENDENCE = _lazy({
    ".independence": ["Independence", "parse_independence", "is_d_separated", "active_trail_nodes",
                      "markov_blanket", "independencies_hold", "ParentChoice", "closure", "implies",
                      "derivation", "is_separated"],
    ".parameters": ["count_parameters", "parameter_table"],
})

# -- io --
if TYPE_CHECKING:
    from .examples import example, list_examples
    from .io import (from_pgmpy, read, read_bif, read_dsl, read_fg, read_net, read_uai, read_uai_evidence,
                     read_xdsl, read_xmlbif, to_pgmpy, write, write_bif, write_fg, write_net, write_uai,
                     write_xdsl, write_xmlbif)

_IO = _lazy({
    ".io": ["read", "read_bif", "write_bif", "read_xmlbif", "write_xmlbif", "read_uai", "write_uai",
            "from_pgmpy", "to_pgmpy", "write", "read_net", "write_net", "read_xdsl", "write_xdsl",
            "read_dsl", "read_fg", "write_fg", "read_uai_evidence"],
    ".examples": ["example", "list_examples"],
})

# -- inference --
if TYPE_CHECKING:
    from .elimination import elimination_order, induced_width
    from .inference import (JunctionTree, MAPResult, VariableElimination, compile_query, explain_query,
                            log_partition_function, log_probability, map_query, marginals, probability, query)

_INFERENCE = _lazy({
    ".inference": ["query", "VariableElimination", "marginals", "JunctionTree", "map_query", "probability",
                   "log_probability", "compile_query", "explain_query", "log_partition_function",
                   "MAPResult"],
    ".elimination": ["elimination_order", "induced_width"],
})

# -- approximate inference by message passing --
if TYPE_CHECKING:
    from .inference import LoopyBPResult, Marginals, MeanFieldResult, loopy_belief_propagation
    from .inference.mean_field import mean_field  # mypy: the subpackage also has a submodule of that name

_MESSAGE_PASSING = _lazy({
    ".inference": ["loopy_belief_propagation", "LoopyBPResult", "mean_field", "MeanFieldResult", "Marginals"],
})

# -- sampling --
if TYPE_CHECKING:
    from .sampling import approximate_query, gibbs_sample, sample

_SAMPLING = _lazy({".sampling": ["sample", "gibbs_sample", "approximate_query"]})

# -- learning --
if TYPE_CHECKING:
    from .learning import align_states, fit_em, log_likelihood
    from .learning.fit import fit  # mypy: the subpackage also has a submodule of that name

_LEARNING = _lazy({".learning": ["fit", "fit_em", "log_likelihood", "align_states"]})

# -- render --
if TYPE_CHECKING:
    from .render import (render, render_elimination, render_factor, render_factor_graph, render_junction_tree,
                         render_moral_graph)

_RENDER = _lazy({
    ".render": ["render", "render_factor", "render_factor_graph", "render_moral_graph",
                "render_junction_tree", "render_elimination"],
})

# -- structure learning and equivalence classes --
if TYPE_CHECKING:
    from .equivalence import CPDAG, StructureComparison, compare_structures, cpdag, structural_hamming_distance
    from .learning import learn_structure, score
    from .render import render_structure_diff

_STRUCTURE = _lazy({
    ".learning": ["learn_structure", "score"],
    ".equivalence": ["cpdag", "CPDAG", "StructureComparison", "structural_hamming_distance",
                     "compare_structures"],
    ".render": ["render_structure_diff"],
})

# -- explore -- (the web stack and notebook widget are imported only when used)
if TYPE_CHECKING:
    from .explore import explore

_EXPLORE = _lazy({".explore": ["explore"]})

# -- prediction --
if TYPE_CHECKING:
    from .classifier import BayesianNetworkClassifier
    from .prediction import predict

_PREDICTION = _lazy({".prediction": ["predict"], ".classifier": ["BayesianNetworkClassifier"]})

# the literal list of every public name (tests/test_package.py checks it equals the sections above)
__all__ = ["__version__", "PGMError", "StructureError", "ShapeError", "VariableNotFoundError",
           "ZeroEvidenceError", "ParseError", "MemoryLimitError", "RenderError", "DotNotFoundError",
           "OptionError", "ArgumentTypeError", "MissingFileError", "MissingDependencyError",
           "NumericRangeError", "PerformanceWarning", "DiscreteFactor", "TabularCPD", "BayesianNetwork",
           "MarkovNetwork", "Independence", "parse_independence", "is_d_separated",
           "active_trail_nodes", "markov_blanket", "independencies_hold", "ParentChoice", "closure",
           "implies", "derivation", "is_separated", "count_parameters", "parameter_table", "read",
           "read_bif", "write_bif", "read_xmlbif", "write_xmlbif", "read_uai", "write_uai",
           "from_pgmpy", "to_pgmpy", "write", "read_net", "write_net", "read_xdsl", "write_xdsl",
           "read_dsl", "read_fg", "write_fg", "read_uai_evidence", "example", "list_examples", "query",
           "VariableElimination", "marginals", "JunctionTree", "map_query", "probability",
           "log_probability", "compile_query", "explain_query", "log_partition_function", "MAPResult",
           "elimination_order", "induced_width", "loopy_belief_propagation", "LoopyBPResult",
           "mean_field", "MeanFieldResult", "Marginals", "sample", "gibbs_sample", "approximate_query",
           "fit", "fit_em", "log_likelihood", "align_states", "render", "render_factor",
           "render_factor_graph", "render_moral_graph", "render_junction_tree", "render_elimination",
           "learn_structure", "score", "cpdag", "CPDAG", "StructureComparison",
           "structural_hamming_distance", "compare_structures", "render_structure_diff", "explore",
           "predict", "BayesianNetworkClassifier"]

# -- engines behind the models' convenience methods ("module:attribute", imported on the first call) --
register_engine("partition_function", "pgm_lite.inference:model_partition_function")
register_engine("log_partition_function", "pgm_lite.inference:log_partition_function")
register_engine("equivalence_class", "pgm_lite.equivalence:cpdag")
# the Dask paths of predict / compiled queries / fit / log_likelihood / sample (no Dask imported)
for _name, _function in (("predict", "dask_predict"), ("compiled_query", "dask_query"), ("fit", "dask_fit"),
                         ("log_likelihood", "dask_log_likelihood"), ("sample", "dask_sample")):
    register_engine(dask_engine_name(_name), f"pgm_lite.distributed:{_function}")
del _name, _function


def __getattr__(name: str) -> Any:
    """Import the module behind an exported name on first use (PEP 562) and keep the result."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the loaded and the not yet loaded exported names alike."""
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package's module type: importing the subpackage ``render`` (or ``explore``) never hides
    the function ``pl.render`` (``pl.explore``) of the same name.

    The import system binds a freshly imported submodule on its parent (``pgm_lite.render =
    <module>``) whatever the import order; this keeps the exported function in that slot instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == f".{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
