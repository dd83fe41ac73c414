"""The printed tables, this run against sagegate's performance goals, and
bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.inprocess import InProcessFigures
from bench.metrics import MetricsFigures
from bench.model import ModelFigures
from bench.profile import Profile
from bench.runner import ScenarioRun
from bench.streaming import StreamingFigures
from sagegate import native


@dataclass(frozen=True, slots=True)
class Goal:
    """One of sagegate's performance goals (set for a 2-core machine) and this run's figure."""

    name: str
    goal: str
    measured: str
    reached: bool


def _run(runs: Sequence[ScenarioRun], key: str, concurrency: int) -> ScenarioRun | None:
    for run in runs:
        if run.scenario.key == key and run.result.concurrency == concurrency:
            return run
    return None


def goals(
    runs: Sequence[ScenarioRun], model: ModelFigures | None, *, high: int, low: int
) -> list[Goal]:
    """The goals this run measured a figure for, each with that figure."""
    out = []
    s2 = _run(runs, "iam-inprocess", high)
    if s2 is not None:
        ratio = s2.ratio_to_ceiling
        out.append(
            Goal(
                f"{s2.scenario.title}, c={high}",
                ">= 10,000 req/s and >= 19% of the ceiling",
                f"{s2.result.rps:,.0f} req/s, "
                + (f"{ratio:.1%} of the ceiling" if ratio is not None else "no ceiling run"),
                s2.result.rps >= 10_000 and ratio is not None and ratio >= 0.19,
            )
        )
    s3 = _run(runs, "iam-http", high)
    if s3 is not None:
        out.append(
            Goal(
                f"{s3.scenario.title}, c={high}",
                ">= 5,000 req/s",
                f"{s3.result.rps:,.0f} req/s",
                s3.result.rps >= 5_000,
            )
        )
    s2_low, s5_low = _run(runs, "iam-inprocess", low), _run(runs, "endpoint-direct", low)
    if s2_low is not None and s5_low is not None:
        added = s2_low.result.p50_ms - s5_low.result.p50_ms
        out.append(
            Goal(
                f"latency the gateway adds (p50, c={low})",
                "<= 0.300 ms over the endpoint direct",
                f"{added:.3f} ms ({s2_low.result.p50_ms:.3f} - {s5_low.result.p50_ms:.3f})",
                added <= 0.3,
            )
        )
    if model is not None:
        out.append(
            Goal(
                "default model, a batch",
                ">= 1,000,000 pairs/s",
                f"{model.pairs_per_second:,.0f} pairs/s",
                model.pairs_per_second >= 1_000_000,
            )
        )
        out.append(
            Goal(
                "default model, a 3-item request",
                "<= 100 µs (input_fn + predict_fn + output_fn)",
                f"{model.request_total_us:.1f} µs",
                model.request_total_us <= 100,
            )
        )
    return out


def scenario_table(runs: Sequence[ScenarioRun]) -> str:
    """One line per scenario and concurrency."""
    header = (
        f"{'#':>2} {'scenario':<46} {'c':>3} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'ceiling':>8} {'srv CPU µs/req':>14} {'errors':>6}"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        r = run.result
        ratio = f"{run.ratio_to_ceiling:.1%}" if run.ratio_to_ceiling is not None else "-"
        lines.append(
            f"{run.scenario.number:>2} {run.scenario.title:<46} {r.concurrency:>3} "
            f"{r.rps:>9,.0f} {r.p50_ms:>8.3f} {r.p99_ms:>8.3f} {ratio:>8} "
            f"{run.server_cpu_us_per_request:>14.1f} {r.errors + r.connection_errors:>6}"
        )
    return "\n".join(lines)


def workers_table(runs: Sequence[ScenarioRun]) -> str:
    """`--workers 2` against one worker (scenario 6 against 2), with where the CPU went.

    On a 2-core machine the load client shares the cores with the servers: the most two
    workers can gain is what the client leaves of the second core, which the table shows.
    """
    lines = []
    for two in runs:
        if two.scenario.key != "workers-2":
            continue
        one = _run(runs, "iam-inprocess", two.result.concurrency)
        if one is None or not one.result.rps:
            continue
        ratio = two.result.rps / one.result.rps
        client_cores = two.result.client_cpu_seconds / max(two.result.seconds, 1e-9)
        lines.append(
            f"  c={two.result.concurrency}: {two.result.rps:,.0f} req/s with 2 workers, "
            f"{one.result.rps:,.0f} with 1: {ratio:.2f}x (goal: >= 1.7x); server CPU "
            f"{two.server_cpu_us_per_request:.0f} µs/request (2 workers) vs "
            f"{one.server_cpu_us_per_request:.0f} (1); the load client used "
            f"{client_cores:.2f} of the 2 cores"
        )
    if not lines:
        return ""
    # Other processes on the machine take cores from the second worker too.
    load = os.getloadavg()[0]
    return (
        "--workers 2 against one worker (scenario 6 has a shared stage throttle on its path)\n"
        + "\n".join(lines)
        + f"\n  machine load average at the end: {load:.1f} on {os.cpu_count()} cores"
    )


def in_process_table(figures: Sequence[InProcessFigures]) -> str:
    """CPU µs per request of the ASGI app alone, per build: all threads, the event-loop thread."""
    header = f"{'build':<46} {'all threads':>12} {'event loop':>11} {'requests':>9}"
    lines = [header, "-" * len(header)]
    for f in figures:
        lines.append(f"{f.build:<46} {f.cpu_us:>12.1f} {f.loop_thread_us:>11.1f} {f.requests:>9,}")
    return "\n".join(lines)


def profile_table(profile: Profile) -> str:
    """µs per step of one request, in the order the request meets them."""
    lines = [f"{'step (median of ' + str(profile.iterations) + ' requests)':<46} {'µs':>8}"]
    lines.append("-" * len(lines[0]))
    total = sum(profile.rows.values())
    for row, value in profile.rows.items():
        lines.append(f"{row:<46} {value:>8.1f}  {value / total:>6.1%}")
    lines.append("-" * len(lines[0]))
    lines.append(f"{'sum of the medians above':<46} {total:>8.1f}")
    lines.append(f"{'total, instrumented (median)':<46} {profile.instrumented_total_us:>8.1f}")
    lines.append(f"{'total, not instrumented (median)':<46} {profile.total_us:>8.1f}")
    lines.append(f"{'  integrate: of which target.invoke':<46} {profile.target_invoke_us:>8.1f}")
    lines.append(f"{'  reference: one no-op thread-pool hop':<46} {profile.executor_hop_us:>8.1f}")
    return "\n".join(lines)


def model_table(model: ModelFigures) -> str:
    """The default model's figures."""
    return "\n".join(
        [
            f"batch of {model.batch_pairs:,} pairs: {model.pairs_per_second:,.0f} pairs/s "
            f"(median of {model.batch_repeats})",
            f"3-item request, median of {model.request_iterations:,}: "
            f"input_fn {model.request_input_us:.1f} µs + predict_fn "
            f"{model.request_predict_us:.1f} µs + output_fn {model.request_output_us:.1f} µs "
            f"= {model.request_total_us:.1f} µs",
        ]
    )


