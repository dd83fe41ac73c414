"""`make mutation`: cosmic-ray's mutants of the modules where fidelity lives, against their tests.

For each module of `mutation/modules.toml`, cosmic-ray lists the mutants of its source (into a
session database under `mutation/sessions/`, which `cr-report` and `cr-html` read). Mutants
inside type annotations (mypy checks those; with postponed annotations no test could see
them) and on the bare `*` of a parameter list are left out; a fixed sample of the rest, drawn
with the seed, runs against the module's own tests (`mutation/worker.py`). A mutant is killed
when those tests fail (or time out). The scores per module are printed, and the survivors
written to `mutation/survivors.txt`; survivors documented as equivalent in docs/TESTING.md
count as caught in the score.

Everything runs as pure Python (`SAGEGATE_PURE=1`, and the copies hold no compiled build):
the mypyc build is compiled from the sources, so it would run the unmutated code. The mutants
are applied in private copies of the tree (one per job), never in the working tree, so an
interrupted run leaves the sources as they were.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import fnmatch
import multiprocessing
import multiprocessing.pool
import os
import random
import re
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cosmic_ray.commands
import cosmic_ray.plugins
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkItem, WorkResult

from mutation.worker import Job, baseline, run_job, start_worker

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "mutation" / "modules.toml"
SESSIONS = REPO / "mutation" / "sessions"
SURVIVORS = REPO / "mutation" / "survivors.txt"
TESTING_DOC = REPO / "docs" / "TESTING.md"
# What a copy of the tree needs for the tests to run (the copies hold no compiled build).
COPIED = ("src", "tests", "pyproject.toml")
# A line of docs/TESTING.md that documents an equivalent mutant:
# - `src/...py` `OperatorName` `the mutated source line, stripped`: why
EQUIVALENT_LINE = re.compile(r"^- `(?P<module>[^`]+)` `(?P<operator>[^`]+)` `(?P<line>[^`]+)`: ")

NOT_SAMPLED = "not in the sample"
IN_ANNOTATION = "in a type annotation"
KEYWORD_ONLY_MARKER = "the keyword-only marker of a parameter list"


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
        with context.Pool(args.jobs, start_worker, (copies,)) as pool:
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
            for done, (job_id, result) in enumerate(pool.imap_unordered(run_job, jobs), 1):
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
    runs = [pool.apply_async(baseline, (module, tests)) for module, tests in modules.items()]
    for run in runs:
        module, seconds, outcome, output = run.get()
        if outcome != TestOutcome.SURVIVED:
            print(f"{module}: its tests fail without any mutant:\n{output}", file=sys.stderr)
            return None
        timeouts[module] = 3 * seconds + 10
    return timeouts


if __name__ == "__main__":
    sys.exit(main())
