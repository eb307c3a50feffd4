"""GeNIe / SMILE XDSL: reader with located errors (expat, no entities) and writer.

``<cpt id>`` nodes list ``<state id>`` elements, optional ``<parents>`` and ``<probabilities>``
in GeNIe's order: the parents as listed (the last varying fastest) and the node's states
innermost, which is exactly ``table.ravel()`` with axes ``(*parents, child)``. ``<deterministic>``
nodes (``<resultingstates>``, one state per parent configuration) become 0/1 tables.
"""

from __future__ import annotations

import numpy as np

from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..exceptions import OptionError, ParseError
from ._assemble import ATOL, assemble_network, require_bayesian
from ._source import Source, is_float, open_text_for_writing, read_text
from ._xml import Element, xml_attribute, xml_text, xml_tree

__all__ = ["read_xdsl", "write_xdsl", "parse_xdsl"]

_NODE_KINDS = ("CPT", "DETERMINISTIC")
Where = tuple[int, int]


def _error(name: str, where: Where, message: str) -> ParseError:
    return ParseError(message, file=name, line=where[0], column=where[1])


def _node(node: Element, name: str, variables: dict[str, tuple[tuple[str, ...], Where]],
          blocks: dict[str, tuple[list[str], list[Where], Where, list[float]]]) -> None:
    """Read one ``<cpt>`` or ``<deterministic>`` node into ``variables`` and ``blocks``."""
    v = node.attrs.get("id")
    if not v:
        raise _error(name, node.where, f"found <{node.tag.lower()}> without an id, expected id=\"...\"")
    if v in variables:
        raise _error(name, node.where, f"found node {v!r} declared a second time, expected a new id")
    states = [s.attrs.get("id", "") for s in node.all("STATE")]
    if not states or "" in states:
        raise _error(name, node.where, f"found no states (or a <state> without an id) in node {v!r}, "
                                       "expected <state id=\"...\"/> elements")
    if len(set(states)) != len(states):
        dupes = sorted({s for s in states if states.count(s) > 1})
        raise _error(name, node.where, f"found duplicate states {dupes} of {v!r}, expected distinct states")
    variables[v] = (tuple(states), node.where)
    given = node.all("PARENTS")
    parents = given[0].content().split() if given else []
    parent_at = [given[0].where] * len(parents) if given else []
    if node.tag == "CPT":
        table = node.all("PROBABILITIES")
        if len(table) != 1:
            raise _error(name, node.where, f"found {len(table)} <probabilities> in node {v!r}, expected one")
        tokens = table[0].content().split()
        try:
            values = list(map(float, tokens))
        except ValueError:
            bad = next(t for t in tokens if not is_float(t))
            raise _error(name, table[0].where, f"found {bad!r} in the probabilities of {v!r}, "
                                               "expected a number") from None
        blocks[v] = (parents, parent_at, table[0].where, values)
        return
    result = node.all("RESULTINGSTATES")
    if len(result) != 1:
        raise _error(name, node.where, f"found {len(result)} <resultingstates> in deterministic node {v!r}, "
                                       "expected one")
    codes = []
    for s in result[0].content().split():
        if s not in states:
            raise _error(name, result[0].where, f"found state {s!r} in the resulting states of {v!r}, "
                                                f"expected one of {states}")
        codes.append(states.index(s))
    onehot = np.zeros((len(codes), len(states)))
    onehot[np.arange(len(codes)), codes] = 1.0
    blocks[v] = (parents, parent_at, result[0].where, onehot.ravel().tolist())


