"""The worker side of `make mutation`: one process per job, each with its own copy of the tree.

A worker imports pytest, Hypothesis and the third-party libraries once, then runs each mutant
in a forked child: cosmic-ray applies the mutant to the worker's copy, the child runs pytest
on the module's tests, the copy is restored. (cosmic-ray's own runner starts a new interpreter
per mutant, and those imports, ~2 s here, would be most of each mutant's time.)
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import multiprocessing
import os
import select
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import cosmic_ray.plugins
from cosmic_ray.mutating import use_mutation
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

# Imported once per job, before any fork: what the tests and sagegate import that is not
# sagegate itself (sagegate and the tests are imported in each child, from mutated sources).
PRELOAD = (
    "pytest",
    "hypothesis",
    "hypothesis.strategies",
    "airspeed",
    "botocore.auth",
    "botocore.session",
    "boto3",
    "cfn_flip",
    "click",
    "fastjsonschema",
    "httptools",
    "numpy",
    "orjson",
    "platformdirs",
    "prometheus_client",
    "pydantic",
    "requests",
    "rich.console",
    "uvicorn",
    "yaml",
    "opentelemetry.sdk.trace",
)


@dataclass(frozen=True)
class Job:
    """One mutant to run in a worker's copy of the tree."""

    job_id: str
    module: str
    operator: str
    occurrence: int
    tests: tuple[str, ...]
    timeout: float


_copy: Path | None = None


def start_worker(copies: multiprocessing.Queue[str]) -> None:
    global _copy
    _copy = Path(copies.get())
    os.chdir(_copy)
    sys.path.insert(0, str(_copy / "src"))
    sys.dont_write_bytecode = True  # a mutated module must never leave a .pyc behind
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if any(name == "sagegate" or name.startswith("sagegate.") for name in sys.modules):
        raise RuntimeError("a preloaded library imported sagegate: it would not be mutated")


def pytest_in_child(tests: tuple[str, ...], timeout: float) -> tuple[TestOutcome, str]:
    """Run pytest on `tests` in a forked child; KILLED when it fails or runs past `timeout`."""
    with tempfile.TemporaryFile() as log:
        pid = os.fork()
        if pid == 0:  # the child: its own process group, so a timeout ends what it started
            code = 3
            try:
                os.setpgid(0, 0)
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                import pytest

                # Plugins preloaded in the parent (anyio's, hypothesis's) cannot have their
                # asserts rewritten; that is no failure of the code under test.
                args = ["-x", "-q", "--no-header", "-p", "no:cacheprovider"]
                args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
                # Plain asserts: the tests' modules load from the copy's compiled files
                # (rewriting them would cost every child a parse); pass or fail is the same.
                args += ["--assert=plain"]
                code = int(pytest.main([*args, "--hypothesis-seed=0", *tests]))
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        pidfd = os.pidfd_open(pid)
        try:
            ready, _, _ = select.select([pidfd], [], [], timeout)
        finally:
            os.close(pidfd)
        if not ready:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return TestOutcome.KILLED, f"timeout after {timeout:.0f} s"
        _, status = os.waitpid(pid, 0)
        with contextlib.suppress(ProcessLookupError):  # whatever the tests left running
            os.killpg(pid, signal.SIGKILL)
        log.seek(0)
        output = log.read().decode("utf-8", "replace")[-4000:]
    # Any failure kills, a mutant that cannot even be imported too (the baseline run has
    # shown that the configuration is sound).
    passed = os.waitstatus_to_exitcode(status) == 0
    return (TestOutcome.SURVIVED if passed else TestOutcome.KILLED), output


def baseline(module: str, tests: tuple[str, ...]) -> tuple[str, float, TestOutcome, str]:
    """The module's tests on the unmutated tree: they must pass; their time sets the timeout."""
    started = time.perf_counter()
    outcome, output = pytest_in_child(tests, timeout=600)
    return module, time.perf_counter() - started, outcome, output


def run_job(job: Job) -> tuple[str, WorkResult]:
    operator = cosmic_ray.plugins.get_operator(job.operator)()
    path = Path(job.module)
    unmutated = path.stat()
    try:
        with use_mutation(path, operator, job.occurrence) as (original, mutated):
            if mutated is None:
                return job.job_id, WorkResult(worker_outcome=WorkerOutcome.NO_TEST)
            outcome, output = pytest_in_child(job.tests, job.timeout)
    finally:  # restored with its time too, so the module's compiled file is current again
        os.utime(path, ns=(unmutated.st_atime_ns, unmutated.st_mtime_ns))
    diff = "\n".join(
        difflib.unified_diff(
            original.split("\n"), mutated.split("\n"), job.module, job.module, n=0, lineterm=""
        )
    )
    result = WorkResult(
        worker_outcome=WorkerOutcome.NORMAL, test_outcome=outcome, output=output, diff=diff
    )
    return job.job_id, result
