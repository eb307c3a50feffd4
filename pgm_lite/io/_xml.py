"""A small XML tree built with expat: every element keeps its line and column; no entities.

Used by the XMLBIF and XDSL readers. Entity declarations are refused (so no entity expansion,
no "billion laughs"), and parameter entities and external DTDs are never read.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from xml.sax.saxutils import escape, quoteattr

from ..exceptions import OptionError, ParseError

__all__ = ["Element", "xml_tree", "xml_text", "xml_attribute"]

_WHITESPACE = " \t\n\r"  # what XML calls white space (a no-break space is not)
# the complement of XML's Char production, spelled positively: compiles in 0.7 ms instead of 6.5
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REFERENCES = {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


class Element:
    """An XML element: upper-cased tag, attributes, children, text and ``(line, column)``."""

    __slots__ = ("tag", "attrs", "children", "text", "where", "kept")

    def __init__(self, tag: str, attrs: dict[str, str], where: tuple[int, int]) -> None:
        self.tag, self.attrs, self.where = tag, attrs, where
        self.children: list[Element] = []
        self.text: list[str] = []
        self.kept: set[int] | None = None  # chunks of white space written as character references

    def content(self) -> str:
        """Return the element's own text without the white space around it.

        Only literal XML white space (space, tab, newline, carriage return) is stripped;
        white space written as a character reference (``&#32;``) and other characters such
        as a no-break space are kept, so names round-trip exactly.
        """
        if self.kept is None:
            return "".join(self.text).strip(_WHITESPACE)
        parts = list(self.text)
        for order in (range(len(parts)), range(len(parts) - 1, -1, -1)):
            for i in order:
                if i in self.kept:
                    break
                parts[i] = parts[i].lstrip(_WHITESPACE) if order.step == 1 else parts[i].rstrip(_WHITESPACE)
                if parts[i]:
                    break
        return "".join(parts)

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
    parser = expat.ParserCreate(encoding="utf-8")  # the text is decoded already, whatever it declares
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    raw = text.encode("utf-8", "surrogatepass")
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
        element = stack[-1]
        # expat reports a character reference as a chunk of its own, starting at its '&'
        if chunk in _WHITESPACE and raw[parser.CurrentByteIndex] == 38:
            if element.kept is None:
                element.kept = set()
            element.kept.add(len(element.text))
        element.text.append(chunk)

    def entity(name_: str, *args: object) -> None:
        line, column = where()
        raise ParseError(f"found a declaration of entity {name_!r}, expected no entities "
                         "(entity expansion is disabled)", file=name, line=line, column=column)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as err:
        raise ParseError(f"found malformed XML ({expat.ErrorString(err.code)}), expected {what}",
                         file=name, line=err.lineno, column=err.offset + 1) from err
    return root


def xml_text(text: str, what: str, fmt: str) -> str:
    r"""Escape ``text`` for XML element content so that :meth:`Element.content` reads it back exactly.

    ``&``, ``<`` and ``>`` are escaped, tabs, newlines and carriage returns (which XML would
    normalise) become character references, and so do spaces at either end (which readers strip).

    Raises
    ------
    OptionError
        If ``text`` holds a character XML 1.0 cannot represent at all (most control characters),
        naming ``what`` (e.g. "the variable name 'a'") and the character.

    Examples
    --------
    >>> xml_text(" a\r<b ", "the name", "XMLBIF")
    '&#32;a&#13;&lt;b&#32;'
    >>> xml_text("a\x01", "the variable name 'a\\x01'", "XMLBIF")
    Traceback (most recent call last):
    ...
    pgm_lite.exceptions.OptionError: cannot write the variable name 'a\x01' in XMLBIF: XML 1.0 cannot hold the character U+0001, even as a character reference; rename it
    """
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise OptionError(f"cannot write {what} in {fmt}: XML 1.0 cannot hold the character "
                          f"U+{ord(bad.group()):04X}, even as a character reference; rename it")
    out = escape(text, _REFERENCES)
    if out[:1] == " ":
        out = "&#32;" + out[1:]
    if out[-1:] == " ":
        out = out[:-1] + "&#32;"
    return out


def xml_attribute(text: str, what: str, fmt: str) -> str:
    """Quote ``text`` as an XML attribute value (refusing characters XML 1.0 cannot hold)."""
    xml_text(text, what, fmt)
    return quoteattr(text)
