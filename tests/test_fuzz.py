"""Fuzzing every reader: mutated real files give a model or a PGMError, never another exception.

Each example takes a real file of one format (bnlearn, pgmpy, pyAgrum, GeNIe and libDAI files
in ``tests/data``, plus files ``pl.write`` makes), applies a few byte-level and token-level
mutations (flips, insertions of format syntax, huge or odd numbers, deletions, duplicated
spans, truncation, gzip), and reads the result both with the format forced and sniffed from
the content. A model that is read must then write back in its own format and read back the
same (or the writer refuses with a PGMError), and writing it in every other format may only
raise PGMErrors.

``make test`` runs a few seconds of this (``PGM_LITE_FUZZ_EXAMPLES``, default 40 per format);
``make fuzz`` runs it much longer.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import resource
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pgm_lite as pl

DATA = Path(__file__).parent / "data"
EXAMPLES = int(os.environ.get("PGM_LITE_FUZZ_EXAMPLES", "40"))
WRITABLE = ["bif", "xmlbif", "uai", "net", "xdsl", "fg"]
NAMED = {"bif", "xmlbif", "net", "xdsl"}


def _written(fmt: str, model: pl.BayesianNetwork | pl.MarkovNetwork) -> bytes:
    out = io.StringIO()
    pl.write(model, out, format=fmt)
    return out.getvalue().encode()


def _seeds() -> dict[str, list[bytes]]:
    formats = DATA / "formats"
    asia = pl.read_bif(DATA / "asia.bif.gz")
    student = pl.example("student")
    mrf = pl.read_fg(formats / "libdai.fg")
    seeds = {
        "bif": [gzip.decompress((DATA / "asia.bif.gz").read_bytes()), (formats / "rows.bif").read_bytes(),
                _written("bif", student)],
        "xmlbif": [_written("xmlbif", asia), _written("xmlbif", student)],
        "uai": [(formats / "asia_pyagrum.uai").read_bytes(), (formats / "scalar.uai").read_bytes(),
                _written("uai", mrf)],
        "net": [(formats / n).read_bytes() for n in ("asia_pgmpy.net", "quoted.net", "unquoted.net")],
        "xdsl": [(formats / n).read_bytes() for n in ("asia_pgmpy.xdsl", "genie.xdsl")],
        "dsl": [(formats / n).read_bytes() for n in ("asia_pyagrum.dsl", "genie.dsl")],
        "fg": [(formats / "libdai.fg").read_bytes(), (DATA / "libdai_testfast.fg").read_bytes()],
    }
    return seeds


SEEDS = _seeds()

INTERESTING = [
    b"/*", b"*/", b"//", b'"', b"'", b"\\", b"{", b"}", b"(", b")", b"[", b"]", b";", b",", b"|", b"=",
    b"<", b">", b"/>", b"&", b"&amp;", b"&#0;", b"&#13;", b"&#32;", b"&#xD800;", b"<!ENTITY e 'x'>",
    b"<!DOCTYPE a SYSTEM 'http://x'>", b"]]>", b"<![CDATA[x]]>", b"<?xml version='1.0'?>",
    b"0", b"1", b"-1", b"+1", b"1e309", b"-1e309", b"nan", b"inf", b"-0", b"0.5", b"1e-320", b"0x10",
    b"99999999999999999999", b"9" * 5000, b"4294967296", b"18446744073709551617",
    b"\x00", b"\x01", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", "\u00a0".encode(), b"\t", b" ",
    b"%", b"#", b"default", b"table", b"probability", b"variable", b"network", b"property", b"type",
    b"discrete", b"node", b"potential", b"net", b"states", b"data", b"class", b"MARKOV", b"BAYES",
    b"<cpt id='z'>", b"<state id='s'/>", b"<parents>", b"<VARIABLE>", b"<GIVEN>", b"<TABLE>",
]
NUMBER = re.compile(rb"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")

positions = st.integers(0, 2**31)
operations = st.one_of(
    st.tuples(st.just("flip"), positions, st.integers(0, 255)),
    st.tuples(st.just("insert"), positions, st.sampled_from(INTERESTING)),
    st.tuples(st.just("number"), positions, st.sampled_from(INTERESTING[26:44])),
    st.tuples(st.just("delete"), positions, st.integers(1, 64)),
    st.tuples(st.just("duplicate"), positions, st.integers(1, 400)),
    st.tuples(st.just("truncate"), positions, st.just(0)),
)


def mutate(data: bytes, ops: list[tuple[str, int, object]]) -> bytes:
    """Apply ``ops`` to ``data`` (positions are taken modulo the current length)."""
    blob = bytearray(data)
    for kind, where, arg in ops:
        at = where % (len(blob) + 1)
        if kind == "flip" and blob:
            blob[at % len(blob)] = int(arg)  # type: ignore[call-overload]
        elif kind == "insert":
            blob[at:at] = arg  # type: ignore[assignment]
        elif kind == "number":
            found = list(NUMBER.finditer(bytes(blob)))
            if found:
                m = found[where % len(found)]
                blob[m.start():m.end()] = arg  # type: ignore[assignment]
        elif kind == "delete":
            del blob[at:at + int(arg)]  # type: ignore[call-overload]
        elif kind == "duplicate":
            span = bytes(blob[at:at + int(arg)])  # type: ignore[call-overload]
            dest = (at * 7919) % (len(blob) + 1)
            blob[dest:dest] = span
        elif kind == "truncate":
            del blob[at:]
    return bytes(blob)


def same_model(a: pl.BayesianNetwork | pl.MarkovNetwork, b: pl.BayesianNetwork | pl.MarkovNetwork,
               fmt: str) -> None:
    """Assert that ``b`` (read back from ``fmt``) holds everything ``fmt`` stores of ``a``."""
    assert type(a) is type(b)
    if fmt in NAMED:
        assert sorted(a.variables) == sorted(b.variables)
        if fmt != "xdsl":  # XDSL puts parents first
            assert a.variables == b.variables
        assert {v: a.states(v) for v in a.variables} == {v: b.states(v) for v in b.variables}
    else:
        assert [a.cardinality(v) for v in a.variables] == [b.cardinality(v) for v in b.variables]
    if isinstance(a, pl.BayesianNetwork):
        rename = dict(zip(a.variables, b.variables)) if fmt not in NAMED else {v: v for v in a.variables}
        for v in a.variables:
            ca, cb = a.cpd(v), b.cpd(rename[v])
            assert [rename[p] for p in ca.parents] == list(cb.parents)
            assert np.array_equal(ca.table, cb.table)
    else:
        fa, fb = a.factors(), b.factors()
        assert len(fa) == len(fb)
        for x, y in zip(fa, fb):
            assert np.array_equal(x.values, y.values)


def check(data: bytes, fmt: str, sniff: bool) -> None:
    """Read ``data``; a model must survive its own writer and every other writer may only refuse."""
    try:
        model = pl.read(io.BytesIO(data), format=None if sniff else fmt)
    except pl.PGMError:
        return
    for other in WRITABLE:
        out = io.StringIO()
        try:
            pl.write(model, out, format=other)
        except pl.PGMError:
            continue
        if other == fmt:
            same_model(model, pl.read(io.StringIO(out.getvalue()), format=fmt), fmt)


@pytest.fixture
def memory_cap():
    """Cap the address space while fuzzing so that a bomb the readers miss fails, not the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as handle:
        size = int(handle.read().split()[0]) * resource.getpagesize()
    cap = size + 4 * 2**30
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("fmt", list(SEEDS))
def test_mutated_files_raise_only_pgm_errors(fmt, memory_cap):
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seed=st.integers(0, len(SEEDS[fmt]) - 1), ops=st.lists(operations, min_size=1, max_size=4),
           sniff=st.booleans(), compress=st.sampled_from([None, None, None, "whole", "cut"]))
    def run(seed, ops, sniff, compress):
        data = mutate(SEEDS[fmt][seed], ops)
        if compress is not None:
            data = gzip.compress(data, mtime=0)
            if compress == "cut":
                data = data[: max(2, len(data) * 2 // 3)]
        check(data, fmt, sniff)

    run()


@pytest.mark.parametrize("fmt", list(SEEDS))
def test_unmutated_seeds_round_trip(fmt):
    """The fuzz's starting points are valid files, and each survives the round trip exactly."""
    for data in SEEDS[fmt]:
        model = pl.read(io.BytesIO(data), format=fmt)
        assert model.variables
        check(data, fmt, sniff=False)


def test_mutate_changes_what_it_is_asked_to():
    assert mutate(b"abc 12 x", [("number", 0, b"99")]) == b"abc 99 x"
    assert mutate(b"abc", [("truncate", 1, 0)]) == b"a"
    assert mutate(b"abc", [("insert", 3, b"/*")]) == b"abc/*"
    assert mutate(b"abc", [("delete", 0, 2)]) == b"c"
