"""How many numbers does a distribution over n binary variables need?  (the lecture's table)

Full joint: 2^n - 1.  Fully independent: n.  Chain rule, no independence: 2^n - 1.
Markov chain X_{i+1} ⊥ X_1..X_{i-1} | X_i: 2n - 1.  Each structure below is built from the
independencies with ``BayesianNetwork.from_independencies`` and counted with ``count_parameters``.

Run ``python examples/lecture_parameter_counts.py``.
"""

import pgm_lite as pl


def structures(n):
    """The three structures for n variables, from their independence statements."""
    xs = [f"X{i}" for i in range(1, n + 1)]
    independent = [f"{xs[i]} ⊥ {', '.join(xs[:i])}" for i in range(1, n)]
    markov = [f"{xs[i]} ⊥ {', '.join(xs[:i - 1])} | {xs[i - 1]}" for i in range(2, n)]
    return {
        "fully independent": pl.BayesianNetwork.from_independencies(xs, independent),
        "chain rule": pl.BayesianNetwork.from_independencies(xs, []),
        "Markov chain": pl.BayesianNetwork.from_independencies(xs, markov),
    }


def main():
    print("Four binary variables:")
    for name, model in structures(4).items():
        print(f"  {name:18} {model.factorization():50} {pl.count_parameters(model)['network']:>3} parameters")

    table = pl.parameter_table([1, 2, 3, 4, 5, 10, 20, 30])
    print("\nParameter counts for n binary variables:")
    print(table.to_string(index=False))

    # a 28 x 28 binary image: the formulas, checked on the independent and chain structures
    pixels = [f"X{i}" for i in range(1, 785)]
    independent = pl.count_parameters(pl.BayesianNetwork(variables=pixels))
    chain = pl.count_parameters(pl.BayesianNetwork(list(zip(pixels, pixels[1:]))))
    print("\n28 x 28 binary images (n = 784):")
    print(f"  possible images      2^784 = {independent['joint'] + 1:.3e}")
    print(f"  full joint           {len(str(independent['joint']))}-digit number of parameters")
    print(f"  fully independent    {independent['network']}")
    print(f"  Markov chain         {chain['network']}  (= 2 * 784 - 1)")


if __name__ == "__main__":
    main()
