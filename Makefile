# The two commands that matter: `make serve` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# recbole ships the MovieLens 100K file the default model trains on; its own requirements
# (torch, ray, ...) are not ours, so it comes in without dependencies.
RECBOLE := recbole==1.2.1
# The tests of the modules the compiled build covers, run a second time on the pure sources.
PURE_TESTS := tests/sigv4 tests/gateway tests/conformance tests/endpoint tests/models tests/test_ids.py

.PHONY: serve test lint unit unit-pure native bench clean mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[native]'
	$(BIN)/pip install --quiet --no-deps $(RECBOLE)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,cdk,native]'
	$(BIN)/pip install --quiet --no-deps $(RECBOLE)
	touch $@ $(VENV)/.installed-runtime

serve: native
	$(BIN)/sagegate serve $(ARGS)

# The compiled build of the request path (mypyc), best effort: rebuilt when a source changed,
# skipped with a message when it cannot be built; sagegate then runs as pure Python.
native: $(VENV)/.installed-runtime
	SAGEGATE_PURE=1 $(BIN)/python -m sagegate.native.build

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

unit: $(VENV)/.installed-dev native
	$(BIN)/pytest $(PYTEST_ARGS)

# The compiled modules' tests again, on their pure-Python sources.
unit-pure: $(VENV)/.installed-dev
	SAGEGATE_PURE=1 $(BIN)/pytest $(PURE_TESTS)

test: lint unit unit-pure

# Mutation testing of the modules where fidelity lives (not part of `test`; ~N min):
# docs/TESTING.md. Pure Python always: the compiled build would run the unmutated sources.
mutation: $(VENV)/.installed-dev
	SAGEGATE_PURE=1 $(BIN)/python -m mutation.run $(ARGS)

bench: $(VENV)/.installed-dev native
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) src/sagegate/native/compiled .mypy_cache .ruff_cache .pytest_cache
