"""The token stream behind the Hugin NET and GeNIe DSL readers, with located errors.

One regular expression splits the text into token strings (quoted strings, punctuation and
words); positions are computed only when an error is reported, so reading stays fast. Errors
read ``file:line:col: found X, expected Y`` like every other reader's.
"""

from __future__ import annotations

import itertools
import re

from ..bayesian_network import BayesianNetwork
from ..exceptions import ParseError
from ._assemble import assemble_network
from ._source import locate, parse_count, strip_comments

__all__ = ["Lexer", "NetworkLexer", "WordTokens", "unquote"]

_STRING = r'"(?:[^"\\\n]|\\.)*"'
_UNQUOTE = re.compile(r"\\(.)", re.S)
_DELTA = {"(": 1, ")": -1}
_WORD = re.compile(r"\S+")


class Lexer:
    """A list of tokens with a cursor: ``peek``, ``take``, ``word`` and paren-lists of atoms.

    Parameters
    ----------
    text, name : str
        The file's text and the name used in messages.
    punctuation : str
        Single characters that are tokens of their own.
    comments : str
        A regular expression for comments that end with their line (blanked out, keeping line
        numbers); strings are matched first so a comment character inside quotes is kept.
    block_comments : bool
        Whether ``/* ... */`` comments are allowed too (an unterminated one is a ParseError).
    """

    def __init__(self, text: str, name: str, punctuation: str, comments: str, *,
                 block_comments: bool = False) -> None:
        punct = re.escape(punctuation)
        if block_comments or re.search(comments, text):
            text = strip_comments(text, name, _STRING, comments, block=block_comments)
        self.token = re.compile(f'{_STRING}|[{punct}]|[^\\s{punct}"]+|"')
        self.text, self.name = text, name
        self.toks: list[str] = self.token.findall(text)
        self.n = len(self.toks)
        self.i = 0
        self.punctuation = frozenset(punctuation) | {'"'}

    # -- errors -----------------------------------------------------------------------------
    def error(self, index: int, message: str) -> ParseError:
        """Return a ParseError located at token ``index`` (end of file past the last token)."""
        if index >= self.n:
            offset = len(self.text.rstrip())
        else:
            offset = next(itertools.islice(self.token.finditer(self.text), index, None)).start()
        line, column = locate(self.text, offset)
        return ParseError(message, file=self.name, line=line, column=column)

    def found(self, index: int) -> str:
        """Describe token ``index`` for a message."""
        if index >= self.n:
            return "end of file"
        tok = self.toks[index]
        if tok == '"':
            return "an unterminated string"
        return repr(tok) if len(tok) <= 40 else f"{tok[:20]!r}... ({len(tok)} characters)"

    def expected(self, index: int, what: str) -> ParseError:
        """Return ``found X, expected what`` located at token ``index``."""
        return self.error(index, f"found {self.found(index)}, expected {what}")

    # -- primitives -------------------------------------------------------------------------
    def peek(self) -> str | None:
        """Return the current token (None at end of file)."""
        return self.toks[self.i] if self.i < self.n else None

    def take(self, token: str) -> None:
        """Consume ``token`` or raise ``found X, expected 'token'``."""
        if self.peek() != token:
            raise self.expected(self.i, repr(token))
        self.i += 1

    def word(self, what: str) -> str:
        """Consume a name or number (a quoted string is unquoted); raise naming ``what``."""
        tok = self.peek()
        if tok is None or tok in self.punctuation:
            raise self.expected(self.i, what)
        self.i += 1
        return unquote(tok)

    def atoms(self, what: str, *, commas: bool) -> tuple[list[str], list[int]]:
        """Consume a parenthesised list of atoms (nested parentheses are flattened).

        Returns the atoms (unquoted) and their token indices. ``commas`` allows commas
        between the atoms (GeNIe DSL) instead of spaces only (Hugin NET).
        """
        start = self.i
        self.take("(")
        toks, n = self.toks, self.n
        # fast path: the list ends at the first ';' and its parentheses balance
        try:
            end = toks.index(";", start)
        except ValueError:
            end = n
        seg = toks[start:end]
        depth = list(itertools.accumulate(map(_DELTA.get, seg, itertools.repeat(0))))
        if seg and depth[-1] == 0 and min(depth[:-1], default=1) >= 1:
            skip = {"(", ")", ","} if commas else {"(", ")"}
            index = [start + j for j, t in enumerate(seg) if t not in skip]
            words = [toks[j] for j in index]
            if self.punctuation.isdisjoint(words):
                self.i = end
                return [unquote(w) for w in words] if '"' in self.text else words, index
        return self._atoms_slow(what, commas)

    def _atoms_slow(self, what: str, commas: bool) -> tuple[list[str], list[int]]:
        depth = 1
        words: list[str] = []
        index: list[int] = []
        while depth:
            tok = self.peek()
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
            elif tok == "," and commas and words:
                pass
            elif tok is None or tok in self.punctuation:
                raise self.expected(self.i, f"{what} or ')'")
            else:
                words.append(unquote(tok))
                index.append(self.i)
            self.i += 1
        return words, index

    def floats(self, words: list[str], index: list[int], what: str) -> list[float]:
        """Convert atoms to floats, raising at the first one that is not a number."""
        try:
            return list(map(float, words))
        except ValueError:
            for w, j in zip(words, index):
                try:
                    float(w)
                except ValueError:
                    raise self.expected(j, f"a number ({what})") from None
            raise  # pragma: no cover - unreachable


