"""The BIF tokenizer and recursive-descent parser behind :func:`pgm_lite.read_bif`.

:func:`pgm_lite.io._bif_fast.read_plain` reads well-formed files first; this parser reads every
form BIF allows (quoted names, properties, ``default`` entries, JavaBayes spacing) and is the one
place errors come from. One regular expression splits the text into a list of token strings;
declarations are walked in Python, and a probability block made of regular rows is converted
column by column (one strided slice of the token list per parent and per probability), so numbers
are float64 exactly as written. Token positions are computed only when an error has to be
reported. Every table is checked here (:func:`check_rows`), so the network is assembled with the
trusted constructors.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from ..bayesian_network import BayesianNetwork
from ..cpd import TabularCPD
from ._assemble import ATOL, build_network, check_rows, check_structure, check_table_bytes, describe
from ._lexer import Lexer
from ._source import parse_count, strip_comments

__all__ = ["BifParser", "blank_comments"]

_TOKEN = re.compile(r'"[^"\n]*"|[{}()\[\];,|]|[^\s{}()\[\];,|"]+|"')
_STRING = r'"[^"\n]*"'
_PUNCT = frozenset("{}()[];,|")
_BAD_KEY = _PUNCT | {'"'}
_TYPE_HEAD = ["{", "type", "discrete", "["]


def blank_comments(text: str, name: str) -> str:
    """Return ``text`` with its ``//`` and ``/* */`` comments blanked out (line numbers kept).

    Raises
    ------
    ParseError
        For a ``/*`` without its ``*/``, at its line.
    """
    return strip_comments(text, name, _STRING, "//[^\n]*") if "/" in text else text


class BifParser(Lexer):
    """Recursive-descent parser over a list of token strings (errors and primitives from Lexer)."""

    def __init__(self, text: str, name: str, atol: float = ATOL, *, stripped: bool = False) -> None:  # noqa: D107
        # BIF has its own tokens and comments, so Lexer.__init__ is not used; ``stripped``: the
        # comments of ``text`` are already blanked out (by :func:`blank_comments`)
        self.atol = atol
        if not stripped:
            text = blank_comments(text, name)
        self.text, self.name = text, name
        self.token = _TOKEN
        self.punctuation = _BAD_KEY
        self.toks = _TOKEN.findall(text)
        self.quoted = '"' in text
        self.n = len(self.toks)
        self.i = 0

    # -- primitives -------------------------------------------------------------------------
    def name_token(self, what: str) -> str:
        tok = self.peek()
        if tok is None or tok in _PUNCT or tok == '"':
            raise self.expected(self.i, what)
        self.i += 1
        return tok[1:-1] if tok[0] == '"' else tok

    def skip_property(self) -> None:
        # property <anything> ;
        self.i += 1
        while True:
            tok = self.peek()
            if tok == ";":
                self.i += 1
                return
            if tok is None or tok in "{}":
                raise self.expected(self.i, "';' ending the property")
            self.i += 1

    def numbers(self, what: str) -> list[float]:
        """Parse ``p1, p2, ... ;`` and return the list of floats (fast path for clean rows)."""
        start, toks = self.i, self.toks
        try:
            end = toks.index(";", start)
        except ValueError:
            end = self.n
        seg = toks[start:end]
        if seg and end < self.n and len(seg) % 2 and seg[1::2].count(",") == len(seg) // 2:
            try:
                values = list(map(float, seg[::2]))
            except ValueError:
                pass
            else:
                self.i = end + 1
                return values
        return self._numbers_slow(what)

    def _numbers_slow(self, what: str) -> list[float]:
        values = []
        while True:
            tok = self.peek()
            if tok is None or tok in _PUNCT or tok == '"':
                raise self.expected(self.i, f"a probability ({what})")
            try:
                values.append(float(tok))
            except ValueError:
                raise self.expected(self.i, f"a probability ({what})") from None
            self.i += 1
            tok = self.peek()
            if tok == ";":
                self.i += 1
                return values
            if tok == ",":
                self.i += 1
            elif tok is None or tok in _PUNCT:  # JavaBayes files separate numbers by spaces only
                raise self.expected(self.i, "',' or ';'")

    # -- declarations -----------------------------------------------------------------------
    def parse(self) -> BayesianNetwork:
        if self.n == 0:
            raise self.error(0, "found an empty file, expected a BIF network")
        self.variables: dict[str, Any] = {}  # name -> (states, token index of the name)
        self.blocks: dict[str, Any] = {}  # child -> (parents, entries, token index of the child, index of '}')
        while self.i < self.n:
            tok = self.toks[self.i]
            if tok == "network":
                self.network()
            elif tok == "variable":
                self.variable()
            elif tok == "probability":
                self.probability()
            else:
                raise self.expected(self.i, "'network', 'variable' or 'probability'")
        if not self.variables:
            raise self.error(self.n, "found end of file, expected at least one 'variable' block")
        return self.build()

    def network(self) -> None:
        self.i += 1
        while self.peek() not in ("{", None):
            self.name_token("the network name")
        self.take("{")
        while self.peek() == "property":
            self.skip_property()
        self.take("}")

    def variable(self) -> None:
        if self._variable_fast():
            return
        self.i += 1
        at = self.i
        name = self.name_token("a variable name")
        if not name:
            raise self.error(at, 'found the empty name "", expected a variable name of at least one character')
        if name in self.variables:
            raise self.error(at, f"found variable {name!r} declared a second time, expected a new name")
        self.take("{")
        states = None
        while self.peek() != "}":
            tok = self.peek()
            if tok == "property":
                self.skip_property()
            elif tok == "type" and states is None:
                states = self.variable_type(name)
            else:
                raise self.expected(self.i, "'type discrete [ k ] { ... };', 'property' or '}'"
                                    if states is None else "'property' or '}'")
        if states is None:
            raise self.expected(self.i, f"'type discrete [ k ] {{ ... }};' declaring the states of {name!r}")
        self.i += 1
        self.variables[name] = (states, at)

    def _find(self, token: str, start: int) -> int:
        """Return the index of the next ``token`` from ``start``, or -1."""
        try:
            return self.toks.index(token, start)
        except ValueError:
            return -1

    def _variable_fast(self) -> bool:
        """Read ``variable NAME { type discrete [ k ] { s1, ..., sk }; }`` with slices of the token
        list; return False (nothing consumed) for anything else, which the token walk then reads.
        """
        toks, i = self.toks, self.i
        if toks[i + 2:i + 6] != _TYPE_HEAD or toks[i + 7:i + 9] != ["]", "{"]:
            return False
        close = self._find("}", i + 9)
        if close < 0:
            return False
        seg = toks[i + 9:close]
        states, name = seg[::2], toks[i + 1]
        k = len(states)
        if (parse_count(toks[i + 6]) != k or len(seg) != 2 * k - 1 or seg[1::2].count(",") != k - 1
                or toks[close + 1:close + 3] != [";", "}"] or name in _BAD_KEY or not _BAD_KEY.isdisjoint(states)):
            return False
        if self.quoted:
            name = name[1:-1] if name[0] == '"' else name
            states = [t[1:-1] if t[0] == '"' else t for t in states]
        if not name or name in self.variables or len(set(states)) != k:
            return False
        self.variables[name] = (tuple(states), i + 1)
        self.i = close + 3
        return True

    def variable_type(self, name: str) -> tuple[str, ...]:
        self.i += 1
        self.take("discrete")
        self.take("[")
        at = self.i
        k = parse_count(self.peek())
        if k is None or k < 1:
            raise self.expected(self.i, "the number of states (a positive integer of at most 18 digits)")
        self.i += 1
        self.take("]")
        self.take("{")
        states: list[str] = []
        positions: dict[str, int] = {}
        while self.peek() != "}":
            if states and self.peek() == ",":
                self.i += 1
            spot = self.i
            state = self.name_token(f"a state name of {name!r} or '}}'")
            if state in positions:
                raise self.error(spot, f"found state {state!r} of {name!r} a second time, expected distinct states")
            positions[state] = spot
            states.append(state)
        if len(states) != k:
            raise self.error(at, f"found [ {k} ] but {len(states)} state names {states}, expected them to agree")
        self.i += 1
        self.take(";")
        return tuple(states)

    def _header_fast(self) -> tuple[int, str, list[str], list[int]] | None:
        """Read ``probability ( child | p1, p2 )`` with slices; None (nothing consumed) otherwise."""
        toks, i = self.toks, self.i
        if toks[i + 1:i + 2] != ["("]:
            return None
        close = self._find(")", i + 2)
        if close < 0:
            return None
        seg = toks[i + 2:close]
        n = len(seg)
        if n == 1:
            parents: list[str] = []
        elif n >= 3 and n % 2 and seg[1] == "|" and seg[3::2].count(",") == n // 2 - 1:
            parents = seg[2::2]
        else:
            return None
        if seg[0] in _BAD_KEY or not _BAD_KEY.isdisjoint(parents):
            return None
        child = seg[0]
        if self.quoted:
            child = child[1:-1] if child[0] == '"' else child
            parents = [t[1:-1] if t[0] == '"' else t for t in parents]
        self.i = close + 1
        return i + 2, child, parents, list(range(i + 4, close, 2))

    def _header_slow(self) -> tuple[int, str, list[str], list[int]]:
        self.i += 1
        self.take("(")
        at = self.i
        child = self.name_token("the variable of the probability block")
        parents, parent_at = [], []
        if self.peek() in ("|", ","):
            self.i += 1
            parent_at.append(self.i)
            parents.append(self.name_token("a parent name"))
        while self.peek() not in (")", None):  # JavaBayes: "( child parent1 parent2 )"
            if parents and self.peek() == ",":
                self.i += 1
            parent_at.append(self.i)
            parents.append(self.name_token("a parent name or ')'"))
        self.take(")")
        return at, child, parents, parent_at

    def probability(self) -> None:
        at, child, parents, parent_at = self._header_fast() or self._header_slow()
        if child in self.blocks:
            raise self.error(at, f"found a second probability block for {child!r}, expected one per variable")
        self.take("{")
        entries: list[Any] = []  # (kind, key, values, token index); ("block", codes, rows, token indices)
        if parents:
            self._block(child, parents, entries)
        while True:
            tok = self.peek()
            spot = self.i
            if tok == "}":
                break
            if tok == "(":
                self.i += 1
                try:
                    close = self.toks.index(")", self.i)
                except ValueError:
                    close = self.n
                words = self.toks[self.i:close:2]
                seps = self.toks[self.i + 1:close:2]
                if close == self.n or seps.count(",") != len(seps) or not _BAD_KEY.isdisjoint(words):
                    self._row_key_slow()
                else:
                    self.i = close + 1
                key = tuple(k[1:-1] if k[0] == '"' else k for k in words)
                entries.append(("row", key, self.numbers(f"of {child!r}"), spot))
            elif tok in ("table", "default"):
                self.i += 1
                entries.append((tok, None, self.numbers(f"of {child!r}"), spot))
            elif tok == "property":
                self.skip_property()
            else:
                raise self.expected(self.i, "'(', 'table', 'default', 'property' or '}'")
        self.blocks[child] = (parents, parent_at, at, (entries, self.i))
        self.i += 1

    def _block(self, child: str, parents: list[str], entries: list[Any]) -> None:
        """Vectorised path for a block made only of well-formed rows of already declared variables.

        Every row then has the same number of tokens, so each column (a parent's state, a
        probability, a separator) is one strided slice of the token list.
        """
        found = [self.variables.get(v) for v in (*parents, child)]
        if None in found:
            return
        declared: list[Any] = found
        toks, i = self.toks, self.i
        try:
            end = toks.index("}", i)
        except ValueError:
            return
        p, k = len(parents), len(declared[-1][0])
        width = 2 * p + 2 * k + 1  # ( key , key ) p , p ;
        seg = toks[i:end]
        n = len(seg) // width
        if n == 0 or len(seg) % width:
            return
        if seg[0::width].count("(") != n or seg[2 * p::width].count(")") != n or seg[width - 1::width].count(";") != n:
            return
        for col in [*range(2, 2 * p, 2), *range(2 * p + 2, width - 1, 2)]:
            if seg[col::width].count(",") != n:
                return
        codes = np.zeros(n, dtype=np.int64)
        for q, (states, _) in enumerate(declared[:-1]):
            column = seg[1 + 2 * q::width]
            if self.quoted:
                column = [t[1:-1] if t[:1] == '"' else t for t in column]
            lookup = {state: j for j, state in enumerate(states)}
            found = list(map(lookup.get, column))
            if None in found:
                return
            codes = codes * len(states) + np.array(found, dtype=np.int64)
        rows = np.empty((n, k))
        try:
            for j in range(k):
                rows[:, j] = list(map(float, seg[2 * p + 1 + 2 * j::width]))
        except ValueError:
            return
        entries.append(("block", codes, rows, i + width * np.arange(n)))
        self.i = end

    def _row_key_slow(self) -> None:
        while True:
            self.name_token("a parent state")
            if self.peek() == ")":
                self.i += 1
                return
            if self.peek() != ",":
                raise self.expected(self.i, "',' or ')'")
            self.i += 1

    # -- assembling the model ---------------------------------------------------------------
    def build(self) -> BayesianNetwork:
        check_structure(self.variables, self.blocks, self.error, "probability block", acyclic=False)
        states = {v: s for v, (s, _) in self.variables.items()}
        cpds = [self.table(v, states) for v in self.variables]
        return build_network(cpds, self.variables, self.blocks, self.error, "probability block")

    def table(self, child: str, states: dict[str, tuple[str, ...]]) -> TabularCPD:
        parents, _, at, (entries, close) = self.blocks[child]
        k = len(states[child])
        cards = [len(states[p]) for p in parents]
        n_rows = math.prod(cards)
        if len(entries) == 1:  # fast paths: one 'table' entry, or one block of every row in order
            kind, key, values, spot = entries[0]
            if kind == "table" and len(values) == k * n_rows:
                return self._cpd(child, parents, states, np.array(values).reshape(k, n_rows).T, spot)
            if kind == "block" and len(key) == n_rows:  # every row once, in any order
                if bool((key == np.arange(n_rows)).all()):
                    return self._cpd(child, parents, states, values, spot)
                seen = np.zeros(n_rows, dtype=bool)
                seen[key] = True
                if seen.all():
                    flat, where = np.empty_like(values), np.empty(n_rows, dtype=np.int64)
                    flat[key], where[key] = values, spot
                    return self._cpd(child, parents, states, flat, where)
        self._check_enough_rows(child, parents, states, entries, close, n_rows)
        check_table_bytes(repr(child), n_rows * k, n_rows, sum(cards) + k, self.error, at)
        flat = np.full((n_rows, k), np.nan)
        seen = np.zeros(n_rows, dtype=bool)
        where = np.full(n_rows, -1)
        keys, rows, spots, default = self._collect(child, parents, states, entries, flat, seen, where)
        if keys:
            key_array = np.concatenate(keys)
            spot_array = np.concatenate(spots)
            if len(np.unique(key_array)) != len(key_array) or seen[key_array].any():
                order = np.argsort(key_array, kind="stable")
                dup = np.flatnonzero(np.diff(key_array[order]) == 0)
                bad = int(order[dup[0] + 1]) if len(dup) else int(np.flatnonzero(seen[key_array])[0])
                raise self.error(int(spot_array[bad]), f"found a second row for parent configuration "
                                                  f"{self.config(parents, states, int(key_array[bad]))} of "
                                                  f"{child!r}, expected each configuration once")
            flat[key_array] = np.concatenate(rows)
            seen[key_array] = True
            where[key_array] = spot_array
        if not seen.all():
            if default is None:
                missing = int(np.flatnonzero(~seen)[0])
                raise self.error(close, f"found '}}' before the row for parent configuration "
                                        f"{self.config(parents, states, missing)} of {child!r}, "
                                        f"expected {n_rows} rows")
            flat[~seen] = default[0]
            where[~seen] = default[1]
        return self._cpd(child, parents, states, flat, where)

    def _cpd(self, child: str, parents: list[str], states: dict[str, tuple[str, ...]], rows: np.ndarray,
             where: Any) -> TabularCPD:
        """Return the CPD of ``rows`` (one per parent configuration) after checking every row; a bad
        row is located at ``where`` (one token index for every row, or an array of them).
        """
        table = np.array(rows, dtype=float, order="C")  # owned and C-ordered, as the constructor's
        table.shape = (*(len(states[p]) for p in parents), len(states[child]))
        spot = np.broadcast_to(np.asarray(where), len(rows))
        check_rows(child, parents, states, table, lambda r: int(spot[r]), self.error, atol=self.atol)
        return TabularCPD.from_validated(child, table, tuple(parents), states)

    def _check_enough_rows(self, child: str, parents: list[str], states: dict[str, tuple[str, ...]],
                           entries: list[Any], close: int, n_rows: int) -> None:
        """Raise at the closing brace, naming the first missing row, if rows alone are too few."""
        kinds = [e[0] for e in entries]
        n_given = kinds.count("row") + sum(len(e[1]) for e in entries if e[0] == "block")
        if "table" in kinds or "default" in kinds or n_given >= n_rows:
            return
        seen_codes: set[int] = set()
        for kind, key, _, spot in entries:
            if kind == "block":
                seen_codes.update(key.tolist())
            else:
                seen_codes.add(self.code(child, parents, states, key, spot))
        missing = next(c for c in range(n_rows) if c not in seen_codes)
        raise self.error(close, f"found '}}' before the row for parent configuration "
                                f"{self.config(parents, states, missing)} of {child!r}, "
                                f"expected {n_rows} rows")

    def _collect(self, child: str, parents: list[str], states: dict[str, tuple[str, ...]], entries: list[Any],
                 flat: np.ndarray, seen: np.ndarray, where: np.ndarray) -> tuple[list[Any], list[Any], list[Any], Any]:
        """Apply ``table`` entries and return the keyed rows (codes, rows, spots) and the default."""
        k, n_rows = flat.shape[1], flat.shape[0]
        cards = [len(states[p]) for p in parents]
        index = [{s: j for j, s in enumerate(states[p])} for p in parents]
        rows: list[Any] = []
        keys: list[Any] = []
        spots: list[Any] = []
        default = None
        for kind, key, values, spot in entries:
            if kind == "block":
                keys.append(key)
                rows.append(values)
                spots.append(spot)
                continue
            if kind == "table":
                if len(values) != k * n_rows:
                    raise self.error(spot, f"found {len(values)} probabilities in the table of {child!r}, "
                                           f"expected {k * n_rows} ({k} states x {n_rows} parent configurations)")
                flat[:] = np.array(values).reshape(k, n_rows).T
                seen[:], where[:] = True, spot
                continue
            if len(values) != k:
                raise self.error(spot, f"found {len(values)} probabilities for {child!r}, expected {k} "
                                       f"(one per state {list(states[child])})")
            if kind == "default":
                default = (values, spot)
                continue
            codes = [lookup.get(s) for lookup, s in zip(index, key)]
            if len(key) != len(parents) or None in codes:
                self.code(child, parents, states, key, spot)  # raises, naming the problem
            code = 0
            for j, card in zip(codes, cards):
                code = code * card + int(j)  # type: ignore[arg-type]  # checked just above
            keys.append([code])
            rows.append([values])
            spots.append([spot])
        return keys, rows, spots, default

    def code(self, child: str, parents: list[str], states: dict[str, tuple[str, ...]], key: Any,
             spot: int) -> int:
        """Return the row number of the parent states ``key`` (raise on a bad row)."""
        if len(key) != len(parents):
            raise self.error(spot, f"found {len(key)} parent states {list(key)}, expected {len(parents)} "
                                   f"(one per parent {parents})")
        code = 0
        for p, s in zip(parents, key):
            if s not in states[p]:
                raise self.error(spot, f"found state {s!r} of parent {p!r} in a row of {child!r}, "
                                       f"expected one of {list(states[p])}")
            code = code * len(states[p]) + states[p].index(s)
        return code

    @staticmethod
    def config(parents: list[str], states: dict[str, tuple[str, ...]], code: int) -> str:
        return describe(parents, states, code)
