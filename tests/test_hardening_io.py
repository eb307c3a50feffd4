"""Hardening of the readers and writers against careless or hostile files (issue 12, io items).

Memory bombs run in a child process under ``resource.setrlimit(RLIMIT_AS)`` (and RLIMIT_CPU
for the quadratic-time cases), so a regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import gzip
import io
import re
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest

import pgm_lite as pl
from pgm_lite.io import _source

DATA = Path(__file__).parent / "data"
ASIA_GZ = DATA / "asia.bif.gz"


def run_capped(code: str, *, memory: int = 3 * 2**29, cpu: int = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child Python with at most ``memory`` bytes of address space and ``cpu`` s of CPU."""
    prelude = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
        resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
        import io, gzip
        import pgm_lite as pl
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300, cwd=str(Path(__file__).parents[1]))


REFUSE = """
for call in calls:
    try:
        eval(call)
    except pl.PGMError as err:
        print("refused", type(err).__name__, str(err).replace("\\n", " "))
    else:
        print("accepted")
"""


def capped_refusals(setup: str, calls: list[str], **limits: int) -> list[str]:
    """Run each of ``calls`` in one capped child; assert each was refused with a PGMError (and
    that the child did not die of MemoryError or the CPU cap); return the refusals."""
    done = run_capped(f"{setup}\ncalls = {calls!r}\n{REFUSE}", **limits)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == len(calls) and all(line.startswith("refused ") for line in lines), done.stdout[-2000:]
    return lines


def capped_refusal(setup: str, call: str, **limits: int) -> str:
    return capped_refusals(setup, [call], **limits)[0]


def xmlbif(model: pl.BayesianNetwork) -> pl.BayesianNetwork:
    out = io.StringIO()
    pl.write_xmlbif(model, out)
    return pl.read_xmlbif(io.StringIO(out.getvalue()))


# -- item 5: XMLBIF names round-trip exactly, or are refused naming the variable ----------------
@pytest.mark.parametrize("name", [" lead", "trail ", "  both  ", "cr\rhere", "crlf\r\nx", "no\u00a0break",
                                  "\u00a0edge\u00a0", "tab\tx", "\ttab", "new\nline\n", "a&b<c>", "]]>", "'\"",
                                  "\u2028sep", "\U0001f600"])
def test_xmlbif_round_trips_names_exactly(name):
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD(name, [0.25, 0.75], states={name: [name, f"{name}2"]}),
                                  pl.TabularCPD("child", [[0.5, 0.5], [0.1, 0.9]], [name])])
    back = xmlbif(bn)
    assert back.variables == [name, "child"]
    assert back.states(name) == (name, f"{name}2")
    assert back.parents("child") == [name]
    assert np.array_equal(back.cpd("child").table, bn.cpd("child").table)


def test_xmlbif_reader_strips_literal_white_space_but_keeps_references():
    text = """<?xml version="1.0"?><BIF VERSION="0.3"><NETWORK><NAME>n</NAME>
    <VARIABLE TYPE="nature"><NAME>
        indented
    </NAME><OUTCOME>&#32;ref&#32;</OUTCOME><OUTCOME>\u00a0nb</OUTCOME><OUTCOME>\r\nplain\t</OUTCOME></VARIABLE>
    <DEFINITION><FOR> indented </FOR><TABLE> 0.2 0.3 0.5 </TABLE></DEFINITION></NETWORK></BIF>"""
    bn = pl.read_xmlbif(io.StringIO(text))
    assert bn.variables == ["indented"]
    assert bn.states("indented") == (" ref ", "\u00a0nb", "plain")


@pytest.mark.parametrize("bad", ["a\x01", "\x00", "x\x0b", "\x1f", "\ufffe"])
def test_xmlbif_refuses_a_control_character_naming_the_variable(bad):
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD(bad, [0.5, 0.5])])
    with pytest.raises(pl.OptionError, match=rf"cannot write the variable name {re.escape(repr(bad))} in XMLBIF: XML 1.0 cannot hold "
                                             rf"the character U\+{ord(bad[-1]):04X}"):
        pl.write_xmlbif(bn, io.StringIO())
    with pytest.raises(pl.OptionError, match="in GeNIe XDSL"):  # whitespace (\x0b, \x1f) or XML
        pl.write_xdsl(bn, io.StringIO())


