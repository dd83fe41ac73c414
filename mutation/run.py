"""`make mutation`: cosmic-ray's mutants of the modules where fidelity lives, against their tests.

For each module of `mutation/modules.toml`, cosmic-ray lists the mutants of its source (into a
session database under `mutation/sessions/`, which `cr-report` and `cr-html` read); mutants
inside type annotations are left out (mypy --strict checks those, and with postponed
annotations no test could see them), and a fixed sample of the rest, drawn with the seed, is
run against the module's own tests. A mutant is killed when those tests fail (or time out).
The scores per module are printed, and the survivors written to `mutation/survivors.txt`;
survivors documented as equivalent in docs/TESTING.md count as caught in the score.

Everything runs as pure Python (`SAGEGATE_PURE=1`, and the copies hold no compiled build):
the mypyc build is compiled from the sources, so it would run the unmutated code.

The mutants are applied in private copies of the tree (one per job), never in the working
tree, so an interrupted run leaves the sources as they were. Each job's process imports
pytest, hypothesis and the third-party libraries once, then forks one child per mutant that
runs pytest on the module's tests: cosmic-ray's own runner starts a new interpreter per
mutant, and those imports (~2 s here) would be most of each mutant's time.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import difflib
import fnmatch
import importlib
import multiprocessing
import multiprocessing.pool
import os
import random
import re
import select
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cosmic_ray.commands
import cosmic_ray.plugins
from cosmic_ray.mutating import use_mutation
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkItem, WorkResult

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "mutation" / "modules.toml"
SESSIONS = REPO / "mutation" / "sessions"
SURVIVORS = REPO / "mutation" / "survivors.txt"
TESTING_DOC = REPO / "docs" / "TESTING.md"
# What a copy of the tree needs for the tests to run (the copies hold no compiled build).
COPIED = ("src", "tests", "pyproject.toml")
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
# A line of docs/TESTING.md that documents an equivalent mutant:
# - `src/...py` `OperatorName` `the mutated source line, stripped`: why
EQUIVALENT_LINE = re.compile(r"^- `(?P<module>[^`]+)` `(?P<operator>[^`]+)` `(?P<line>[^`]+)`: ")

NOT_SAMPLED = "not in the sample"
IN_ANNOTATION = "in a type annotation"
KEYWORD_ONLY_MARKER = "the keyword-only marker of a parameter list"


@dataclass(frozen=True)
class Job:
    """One mutant to run in a worker's copy of the tree."""

    job_id: str
    module: str
    operator: str
    occurrence: int
    tests: tuple[str, ...]
    timeout: float


@dataclass(frozen=True)
class Equivalent:
    """A survivor documented as equivalent: its module, operator (a glob) and source line."""

    module: str
    operator: str
    line: str

    def covers(self, module: str, operator: str, line: str) -> bool:
        return (
            module == self.module
            and fnmatch.fnmatchcase(operator.rsplit("/", 1)[-1], self.operator)
            and line.strip() == self.line
        )


@dataclass
class Score:
    """One module's outcome."""

    module: str
    mutants: int = 0
    sampled: int = 0
    killed: int = 0
    survivors: list[tuple[WorkItem, WorkResult, bool]] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return self.killed + len(self.survivors)

    @property
    def equivalent(self) -> int:
        return sum(1 for _, _, equivalent in self.survivors if equivalent)

    def percent(self, caught: int) -> float:
        return 100.0 * caught / self.ran if self.ran else 100.0


# --- the worker side: one process per job slot, each with its own copy of the tree ----------

_copy: Path | None = None


def _start_worker(copies: multiprocessing.Queue[str]) -> None:
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


def _pytest_in_child(tests: tuple[str, ...], timeout: float) -> tuple[TestOutcome, str]:
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


def _baseline(module: str, tests: tuple[str, ...]) -> tuple[str, float, TestOutcome, str]:
    """The module's tests on the unmutated tree: they must pass; their time sets the timeout."""
    started = time.perf_counter()
    outcome, output = _pytest_in_child(tests, timeout=600)
    return module, time.perf_counter() - started, outcome, output


def _run(job: Job) -> tuple[str, WorkResult]:
    operator = cosmic_ray.plugins.get_operator(job.operator)()
    path = Path(job.module)
    unmutated = path.stat()
    try:
        with use_mutation(path, operator, job.occurrence) as (original, mutated):
            if mutated is None:
                return job.job_id, WorkResult(worker_outcome=WorkerOutcome.NO_TEST)
            outcome, output = _pytest_in_child(job.tests, job.timeout)
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


# --- the parent side --------------------------------------------------------------------------


def _copy_tree(destination: Path) -> None:
    """The sources and tests, compiled once (a child then compiles only the mutated module)."""
    ignore = shutil.ignore_patterns("__pycache__", "compiled", "compiled.new", ".hypothesis")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
            compileall.compile_dir(destination / name, quiet=1)
        else:
            shutil.copy2(source, destination / name)


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    spans = []
    for node in ast.walk(ast.parse(source)):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None and annotation.end_lineno is not None:
                start = (annotation.lineno, annotation.col_offset)
                end = (annotation.end_lineno, annotation.end_col_offset or 0)
                spans.append((start, end))
    return spans