def _positions(root: Element, variables: dict[str, tuple[tuple[str, ...], Where]],
               name: str) -> dict[str, tuple[float, float]]:
    """Read ``<extensions><genie><node id><position>l t r b</position>`` as centres, y up."""
    out: dict[str, tuple[float, float]] = {}
    for ext in root.all("EXTENSIONS"):
        for genie in ext.all("GENIE"):
            for node in genie.all("NODE"):
                v = node.attrs.get("id")
                box = node.all("POSITION")
                if v not in variables or not box:
                    continue
                words = box[0].content().split()
                if len(words) != 4 or not all(map(is_float, words)):
                    raise _error(name, box[0].where, f"found position {box[0].content()!r} of {v!r}, "
                                                     "expected four numbers 'left top right bottom'")
                left, top, right, bottom = map(float, words)
                out[v] = ((left + right) / 2, -(top + bottom) / 2)
    return out


def parse_xdsl(text: str, name: str = "<string>", *, atol: float = ATOL) -> BayesianNetwork:
    """Parse XDSL text (a ``str``); see :func:`read_xdsl`."""
    root = xml_tree(text, name, "GeNIe XDSL")
    smile = root.children[0] if root.children else None
    if smile is None or smile.tag != "SMILE":
        raise _error(name, smile.where if smile else (1, 1),
                     f"found <{smile.tag.lower() if smile else 'nothing'}>, expected the root element <smile>")
    nodes = smile.all("NODES")
    if len(nodes) != 1:
        raise _error(name, smile.where, f"found {len(nodes)} <nodes> elements in <smile>, expected one")
    variables: dict[str, tuple[tuple[str, ...], Where]] = {}
    blocks: dict[str, tuple[list[str], list[Where], Where, list[float]]] = {}
    for node in nodes[0].children:
        if node.tag not in _NODE_KINDS:
            raise _error(name, node.where, f"found the {node.tag.lower()} node {node.attrs.get('id', '?')!r}, "
                                           "expected <cpt> or <deterministic> nodes (other kinds are not "
                                           "Bayesian-network tables)")
        _node(node, name, variables, blocks)
    if not variables:
        raise _error(name, nodes[0].where, "found no nodes in <nodes>, expected at least one")
    return assemble_network(variables, blocks, lambda where, msg: _error(name, where, msg), block="node",
                            atol=atol, positions=_positions(smile, variables, name))


def read_xdsl(path_or_file: Source, *, atol: float = ATOL) -> BayesianNetwork:
    """Read a Bayesian network from a GeNIe / SMILE ``.xdsl`` file.

    ``<cpt>`` and ``<deterministic>`` nodes are read (a deterministic node becomes a 0/1 table);
    other node kinds (``noisymax``, ``equation``, decision and utility nodes...) are refused
    with a message naming the node and its kind. Node positions of the ``<extensions><genie>``
    section are kept in :attr:`~pgm_lite.BayesianNetwork.positions` as the centre of each node's
    box, with y pointing up (GeNIe's y points down, so it is negated).

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        An XDSL file (gzip-compressed files are detected from their content).
    atol : float, optional
        How far a table row may sum from one (default 0.01; numbers are kept as written).

    Returns
    -------
    BayesianNetwork

    Raises
    ------
    ParseError
        ``file:line:column`` for malformed XML, entity declarations (refused: no entity
        expansion), unknown parents, wrong table sizes, rows not summing to one, cycles.

    Examples
    --------
    >>> import io
    >>> bn = pl.read_xdsl(io.StringIO('''<smile version="1.0" id="demo"><nodes>
    ... <cpt id="rain"><state id="no"/><state id="yes"/><probabilities>0.8 0.2</probabilities></cpt>
    ... <deterministic id="alarm"><state id="off"/><state id="on"/><parents>rain</parents>
    ... <resultingstates>off on</resultingstates></deterministic></nodes>
    ... <extensions><genie><node id="rain"><position>10 20 30 40</position></node></genie></extensions>
    ... </smile>'''))
    >>> bn.cpd("alarm").table.tolist(), bn.positions
    ([[1.0, 0.0], [0.0, 1.0]], {'rain': (20.0, -30.0)})
    """
    text, name = read_text(path_or_file)
    return parse_xdsl(text, name, atol=atol)