class NetworkLexer(Lexer):
    """A Lexer that collects declared nodes, their tables and positions, then builds the network."""

    def __init__(self, text: str, name: str, punctuation: str, comments: str, *,
                 block_comments: bool = False) -> None:
        super().__init__(text, name, punctuation, comments, block_comments=block_comments)
        self.variables: dict[str, tuple[tuple[str, ...], int]] = {}
        self.blocks: dict[str, tuple[list[str], list[int], int, list[float]]] = {}
        self.positions: dict[str, tuple[float, float]] = {}

    def network(self, atol: float, block: str) -> BayesianNetwork:
        """Check and assemble what was collected (``block`` is what the format calls a table)."""
        if not self.variables:
            raise self.error(self.n, "found end of file, expected at least one 'node'")
        return assemble_network(self.variables, self.blocks, self.error, block=block, atol=atol,
                                positions=self.positions)


def unquote(token: str) -> str:
    r"""Return a token without its quotes and backslash escapes (other tokens unchanged).

    Examples
    --------
    >>> unquote('"a \\"b\\""'), unquote("plain")
    ('a "b"', 'plain')
    """
    if token[:1] != '"':
        return token
    body = token[1:-1]
    return _UNQUOTE.sub(r"\1", body) if "\\" in body else body


class WordTokens(Lexer):
    """Whitespace-separated tokens (UAI, libDAI FG) with a cursor, integers and located errors.

    ``comments`` is a regular expression for comments, blanked out before splitting.
    """

    def __init__(self, text: str, name: str, comments: str | None = None) -> None:  # noqa: D107
        # every non-blank run is a token, so Lexer.__init__ (punctuation, strings) is not used
        if comments is not None and "#" in text:
            text = re.sub(comments, lambda m: " " * len(m.group()), text, flags=re.M)
        self.text, self.name = text, name
        self.token = _WORD
        self.punctuation = frozenset()
        self.toks = _WORD.findall(text)
        self.n = len(self.toks)
        self.i = 0

    def integer(self, what: str, low: int = 0, high: int | None = None) -> int:
        """Consume an integer in ``[low, high]`` or raise ``found X, expected what (an integer ...)``."""
        i = self.i
        value = parse_count(self.toks[i] if i < self.n else None)
        if value is None or value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.error(i, f"found {self.found(i)}, expected {what} (an integer {bound})")
        self.i += 1
        return value
