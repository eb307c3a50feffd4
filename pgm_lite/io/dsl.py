"""GeNIe's older DSL text format: reader with located errors.

``net NAME { node X { TYPE = CPT; PARENTS = (A, B); DEFINITION = { NAMESTATES = (s0, s1);
PROBABILITIES = (...); }; SCREEN = { POSITION = { CENTER_X = ..; CENTER_Y = ..; }; }; }; };``
Probabilities follow GeNIe's order: parents as listed (the last fastest), the node's states
innermost, i.e. ``table.ravel()`` with axes ``(*parents, child)``.
"""

from __future__ import annotations

from typing import Any

from ..bayesian_network import BayesianNetwork
from ._assemble import ATOL
from ._lexer import NetworkLexer
from ._source import Source, read_text

__all__ = ["read_dsl", "parse_dsl"]

#: A block: upper-cased key -> (value, token index); a value is a word, a list of words with
#: their indices, or a nested block.
Block = dict[str, tuple[Any, int]]


class _DslParser(NetworkLexer):
    """Recursive descent over GeNIe's DSL text: ``net NAME { node X { ... }; ... };``."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, name, "{}()=;,", r"//[^\n]*", block_comments=True)

    def parse(self, atol: float) -> BayesianNetwork:
        if not self.n:
            raise self.error(0, "found an empty file, expected a GeNIe DSL network ('net NAME { ... };')")
        self.take("net")
        self.word("the network name")
        self.take("{")
        while self.peek() != "}":
            if self.peek() is None:
                raise self.expected(self.i, "'node', a network attribute or '}'")
            if self.peek() == "node":
                self.node()
            else:
                self.entry({})
        self.i += 1
        if self.peek() == ";":
            self.i += 1
        if self.i < self.n:
            raise self.expected(self.i, "end of file after the network")
        return self.network(atol, "node")

    def entry(self, into: Block) -> None:
        """Parse ``KEY = value;`` where value is a word, ``( ... )`` or ``{ ... }``."""
        key = self.word("an attribute name, 'node' or '}'").upper()
        self.take("=")
        at = self.i
        tok = self.peek()
        value: Any
        if tok == "{":
            value = self.block()
        elif tok == "(":
            value = self.atoms(f"a value of {key}", commas=True)
        else:
            value = self.word(f"the value of {key}")
        self.take(";")
        into[key] = (value, at)

    def block(self) -> Block:
        self.take("{")
        found: Block = {}
        while self.peek() != "}":
            if self.peek() is None:
                raise self.expected(self.i, "an attribute or '}'")
            if self.peek() == "node":  # per-node sections such as OBSERVATION_COST: skipped
                self.i += 1
                self.word("a node name")
                self.block()
                if self.peek() == ";":
                    self.i += 1
                continue
            self.entry(found)
        self.i += 1
        return found

    def node(self) -> None:
        at = self.i = self.i + 1
        name = self.word("a node name")
        if name in self.variables:
            raise self.error(at, f"found node {name!r} declared a second time, expected a new name")
        attrs = self.block()
        if self.peek() == ";":
            self.i += 1
        kind = attrs.get("TYPE", ("CPT", at))
        if kind[0] != "CPT":
            raise self.error(kind[1], f"found node {name!r} of TYPE {kind[0]}, expected TYPE = CPT "
                                      "(other node kinds are not Bayesian-network tables)")
        definition = attrs.get("DEFINITION")
        if definition is None or not isinstance(definition[0], dict):
            raise self.error(at, f"found node {name!r} without DEFINITION = {{ ... }}, expected its states and table")
        body: Block = definition[0]
        states = self.words(body, "NAMESTATES", name, definition[1])
        for j, s in enumerate(states[0]):
            if s in states[0][:j]:
                raise self.error(states[1][j], f"found state {s!r} of {name!r} a second time, expected distinct states")
        table = self.words(body, "PROBABILITIES", name, definition[1])
        parents = attrs["PARENTS"][0] if "PARENTS" in attrs else ([], [])
        if not isinstance(parents, tuple):
            raise self.error(attrs["PARENTS"][1], f"found PARENTS = {parents!r} in {name!r}, expected '(A, B, ...)'")
        self.variables[name] = (tuple(states[0]), at)
        values = self.floats(*table, f"a probability of {name!r}")
        self.blocks[name] = (parents[0], parents[1], body["PROBABILITIES"][1], values)
        self.position(name, attrs)

    def words(self, body: Block, key: str, node: str, at: int) -> tuple[list[str], list[int]]:
        if key not in body or not isinstance(body[key][0], tuple):
            raise self.error(body[key][1] if key in body else at,
                             f"found no {key} = ( ... ) in the DEFINITION of {node!r}, expected one")
        words, index = body[key][0]
        if not words:
            raise self.error(body[key][1], f"found an empty {key} list in {node!r}, expected at least one entry")
        return words, index

    def position(self, name: str, attrs: Block) -> None:
        screen = attrs.get("SCREEN", ({}, 0))[0]
        where = screen.get("POSITION", ({}, 0))[0] if isinstance(screen, dict) else {}
        if isinstance(where, dict) and "CENTER_X" in where and "CENTER_Y" in where:
            (x, xi), (y, yi) = where["CENTER_X"], where["CENTER_Y"]
            cx, cy = self.floats([x, y], [xi, yi], "a coordinate")
            self.positions[name] = (cx, -cy)


def parse_dsl(text: str, name: str = "<string>", *, atol: float = ATOL) -> BayesianNetwork:
    """Parse GeNIe DSL text (a ``str``); see :func:`read_dsl`."""
    return _DslParser(text, name).parse(atol)


def read_dsl(path_or_file: Source, *, atol: float = ATOL) -> BayesianNetwork:
    """Read a Bayesian network in GeNIe's DSL text format (``TYPE = CPT`` nodes).

    Attributes other than ``TYPE``, ``PARENTS``, ``DEFINITION`` and the node's screen position
    (``SCREEN = { POSITION = { CENTER_X; CENTER_Y } }``, kept with y pointing up) are skipped.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.dsl`` file (gzip-compressed files are detected from their content).
    atol : float, optional
        How far a table row may sum from one (default 0.01; numbers are kept as written).

    Returns
    -------
    BayesianNetwork
        Nodes in file order; tables with axes ``(*PARENTS in order, node)``.

    Raises
    ------
    ParseError
        ``file:line:column``: truncated files, unbalanced parentheses or braces, other node
        types, unknown parents, tables of the wrong size, rows not summing to one, cycles.

    Examples
    --------
    >>> import io
    >>> bn = pl.read_dsl(io.StringIO('''net demo {
    ...   node rain { TYPE = CPT; HEADER = { ID = rain; NAME = "Rain"; };
    ...     PARENTS = (); DEFINITION = { NAMESTATES = (no, yes); PROBABILITIES = (0.8, 0.2); }; };
    ...   node wet { TYPE = CPT; PARENTS = (rain);
    ...     DEFINITION = { NAMESTATES = (dry, wet); PROBABILITIES = (0.9, 0.1, 0.2, 0.8); }; };
    ... };'''))
    >>> bn.parents("wet"), bn.cpd("wet").table.tolist()
    (['rain'], [[0.9, 0.1], [0.2, 0.8]])
    """
    text, name = read_text(path_or_file)
    return parse_dsl(text, name, atol=atol)