def test_xmlbif_refuses_a_control_character_in_a_state_or_the_network_name():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.5, 0.5], states={"A": ["ok", "b\x02d"]})])
    with pytest.raises(pl.OptionError, match=r"cannot write the state 'b\\x02d' of 'A' in XMLBIF"):
        pl.write_xmlbif(bn, io.StringIO())
    with pytest.raises(pl.OptionError, match=r"cannot write the network name 'n\\x03'"):
        pl.write_xmlbif(pl.example("sprinkler"), io.StringIO(), network_name="n\x03")


def test_xdsl_round_trips_escaped_state_names():
    bn = pl.BayesianNetwork(cpds=[pl.TabularCPD("A", [0.5, 0.5], states={"A": [" a\r", "b\t&\u00a0"]})])
    out = io.StringIO()
    pl.write_xdsl(bn, out)
    assert pl.read_xdsl(io.StringIO(out.getvalue())).states("A") == (" a\r", "b\t&\u00a0")


# -- item 12: UAI counts are checked against what the file can hold ---------------------------
@pytest.mark.parametrize("text, message", [
    ("MARKOV 10000000000", r"1:19: found end of file, expected the cardinality of variable 0"),
    ("MARKOV 3 2 2", r"found end of file, expected the cardinality of variable 2"),
    ("MARKOV 1 2 10000000000 ", r"found end of file, expected the scope size of function 0"),
    ("MARKOV 1 10000000000 0", r"1:10: found 10000000000 states of variables \[0\] that are in no function, "
                               r"expected at most 16,777,216"),
    ("BAYES 1 10000000000 1 1 0 10000000000 0.5", r"found end of file after 1 numbers, expected 10000000000"),
])
def test_uai_counts_are_checked_before_building_names(text, message):
    with pytest.raises(pl.ParseError, match=message):
        pl.read_uai(io.StringIO(text))


def test_count_bombs_are_refused_under_a_memory_cap():
    uai_n, uai_k, fg = capped_refusals("", ["pl.read_uai(io.StringIO('MARKOV 10000000000'))",
                                            "pl.read_uai(io.StringIO('MARKOV 1 10000000000 0'))",
                                            "pl.read_fg(io.StringIO('1  1 0 100000000 0'))"])
    assert "expected the cardinality of variable 0" in uai_n
    assert "10000000000 states" in uai_k
    assert "100000000 entries" in fg


def test_uai_isolated_variables_within_the_cap_are_read():
    mn = pl.read_uai(io.StringIO("MARKOV 2 5 2 1 1 1 2 1.0 3.0"))
    assert mn.states("X0") == ("0", "1", "2", "3", "4")


def test_fg_tables_are_capped_before_allocating():
    with pytest.raises(pl.ParseError, match=r"found a table of 10000000000 entries for factor 0, expected at most"):
        pl.read_fg(io.StringIO("1  1 0 10000000000 0"))
    with pytest.raises(pl.ParseError, match=r"found a table of 18446744073709551616 entries for factor 0"):
        pl.read_fg(io.StringIO("1  2 0 1 4294967296 4294967296 0"))  # would overflow int64


# -- item 13: gzip is streamed with an adjustable cap ------------------------------------------
def test_gzip_bomb_is_refused_under_a_memory_cap():
    # 4 GiB of zeros as 4096 gzip members of 1 MiB (about 4 MB compressed)
    setup = """
member = gzip.compress(bytes(2**20), compresslevel=9, mtime=0)
bomb = member * 4096
"""
    out = capped_refusal(setup, "pl.read_bif(io.BytesIO(bomb))")
    assert "found a gzip stream inflating to more than 268,435,456 bytes" in out
    assert "pgm_lite.tuning.READ_MAX_GZIP_BYTES" in out


