"""The exceptions pgm_lite raises; each mixes in the builtin a caller would expect to catch."""

__all__ = [
    "PGMError",
    "StructureError",
    "ShapeError",
    "VariableNotFoundError",
    "ZeroEvidenceError",
    "ParseError",
    "MemoryLimitError",
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

    def __str__(self):
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

    def __init__(self, message, *, file=None, line=None, column=None):
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
