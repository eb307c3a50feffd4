"""pgm_lite: discrete probabilistic graphical models for people who learn, teach and use them.

Define a Bayesian network or Markov random field in a few lines (or derive its structure from the
independencies you declare), count its parameters, query exact marginals, sample, learn its tables
from data and draw it with Graphviz.
"""

__version__ = "0.1.0"

# -- core --
from .exceptions import (
    ArgumentTypeError,
    DotNotFoundError,
    MemoryLimitError,
    OptionError,
    ParseError,
    PGMError,
    RenderError,
    ShapeError,
    StructureError,
    VariableNotFoundError,
    ZeroEvidenceError,
)
from .factor import DiscreteFactor
from .cpd import TabularCPD
from .bayesian_network import BayesianNetwork
from .markov_network import MarkovNetwork
from .independence import (
    Independence,
    active_trail_nodes,
    independencies_hold,
    is_d_separated,
    markov_blanket,
    parse_independence,
)
from .parameters import count_parameters, parameter_table

_CORE = [
    "PGMError", "StructureError", "ShapeError", "VariableNotFoundError", "ZeroEvidenceError",
    "ParseError", "MemoryLimitError", "RenderError", "DotNotFoundError", "OptionError",
    "ArgumentTypeError", "DiscreteFactor", "TabularCPD", "BayesianNetwork",
    "MarkovNetwork", "Independence", "parse_independence", "is_d_separated", "active_trail_nodes",
    "markov_blanket", "independencies_hold", "count_parameters", "parameter_table",
]

# -- io --
from .io import (
    from_pgmpy,
    read,
    read_bif,
    read_uai,
    read_xmlbif,
    to_pgmpy,
    write_bif,
    write_uai,
    write_xmlbif,
)
from .examples import example, list_examples

_IO = ["read", "read_bif", "write_bif", "read_xmlbif", "write_xmlbif", "read_uai", "write_uai",
       "from_pgmpy", "to_pgmpy", "example", "list_examples"]

# -- inference --
from .elimination import elimination_order, induced_width
from ._model import register_engine
from .inference import (
    JunctionTree,
    VariableElimination,
    compile_query,
    explain_query,
    log_probability,
    map_query,
    marginals,
    probability,
    query,
)
from .inference import model_partition_function as _model_partition_function

register_engine("partition_function", _model_partition_function)

_INFERENCE = [
    "query", "VariableElimination", "marginals", "JunctionTree", "map_query", "probability",
    "log_probability", "compile_query", "explain_query", "elimination_order", "induced_width",
]

# -- sampling --
from .sampling import approximate_query, gibbs_sample, sample

_SAMPLING = ["sample", "gibbs_sample", "approximate_query"]

# -- learning --
from .learning import fit, fit_em, log_likelihood

_LEARNING = ["fit", "fit_em", "log_likelihood"]

# -- render --
from .render import (
    render,
    render_elimination,
    render_factor,
    render_factor_graph,
    render_junction_tree,
    render_moral_graph,
)

_RENDER = [
    "render", "render_factor", "render_factor_graph", "render_moral_graph",
    "render_junction_tree", "render_elimination",
]

__all__ = ["__version__", *_CORE, *_IO, *_INFERENCE, *_SAMPLING, *_LEARNING, *_RENDER]