def _keyword_only_marker(lines: list[str], position: tuple[int, int]) -> bool:
    """Whether `position` is the bare `*` that makes the parameters after it keyword-only: a
    marker cosmic-ray reads as a multiplication (as `/` the function works the same)."""
    line, column = position
    text = lines[line - 1]
    before = text[:column].rstrip()
    return (
        text[column : column + 1] == "*"
        and text[column + 1 :].lstrip().startswith((",", ")"))
        and (before == "" or before.endswith(("(", ",")))
    )


def _sample(db: WorkDB, module: str, seed: int, size: int) -> tuple[int, int]:
    """Mark all but the sampled mutants skipped; (mutants that are not syntax, sampled)."""
    source = (REPO / module).read_text()
    spans = _annotation_spans(source)
    lines = source.splitlines()
    eligible: list[WorkItem] = []
    for item in db.work_items:
        mutation = item.mutations[0]
        start = (mutation.start_pos[0], mutation.start_pos[1])
        if any(low <= start < high for low, high in spans):
            db.set_result(item.job_id, _skipped(IN_ANNOTATION))
        elif _keyword_only_marker(lines, start):
            db.set_result(item.job_id, _skipped(KEYWORD_ONLY_MARKER))
        else:
            eligible.append(item)
    # cosmic-ray numbers each operator's places in the module in source order: a stable key.
    eligible.sort(key=lambda item: (item.mutations[0].operator_name, item.mutations[0].occurrence))
    chosen = eligible if size <= 0 or size >= len(eligible) else []
    if not chosen:
        chosen = random.Random(f"{seed}/{module}").sample(eligible, size)
    chosen_ids = {item.job_id for item in chosen}
    for item in eligible:
        if item.job_id not in chosen_ids:
            db.set_result(item.job_id, _skipped(NOT_SAMPLED))
    return len(eligible), len(chosen)


def _skipped(why: str) -> WorkResult:
    return WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=why)


def _session_path(module: str) -> Path:
    name = module.removeprefix("src/").removesuffix(".py").replace("/", ".")
    return SESSIONS / f"{name}.sqlite"


def load_equivalents(doc: Path = TESTING_DOC) -> list[Equivalent]:
    """The equivalent mutants documented in docs/TESTING.md, one line each."""
    if not doc.is_file():
        return []
    found = []
    for line in doc.read_text().splitlines():
        match = EQUIVALENT_LINE.match(line)
        if match:
            found.append(Equivalent(match["module"], match["operator"], match["line"]))
    return found


def _mutated_line(result: WorkResult) -> str:
    """The source line a mutant changed, as it was, from the mutant's diff: its one removed
    line (a removed decorator's diff also removes the blank and comment lines above it)."""
    removed = [
        line[1:]
        for line in (result.diff or "").splitlines()
        if line.startswith("-") and not line.startswith("---") and line[1:].strip()
    ]
    return removed[-1] if removed else ""


def _score(module: str, db: WorkDB, equivalents: list[Equivalent]) -> Score:
    score = Score(module)
    for item, result in db.completed_work_items:
        if result.output not in (IN_ANNOTATION, KEYWORD_ONLY_MARKER):
            score.mutants += 1
        if result.worker_outcome != WorkerOutcome.NORMAL:
            continue
        score.sampled += 1
        if result.test_outcome == TestOutcome.SURVIVED:
            operator = item.mutations[0].operator_name
            line = _mutated_line(result)
            covered = any(e.covers(module, operator, line) for e in equivalents)
            score.survivors.append((item, result, covered))
        else:  # killed, or incompetent (cosmic-ray's word for a mutant that broke the run)
            score.killed += 1
    return score


def _write_survivors(scores: list[Score], seed: int, size: int) -> None:
    out = [
        "# Survivors of the last `make mutation` (mutation/run.py): mutants no test noticed.",
        f"# seed {seed}, {size or 'all'} mutants per module; [equivalent] = documented in",
        "# docs/TESTING.md and counted as caught.",
    ]
    for score in scores:
        out.append("")
        out.append(
            f"## {score.module}: {score.killed}/{score.ran} killed, "
            f"{score.equivalent} documented equivalent"
        )
        survivors = sorted(score.survivors, key=lambda s: s[0].mutations[0].start_pos)
        for item, result, equivalent in survivors:
            mutation = item.mutations[0]
            tag = " [equivalent]" if equivalent else ""
            out.append(
                f"line {mutation.start_pos[0]}: {mutation.operator_name.rsplit('/', 1)[-1]}{tag}"
            )
            diff = (result.diff or "").splitlines()
            changed = [line for line in diff if line[:1] in "-+" and line[:3] not in ("---", "+++")]
            out.extend(f"    {line}" for line in changed)
    SURVIVORS.write_text("\n".join(out) + "\n")


