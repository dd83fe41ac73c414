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
# The tests of the modules the compiled build covers, run a second time on the pure sources
# (of the model's, those of its compiled serving modules: codec, predictor, serving).
PURE_TESTS := tests/sigv4 tests/gateway tests/conformance tests/endpoint tests/test_ids.py \
	tests/models/test_movielens_fast_paths.py tests/models/test_movielens_inference.py \
	tests/models/test_movielens_cache.py
# jsii (the CDK's Python-to-Node bridge) prints an 11-line banner on every run when Node.js is
# past its end of life for jsii; it says nothing about sagegate. Node 20 is the one we test on.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20

.PHONY: serve test lint unit unit-pure native cdk cdk-latest bench clean mutation

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

# No bytecode here either: pip would compile every module of aws-cdk-lib and the upstream
# construct (most never imported), which was half of this install (85 s -> 44 s).
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --no-compile -e '.[dev,cdk,native]'
	$(PIP_INSTALL) --no-compile --no-deps $(RECBOLE)
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

# The suite starts hundreds of Python processes (servers, CLIs, xdist workers): each module is
# compiled once and its bytecode kept, even where the environment asks Python not to write
# any (PYTHONDONTWRITEBYTECODE, which an empty value turns off). The installs leave bytecode
# to this first use, so only what runs is compiled.
test unit unit-pure: export PYTHONDONTWRITEBYTECODE :=

# pytest-xdist: one test process per core (the tests bind ephemeral loopback ports and
# private temporary directories, so they run side by side).
PYTEST_ARGS ?= -n auto

unit: $(VENV)/.installed-dev native
	$(BIN)/pytest $(PYTEST_ARGS)

# The compiled modules' tests again, on their pure-Python sources (the slow end-to-end ones,
# a CDK synthesis, a browser, minute-long loads, run once, in `unit`).
unit-pure: $(VENV)/.installed-dev
	SAGEGATE_PURE=1 $(BIN)/pytest $(PYTEST_ARGS) -m "not slow" $(PURE_TESTS)

# The newest aws-cdk-lib of the supported range, in .venv-cdk-latest, for one test
# (tests/cdk/latest_cdk.py; the test builds it itself when missing).
cdk-latest:
	$(PYTHON) -m tests.cdk.latest_cdk

# Two steps at a time on the machine's two cores: the installs (pip is mostly one core); then
# the compile (mostly mypy inside mypyc, one core) beside lint and, once lint is done, the
# pure-Python run, which needs no compiled build; then the suite on the compiled build. The
# test runs spread over both cores with pytest-xdist.
test:
	$(MAKE) --no-print-directory -j2 $(VENV)/.installed-dev cdk-latest
	$(MAKE) --no-print-directory -j2 native lint unit-pure
	$(MAKE) --no-print-directory unit

# Mutation testing of the modules where fidelity lives (not part of `test`; ~N min):
# docs/TESTING.md. Pure Python always: the compiled build would run the unmutated sources.
mutation: $(VENV)/.installed-dev
	SAGEGATE_PURE=1 $(BIN)/python -m mutation.run $(ARGS)

bench: $(VENV)/.installed-dev native
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .venv-cdk-latest src/sagegate/native/compiled .mypy_cache .ruff_cache .pytest_cache
