"""Runs the scenarios: for each, start its servers, check one answer, then load it at each
concurrency with the chosen client, recording the servers' CPU per request as well."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import wrk
from bench.loadgen import CLIENT_NAME, LoadJob, LoadResult, run_in_subprocess
from bench.scenarios import Scenario, serve

LoadClient = Callable[[LoadJob], LoadResult]


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """One scenario at one concurrency."""

    scenario: Scenario
    result: LoadResult
    server_cpu_us_per_request: float
    ratio_to_ceiling: float | None = None

    def to_json(self) -> dict[str, Any]:
        """For latest.json."""
        return {
            "number": self.scenario.number,
            "key": self.scenario.key,
            "title": self.scenario.title,
            **asdict(self.result),
            "server_cpu_us_per_request": self.server_cpu_us_per_request,
            "ratio_to_ceiling": self.ratio_to_ceiling,
        }


def choose_client(name: str) -> tuple[str, LoadClient]:
    """'auto' = wrk when it is on PATH, else the Python client; or force one of them."""
    executable = wrk.available()
    if name == "wrk" or (name == "auto" and executable is not None):
        if executable is None:
            raise SystemExit("--client wrk: wrk is not on PATH")
        return "wrk", lambda job: wrk.run_wrk(job, executable)
    return CLIENT_NAME, run_in_subprocess


def run_scenarios(
    scenarios: Sequence[Scenario],
    concurrencies: Sequence[int],
    *,
    seconds: float,
    warmup_seconds: float,
    client: LoadClient,
    workdir: Path,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> list[ScenarioRun]:
    """Every scenario at every concurrency, with ratios to the ceiling's run at the same one."""
    runs: list[ScenarioRun] = []
    for scenario in scenarios:
        progress(f"[{scenario.number}] {scenario.title}: starting")
        with serve(scenario, workdir) as served:
            served.verify()
            for concurrency in concurrencies:
                job = served.make_job(concurrency, seconds, warmup_seconds)
                cpu_before = served.cpu_seconds()
                result = client(job)
                cpu = served.cpu_seconds() - cpu_before
                if result.requests == 0:
                    raise RuntimeError(f"{scenario.key} c={concurrency}: no response: {result}")
                per_request = cpu / result.requests_total * 1e6 if result.requests_total else 0.0
                runs.append(ScenarioRun(scenario, result, per_request))
                progress(
                    f"[{scenario.number}] c={concurrency}: {result.rps:,.0f} req/s, "
                    f"p50 {result.p50_ms:.3f} ms, p99 {result.p99_ms:.3f} ms, "
                    f"errors {result.errors + result.connection_errors}"
                )
    return with_ratios(runs)


def with_ratios(runs: Sequence[ScenarioRun]) -> list[ScenarioRun]:
    """Each run's req/s as a fraction of the ceiling's at the same concurrency (if measured)."""
    ceilings = {
        run.result.concurrency: run.result.rps for run in runs if run.scenario.key == "ceiling"
    }
    out = []
    for run in runs:
        ceiling = ceilings.get(run.result.concurrency)
        ratio = run.result.rps / ceiling if ceiling else None
        out.append(ScenarioRun(run.scenario, run.result, run.server_cpu_us_per_request, ratio))
    return out
