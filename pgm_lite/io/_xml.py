"""A small XML tree built with expat: every element keeps its line and column; no entities.

Used by the XMLBIF and XDSL readers. Entity declarations are refused (so no entity expansion,
no "billion laughs"), and parameter entities and external DTDs are never read.
"""

from __future__ import annotations

import xml.parsers.expat as expat

from ..exceptions import ParseError

__all__ = ["Element", "xml_tree"]


class Element:
    """An XML element: upper-cased tag, attributes, children, text and ``(line, column)``."""

    __slots__ = ("tag", "attrs", "children", "text", "where")

    def __init__(self, tag: str, attrs: dict[str, str], where: tuple[int, int]) -> None:
        self.tag, self.attrs, self.where = tag, attrs, where
        self.children: list[Element] = []
        self.text: list[str] = []

    def content(self) -> str:
        """Return the element's own text, stripped."""
        return "".join(self.text).strip()

    def all(self, tag: str) -> list[Element]:
        """Return the children with the (upper-case) tag ``tag``."""
        return [c for c in self.children if c.tag == tag]


def xml_tree(text: str, name: str, what: str) -> Element:
    """Parse ``text`` into a tree of :class:`Element` under a ``#document`` root.

    ``what`` names the expected format in the message for malformed XML.

    Examples
    --------
    >>> root = xml_tree('<a x="1"><b>hi</b></a>', "f.xml", "XML")
    >>> root.children[0].attrs, root.children[0].all("B")[0].content()
    ({'x': '1'}, 'hi')
    >>> xml_tree('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "f.xml", "XML")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.ParseError: f.xml:1:25: found a declaration of entity 'e', expected no entities (entity expansion is disabled)
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root = Element("#document", {}, (1, 1))
    stack = [root]

    def where() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag.upper(), attrs, where())
        stack[-1].children.append(element)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

    def data(chunk: str) -> None:
        stack[-1].text.append(chunk)

    def entity(name_: str, *args: object) -> None:
        line, column = where()
        raise ParseError(f"found a declaration of entity {name_!r}, expected no entities "
                         "(entity expansion is disabled)", file=name, line=line, column=column)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(text, True)
    except expat.ExpatError as err:
        raise ParseError(f"found malformed XML ({expat.ErrorString(err.code)}), expected {what}",
                         file=name, line=err.lineno, column=err.offset + 1) from err
    return root
