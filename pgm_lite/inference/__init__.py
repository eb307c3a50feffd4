"""Exact inference: variable elimination, junction tree, compiled batched queries, MAP, explanations.

Every entry point validates its input once, prunes the model to what the query needs, and runs a
cached plan of ``np.einsum`` steps on integer-coded tables (see DESIGN.md).
"""

from .compiled import BatchPosterior, CompiledQuery, compile_query, log_probability
from .engine import VariableElimination
from .explain import ExplainStep, Explanation, explain_query
from .junction_tree import JunctionTree, marginals
from .map import MAPResult, map_query
from .variable_elimination import model_partition_function, probability, query

__all__ = [
    "query", "probability", "log_probability", "VariableElimination", "marginals", "JunctionTree",
    "map_query", "MAPResult", "compile_query", "CompiledQuery", "BatchPosterior", "explain_query",
    "Explanation", "ExplainStep", "model_partition_function",
]
