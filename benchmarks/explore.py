"""Benchmark: what the explorer's server does for a click on a new evidence pattern.

*Before*: every new pattern re-ran Graphviz: exact posteriors and P(evidence), then the whole
network drawn again with its bars (``pl.render(..., clickable_states=True).pipe("svg")``), the
SVG annotated with the data attributes and sent as JSON. *After*: the picture is laid out once
per view; a click answers only the JSON posteriors (``ExplorerSession.posteriors`` plus
``json.dumps``, as the ``/api/posteriors`` route does), and the page updates the picture in place.

Networks: asia, alarm, and ``tree1000`` = ``pl.testing.random_network(1000, max_parents=1,
max_cardinality=2, rng=0)`` (1,000 binary variables, at most one parent each: tree-shaped).
Each side answers its own new single-variable evidence patterns (one state of one variable) (the inference engine caches
work per pattern, so a pattern is never timed twice); the patterns of the two sides are
interleaved in time so that load on the shared machine hits both alike. The junction tree is
built before timing (the page's first load does that), as is the after side's picture.

Run from the repository root (writes benchmarks/results/explore.md)::

    .venv/bin/python benchmarks/explore.py
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pgm_lite as pl  # noqa: E402
from pgm_lite.explore import ExplorerSession  # noqa: E402
from pgm_lite.explore._session import Picture  # noqa: E402
from pgm_lite.testing import random_network  # noqa: E402

CLICKS = 6   # new evidence patterns per side and network


def full_redraw(model, evidence):
    """The former answer to a click: posteriors, P(evidence) and the whole picture redrawn."""
    posteriors = pl.marginals(model, evidence=evidence)
    p_evidence = float(pl.probability(model, evidence)) if evidence else 1.0
    table = {v: {s: float(p) for s, p in zip(f.states[v], f.values)} for v, f in posteriors.items()}
    graph = pl.render(model, evidence=evidence, marginals=posteriors, max_nodes=None,
                      clickable_states=True)
    svg = Picture.from_svg(graph.pipe(format="svg").decode("utf-8"),
                           [(v, tuple(model.states(v))) for v in model.variables]).fill(table, evidence)
    return json.dumps({"svg": svg, "evidence": evidence, "p_evidence": p_evidence, "marginals": table})


def patterns(model, n):
    """``n`` single-variable patterns: variables spread over the model, likeliest states first."""
    prior = pl.marginals(model)
    step = max(1, len(model.variables) // n)
    spread = model.variables[::step] + [v for v in model.variables if v not in model.variables[::step]]
    ranked = [(rank, v) for v in spread for rank in range(model.cardinality(v))]
    ranked.sort(key=lambda pair: pair[0])                  # stable: keeps the spread order
    chosen = []
    for rank, v in ranked:
        order = prior[v].values.argsort()[::-1]
        if prior[v].values[order[rank]] > 0:
            chosen.append({v: model.states(v)[int(order[rank])]})
    return chosen[:n]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(name, model):
    session = ExplorerSession(model, name=name)
    draw, _ = timed(lambda: session.picture("network"))        # once per view
    session.state({})                                          # the first load (junction tree built)
    evidence = patterns(model, 2 * CLICKS)
    before, after, size_before, size_after = [], [], 0, 0
    for k in range(CLICKS):
        t, text = timed(lambda k=k: full_redraw(model, evidence[2 * k]))
        before.append(t)
        size_before = max(size_before, len(text))
        t, text = timed(lambda k=k: json.dumps(session.posteriors(evidence[2 * k + 1])))
        after.append(t)
        size_after = max(size_after, len(text))
    cached, _ = timed(lambda: json.dumps(session.posteriors(evidence[1])))
    fill, _ = timed(lambda: session.state(evidence[1]))        # a view switch: SVG filled, no Graphviz
    return {"network": name, "variables": len(model.variables), "draw": draw,
            "before": statistics.median(before), "after": statistics.median(after),
            "after_max": max(after), "cached": cached, "fill": fill,
            "kb_before": size_before / 1e3, "kb_after": size_after / 1e3}


def main():
    networks = [
        ("asia", pl.example("asia")),
        ("alarm", pl.read_bif(ROOT / "tests" / "data" / "alarm.bif.gz")),
        ("tree1000", random_network(1000, max_parents=1, max_cardinality=2, rng=0)),
    ]
    rows = [measure(name, model) for name, model in networks]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Explorer: server time per click on a new evidence pattern",
        "",
        "Command: `.venv/bin/python benchmarks/explore.py` (from the repository root). "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.1f} at the end of the run (the machine is shared: timings are noisy).",
        "",
        f"Median over {CLICKS} new single-variable patterns per side (different patterns, interleaved "
        "in time; the engine caches per pattern). *before*: posteriors + Graphviz redraw of the whole "
        "SVG + JSON; *after*: JSON posteriors only (the page updates the picture in place). "
        "`tree1000` = `random_network(1000, max_parents=1, max_cardinality=2, rng=0)`.",
        "",
        "| network | variables | before (ms) | after (ms) | after, worst (ms) | speed-up | answer before / after (kB) "
        "| cached pattern (ms) | picture drawn once per view (ms) | full SVG filled, no Graphviz (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['network']} | {r['variables']:,} | {1e3 * r['before']:.1f} | {1e3 * r['after']:.1f} "
            f"| {1e3 * r['after_max']:.1f} | {r['before'] / r['after']:.1f}x "
            f"| {r['kb_before']:.0f} / {r['kb_after']:.0f} | {1e3 * r['cached']:.2f} "
            f"| {1e3 * r['draw']:.0f} | {1e3 * r['fill']:.1f} |")
    out = ROOT / "benchmarks" / "results" / "explore.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
