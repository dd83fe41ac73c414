"""InvokeEndpointWithResponseStream: parts per second, and the first-part latency the runtime adds.

The model is a generator that yields small parts as fast as it can (no pacing), so the
figures are the runtime's cost, not the model's:

- parts/s: `streams` streams of `parts` parts each, in process (`EndpointHost.invoke_stream`,
  iterated) and over HTTP (a `sagegate endpoint serve` process; this process reads the
  eventstream frames off a keep-alive connection, counting them by their preludes).
- first part: the time from the call to the first part, in process and over HTTP, against
  the baseline run in this same process: the model's own time to its first part through the
  SageMaker hooks (`InferenceHandler`, no runtime). Medians of `iterations` calls.
"""

from __future__ import annotations

import asyncio
import http.client
import statistics
import sys
import textwrap
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.servers import HOST, free_port, running, server_env
from sagegate.endpoint import EndpointHost, InvocationStream
from sagegate.endpoint.handler import InferenceHandler

ENDPOINT = "stream"
PATH = f"/endpoints/{ENDPOINT}/invocations-response-stream"
MODEL = """
    import json

    def model_fn(model_dir):
        return b"part"

    def transform_fn(model, body, content_type, accept):
        count = json.loads(body)["parts"]
        return (model for _ in range(count))
"""


@dataclass(frozen=True, slots=True)
class StreamingFigures:
    """Parts per second and first-part medians (µs)."""

    parts: int
    streams: int
    in_process_parts_per_s: float
    http_parts_per_s: float
    iterations: int
    model_first_part_us: float
    in_process_first_part_us: float
    http_first_part_us: float

    def to_json(self) -> dict[str, Any]:
        """For latest.json."""
        return asdict(self)


def _body(parts: int) -> bytes:
    return b'{"parts": %d}' % parts


def _model_first_part_us(model_dir: Path, iterations: int) -> float:
    """The baseline: the hooks alone, up to the first part (what the runtime wraps)."""
    handler = InferenceHandler(ENDPOINT, model_dir)
    body, headers = _body(1_000_000), {"content-type": "application/json"}
    samples = []
    for _ in range(iterations):
        started = time.perf_counter_ns()
        result = handler(body, headers)
        samples.append(time.perf_counter_ns() - started)
        assert result.body == b"part" and result.rest is not None
        result.rest.close()
    return statistics.median(samples) / 1e3


async def _in_process(
    model_dir: Path, parts: int, streams: int, iterations: int
) -> tuple[float, float]:
    """(parts/s, first-part µs) through EndpointHost.invoke_stream."""
    host = EndpointHost({ENDPOINT: model_dir})
    try:
        await host.load_all()
        headers = {"content-type": "application/json"}
        started = time.perf_counter()
        for _ in range(streams):
            answer = await host.invoke_stream_lower(ENDPOINT, _body(parts), headers)
            assert isinstance(answer, InvocationStream)
            received = sum([1 async for _ in answer])
            assert received == parts, received
        rate = parts * streams / (time.perf_counter() - started)
        samples = []
        for _ in range(iterations):
            begun = time.perf_counter_ns()
            answer = await host.invoke_stream_lower(ENDPOINT, _body(1_000_000), headers)
            assert isinstance(answer, InvocationStream)
            await anext(aiter(answer))
            samples.append(time.perf_counter_ns() - begun)
            answer.cancel()
        return rate, statistics.median(samples) / 1e3
    finally:
        host.close()


def _frames(data: bytes) -> tuple[int, bytes]:
    """Complete eventstream messages at the start of `data`, and what follows them."""
    count = 0
    while len(data) >= 4:
        total = int.from_bytes(data[:4], "big")
        if len(data) < total:
            break
        data = data[total:]
        count += 1
    return count, data


def _http(port: int, parts: int, streams: int, iterations: int) -> tuple[float, float]:
    """(parts/s, first-part µs) over HTTP, one keep-alive connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Content-Type": "application/json"}
    try:
        started = time.perf_counter()
        for _ in range(streams):
            connection.request("POST", PATH, _body(parts), headers)
            response = connection.getresponse()
            count, rest = _frames(response.read())
            assert response.status == 200 and count == parts and not rest, (count, rest)
        rate = parts * streams / (time.perf_counter() - started)
        samples = []
        for _ in range(iterations):
            begun = time.perf_counter_ns()
            connection.request("POST", PATH, _body(200), headers)
            response = connection.getresponse()
            data = b""
            while _frames(data)[0] == 0:
                data += response.read1(65536)
            samples.append(time.perf_counter_ns() - begun)
            response.read()
        return rate, statistics.median(samples) / 1e3
    finally:
        connection.close()


def measure_streaming(
    workdir: Path, *, parts: int = 2_000, streams: int = 10, iterations: int = 300
) -> StreamingFigures:
    """All the figures; a `sagegate endpoint serve` runs in `workdir` meanwhile."""
    model_dir = workdir / "streaming-model"
    (model_dir / "code").mkdir(parents=True, exist_ok=True)
    (model_dir / "code" / "inference.py").write_text(textwrap.dedent(MODEL))
    baseline = _model_first_part_us(model_dir, iterations)
    in_rate, in_first = asyncio.run(_in_process(model_dir, parts, streams, iterations))
    port = free_port()
    argv = [sys.executable, "-m", "sagegate", "endpoint", "serve", "--model-dir", str(model_dir)]
    with running(
        "streaming-endpoint",
        [*argv, "--name", ENDPOINT, "--port", str(port)],
        port=port,
        ready_target="/ping",
        workdir=workdir,
        env=server_env({}),
    ):
        http_rate, http_first = _http(port, parts, streams, iterations)
    return StreamingFigures(
        parts=parts,
        streams=streams,
        in_process_parts_per_s=in_rate,
        http_parts_per_s=http_rate,
        iterations=iterations,
        model_first_part_us=baseline,
        in_process_first_part_us=in_first,
        http_first_part_us=http_first,
    )
