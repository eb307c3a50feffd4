"""XMLBIF 0.3 (JavaBayes, Weka, GeNIe/SamIam exports): reader with located errors, and writer.

The reader drives the standard library's expat parser directly so that every element keeps its
line and column, and it refuses entity declarations (no entity expansion, no external DTDs).
"""

from __future__ import annotations

from .._model import GraphicalModel
from ..bayesian_network import BayesianNetwork
from ..exceptions import ParseError
from ._assemble import ATOL, assemble_network, require_bayesian
from ._source import Source, is_float, open_text_for_writing, read_text
from ._xml import Element, xml_text, xml_tree

__all__ = ["read_xmlbif", "write_xmlbif", "parse_xmlbif"]


def _parse(root: Element, name: str, atol: float) -> BayesianNetwork:
    def error(where: tuple[int, int], message: str) -> ParseError:
        return ParseError(message, file=name, line=where[0], column=where[1])

    def one(element: Element, tag: str, what: str) -> Element:
        found = element.all(tag)
        if len(found) != 1:
            raise error(element.where, f"found {len(found)} <{tag}> elements in <{element.tag}>, expected one ({what})")
        return found[0]

    bif = root.children[0] if root.children else None
    if bif is None or bif.tag != "BIF":
        raise error(bif.where if bif else (1, 1),
                    f"found <{bif.tag if bif else 'nothing'}>, expected the root element <BIF>")
    network = one(bif, "NETWORK", "the network")
    variables: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {}
    blocks: dict[str, tuple[list[str], list[tuple[int, int]], tuple[int, int], list[float]]] = {}
    for var in network.all("VARIABLE"):
        v = one(var, "NAME", "the variable name").content()
        if v in variables:
            raise error(var.where, f"found variable {v!r} declared a second time, expected a new name")
        states = [o.content() for o in var.all("OUTCOME")]
        if not states:
            raise error(var.where, f"found no <OUTCOME> in variable {v!r}, expected its states")
        if len(set(states)) != len(states):
            dupes = sorted({s for s in states if states.count(s) > 1})
            raise error(var.where, f"found duplicate states {dupes} of {v!r}, expected distinct states")
        variables[v] = (tuple(states), var.where)
    for definition in network.all("DEFINITION") + network.all("PROBABILITY"):
        child = one(definition, "FOR", "the variable the table is for").content()
        if child in blocks:
            raise error(definition.where, f"found a second definition for {child!r}, expected one per variable")
        given = definition.all("GIVEN")
        table = one(definition, "TABLE", "the probabilities")
        tokens = table.content().split()
        try:
            values = list(map(float, tokens))
        except ValueError:
            bad = next(t for t in tokens if not is_float(t))
            raise error(table.where, f"found {bad!r} in the table of {child!r}, expected a probability") from None
        blocks[child] = ([g.content() for g in given], [g.where for g in given], definition.where, values)
    if not variables:
        raise error(network.where, "found no <VARIABLE> in <NETWORK>, expected at least one")
    return assemble_network(variables, blocks, error, block="definition", atol=atol)


def parse_xmlbif(text: str, name: str = "<string>", *, atol: float = ATOL) -> BayesianNetwork:
    """Parse XMLBIF text (a ``str``); see :func:`read_xmlbif`."""
    return _parse(xml_tree(text, name, "XMLBIF"), name, atol)


def read_xmlbif(path_or_file: Source, *, atol: float = ATOL) -> BayesianNetwork:
    """Read a Bayesian network in XMLBIF 0.3.

    Parameters
    ----------
    path_or_file : str, os.PathLike or file object
        An XMLBIF file (gzip-compressed files are detected from their content).
    atol : float, optional
        How far a table row may sum from one (default 0.01, what pgmpy accepts); numbers are
        kept as written either way. Pass e.g. ``1e-9`` to be strict.

    Returns
    -------
    BayesianNetwork
        Variables in declaration order; each ``<TABLE>`` lists, for every configuration of the
        ``<GIVEN>`` parents (the last one varying fastest), the probabilities of the ``<FOR>``
        variable's outcomes, which is exactly ``table.ravel()`` with axes ``(*parents, child)``.

    Raises
    ------
    ParseError
        ``file:line:column`` for malformed XML, entity declarations (refused: no entity
        expansion), unknown parents, duplicates, wrong table sizes, rows not summing to one, cycles.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> pl.write_xmlbif(pl.example("student"), out)
    >>> bn = pl.read_xmlbif(io.StringIO(out.getvalue()))
    >>> bn.parents("Grade"), bn.cpd("Grade").table[1, 0].tolist()
    (['Intelligence', 'Difficulty'], [0.9, 0.08, 0.02])
    """
    text, name = read_text(path_or_file)
    return parse_xmlbif(text, name, atol=atol)


def write_xmlbif(model: GraphicalModel, path_or_file: Source, *, network_name: str = "unknown") -> None:
    """Write a Bayesian network as XMLBIF 0.3 (numbers with ``repr``, so reading back is exact).

    Parameters
    ----------
    model : BayesianNetwork
        A fully specified network.
    path_or_file : str, os.PathLike or file object
        Destination; a path ending in ``.gz`` is gzip-compressed.
    network_name : str, optional
        Content of the network's ``<NAME>``.

    Raises
    ------
    ArgumentTypeError
        If ``model`` is not a BayesianNetwork (use :func:`write_uai` for Markov networks).
    OptionError
        If the path's extension belongs to another format, or a name holds a character XML 1.0
        cannot represent (most control characters; the message names the variable). Other names
        round-trip exactly: spaces at the ends, tabs, newlines and carriage returns are written
        as character references.

    Examples
    --------
    >>> import io; buffer = io.StringIO()
    >>> pl.write_xmlbif(pl.example("sprinkler"), buffer)
    >>> print(buffer.getvalue().splitlines()[3])
    <NAME>unknown</NAME>
    """
    model = require_bayesian(model, "XMLBIF", "write_xmlbif")
    name = {v: xml_text(v, f"the variable name {v!r}", "XMLBIF") for v in model.variables}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<BIF VERSION="0.3">', "<NETWORK>",
             f"<NAME>{xml_text(str(network_name), f'the network name {network_name!r}', 'XMLBIF')}</NAME>"]
    for v in model.variables:
        lines.append('<VARIABLE TYPE="nature">')
        lines.append(f"  <NAME>{name[v]}</NAME>")
        lines += [f"  <OUTCOME>{xml_text(s, f'the state {s!r} of {v!r}', 'XMLBIF')}</OUTCOME>"
                  for s in model.states(v)]
        lines.append("</VARIABLE>")
    for v in model.variables:
        cpd = model.cpd(v)
        lines += ["<DEFINITION>", f"  <FOR>{name[v]}</FOR>"]
        lines += [f"  <GIVEN>{name[p]}</GIVEN>" for p in cpd.parents]
        lines.append(f"  <TABLE>{' '.join(map(repr, cpd.table.ravel().tolist()))}</TABLE>")
        lines.append("</DEFINITION>")
    lines += ["</NETWORK>", "</BIF>"]
    with open_text_for_writing(path_or_file, "xmlbif") as handle:
        handle.write("\n".join(lines) + "\n")