def streaming_table(figures: StreamingFigures) -> str:
    """Parts per second, and the first part's latency against the model's own."""
    model = figures.model_first_part_us
    lines = [
        f"parts/s ({figures.streams} streams of {figures.parts:,} parts): "
        f"{figures.in_process_parts_per_s:,.0f} in process, "
        f"{figures.http_parts_per_s:,.0f} over HTTP",
        f"first part, median of {figures.iterations} (µs): the model's own "
        f"{model:.1f}; in process {figures.in_process_first_part_us:.1f} "
        f"(+{figures.in_process_first_part_us - model:.1f}, "
        f"{figures.in_process_first_part_us / model:.1f}x); over HTTP "
        f"{figures.http_first_part_us:.1f} (+{figures.http_first_part_us - model:.1f}, "
        f"{figures.http_first_part_us / model:.1f}x)",
    ]
    return "\n".join(lines)


def goals_table(found: Sequence[Goal]) -> str:
    """Each goal: reached or below, this run's figure, the goal."""
    width = max(len(goal.name) for goal in found)
    return "\n".join(
        f"{'reached' if goal.reached else 'below':<8} {goal.name:<{width}}  {goal.measured}"
        f"   (goal: {goal.goal})"
        for goal in found
    )


def environment(client: str, seconds: float, warmup: float) -> dict[str, Any]:
    """What the figures depend on."""
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "client": client,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "server": "uvicorn, loop=uvloop, http=httptools, 1 worker, access log of uvicorn off",
        "sagegate_build": native.RUNNING,
        "gateway_access_log": "sagegate's access log on, to a file",
        "sigv4": "URL presigned once per run; the gateway verifies it on every request",
    }


def write_json(
    path: Path,
    *,
    env: dict[str, Any],
    runs: Sequence[ScenarioRun],
    profile: Profile | None,
    in_process: Sequence[InProcessFigures],
    model: ModelFigures | None,
    found: Sequence[Goal],
    streaming: StreamingFigures | None = None,
    metrics: MetricsFigures | None = None,
) -> None:
    """bench/results/latest.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "environment": env,
        "scenarios": [run.to_json() for run in runs],
        "profile": profile.to_json() if profile is not None else None,
        "in_process": [figures.to_json() for figures in in_process],
        "model": model.to_json() if model is not None else None,
        "streaming": streaming.to_json() if streaming is not None else None,
        "metrics": metrics.to_json() if metrics is not None else None,
        "goals": [
            {"name": g.name, "goal": g.goal, "measured": g.measured, "reached": g.reached}
            for g in found
        ],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