def _print_scores(scores: list[Score], elapsed: float) -> None:
    width = max(len(s.module) for s in scores)
    print(f"\n{'module':<{width}}  mutants  run  killed  equiv  raw %   score %")
    for s in scores:
        print(
            f"{s.module:<{width}}  {s.mutants:>7}  {s.ran:>3}  {s.killed:>6}  {s.equivalent:>5}  "
            f"{s.percent(s.killed):>5.1f}  {s.percent(s.killed + s.equivalent):>7.1f}"
        )
    killed = sum(s.killed for s in scores)
    ran = sum(s.ran for s in scores)
    equivalent = sum(s.equivalent for s in scores)
    print(
        f"{'all':<{width}}  {sum(s.mutants for s in scores):>7}  {ran:>3}  {killed:>6}  "
        f"{equivalent:>5}  {100 * killed / max(ran, 1):>5.1f}  "
        f"{100 * (killed + equivalent) / max(ran, 1):>7.1f}"
    )
    print(f"\n{elapsed / 60:.1f} min; survivors in {SURVIVORS.relative_to(REPO)}")


def _parse_args(argv: list[str] | None, config: dict[str, Any]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("modules", nargs="*", help="only the modules whose path contains these")
    parser.add_argument("--sample", type=int, default=config["sample"], help="0 = every mutant")
    parser.add_argument("--seed", type=int, default=config["seed"])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--report", action="store_true", help="score the last run's sessions again, run nothing"
    )
    return parser.parse_args(argv)


def _jobs(module: str, db: WorkDB, tests: tuple[str, ...], timeout: float) -> Iterator[Job]:
    for item in db.pending_work_items:
        mutation = item.mutations[0]
        yield Job(item.job_id, module, mutation.operator_name, mutation.occurrence, tests, timeout)


def _execute(modules: dict[str, tuple[str, ...]], args: argparse.Namespace, started: float) -> bool:
    """Run the sampled mutants of `modules`; False when a module's tests fail unmutated."""
    os.environ["SAGEGATE_PURE"] = "1"  # the children inherit it: never a compiled module
    SESSIONS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sagegate-mutation-") as scratch:
        copies: multiprocessing.Queue[str] = multiprocessing.Queue()
        for number in range(args.jobs):
            copy = Path(scratch) / f"tree{number}"
            _copy_tree(copy)
            copies.put(str(copy))
        shared = REPO.parent / "shared"  # tests/conformance reads ../shared beside the tree
        if shared.is_dir():
            (Path(scratch) / "shared").symlink_to(shared)
        context = multiprocessing.get_context("fork")
        with context.Pool(args.jobs, _start_worker, (copies,)) as pool:
            timeouts = _check_baselines(pool, modules)
            if timeouts is None:
                return False
            jobs: list[Job] = []
            for module, tests in modules.items():
                with use_db(str(_session_path(module))) as db:
                    cosmic_ray.commands.init([Path(module)], db, {})
                    mutants, sampled = _sample(db, module, args.seed, args.sample)
                    print(f"{module}: {sampled} of {mutants} mutants", flush=True)
                    jobs.extend(_jobs(module, db, tests, timeouts[module]))
            by_id = {job.job_id: job for job in jobs}
            for done, (job_id, result) in enumerate(pool.imap_unordered(_run, jobs), 1):
                with use_db(str(_session_path(by_id[job_id].module)), WorkDB.Mode.open) as db:
                    db.set_result(job_id, result)
                if done % 25 == 0 or done == len(jobs):
                    minutes = (time.perf_counter() - started) / 60
                    print(f"  {done}/{len(jobs)} mutants run, {minutes:.1f} min", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    config = tomllib.loads(CONFIG.read_text())
    args = _parse_args(argv, config)
    modules: dict[str, tuple[str, ...]] = {
        module: tuple(tests)
        for module, tests in config["modules"].items()
        if not args.modules or any(part in module for part in args.modules)
    }
    if not modules:
        print("no module matches", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if not args.report and not _execute(modules, args, started):
        return 2
    equivalents = load_equivalents()
    scores = []
    for module in modules:
        with use_db(str(_session_path(module)), WorkDB.Mode.open) as db:
            scores.append(_score(module, db, equivalents))
    _write_survivors(scores, args.seed, args.sample)
    _print_scores(scores, time.perf_counter() - started)
    low = [s.module for s in scores if s.percent(s.killed + s.equivalent) < config["fail_under"]]
    if low:
        print(f"under {config['fail_under']}%: {', '.join(low)}", file=sys.stderr)
        return 1
    return 0


def _check_baselines(
    pool: multiprocessing.pool.Pool, modules: dict[str, tuple[str, ...]]
) -> dict[str, float] | None:
    """Each module's tests pass unmutated; a mutant's timeout is 3x their time plus 10 s."""
    timeouts = {}
    runs = [pool.apply_async(_baseline, (module, tests)) for module, tests in modules.items()]
    for run in runs:
        module, seconds, outcome, output = run.get()
        if outcome != TestOutcome.SURVIVED:
            print(f"{module}: its tests fail without any mutant:\n{output}", file=sys.stderr)
            return None
        timeouts[module] = 3 * seconds + 10
    return timeouts


if __name__ == "__main__":
    sys.exit(main())
