"""Copy the tables in benchmarks/results/*.md into README.md between the benchmark markers.

Run after the benchmark scripts (``make bench`` does both), so every number in the README comes from
a run whose command is printed beside it.
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ["io", "inference", "sampling"]
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


def section():
    parts = []
    for name in RESULTS:
        text = (ROOT / "benchmarks" / "results" / f"{name}.md").read_text(encoding="utf-8").strip()
        top = min(len(h) for h in re.findall(r"^(#+) ", text, flags=re.M))
        shift = 3 - top                       # each file's top heading becomes ### under Performance
        text = re.sub(r"^(#+) ", lambda m, shift=shift: "#" * min(len(m.group(1)) + shift, 6) + " ", text, flags=re.M)
        parts.append(text)
    return "\n\n".join([START, *parts, END])


def main():
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the markers {START} ... {END}")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + section() + after, encoding="utf-8")
    print("README.md benchmark section updated")


if __name__ == "__main__":
    main()
