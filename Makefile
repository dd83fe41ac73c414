# The two commands that matter: `make serve` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# recbole ships the MovieLens 100K file the default model trains on; its own requirements
# (torch, ray, ...) are not ours, so it comes in without dependencies. pip's check after any
# later install would then report recbole's missing requirements as "ERROR: pip's dependency
# resolver ..." lines, so our installs skip that check (--no-warn-conflicts). Conflicts among
# the packages being installed still stop the resolver.
RECBOLE := recbole==1.2.1
PIP_INSTALL := $(BIN)/pip install --quiet --no-warn-conflicts
# The tests of the modules the compiled build covers, run a second time on the pure sources.
PURE_TESTS := tests/sigv4 tests/gateway tests/conformance tests/endpoint tests/models tests/test_ids.py
# jsii (the CDK's Python-to-Node bridge) prints an 11-line banner on every run when Node.js is
# past its end of life for jsii; it says nothing about sagegate. Node 20 is the one we test on.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20

.PHONY: serve test lint unit unit-pure native cdk bench clean mutation

# A first `make serve` is mostly installing; two choices save ~20 s of it on the 2-core
# machine. The venv gets the newest pip from the system's pip (`--python`, pip >= 22.3) instead
# of ensurepip's older copy and then an upgrade (ensurepip remains the fall-back). The runtime
# install writes no bytecode (--no-compile): Python compiles only what a start imports.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --no-compile pip 2>/dev/null \
		|| $(BIN)/python -m ensurepip --upgrade --default-pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --no-compile -e .
	$(PIP_INSTALL) --no-compile --no-deps $(RECBOLE)
	touch $@

$(VENV)/.installed-native: $(VENV)/.installed-runtime
	$(PIP_INSTALL) -e '.[native]'
	touch $@

$(VENV)/.installed-cdk: $(VENV)/.installed-runtime
	$(PIP_INSTALL) -e '.[cdk]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev,cdk,native]'
	$(PIP_INSTALL) --no-deps $(RECBOLE)
	touch $@ $(VENV)/.installed-runtime $(VENV)/.installed-native $(VENV)/.installed-cdk

# Pure Python, or the compiled build when a current one exists (`make native`).
serve: $(VENV)/.installed-runtime
	$(BIN)/sagegate serve $(ARGS)

# The compiled build of the request path (mypyc, 1 to 3 minutes here): rebuilt when a source
# changed, skipped with a message when it cannot be built (sagegate then runs as pure Python),
# unless SAGEGATE_REQUIRE_NATIVE=1 (CI), which makes that an error.
native: $(VENV)/.installed-native
	SAGEGATE_PURE=1 $(BIN)/python -m sagegate.native.build

# The CDK construct's extra (aws-cdk-lib), for `sagegate synth` and examples/deploy.
cdk: $(VENV)/.installed-cdk

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	@# Each example is a project of its own (two of them have a code/inference.py).
	for example in examples/*.py examples/*/; do $(BIN)/mypy --strict "$$example" || exit 1; done

# pytest-xdist: one test process per core (the tests bind ephemeral loopback ports and
# private temporary directories, so they run side by side).
PYTEST_ARGS ?= -n auto

unit: $(VENV)/.installed-dev native
	$(BIN)/pytest $(PYTEST_ARGS)

# The compiled modules' tests again, on their pure-Python sources (the slow end-to-end ones,
# a CDK synthesis, a browser, minute-long loads, run once, in `unit`).
unit-pure: $(VENV)/.installed-dev
	SAGEGATE_PURE=1 $(BIN)/pytest $(PYTEST_ARGS) -m "not slow" $(PURE_TESTS)

# Lint (mypy, one core) and the compile (mostly mypy inside mypyc, one core) run side by
# side on the machine's two cores; the suite then spreads over both with pytest-xdist.
test: $(VENV)/.installed-dev
	$(MAKE) --no-print-directory -j2 lint native
	$(MAKE) --no-print-directory unit unit-pure

# Mutation testing of the modules where fidelity lives (not part of `test`; ~N min):
# docs/TESTING.md. Pure Python always: the compiled build would run the unmutated sources.
mutation: $(VENV)/.installed-dev
	SAGEGATE_PURE=1 $(BIN)/python -m mutation.run $(ARGS)

bench: $(VENV)/.installed-dev native
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) src/sagegate/native/compiled .mypy_cache .ruff_cache .pytest_cache
