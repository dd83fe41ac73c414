"""The Python load client: as little work per request as Python allows, in its own process.

Each connection is an asyncio `Protocol` on uvloop that writes one pre-built HTTP/1.1 request,
waits for the whole response (Content-Length framed), records the latency and sends the same
bytes again on the same keep-alive connection. No HTTP library, no per-request allocation beyond
the latency sample, so the client leaves as much of the machine's second core as it can to the
server. Only responses completed inside the measured window count; a warm-up comes first.

Run as `python -m bench.loadgen` with a `LoadJob` as JSON on stdin; prints a `LoadResult`.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIENT_NAME = "python-asyncio-protocol (uvloop, keep-alive, pre-built requests)"
# A response that does not arrive within this many seconds after the window closes is lost.
DRAIN_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class LoadJob:
    """One load run: what to send, to where, how many connections, for how long."""

    host: str
    port: int
    method: str
    target: str  # path and query string, as sent on the request line
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    concurrency: int = 1
    seconds: float = 5.0
    warmup_seconds: float = 1.0
    expect_status: int = 200

    def request_bytes(self) -> bytes:
        """The request, byte for byte, sent again and again on each connection."""
        body = self.body.encode()
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines.extend(f"{name}: {value}" for name, value in self.headers.items())
        if body or self.method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one load run measured. Latencies are in milliseconds."""

    client: str
    concurrency: int
    seconds: float  # the measured window, as timed
    requests: int  # completed inside the window
    requests_total: int  # completed including the warm-up (for CPU per request)
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # responses inside the window whose status was not the expected one
    statuses: dict[str, int]
    connection_errors: int
    client_cpu_seconds: float

    @classmethod
    def from_json(cls, text: str) -> LoadResult:
        """Read back what `main` printed."""
        return cls(**json.loads(text))


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0
    rank = max(1, int(fraction * len(sorted_values) + 0.999999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def response_length(buffer: bytes) -> int | None:
    """The full length of the HTTP response at the start of `buffer`, None if incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end].lower()
    start = head.find(b"\r\ncontent-length:")
    if start < 0:
        raise ValueError("response without Content-Length: " + repr(buffer[:200]))
    stop = head.find(b"\r\n", start + 2)
    value = head[start + 17 : stop if stop >= 0 else end]
    return end + 4 + int(value)


class _Run:
    """Shared state of one run: the window, the samples, the connections still open."""

    def __init__(self, request: bytes, concurrency: int) -> None:
        self.request = request
        self.measuring = False
        self.stopping = False
        self.latencies: list[int] = []
        self.statuses: Counter[int] = Counter()
        self.total = 0
        self.connection_errors = 0
        self.active = concurrency
        self.finished = asyncio.Event()

    def completed(self, connection: _Connection, status: int, elapsed_ns: int) -> None:
        self.total += 1
        if self.measuring:
            self.latencies.append(elapsed_ns)
            self.statuses[status] += 1
        if self.stopping:
            connection.close()
        else:
            connection.send()

    def closed(self, *, error: bool) -> None:
        if error:
            self.connection_errors += 1
        self.active -= 1
        if self.active == 0:
            self.finished.set()


class _Connection(asyncio.Protocol):
    def __init__(self, run: _Run) -> None:
        self.run = run
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.started = 0
        self.done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.started = time.perf_counter_ns()
        self.transport.write(self.run.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        length = response_length(buffer)
        if length is None or len(buffer) < length:
            self.buffer = buffer
            return
        elapsed = time.perf_counter_ns() - self.started
        # One request is in flight at a time, so anything beyond this response is an error.
        self.buffer = buffer[length:]
        self.run.completed(self, int(buffer[9:12]), elapsed)

    def close(self) -> None:
        if not self.done:
            self.done = True
            assert self.transport is not None
            self.transport.close()
            self.run.closed(error=False)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done:
            self.done = True
            self.run.closed(error=True)


async def run_load(job: LoadJob) -> LoadResult:
    """Drive `job` from this process (normally called in the load-client subprocess)."""
    loop = asyncio.get_running_loop()
    cpu_before = _cpu_seconds()
    run = _Run(job.request_bytes(), job.concurrency)
    connections = [
        loop.create_connection(lambda: _Connection(run), job.host, job.port)
        for _ in range(job.concurrency)
    ]
    await asyncio.gather(*connections)
    await asyncio.sleep(job.warmup_seconds)
    run.measuring = True
    started = time.perf_counter()
    await asyncio.sleep(job.seconds)
    run.measuring = False
    window = time.perf_counter() - started
    run.stopping = True
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            await run.finished.wait()
    except TimeoutError:
        run.connection_errors += run.active
    samples = sorted(run.latencies)
    expected = run.statuses.get(job.expect_status, 0)
    return LoadResult(
        client=CLIENT_NAME,
        concurrency=job.concurrency,
        seconds=window,
        requests=len(samples),
        requests_total=run.total,
        rps=len(samples) / window if window > 0 else 0.0,
        p50_ms=percentile(samples, 0.50) / 1e6,
        p99_ms=percentile(samples, 0.99) / 1e6,
        errors=len(samples) - expected,
        statuses={str(status): count for status, count in sorted(run.statuses.items())},
        connection_errors=run.connection_errors,
        client_cpu_seconds=_cpu_seconds() - cpu_before,
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_in_subprocess(job: LoadJob) -> LoadResult:
    """Run `job` in a fresh load-client process, so that it never shares a GIL with a server."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(asdict(job)),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=job.warmup_seconds + job.seconds + DRAIN_SECONDS + 30,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the load client failed: {completed.stderr.strip()}")
    return LoadResult.from_json(completed.stdout)


def main() -> None:
    """Read a LoadJob (JSON) from stdin, run it on uvloop, print the LoadResult as JSON."""
    import uvloop

    job = LoadJob(**json.loads(sys.stdin.read()))
    result = uvloop.run(run_load(job))
    sys.stdout.write(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
