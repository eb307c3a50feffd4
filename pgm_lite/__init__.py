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
    MissingDependencyError,
    MissingFileError,
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
    ParentChoice,
    active_trail_nodes,
    closure,
    derivation,
    implies,
    independencies_hold,
    is_d_separated,
    is_separated,
    markov_blanket,
    parse_independence,
)
from .parameters import count_parameters, parameter_table

_CORE = [
    "PGMError", "StructureError", "ShapeError", "VariableNotFoundError", "ZeroEvidenceError",
    "ParseError", "MemoryLimitError", "RenderError", "DotNotFoundError", "OptionError",
    "ArgumentTypeError", "MissingFileError", "MissingDependencyError", "DiscreteFactor", "TabularCPD",
    "BayesianNetwork",
    "MarkovNetwork", "Independence", "parse_independence", "is_d_separated", "active_trail_nodes",
    "markov_blanket", "independencies_hold", "count_parameters", "parameter_table",
    # independence reasoning (issue 13)
    "ParentChoice", "closure", "implies", "derivation", "is_separated",
]

# -- io --
from .io import (
    from_pgmpy,
    read,
    read_bif,
    read_dsl,
    read_fg,
    read_net,
    read_uai,
    read_uai_evidence,
    read_xdsl,
    read_xmlbif,
    to_pgmpy,
    write,
    write_bif,
    write_fg,
    write_net,
    write_uai,
    write_xdsl,
    write_xmlbif,
)
from .examples import example, list_examples

_IO = ["read", "read_bif", "write_bif", "read_xmlbif", "write_xmlbif", "read_uai", "write_uai",
       "from_pgmpy", "to_pgmpy", "example", "list_examples", "write", "read_net", "write_net",
       "read_xdsl", "write_xdsl", "read_dsl", "read_fg", "write_fg", "read_uai_evidence"]

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
from .inference import MAPResult, log_partition_function
from .exceptions import NumericRangeError

register_engine("partition_function", _model_partition_function)
register_engine("log_partition_function", log_partition_function)

_INFERENCE = [
    "query", "VariableElimination", "marginals", "JunctionTree", "map_query", "probability",
    "log_probability", "compile_query", "explain_query", "elimination_order", "induced_width",
    "log_partition_function", "MAPResult", "NumericRangeError",
]

# -- approximate inference by message passing --
from .inference import LoopyBPResult, Marginals, MeanFieldResult, loopy_belief_propagation, mean_field

_MESSAGE_PASSING = ["loopy_belief_propagation", "LoopyBPResult", "mean_field", "MeanFieldResult", "Marginals"]

# -- sampling --
from .sampling import approximate_query, gibbs_sample, sample

_SAMPLING = ["sample", "gibbs_sample", "approximate_query"]

# -- learning --
from .learning import align_states, fit, fit_em, log_likelihood

_LEARNING = ["fit", "fit_em", "log_likelihood", "align_states"]

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

# -- structure learning and equivalence classes --
from .equivalence import CPDAG, StructureComparison, compare_structures, cpdag, structural_hamming_distance
from .learning import learn_structure, score
from .render import render_structure_diff

_STRUCTURE = ["learn_structure", "score", "cpdag", "CPDAG", "StructureComparison",
              "structural_hamming_distance", "compare_structures", "render_structure_diff"]

# -- explore -- (the web stack and notebook widget are imported only when used)
from .explore import explore

_EXPLORE = ["explore"]

# -- prediction -- (pgm_lite.distributed registers the Dask paths; it imports no Dask itself)
from . import distributed as _distributed  # noqa: F401
from .classifier import BayesianNetworkClassifier
from .prediction import predict

_PREDICTION = ["predict", "BayesianNetworkClassifier"]

__all__ = ["__version__", *_CORE, *_IO, *_INFERENCE, *_MESSAGE_PASSING, *_SAMPLING, *_LEARNING, *_RENDER,
           *_STRUCTURE, *_EXPLORE, *_PREDICTION]
