"""Hugin NET (the class-free format of Hugin, SamIam and the bnlearn repository): reader and writer.

A file is a ``net { ... }`` header, ``node X { states = ("a" "b"); position = (x y); ... }``
declarations and ``potential (X | P1 P2) { data = ((..) (..)); }`` tables, with ``%`` comments.
The nested parentheses of ``data`` follow the parents in the order written, the child's states
innermost, which is exactly ``table.ravel()`` with axes ``(*parents, child)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..exceptions import OptionError
from ._assemble import ATOL, require_bayesian
from ._lexer import NetworkLexer
from ._source import Source, open_text_for_writing, read_text

__all__ = ["read_net", "write_net", "parse_net"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OTHER_KINDS = ("continuous", "decision", "utility", "function")

#: attribute -> (value: a word or a list of words, token index of the value, indices of the atoms)
Attributes = dict[str, tuple[str | list[str], int, list[int]]]


class _NetParser(NetworkLexer):
    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, name, "{}()=;|", r"%[^\n]*")

    def parse(self, atol: float) -> BayesianNetwork:
        if self.n == 0:
            raise self.error(0, "found an empty file, expected a Hugin NET network")
        while self.i < self.n:
            tok = self.toks[self.i]
            if tok == "net":
                self.i += 1
                self.attributes("the network")
            elif tok in ("node", "discrete"):
                self.node()
            elif tok == "potential":
                self.potential()
            elif tok == "class":
                raise self.error(self.i, "found 'class', an object-oriented (OOBN) Hugin class, expected a "
                                         "class-free NET network (save it flattened from Hugin)")
            elif tok in _OTHER_KINDS:
                node = self.toks[self.i + 2] if self.i + 2 < self.n else "?"
                raise self.error(self.i, f"found the {tok} node {node!r}, expected discrete chance nodes only "
                                         "(pgm_lite reads Bayesian networks)")
            else:
                raise self.expected(self.i, "'net', 'node' or 'potential'")
        return self.network(atol, "potential")

    def attributes(self, what: str) -> Attributes:
        """Parse ``{ key = value; ... }``; a value is a word or a parenthesised list."""
        self.take("{")
        found: Attributes = {}
        while self.peek() != "}":
            key = self.word(f"an attribute of {what} or '}}'")
            self.take("=")
            at = self.i
            if self.peek() == "(":
                words, index = self.atoms(f"a value of {key!r}", commas=False)
                found[key] = (words, at, index)
            else:
                found[key] = (self.word(f"the value of {key!r}"), at, [at])
            self.take(";")
        self.i += 1
        return found

    def listed(self, attrs: Attributes, key: str, at: int, missing: str) -> tuple[list[str], int, list[int]]:
        """Return the list value of attribute ``key``, or raise ``found {missing}`` at ``at``."""
        value, spot, index = attrs.get(key, ("", at, []))
        if not isinstance(value, list):
            raise self.error(at, f"found {missing}")
        return value, spot, index

    def node(self) -> None:
        if self.toks[self.i] == "discrete":
            self.i += 1
            if self.peek() != "node":
                raise self.expected(self.i, "'node' after 'discrete'")
        self.i += 1
        at = self.i
        name = self.word("a node name")
        if name in self.variables:
            raise self.error(at, f"found node {name!r} declared a second time, expected a new name")
        attrs = self.attributes(f"node {name!r}")
        states, spot, index = self.listed(attrs, "states", at, f"node {name!r} without 'states = (...);', "
                                                               "expected its states")
        if not states:
            raise self.error(spot, f"found no states for node {name!r}, expected at least one")
        for j, s in enumerate(states):
            if s in states[:j]:
                raise self.error(index[j], f"found state {s!r} of {name!r} a second time, expected distinct states")
        if "position" in attrs:
            xy, spot, index = attrs["position"]
            if not isinstance(xy, list) or len(xy) != 2:
                raise self.error(spot, f"found position {xy!r} of {name!r}, expected '(x y)'")
            x, y = self.floats(xy, index, "a coordinate")
            self.positions[name] = (x, y)
        self.variables[name] = (tuple(states), at)

    def potential(self) -> None:
        self.i += 1
        self.take("(")
        at = self.i
        child = self.word("the node of the potential")
        parents: list[str] = []
        parent_at: list[int] = []
        if self.peek() not in ("|", ")"):
            raise self.expected(self.i, f"'|' or ')' after {child!r} (a potential has one child)")
        if self.peek() == "|":
            self.i += 1
        while self.peek() != ")":
            parent_at.append(self.i)
            parents.append(self.word("a parent name or ')'"))
        self.i += 1
        if child in self.blocks:
            raise self.error(at, f"found a second potential for {child!r}, expected one per node")
        attrs = self.attributes(f"the potential of {child!r}")
        words, spot, index = self.listed(attrs, "data", at, f"no 'data = (...);' in the potential of {child!r}, "
                                                            "expected its table")
        self.blocks[child] = (parents, parent_at, spot, self.floats(words, index, f"a probability of {child!r}"))


def parse_net(text: str, name: str = "<string>", *, atol: float = ATOL) -> BayesianNetwork:
    """Parse Hugin NET text (a ``str``); see :func:`read_net`."""
    return _NetParser(text, name).parse(atol)


def read_net(path_or_file: Source, *, atol: float = ATOL) -> BayesianNetwork:
    r"""Read a Bayesian network in Hugin's NET format (class-free, as bnlearn and SamIam write it).

    Node states may be quoted (``states = ("yes" "no");``) or plain words and numbers
    (``states = (3 4 5 6);``); ``position = (x y)`` is kept in :attr:`~pgm_lite.BayesianNetwork.positions`
    as written; other attributes (``label``, ``node_size``, ``HR_*``...) are skipped.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        A ``.net`` file (gzip-compressed files are detected from their content).
    atol : float, optional
        How far a table row may sum from one (default 0.01, what pgmpy accepts; numbers are kept
        as written). Pass e.g. ``1e-9`` to be strict.

    Returns
    -------
    BayesianNetwork
        Nodes in declaration order; each table with axes ``(*parents in the potential's order, child)``.

    Raises
    ------
    ParseError
        ``file:line:column``, what was found and what was expected: truncated files, unbalanced
        parentheses, unknown parents, tables of the wrong size, rows not summing to one, cycles,
        OOBN ``class`` files and decision, utility or continuous nodes.

    Examples
    --------
    >>> import io
    >>> bn = pl.read_net(io.StringIO('''net { }
    ... node rain { states = ("no" "yes"); position = (10 20); }
    ... node wet { states = (dry wet); }
    ... potential (rain) { data = (0.8 0.2); }
    ... potential (wet | rain) { data = ((0.9 0.1) % rain = no
    ...                                  (0.2 0.8)); }'''))
    >>> bn.parents("wet"), bn.cpd("wet").table.tolist(), bn.positions
    (['rain'], [[0.9, 0.1], [0.2, 0.8]], {'rain': (10.0, 20.0)})
    >>> pl.read_net(io.StringIO("node a { states = (x y); }\npotential (a) { data = (0.5 0.5; }"))
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: <stream>:2:32: found ';', expected a value of 'data' or ')'
    """
    text, name = read_text(path_or_file)
    return parse_net(text, name, atol=atol)


def _name(name: str, what: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise OptionError(f"cannot write the {what} name {name!r} in Hugin NET: names are letters, digits "
                          "and '_', not starting with a digit")
    return name


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 2**53 else repr(float(x))


def _data(table: np.ndarray, indent: str) -> str:
    if table.ndim == 1:
        return "(" + " ".join(map(repr, table.tolist())) + ")"
    inner = indent + " "
    return "(" + f"\n{inner}".join(_data(t, inner) for t in table) + ")"


def write_net(model: GraphicalModel, path_or_file: Source) -> None:
    """Write a Bayesian network in Hugin's NET format (numbers with ``repr``: reading back is exact).

    Node positions (:attr:`~pgm_lite.BayesianNetwork.positions`) are written as ``position``.

    Parameters
    ----------
    model : BayesianNetwork
        A fully specified network whose variable names are identifiers (letters, digits, ``_``).
    path_or_file : str, os.PathLike or file object
        Destination; a path ending in ``.gz`` is gzip-compressed.

    Raises
    ------
    ArgumentTypeError
        For a Markov network (NET holds Bayesian networks; use :func:`write_uai` or :func:`write_fg`).
    OptionError
        For a variable name NET cannot hold, or a path with another format's extension.

    Examples
    --------
    >>> import io
    >>> bn = pl.example("sprinkler")
    >>> bn.set_positions({"Cloudy": (50, 0)})
    >>> out = io.StringIO()
    >>> pl.write_net(bn, out)
    >>> print(out.getvalue().split("}")[1].strip())
    node Cloudy
    {
        label = "Cloudy";
        position = (50 0);
        states = ("F" "T");
    >>> back = pl.read_net(io.StringIO(out.getvalue()))
    >>> back.cpd("WetGrass").table.tolist() == bn.cpd("WetGrass").table.tolist(), back.positions
    (True, {'Cloudy': (50.0, 0.0)})
    """
    bn = require_bayesian(model, "Hugin NET", "write_net")
    positions: Mapping[str, tuple[float, float]] = bn.positions
    lines = ["net", "{", "}"]
    for v in bn.variables:
        lines += ["", f"node {_name(v, 'variable')}", "{", f"    label = {_string(v)};"]
        if v in positions:
            x, y = positions[v]
            lines.append(f"    position = ({_number(x)} {_number(y)});")
        lines += [f"    states = ({' '.join(map(_string, bn.states(v)))});", "}"]
    for v in bn.variables:
        cpd = bn.cpd(v)
        given = f" | {' '.join(cpd.parents)}" if cpd.parents else ""
        lines += ["", f"potential ({v}{given})", "{", f"    data = {_data(cpd.table, '           ')};", "}"]
    with open_text_for_writing(path_or_file, "net") as handle:
        handle.write("\n".join(lines) + "\n")
