# The README's two commands: `make demo` and `make test`. Both set themselves up on a fresh
# Debian machine with Python 3.11 (a .venv, the package, and Graphviz's `dot` when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test docs bench lint fuzz dot chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.core: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.core
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

dot:
	@command -v dot >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y graphviz; }

# headless Chromium + its WebDriver for the explorer's browser tests (tests/test_explore_browser.py)
chromium:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; }

demo: $(VENV)/.core dot
	$(BIN)/python examples/quickstart.py

test: $(VENV)/.dev dot chromium
	$(BIN)/ruff check pgm_lite tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --nbmake pgm_lite tests notebooks
	$(MAKE) --no-print-directory docs

# the documentation site (Sphinx, warnings are errors) into docs/_build/html
docs: $(VENV)/.dev dot
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

# the readers' fuzz test (tests/test_fuzz.py) with many more mutated files than `make test` runs
fuzz: $(VENV)/.dev
	PGM_LITE_FUZZ_EXAMPLES=$${PGM_LITE_FUZZ_EXAMPLES:-3000} $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev
	$(BIN)/python -m pip install --quiet pyagrum || true
	$(BIN)/python benchmarks/io.py
	$(BIN)/python benchmarks/vs_pyagrum.py
	$(BIN)/python benchmarks/cold_floor.py
	$(BIN)/python benchmarks/inference.py
	$(BIN)/python benchmarks/sampling.py
	$(BIN)/python benchmarks/update_readme.py

clean:
	rm -rf $(VENV) build *.egg-info
