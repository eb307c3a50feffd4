"""Exact inference: variable elimination, junction tree, compiled batched queries, MAP, explanations.

Every entry point validates its input once, prunes the model to what the query needs, and runs a
cached plan of ``np.einsum`` steps on integer-coded tables (see DESIGN.md).
"""

from .approximate import Marginals, marginals
from .compiled import BatchPosterior, CompiledQuery, compile_query, log_probability
from .engine import VariableElimination
from .explain import ExplainStep, Explanation, explain_query
from .junction_tree import JunctionTree
from .loopy import LoopyBPResult, loopy_belief_propagation
from .map import MAPResult, map_query
from .mean_field import MeanFieldResult, mean_field
from .variable_elimination import (
    log_partition_function,
    model_partition_function,
    probability,
    query,
)

__all__ = [
    "query", "probability", "log_probability", "VariableElimination", "marginals", "JunctionTree",
    "map_query", "MAPResult", "compile_query", "CompiledQuery", "BatchPosterior", "explain_query",
    "Explanation", "ExplainStep", "model_partition_function", "log_partition_function",
    "loopy_belief_propagation", "LoopyBPResult", "mean_field", "MeanFieldResult",
    "Marginals",
]