def write_xdsl(model: GraphicalModel, path_or_file: Source, *, network_name: str = "network") -> None:
    """Write a Bayesian network as a GeNIe / SMILE ``.xdsl`` file (``repr`` numbers: exact round trip).

    Every variable is written as a ``<cpt>`` node, in the model's order if parents come before
    their children there, else in a topological order (GeNIe needs parents first); positions (:attr:`~pgm_lite.BayesianNetwork.positions`) go to the ``<extensions>``
    section as 80 x 40 boxes. GeNIe itself accepts only identifiers (letters, digits, ``_``) as
    node and state ids; other names are written escaped and read back exactly by pgm_lite.

    Parameters
    ----------
    model : BayesianNetwork
    path_or_file : str, os.PathLike or file object
        Destination; a path ending in ``.gz`` is gzip-compressed.
    network_name : str, optional
        The ``id`` of the ``<smile>`` element.

    Raises
    ------
    ArgumentTypeError
        For a Markov network (use :func:`write_uai` or :func:`write_fg`).
    OptionError
        For a variable name with whitespace, a name with a character XML 1.0 cannot hold (most
        control characters), or a path with another format's extension.

    Examples
    --------
    >>> from io import StringIO
    >>> text = StringIO()
    >>> pl.write_xdsl(pl.example("sprinkler"), text)
    >>> print(text.getvalue().splitlines()[3])
            <cpt id="Cloudy">
    >>> pl.read_xdsl(StringIO(text.getvalue())).edges == pl.example("sprinkler").edges
    True
    """
    bn = require_bayesian(model, "GeNIe XDSL", "write_xdsl")
    spaced = [v for v in bn.variables if not v or len(v.split()) != 1 or v.strip() != v]
    if spaced:
        raise OptionError(f"cannot write the variable names {spaced} in GeNIe XDSL: ids are listed in "
                          "<parents> separated by spaces, so they cannot be empty or contain whitespace")
    ids = {v: xml_attribute(v, f"the variable name {v!r}", "GeNIe XDSL") for v in bn.variables}
    network = xml_attribute(str(network_name), f"the network name {network_name!r}", "GeNIe XDSL")
    index = {v: i for i, v in enumerate(bn.variables)}
    ordered = all(index[p] < index[v] for v in bn.variables for p in bn.parents(v))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<smile version="1.0" id={network} numsamples="10000" discsamples="10000">',
             "    <nodes>"]
    for v in bn.variables if ordered else bn.topological_order():
        cpd = bn.cpd(v)
        lines.append(f"        <cpt id={ids[v]}>")
        lines += [f"            <state id={xml_attribute(s, f'the state {s!r} of {v!r}', 'GeNIe XDSL')} />"
                  for s in bn.states(v)]
        if cpd.parents:
            lines.append(f"            <parents>{xml_text(' '.join(cpd.parents), 'the parents', 'GeNIe XDSL')}</parents>")
        lines.append(f"            <probabilities>{' '.join(map(repr, cpd.table.ravel().tolist()))}</probabilities>")
        lines.append("        </cpt>")
    lines.append("    </nodes>")
    positions = bn.positions
    # pyAgrum refuses a file without <extensions>, so it is always written
    lines += ["    <extensions>", f'        <genie version="1.0" app="pgm_lite" name={network}>']
    for v in bn.variables:
        if v in positions:
            x, y = positions[v]
            box = (x - 40, -y - 20, x + 40, -y + 20)
            lines += [f"            <node id={ids[v]}>", f"                <name>{xml_text(v, 'a name', 'XDSL')}</name>",
                      f"                <position>{' '.join(_coordinate(c) for c in box)}</position>",
                      "            </node>"]
    lines += ["        </genie>", "    </extensions>"]
    lines.append("</smile>")
    with open_text_for_writing(path_or_file, "xdsl") as handle:
        handle.write("\n".join(lines) + "\n")


def _coordinate(c: float) -> str:
    return str(int(c)) if float(c).is_integer() and abs(c) < 2**53 else repr(float(c))
