"""The per-step profile of one request: µs per step, medians over many in-process iterations.

The default movie-ratings gateway (AWS_IAM, in-process endpoint, access log to /dev/null) is
driven through its ASGI entry with a presigned GET, one request at a time on uvloop, exactly as
uvicorn would call it (minus the HTTP parsing, which the ceiling already accounts for). Each
step of `gateway.chain.steps`, and the work around the chain in `Gateway.handle`, is wrapped
with a timer on the instance; nothing in `sagegate` is modified. Every line is the median over
the iterations; "total" is the median of the un-instrumented run, so the timers' own cost shows
as the difference between "sum of steps" and it.

The profile runs in a child process on the pure-Python modules (`SAGEGATE_PURE=1`): the
compiled build's classes refuse the timers, and a profiler cannot see inside compiled frames.
Its figures are therefore those of the pure build; the in-process figures compare both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import urlsplit

from bench.isolated import run_isolated
from bench.scenarios import API_TARGET, REGION, bench_identity
from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import build_gateway
from sagegate.gateway.build import MethodPlan
from sagegate.gateway.chain import Step
from sagegate.gateway.context import Invocation
from sagegate.gateway.steps.integrate import Integrate
from sagegate.sigv4 import SigV4Signer, StaticIdentityStore
from sagegate.spec import Spec

HOST = "localhost"
STEP_LABELS = {
    "Route": "route",
    "Authorize": "authorize (SigV4 + policy)",
    "Throttle": "throttle / API keys",
    "Validate": "validate",
    "IntegrationRequestStep": "request template",
    "Integrate": "integrate (endpoint)",
    "IntegrationResponseStep": "response template",
}
# The rows of the table, in the order a request meets them.
ROWS = (
    "ASGI adapter (headers, MethodRequest, send)",
    "context + ids (new_invocation)",
    *STEP_LABELS.values(),
    "chain loop",
    "trace span + method response",
    "access log (write + flush)",
)

# A part of "integrate": the endpoint host (request id, checks, thread-pool hop, model hooks).
TARGET_INVOKE = "integrate: of which target.invoke"

Message = MutableMapping[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    """Median µs per row, the median total, and the reference figures."""

    iterations: int
    rows: dict[str, float]
    target_invoke_us: float  # inside "integrate"
    instrumented_total_us: float
    total_us: float
    executor_hop_us: float  # one `run_in_executor` round trip of a no-op, for reference

    def to_json(self) -> dict[str, Any]:
        """For latest.json."""
        return {
            "iterations": self.iterations,
            "rows_us": self.rows,
            "sum_of_rows_us": sum(self.rows.values()),
            "target_invoke_us": self.target_invoke_us,
            "instrumented_total_us": self.instrumented_total_us,
            "total_us": self.total_us,
            "executor_hop_us": self.executor_hop_us,
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Profile:
        """The inverse of `to_json`."""
        return cls(
            iterations=document["iterations"],
            rows=document["rows_us"],
            target_invoke_us=document["target_invoke_us"],
            instrumented_total_us=document["instrumented_total_us"],
            total_us=document["total_us"],
            executor_hop_us=document["executor_hop_us"],
        )


class _Samples:
    def __init__(self) -> None:
        self.current: dict[str, int] = {}

    def add(self, row: str, ns: int) -> None:
        self.current[row] = self.current.get(row, 0) + ns


def _timed_step(step: Step, row: str, samples: _Samples) -> Step:
    async def timed(ctx: Invocation) -> None:
        started = time.perf_counter_ns()
        try:
            waiting = step(ctx)
            if waiting is not None:
                await waiting
        finally:
            samples.add(row, time.perf_counter_ns() - started)

    return timed


def _instrument_steps(plan: MethodPlan, samples: _Samples) -> None:
    """Time each step of one method (and the endpoint call inside integrate)."""
    for step in plan.steps:
        if isinstance(step, Integrate) and step.target is not None:
            invoke = step.target.invoke

            async def timed_invoke(*args: Any, _invoke: Any = invoke) -> Any:
                started = time.perf_counter_ns()
                try:
                    return await _invoke(*args)
                finally:
                    samples.add(TARGET_INVOKE, time.perf_counter_ns() - started)

            step.target.invoke = timed_invoke  # type: ignore[method-assign,assignment]
            invoke_now = step._invoke_now
            if invoke_now is not None:

                def timed_invoke_now(*args: Any, _invoke_now: Any = invoke_now) -> Any:
                    started = time.perf_counter_ns()
                    try:
                        return _invoke_now(*args)
                    finally:
                        samples.add(TARGET_INVOKE, time.perf_counter_ns() - started)

                step._invoke_now = timed_invoke_now
    plan.steps = tuple(
        _timed_step(step, STEP_LABELS.get(type(step).__name__, type(step).__name__), samples)
        for step in plan.steps
    )


def _instrument(gateway: Gateway, samples: _Samples) -> None:
    """Wrap the steps and the work around them on this instance only."""
    chain = gateway.chain
    route = chain.route

    def timed_route(ctx: Invocation) -> Any:
        started = time.perf_counter_ns()
        try:
            return route(ctx)
        finally:
            samples.add(STEP_LABELS["Route"], time.perf_counter_ns() - started)

    chain.route = timed_route
    for plan in gateway.plans:
        _instrument_steps(plan, samples)
    run = chain.run

    async def timed_run(ctx: Invocation, *, test: bool = False) -> Any:
        started = time.perf_counter_ns()
        try:
            return await run(ctx, test=test)
        finally:
            samples.add("chain", time.perf_counter_ns() - started)

    chain.run = timed_run  # type: ignore[method-assign]
    new_invocation = gateway.new_invocation

    def timed_new(request: Any) -> Invocation:
        started = time.perf_counter_ns()
        ctx = new_invocation(request)
        samples.add("context + ids (new_invocation)", time.perf_counter_ns() - started)
        return ctx

    gateway.new_invocation = timed_new  # type: ignore[method-assign]
    handle = gateway.handle

    async def timed_handle(request: Any, **options: Any) -> Invocation:
        started = time.perf_counter_ns()
        ctx = await handle(request, **options)
        samples.add("handle", time.perf_counter_ns() - started)
        return ctx

    gateway.handle = timed_handle  # type: ignore[method-assign]
    log = gateway.access_log
    assert log is not None
    write, flush = log.write, log.flush

    def timed_write(ctx: Invocation, loop: asyncio.AbstractEventLoop | None = None) -> str:
        started = time.perf_counter_ns()
        line = write(ctx, loop)
        samples.add("access log (write + flush)", time.perf_counter_ns() - started)
        return line

    def timed_flush() -> None:
        started = time.perf_counter_ns()
        flush()
        samples.add("access log (write + flush)", time.perf_counter_ns() - started)

    log.write = timed_write  # type: ignore[method-assign]
    log.flush = timed_flush  # type: ignore[method-assign]


def _scope(target: str) -> dict[str, Any]:
    parts = urlsplit(target)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "headers": [(b"host", HOST.encode()), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def _one(gateway: Gateway, scope: dict[str, Any]) -> tuple[int, int]:
    """(ns, status) of one request through the ASGI entry."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    started = time.perf_counter_ns()
    await gateway(scope, receive, send)
    return time.perf_counter_ns() - started, int(sent[0]["status"])


