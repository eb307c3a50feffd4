"""Write every kind of picture pgm_lite draws into one folder (SVG files for slides).

Run ``python examples/render_gallery.py [OUTPUT_DIR]`` (default: a new temporary directory).
"""

import pathlib
import sys
import tempfile

import pgm_lite as pl


def pictures():
    """Yield (file stem, graphviz object) for every kind of picture."""
    asia = pl.example("asia")
    evidence = {"smoke": "yes", "xray": "yes"}
    yield "asia", pl.render(asia)
    yield "asia_evidence", pl.render(asia, evidence=evidence)
    yield "asia_marginals", pl.render(asia, evidence=evidence,
                                      marginals=pl.marginals(asia, evidence=evidence))
    yield "asia_cpds", pl.render(asia, show_cpds=True)
    blanket = pl.markov_blanket(asia, "either")
    yield "asia_markov_blanket", pl.render(asia, highlight=[*blanket, "either"])
    trail = pl.active_trail_nodes(asia, "asia", given=["xray"])
    yield "asia_active_trail", pl.render(asia, evidence={"xray": "yes"}, highlight=trail)
    yield "asia_factor_graph", pl.render_factor_graph(asia)
    yield "asia_moral_graph", pl.render_moral_graph(asia)
    yield "asia_junction_tree", pl.render_junction_tree(pl.JunctionTree(asia))
    for k, frame in enumerate(pl.render_elimination(asia, "min-fill"), start=1):
        yield f"asia_elimination_{k}", frame
    yield "factor_lung_given_smoke", pl.render_factor(pl.query(asia, ["lung", "smoke"]))

    grid = pl.MarkovNetwork.from_independencies(
        ["A", "B", "C", "D"], ["A ⊥ D | B, C", "B ⊥ C | A, D"])
    yield "grid_markov_network", pl.render(grid)
    pixels = [f"X{i}" for i in range(1, 785)]
    chain = pl.BayesianNetwork(list(zip(pixels, pixels[1:])), variables=pixels)
    yield "pixels_28x28_plate", pl.render(chain)


def main(argv):
    out = pathlib.Path(argv[1]) if len(argv) > 1 else pathlib.Path(tempfile.mkdtemp(prefix="pgm_gallery_"))
    out.mkdir(parents=True, exist_ok=True)
    for stem, graph in pictures():
        path = out / f"{stem}.svg"
        path.write_bytes(graph.pipe(format="svg"))
        print(path)


if __name__ == "__main__":
    main(sys.argv)
