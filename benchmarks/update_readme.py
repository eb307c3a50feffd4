"""Write benchmarks/README.md from benchmarks/results/*.md and a short summary into README.md.

Run after the benchmark scripts (``make bench`` does both), so every number in either README comes
from a run whose command is printed beside its table. The full tables live in benchmarks/README.md;
README.md keeps, between its benchmark markers, one line per benchmark (the headline speed-ups,
read from the same tables) and a link.
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: the tables of benchmarks/README.md, in order (the summary reads io, vs_pyagrum, inference, sampling)
RESULTS = ["io", "vs_pyagrum", "cold_floor", "inference", "sampling"]
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
INTRO = """# Benchmarks

Every number below comes from one run of the command printed with its table, on the development
machine (2 cores, x86_64); other libraries (pgmpy, pyAgrum) are measured side by side in the same
run, cold against cold and warm against warm. `make bench` reruns the five scripts
(`io.py`, `vs_pyagrum.py`, `cold_floor.py`, `inference.py`, `sampling.py`, each writing its table to
`results/`) and then
`update_readme.py`, which writes this file and the summary in the top-level README. The tests never
time anything. Timings on a shared 2-core machine are noisy: compare rows of the same run.
"""


def _result(name):
    return (ROOT / "benchmarks" / "results" / f"{name}.md").read_text(encoding="utf-8").strip()


def _shifted(text, top_level):
    top = min(len(h) for h in re.findall(r"^(#+) ", text, flags=re.M))
    shift = top_level - top
    return re.sub(r"^(#+) ", lambda m: "#" * min(len(m.group(1)) + shift, 6) + " ", text, flags=re.M)


def full_tables():
    """The text of benchmarks/README.md: the intro, then every result file (top headings at ##)."""
    return "\n\n".join([INTRO.strip(), *(_shifted(_result(name), 2) for name in RESULTS)]) + "\n"


def _column(text, prefix):
    """Speed-ups (floats) in every table column whose header starts with ``prefix``."""
    values = []
    for block in re.findall(r"(?:^\|.*\|\n?)+", text, flags=re.M):
        rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.strip().splitlines()]
        for i, header in enumerate(rows[0]):
            if header.startswith(prefix):
                values += [float(m.group(1)) for r in rows[2:] if i < len(r)
                           for m in [re.match(r"~?([\d.]+)x", r[i])] if m]
    return values


def _span(values):
    return f"{min(values):g}x–{max(values):g}x" if values else "n/a"


def summary():
    """The README's benchmark section: one line per benchmark and the link to the tables."""
    io, vs_pyagrum, inference, sampling = (_result(name) for name in ("io", "vs_pyagrum", "inference", "sampling"))
    fits = _column(sampling.split("Maximum-likelihood fit", 1)[-1], "speed-up")
    pgmpy = re.search(r"^Geometric mean speed-up: (.*?) over pgmpy", inference, flags=re.M)
    agrum = re.search(r"^\| geometric mean \| \| (.*?) \| (.*?) \| (.*?) \| (.*?) \|", vs_pyagrum, flags=re.M)
    floor = re.findall(r"^\| geometric mean \| \| \| \| (.*?) \| (.*?) \| (.*?) \|", _result("cold_floor"), flags=re.M)
    assert pgmpy is not None and agrum is not None and len(floor) == 2, "benchmark results lack their geometric-mean lines"
    lines = [
        START,
        "Measured side by side with pgmpy and pyAgrum in the same run; the tables, commands and versions",
        "are in [benchmarks/README.md](benchmarks/README.md).",
        "",
        f"- reading BIF files: {_span(_column(io, 'speed-up vs pgmpy'))} faster than pgmpy; small files "
        f"{_span(_column(io.split('Reading small', 1)[-1].split('Reading Hugin', 1)[0], 'speed-up vs pyAgrum'))} "
        f"faster than pyAgrum (`benchmarks/io.py`)",
        f"- exact inference against pyAgrum's LazyPropagation, same questions measured the same way "
        f"(geometric mean of pyAgrum time / ours): all marginals {agrum[1]} cold, {agrum[2]} warm; "
        f"one posterior {agrum[3]} cold, {agrum[4]} warm (`benchmarks/vs_pyagrum.py`)",
        f"- the floor under those cold columns, on the six smallest networks: the least a numpy first answer "
        f"can do (one einsum, no checks) is {floor[0][0]} (one posterior) / {floor[1][0]} (all marginals) "
        f"faster than pyAgrum; pgm_lite is {floor[0][1]} / {floor[1][1]} faster, and {floor[0][2]} / "
        f"{floor[1][2]} answering a question it has answered before (`benchmarks/cold_floor.py`)",
        f"- exact inference, single posteriors: geometric mean {pgmpy[1]} over pgmpy (`benchmarks/inference.py`)",
        f"- forward sampling: {_span(_column(sampling, 'speed-up vs pgmpy'))} faster than pgmpy; "
        f"maximum-likelihood fitting: {_span(fits)} (`benchmarks/sampling.py`)",
        END,
    ]
    return "\n".join(lines)


def main():
    (ROOT / "benchmarks" / "README.md").write_text(full_tables(), encoding="utf-8")
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the markers {START} ... {END}")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + summary() + after, encoding="utf-8")
    print("benchmarks/README.md written; README.md benchmark summary updated")


if __name__ == "__main__":
    main()
