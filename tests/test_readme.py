"""The README's Python snippets run as written and print what their comments say."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


ROOT = README.parent


def test_readme_starts_with_the_title_then_the_two_commands_then_install():
    lines = [line for line in README.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0] == "# pgm_lite"
    assert lines[1] == "```sh"
    assert lines[2].startswith("make demo") and lines[3].startswith("make test")
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0] == "## Install into your own environment"
    text = README.read_text(encoding="utf-8")
    for needle in ["pip install -e .", "apt-get install graphviz", "brew install graphviz",
                   "winget install graphviz", "conda install -c conda-forge graphviz"]:
        assert needle in text


def test_benchmark_tables_live_in_benchmarks_readme():
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "benchmarks" / "update_readme.py")
    update = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(update)
    assert (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8") == update.full_tables()
    text = README.read_text(encoding="utf-8")
    section = text.split(update.START, 1)[1].split(update.END, 1)[0]
    assert update.START + section + update.END == update.summary()    # up to date with the results
    assert "](benchmarks/README.md)" in section and "|---" not in section
    assert "| munin |" in update.full_tables() and "| munin |" not in text


def test_license_is_mit_as_setup_cfg_says():
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "license = MIT" in (ROOT / "setup.cfg").read_text(encoding="utf-8")


def test_readme_snippets_run_and_print_what_they_claim():
    namespace = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in python_blocks():
            exec(compile(block, str(README), "exec"), namespace)
    printed = out.getvalue()
    assert "P(Cloudy) P(Sprinkler | Cloudy) P(Rain | Cloudy) P(WetGrass | Sprinkler, Rain)" in printed
    assert "{'joint': 15, 'independent': 4, 'chain_rule': 15, 'network': 9}" in printed
    assert re.search(r"yes\s+\|\s+0\.7079", printed)
    header = [line for line in printed.splitlines() if line.split()[:1] == ["n"]]
    assert header and header[0].split() == ["n", "full_joint", "independent", "chain_rule", "markov_chain"]
    assert str(2**100 - 1) in printed                 # the 100-variable joint count, not elided
