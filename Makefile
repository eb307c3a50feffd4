# The README's two commands: `make demo` and `make test`. Both set themselves up on a fresh
# Debian machine with Python 3.11 (a .venv, the package, and Graphviz's `dot` when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench lint dot clean

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

demo: $(VENV)/.core dot
	$(BIN)/python examples/quickstart.py

test: $(VENV)/.dev dot
	$(BIN)/ruff check pgm_lite tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --nbmake pgm_lite tests notebooks

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev
	$(BIN)/python -m pip install --quiet pyagrum || true
	$(BIN)/python benchmarks/io.py
	$(BIN)/python benchmarks/inference.py
	$(BIN)/python benchmarks/sampling.py
	$(BIN)/python benchmarks/update_readme.py

clean:
	rm -rf $(VENV) build *.egg-info
