"""Write every kind of picture pgm_lite draws into one folder: ``NAME.png`` (150 dpi, for the
docs and slides) and ``NAME.svg`` (vector) of each.

Run ``python examples/render_gallery.py [OUT_DIR]``; the default OUT_DIR is ``build/gallery``
(the docs build runs it into ``docs/_generated/gallery``). One line (the PNG's path) is printed
per picture.
"""

from __future__ import annotations

import itertools
import pathlib
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

import pgm_lite as pl


def ising(n: int, coupling: float = 0.4) -> pl.MarkovNetwork:
    """An n x n Ising model with variables x_r_c (states -1, +1) and a weak field on x_0_0."""
    name = "x_{}_{}".format
    edges = [(name(r, c), name(r, c + 1)) for r in range(n) for c in range(n - 1)]
    edges += [(name(r, c), name(r + 1, c)) for r in range(n - 1) for c in range(n)]
    mn = pl.MarkovNetwork(edges, states={name(r, c): ["-1", "+1"] for r in range(n) for c in range(n)})
    pair = np.exp(coupling * np.array([[1.0, -1.0], [-1.0, 1.0]]))
    for u, v in edges:
        mn.add_factor(pl.DiscreteFactor([u, v], pair, {u: ["-1", "+1"], v: ["-1", "+1"]}))
    field = pl.DiscreteFactor([name(0, 0)], [0.3, 0.7], {name(0, 0): ["-1", "+1"]})
    mn.add_factor(field)
    return mn


def pictures() -> Iterator[tuple[str, Any]]:
    """Yield (file stem, graphviz object) for every kind of picture."""
    asia = pl.example("asia")
    evidence = {"smoke": "yes", "xray": "yes"}
    yield "asia", pl.render(asia)
    yield "asia_evidence", pl.render(asia, evidence=evidence)
    yield "asia_marginals", pl.render(asia, evidence=evidence,
                                      marginals=pl.marginals(asia, evidence=evidence))
    yield "asia_marginals_neato", pl.render(asia, evidence=evidence, layout="neato",
                                            marginals=pl.marginals(asia, evidence=evidence))
    yield "asia_cpds", pl.render(asia, show_cpds=True)
    blanket = pl.markov_blanket(asia, "either")
    yield "asia_markov_blanket", pl.render(asia, highlight=[*blanket, "either"])
    trail = pl.active_trail_nodes(asia, "asia", given=["xray"])
    yield "asia_active_trail", pl.render(asia, evidence={"xray": "yes"}, highlight=trail)
    yield "asia_factor_graph", pl.render_factor_graph(asia)
    yield "alarm_factor_graph", pl.render_factor_graph(pl.example("alarm"))
    yield "asia_moral_graph", pl.render_moral_graph(asia)
    yield "asia_junction_tree", pl.render_junction_tree(pl.JunctionTree(asia))
    frames = pl.render_elimination(asia, "min-fill", evidence={"xray": "yes"})
    for k, frame in enumerate(frames, start=1):
        yield f"asia_elimination_{k}", frame
    yield "factor_lung_given_smoke", pl.render_factor(pl.query(asia, ["lung", "smoke"]))

    square = pl.MarkovNetwork.from_independencies(
        ["A", "B", "C", "D"], ["A ⊥ D | B, C", "B ⊥ C | A, D"])
    yield "grid_markov_network_2x2", pl.render(square)
    grid = ising(8)
    yield "ising_8x8", pl.render(grid)
    small = ising(4)
    yield "ising_4x4_marginals", pl.render(small, marginals=pl.marginals(small),
                                           evidence={"x_3_3": "-1"})
    for k, frame in enumerate(pl.render_elimination(small, ["x_0_0", "x_0_1", "x_1_0"]), start=1):
        yield f"ising_4x4_elimination_{k}", frame
    pixels = [f"X{i}" for i in range(1, 785)]
    chain = pl.BayesianNetwork(list(zip(pixels, pixels[1:])), variables=pixels)
    yield "pixels_28x28_plate_chain", pl.render(chain)
    naive = pl.BayesianNetwork([("digit", p) for p in pixels], variables=["digit", *pixels])
    yield "naive_bayes_784_plate", pl.render(naive)
    cells = [f"pixel_{r}_{c}" for r, c in itertools.product(range(28), range(28))]
    image = pl.MarkovNetwork([(f"pixel_{r}_{c}", f"pixel_{r}_{c + 1}") for r in range(28) for c in range(27)]
                             + [(f"pixel_{r}_{c}", f"pixel_{r + 1}_{c}") for r in range(27) for c in range(28)],
                             variables=cells)
    yield "pixel_grid_28x28_plate", pl.render(image)


def main(argv: list[str]) -> None:
    """Write the gallery into ``argv[1]`` (default build/gallery)."""
    out = pathlib.Path(argv[1]) if len(argv) > 1 else pathlib.Path("build") / "gallery"
    out.mkdir(parents=True, exist_ok=True)
    for stem, graph in pictures():
        for fmt in ("svg", "png"):
            (out / f"{stem}.{fmt}").write_bytes(graph.pipe(format=fmt))
        print(out / f"{stem}.png")


if __name__ == "__main__":
    main(sys.argv)
