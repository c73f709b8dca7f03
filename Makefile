PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 4010

.PHONY: serve test lint bench wheel clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# One process, worlds in memory, files reloaded on an edit. `make serve STORE=redis://HOST:PORT/DB
# WORKERS=N`: N processes over one shared store (docs/scale.md); --watch only serves one process.
serve: $(STAMP)
	$(BIN)/mockserver serve --host $(HOST) --port $(PORT) $(if $(STORE),--store $(STORE)) \
		$(if $(filter-out 1,$(WORKERS)),--workers $(WORKERS),--watch)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet mockserver tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

# Includes tests/test_install.py: the wheel built and installed into a fresh virtualenv.
test: $(STAMP) lint
	$(BIN)/pytest -q -n 2

# The wheel a user installs: `pip install dist/mockserver-*.whl` or `pipx install dist/mockserver-*.whl`.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

bench: $(STAMP)
	bash bench/setup.sh
	$(BIN)/python bench/run.py
	$(BIN)/python bench/soak.py  # 10 minutes at 200 req/s: RSS must stay flat (issue 9)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
