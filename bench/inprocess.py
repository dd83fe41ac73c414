"""The gateway's own CPU per request under concurrency, without any HTTP server.

The default movie-ratings API (AWS_IAM, in-process model, access log to /dev/null) is driven
through its ASGI entry by `concurrency` tasks on uvloop, each repeating the presigned GET of
the load scenarios. The figures are CPU time per request: of the whole process (the event
loop plus the prediction threads) and of the event-loop thread alone (`time.thread_time`).
The event-loop thread is what bounds one worker's throughput, so its share is the number to
cut; the difference between scenario 2's server CPU and the total here is what uvicorn and
the kernel add.

Each measurement runs in a child process, once on the compiled build and once on pure Python
(`SAGEGATE_PURE=1`), so one run shows what the compiled build saves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.isolated import run_isolated
from bench.profile import HOST, Message, _scope
from bench.scenarios import API_TARGET, REGION, bench_identity
from sagegate import native
from sagegate.gateway.assemble import build_gateway
from sagegate.sigv4 import SigV4Signer, StaticIdentityStore
from sagegate.spec import Spec


@dataclass(frozen=True, slots=True)
class InProcessFigures:
    """CPU µs per request, whole process and event-loop thread."""

    build: str  # sagegate.native.RUNNING in the measuring process
    concurrency: int
    requests: int
    cpu_us: float
    loop_thread_us: float

    def to_json(self) -> dict[str, Any]:
        """For latest.json."""
        return {
            "build": self.build,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "cpu_us_per_request": self.cpu_us,
            "loop_thread_us_per_request": self.loop_thread_us,
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> InProcessFigures:
        """The inverse of `to_json`."""
        return cls(
            build=document["build"],
            concurrency=document["concurrency"],
            requests=document["requests"],
            cpu_us=document["cpu_us_per_request"],
            loop_thread_us=document["loop_thread_us_per_request"],
        )


async def _drive(
    requests_per_task: int, concurrency: int, warmup_per_task: int
) -> InProcessFigures:
    identity = bench_identity()
    with open(os.devnull, "w", encoding="utf-8", buffering=1 << 16) as sink:
        gateway = build_gateway(
            Spec.default(),
            identities=StaticIdentityStore([identity]),
            access_log=sink,
            region=REGION,
        )
        await gateway.startup()
        try:
            signer = SigV4Signer(identity, service="execute-api", region=REGION)
            url = signer.presign("GET", f"http://{HOST}{API_TARGET}", 3600)
            scope = _scope(url.split(HOST, 1)[1])

            async def receive() -> Message:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def task(count: int) -> None:
                statuses: list[int] = []

                async def send(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        statuses.append(message["status"])

                for _ in range(count):
                    await gateway(scope, receive, send)
                if statuses != [200] * count:
                    raise RuntimeError(f"a driven request did not answer 200: {set(statuses)}")

            await asyncio.gather(*(task(warmup_per_task) for _ in range(concurrency)))
            cpu, loop_thread = time.process_time(), time.thread_time()
            await asyncio.gather(*(task(requests_per_task) for _ in range(concurrency)))
            # Read in the reverse order of the start, so that the thread's interval lies inside
            # the process's and its CPU time can never exceed the process's.
            loop_thread = time.thread_time() - loop_thread
            cpu = time.process_time() - cpu
        finally:
            await gateway.shutdown()
    done = requests_per_task * concurrency
    return InProcessFigures(
        native.RUNNING, concurrency, done, cpu * 1e6 / done, loop_thread * 1e6 / done
    )


def measure_here(requests: int, concurrency: int) -> InProcessFigures:
    """Drive the gateway in this process on uvloop (the server's loop); CPU per request."""
    import uvloop

    per_task = max(1, requests // concurrency)
    return uvloop.run(_drive(per_task, concurrency, max(1, per_task // 10)))


def measure_in_process(requests: int = 20_000, concurrency: int = 32) -> list[InProcessFigures]:
    """The figures on the compiled build (when there is a current one) and on pure Python."""
    args = [f"--requests={requests}", f"--concurrency={concurrency}"]
    builds = [False, True] if native.RUNNING.startswith("compiled") else [True]
    return [
        InProcessFigures.from_json(run_isolated("bench.inprocess", args, pure=pure))
        for pure in builds
    ]


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.inprocess`: the figures of this process's build as JSON on stdout."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    print(json.dumps(measure_here(args.requests, args.concurrency).to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