async def _executor_hop(iterations: int) -> float:
    loop = asyncio.get_running_loop()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter_ns()
        await loop.run_in_executor(None, int)
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1e3


async def _profile(iterations: int, warmup: int, sink: TextIO) -> Profile:
    identity = bench_identity()
    gateway = build_gateway(
        Spec.default(),
        identities=StaticIdentityStore([identity]),
        access_log=sink,
        region=REGION,
    )
    await gateway.startup()
    try:
        signer = SigV4Signer(identity, service="execute-api", region=REGION)
        scope = _scope(signer.presign("GET", f"http://{HOST}{API_TARGET}", 3600).split(HOST, 1)[1])
        for _ in range(warmup):
            _, status = await _one(gateway, scope)
            if status != 200:
                raise RuntimeError(f"the profiled request answered {status}")
        plain = [(await _one(gateway, scope))[0] for _ in range(iterations)]
        samples = _Samples()
        _instrument(gateway, samples)
        per_row: dict[str, list[int]] = {row: [] for row in (*ROWS, TARGET_INVOKE)}
        totals = []
        for _ in range(iterations):
            samples.current = {}
            total, _ = await _one(gateway, scope)
            got = samples.current
            steps = sum(got.get(label, 0) for label in STEP_LABELS.values())
            outside_chain = got["handle"] - got["chain"] - got["context + ids (new_invocation)"]
            got["trace span + method response"] = outside_chain - got["access log (write + flush)"]
            got["ASGI adapter (headers, MethodRequest, send)"] = total - got["handle"]
            got["chain loop"] = got["chain"] - steps
            for row in per_row:
                per_row[row].append(got.get(row, 0))
            totals.append(total)
        hop = await _executor_hop(iterations)
    finally:
        await gateway.shutdown()
    return Profile(
        iterations=iterations,
        rows={row: statistics.median(per_row[row]) / 1e3 for row in ROWS},
        target_invoke_us=statistics.median(per_row[TARGET_INVOKE]) / 1e3,
        instrumented_total_us=statistics.median(totals) / 1e3,
        total_us=statistics.median(plain) / 1e3,
        executor_hop_us=hop,
    )


def profile_here(iterations: int, warmup: int) -> Profile:
    """Run the profile in this process, on uvloop (the server's loop), and return the medians."""
    import uvloop

    with open(os.devnull, "w", encoding="utf-8", buffering=1 << 16) as sink:
        return uvloop.run(_profile(iterations, warmup, sink))


def profile_request(iterations: int = 3000, warmup: int = 300) -> Profile:
    """The profile, from a child process on the pure-Python modules."""
    args = [f"--iterations={iterations}", f"--warmup={warmup}"]
    return Profile.from_json(run_isolated("bench.profile", args, pure=True))


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.profile`: the profile as JSON on stdout."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args(argv)
    print(json.dumps(profile_here(args.iterations, args.warmup).to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
