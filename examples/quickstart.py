"""Quickstart: build a Bayesian network, count its parameters, query it, sample it, draw it.

Run ``python examples/quickstart.py [OUTPUT_DIR]`` (``make demo`` does); the picture goes to
OUTPUT_DIR (default ``./quickstart_output/``).
"""

import pathlib
import sys

import pgm_lite as pl


def sprinkler():
    """The cloudy / sprinkler / rain / wet-grass network, written out in Python."""
    tf = ["F", "T"]
    states = {v: tf for v in ["Cloudy", "Sprinkler", "Rain", "WetGrass"]}
    return pl.BayesianNetwork(
        cpds=[
            pl.TabularCPD("Cloudy", [0.5, 0.5]),
            pl.TabularCPD("Sprinkler", [[0.5, 0.5], [0.9, 0.1]], parents=["Cloudy"]),
            pl.TabularCPD("Rain", [[0.8, 0.2], [0.2, 0.8]], parents=["Cloudy"]),
            # table axes: (Sprinkler, Rain, WetGrass); each row sums to one
            pl.TabularCPD("WetGrass", [[[1.0, 0.0], [0.1, 0.9]], [[0.1, 0.9], [0.01, 0.99]]],
                          parents=["Sprinkler", "Rain"]),
        ],
        states=states,
    )


def main(argv):
    out = pathlib.Path(argv[1] if len(argv) > 1 else "quickstart_output")
    out.mkdir(parents=True, exist_ok=True)

    bn = sprinkler()
    print(bn)
    print("factorization:", bn.factorization())
    counts = pl.count_parameters(bn)
    print("free parameters:", ", ".join(f"{k} {v}" for k, v in counts.items()))

    evidence = {"WetGrass": "T"}
    rain = pl.query(bn, ["Rain"], evidence=evidence)
    print("\nP(Rain | WetGrass = T), exact:")
    print(rain)

    df = pl.sample(bn, 20_000, rng=0)
    wet = df[df["WetGrass"] == "T"]
    print(f"\n20,000 forward samples; among the {len(wet)} with wet grass, "
          f"it rained in {(wet['Rain'] == 'T').mean():.3f} of them (exact {rain.values[1]:.3f})")
    print(df.head().to_string())

    picture = pl.render(bn, evidence=evidence, marginals=pl.marginals(bn, evidence=evidence))
    try:
        path = out / "sprinkler.svg"
        path.write_bytes(picture.pipe(format="svg"))
    except pl.PGMError as err:            # Graphviz's dot is missing: keep the DOT text instead
        path = out / "sprinkler.gv"
        path.write_text(picture.source)
        print(err)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main(sys.argv)
