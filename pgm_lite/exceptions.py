"""The exceptions pgm_lite raises; each mixes in the builtin a caller would expect to catch."""

from __future__ import annotations

__all__ = [
    "PGMError",
    "StructureError",
    "ShapeError",
    "VariableNotFoundError",
    "ZeroEvidenceError",
    "ParseError",
    "MemoryLimitError",
    "RenderError",
    "DotNotFoundError",
    "OptionError",
    "ArgumentTypeError",
    "MissingFileError",
    "NumericRangeError",
    "MissingDependencyError",
    "PerformanceWarning",
]


class PGMError(Exception):
    """Base class of every error pgm_lite raises on purpose."""


class StructureError(PGMError, ValueError):
    """The graph is not what the operation needs: a cycle, a self-loop, a scope that is not a clique."""


class ShapeError(PGMError, ValueError):
    """A table has the wrong shape, negative entries, or rows that do not sum to one."""


class VariableNotFoundError(PGMError, KeyError):
    """An unknown variable or state; the message lists the valid choices.

    Examples
    --------
    >>> str(VariableNotFoundError("unknown variable 'x'; choose from ['a', 'b']"))
    "unknown variable 'x'; choose from ['a', 'b']"
    """

    def __str__(self) -> str:
        # KeyError would show repr(message) with extra quotes.
        return str(self.args[0]) if self.args else ""


class ZeroEvidenceError(PGMError, ValueError):
    """The evidence has probability zero under the model, so no posterior exists."""


class ParseError(PGMError, ValueError):
    """A file or statement could not be read: where, what was found, what was expected.

    Parameters
    ----------
    message : str
        What was found and what was expected.
    file, line, column : optional
        Location of the problem (1-based line and column).

    Examples
    --------
    >>> str(ParseError("expected '{'", file="asia.bif", line=3, column=14))
    "asia.bif:3:14: expected '{'"
    """

    def __init__(
        self,
        message: str,
        *,
        file: object = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.column = column
        if self.file is None and line is None:
            where = "" if column is None else f"column {column}"
        else:
            where = ":".join(str(p) for p in (self.file, line, column) if p is not None)
        super().__init__(f"{where}: {message}" if where else message)


class MemoryLimitError(PGMError, MemoryError):
    """The plan would allocate more memory than allowed; the message says how much and what to do."""


class RenderError(PGMError, ValueError):
    """A drawing option is invalid (unknown layout, unknown file format, bad highlight...)."""


class DotNotFoundError(PGMError, RuntimeError):
    """Graphviz's ``dot`` program is missing, so a picture cannot be rendered (DOT text still works)."""


class OptionError(PGMError, ValueError):
    """An argument has a value outside its valid choices or range; the message lists them."""


class ArgumentTypeError(PGMError, TypeError):
    """An argument has the wrong type; the message names the argument and the expected type."""


class MissingFileError(PGMError, FileNotFoundError):
    """A network or data file does not exist (``except FileNotFoundError`` catches it too).

    Examples
    --------
    >>> err = MissingFileError(2, "No such file or directory", "nope.bif")
    >>> isinstance(err, FileNotFoundError), err.filename
    (True, 'nope.bif')
    """


class NumericRangeError(PGMError, OverflowError):
    """A number is outside float64 (e.g. a partition function of 10**500); ask for its log instead."""


class MissingDependencyError(PGMError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class PerformanceWarning(UserWarning):
    """An explicit choice (e.g. ``compile_query(strategy=...)``) is estimated to be much slower than another.

    A warning, not an error: the answer is the same. The message names the estimates and the
    faster choice. Silence it with ``warnings.filterwarnings("ignore", category=PerformanceWarning)``.
    """