def test_single_member_gzip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(pl.tuning, "READ_MAX_GZIP_BYTES", 3 * 2**20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(2**20)
    bomb = b"".join(deflate.compress(zeros) for _ in range(16)) + deflate.flush()
    assert len(bomb) < 2**15
    with pytest.raises(pl.ParseError, match="found a gzip stream inflating to more than 3,145,728 bytes"):
        pl.read_bif(io.BytesIO(bomb))


def test_gzip_cap_is_adjustable(monkeypatch, tmp_path):
    size = len(gzip.decompress(ASIA_GZ.read_bytes()))
    monkeypatch.setattr(pl.tuning, "READ_MAX_GZIP_BYTES", size - 1)
    with pytest.raises(pl.ParseError, match=rf"asia.bif.gz: found a gzip stream inflating to more than {size - 1:,}"):
        pl.read_bif(ASIA_GZ)
    monkeypatch.setattr(pl.tuning, "READ_MAX_GZIP_BYTES", size)
    assert len(pl.read_bif(ASIA_GZ).variables) == 8


def test_gzip_members_are_concatenated_and_damage_is_a_parse_error():
    text = gzip.decompress(ASIA_GZ.read_bytes())
    half = len(text) // 2
    two = gzip.compress(text[:half], mtime=0) + gzip.compress(text[half:], mtime=0)
    assert pl.read_bif(io.BytesIO(two)).variables == pl.read_bif(ASIA_GZ).variables
    with pytest.raises(pl.ParseError, match=r"truncated or corrupt gzip stream \(trailing bytes"):
        pl.read_bif(io.BytesIO(two + b"junk"))
    with pytest.raises(pl.ParseError, match=r"truncated or corrupt gzip stream \(the stream ends"):
        pl.read_bif(io.BytesIO(two[:-30]))
    with pytest.raises(pl.ParseError, match="truncated or corrupt gzip stream"):
        pl.read_bif(io.BytesIO(two[:10] + bytes(40)))


def test_gunzip_matches_gzip_on_output_that_fills_chunks_exactly():
    noise = bytes(np.random.default_rng(0).integers(0, 3, size=1000, dtype=np.uint8))
    for data in (bytes(3 * _source._CHUNK), noise + bytes(2 * _source._CHUNK - 1000) + noise):
        assert _source._gunzip(gzip.compress(data, compresslevel=1), "x") == data


# -- item 14: the BIF table cap counts the bytes actually needed -------------------------------
def _default_bomb(n_parents: int) -> str:
    parents = [f"P{i}" for i in range(n_parents)]
    text = "".join(f"variable {p} {{ type discrete [ 2 ] {{ a, b }}; }}\n" for p in parents)
    text += "variable C { type discrete [ 2 ] { a, b }; }\n"
    text += "".join(f"probability ( {p} ) {{ table 0.5, 0.5; }}\n" for p in parents)
    return text + f"probability ( C | {', '.join(parents)} ) {{ default 0.5, 0.5; }}\n"


def test_bif_default_row_bomb_is_refused_before_allocating():
    text = _default_bomb(26)
    assert len(text) < 2600
    with pytest.raises(pl.ParseError, match=r"found a table of 134217728 entries for 'C', expected at most "
                                            r"59,652,323 entries: reading it needs about 3\.3 GiB"):
        pl.read_bif(io.StringIO(text))
    out = capped_refusal(f"text = {text!r}\n", "pl.read_bif(io.StringIO(text))")
    assert "134217728 entries" in out


def test_bif_table_cap_is_adjustable(monkeypatch):
    text = _default_bomb(10)
    assert pl.read_bif(io.StringIO(text)).cpd("C").table.shape == (2,) * 11
    monkeypatch.setattr(pl.tuning, "READ_MAX_TABLE_BYTES", 2**12)
    with pytest.raises(pl.ParseError, match=r"found a table of 2048 entries for 'C', expected at most 227 entries"):
        pl.read_bif(io.StringIO(text))


# -- item 15: rendering never builds a range over the numbers in names ----------------------------
def test_plate_rendering_does_not_range_over_name_numbers():
    setup = """
names = [f"X{i}" for i in range(121)] + ["X400000000"]
bn = pl.BayesianNetwork([(a, b) for a, b in zip(names, names[1:])])
"""
    done = run_capped(setup + "print(pl.render(bn, max_nodes=50).source)", memory=2**30)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "i: 122 values in 0..400000000" in done.stdout


# -- item 16: comment stripping is linear; an unterminated comment is located ----------------
@pytest.mark.parametrize("reader, text, where", [
    (pl.read_bif, "network x { }\n\nvariable a /* never closed\n{ type discrete [ 2 ] { y, n }; }", "3:12"),
    (pl.read_dsl, "net x {\n /* open", "2:2"),
])
def test_unterminated_block_comment_is_a_parse_error_at_its_line(reader, text, where):
    with pytest.raises(pl.ParseError, match=rf"<stream>:{where}: found '/\*' without its closing '\*/', "
                                            "expected a terminated comment"):
        reader(io.StringIO(text))


def test_comments_inside_strings_and_closed_comments_still_work():
    bn = pl.read_bif(io.StringIO('variable "a/*b" { type discrete [ 2 ] { "x//y", z }; } /* c */ // d\n'
                                 'probability ( "a/*b" ) { table 0.5, 0.5; } /* e\n */'))
    assert bn.variables == ["a/*b"] and bn.states("a/*b") == ("x//y", "z")


def test_comment_stripping_is_linear():
    # quadratic stripping took ~20 s for 96 KB; these 0.6-1 MB texts would take 10 minutes to
    # hours each, so the CPU cap (20 s for all four) catches a regression
    texts = ["'network x { } ' + '/* ' * 300_000", "'network x { } /*' + 'x' * 1_000_000",
             "'network x { } ' + '\"/* ' * 200_000", "'net x { ' + '/* ' * 300_000"]
    calls = [f"pl.{reader}(io.StringIO({text}))" for reader, text in zip(["read_bif"] * 3 + ["read_dsl"], texts)]
    out = capped_refusals("", calls, cpu=20)
    assert all("ParseError" in line for line in out)


# -- item 19: integers too long for int() ------------------------------------------------------
def test_bif_cardinality_with_thousands_of_digits_is_a_parse_error():
    text = f"variable a {{ type discrete [ {'9' * 5000} ] {{ y, n }}; }}"
    with pytest.raises(pl.ParseError, match=r"1:30: found '99999999999999999999'\.\.\. \(5000 characters\), "
                                            r"expected the number of states \(a positive integer of at most 18 digits\)"):
        pl.read_bif(io.StringIO(text))


@pytest.mark.parametrize("text, where", [
    ("MARKOV " + "9" * 5000, "1:8"),
    ("MARKOV 1 " + "9" * 5000 + " 0", "1:10"),
    ("BAYES 1 2 1 " + "9" * 5000 + " 0", "1:13"),
    ("BAYES 1 2 1 1 0 " + "9" * 5000 + " 0.5 0.5", "1:17"),
])
def test_uai_counts_with_thousands_of_digits_are_parse_errors(text, where):
    with pytest.raises(pl.ParseError, match=rf"<stream>:{where}: found '9+'\.\.\. \(5000 characters\), expected"):
        pl.read_uai(io.StringIO(text))


def test_evidence_and_fg_counts_with_thousands_of_digits_are_parse_errors():
    with pytest.raises(pl.ParseError, match=r"expected the number of observed variables"):
        pl.read_uai_evidence(io.StringIO("9" * 5000))
    with pytest.raises(pl.ParseError, match=r"expected a variable index"):
        pl.read_uai_evidence(io.StringIO("1 " + "9" * 5000))
    with pytest.raises(pl.ParseError, match=r"expected an entry index of factor 0"):
        pl.read_fg(io.StringIO("1 1 0 2 1 " + "9" * 5000 + " 1.0"))
    with pytest.raises(pl.ParseError, match=r"expected an entry index of factor 0"):
        pl.read_fg(io.StringIO("1 1 0 2 1 " + "9" * 30 + " 1.0"))  # past int64 in the fast path


def test_counts_with_leading_zeros_are_read():
    assert pl.read_bif(io.StringIO("variable a { type discrete [ 0002 ] { y, n }; }\n"
                                   "probability ( a ) { table 0.5, 0.5; }")).states("a") == ("y", "n")
    assert pl.read_uai(io.StringIO("MARKOV 01 002 1 1 0 2 1.0 1.0")).cardinality("X0") == 2
