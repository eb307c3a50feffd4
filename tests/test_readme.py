"""The README's Python snippets run as written and print what their comments say."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_starts_with_the_two_commands():
    lines = [line for line in README.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0] == "```sh"
    assert lines[1].startswith("make demo") and lines[2].startswith("make test")


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
