"""What the metrics and the shared limits cost per request, in this process.

- Recording: what `Gateway.handle` and the endpoint host add to a request that reaches an
  in-process endpoint (its method's series, its variant's series, and the console's list
  of latest requests), against prometheus-client's own objects doing the same (single-
  process mode, label values resolved once). Budget: 2 µs per request.
- `--metrics-emf`: the same recording when the series also keep each period's latency
  samples, and one flush of the EMF lines (aws-embedded-metrics) for a period in which a
  method and an endpoint variant served 100 requests each (the most samples a line holds),
  per flush and per request of the period.
- Limits: one take of a token bucket and of a quota, kept in this process (one worker)
  and shared by workers (`shared_limits`: a flock'ed file-backed map), which `--workers N`
  pays for each limit a method has.

Run as part of `python -m bench`, or alone: `python -m bench.metrics`.
"""

from __future__ import annotations

import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sagegate import native
from sagegate.gateway.limits import Limit, LocalLimits
from sagegate.gateway.shared_limits import SharedLimits
from sagegate.metrics.emf import EmfWriter
from sagegate.metrics.registry import Metrics


@dataclass(frozen=True, slots=True)
class MetricsFigures:
    """µs per request (recording) or per take (limits), best of the repeats."""

    build: str
    record_us: float
    prometheus_client_us: float
    record_samples_us: float
    emf_flush_us: float
    emf_flush_per_request_us: float
    bucket_local_us: float
    bucket_shared_us: float
    quota_local_us: float
    quota_shared_us: float

    def to_json(self) -> dict[str, Any]:
        """For latest.json."""
        return asdict(self)


def _per_call(run: Callable[[int], None], count: int, repeats: int = 5) -> float:
    """The best µs per iteration of `run(count)` over `repeats`, less the empty loop's."""

    def empty(n: int) -> None:
        for _ in range(n):
            pass

    def best(fn: Callable[[int], None]) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            fn(count)
            times.append(time.perf_counter() - started)
        return min(times) / count * 1e6

    return max(0.0, best(run) - best(empty))


def _recording(count: int, *, samples: bool = False) -> float:
    metrics = Metrics(samples=samples)
    method = metrics.api_series("RestApi", "prod", "GET", "/predicted-ratings/{user_id}")
    variant = metrics.variant_series("movie-ratings", "AllTraffic")
    recent: deque[object] = deque(maxlen=32)
    request = object()

    def run(n: int) -> None:
        for i in range(n):
            latency = 0.3 + (i & 7) * 0.05
            variant.record(200, 40.0, 25.0)
            method.record(200, latency, 0.1)
            recent.append(request)
            if samples and not i & 63:
                # What the flush does each period: the lists start again.
                method.first.take_samples()
                method.second.take_samples()
                variant.first.take_samples()
                variant.second.take_samples()

    return _per_call(run, count)


EMF_PERIOD_REQUESTS = 100


def _emf_flush(repeats: int) -> float:
    """µs per flush of a period of EMF_PERIOD_REQUESTS requests to a method and a variant
    (two lines), written to a temporary file."""
    metrics = Metrics(samples=True)
    method = metrics.api_series("RestApi", "prod", "GET", "/predicted-ratings/{user_id}")
    variant = metrics.variant_series("movie-ratings", "AllTraffic")
    with tempfile.TemporaryDirectory(prefix="sagegate-bench-emf-") as directory:
        writer = EmfWriter(metrics, str(Path(directory) / "metrics.emf"))
        try:
            best = float("inf")
            for _ in range(repeats):
                for i in range(EMF_PERIOD_REQUESTS):
                    method.record(200, 0.3 + (i & 7) * 0.05, 0.1)
                    variant.record(200, 40.0 + i, 25.0)
                started = time.perf_counter()
                writer.flush()
                best = min(best, time.perf_counter() - started)
        finally:
            writer.close()
    return best * 1e6


def _prometheus_client(count: int) -> float:
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry()
    labels = ("api_name", "stage", "method", "resource")
    requests = Counter("r", "", labels, registry=registry).labels("a", "p", "GET", "/x")
    latency = Histogram("l", "", labels, registry=registry).labels("a", "p", "GET", "/x")
    integration = Histogram("i", "", labels, registry=registry).labels("a", "p", "GET", "/x")
    invocations = Counter("v", "", ["e", "n"], registry=registry).labels("m", "AllTraffic")
    model = Histogram("m", "", ["e", "n"], registry=registry).labels("m", "AllTraffic")
    overhead = Histogram("o", "", ["e", "n"], registry=registry).labels("m", "AllTraffic")

    def run(n: int) -> None:
        for _ in range(n):
            invocations.inc()
            model.observe(40.0)
            overhead.observe(25.0)
            requests.inc()
            latency.observe(0.4)
            integration.observe(0.1)

    return _per_call(run, count)


def _takes(limit: Limit, count: int) -> float:
    def run(n: int) -> None:
        take = limit.take
        for _ in range(n):
            take()

    return _per_call(run, count)


def measure_metrics(count: int = 200_000) -> MetricsFigures:
    """The figures, on whichever build this process runs."""
    local = LocalLimits()
    with tempfile.TemporaryDirectory(prefix="sagegate-bench-limits-") as directory:
        shared = SharedLimits(Path(directory))
        try:
            figures = MetricsFigures(
                build=native.RUNNING,
                record_us=_recording(count),
                prometheus_client_us=_prometheus_client(count // 4),
                record_samples_us=_recording(count, samples=True),
                emf_flush_us=(flush := _emf_flush(50)),
                emf_flush_per_request_us=flush / EMF_PERIOD_REQUESTS,
                bucket_local_us=_takes(local.bucket(1e9, 1_000_000_000), count),
                bucket_shared_us=_takes(shared.bucket(1e9, 1_000_000_000), count // 4),
                quota_local_us=_takes(local.quota(1_000_000_000, "DAY", 0), count // 4),
                quota_shared_us=_takes(shared.quota(1_000_000_000, "DAY", 0), count // 4),
            )
        finally:
            shared.close()
    return figures


def render(figures: MetricsFigures) -> str:
    """The table `python -m bench` prints."""
    return "\n".join(
        [
            f"Metrics and limits, in-process ({figures.build})",
            f"  recording per request (API + SageMaker series, console list): "
            f"{figures.record_us:.2f} µs (budget 2 µs; prometheus-client's objects: "
            f"{figures.prometheus_client_us:.2f} µs)",
            f"  with --metrics-emf: {figures.record_samples_us:.2f} µs per request (samples "
            f"kept); a flush of {EMF_PERIOD_REQUESTS} requests' lines: "
            f"{figures.emf_flush_us:.0f} µs ({figures.emf_flush_per_request_us:.2f} µs per "
            "request, off the request path)",
            f"  token bucket take: {figures.bucket_local_us:.2f} µs in one worker, "
            f"{figures.bucket_shared_us:.2f} µs shared by workers",
            f"  quota take:        {figures.quota_local_us:.2f} µs in one worker, "
            f"{figures.quota_shared_us:.2f} µs shared by workers",
        ]
    )


if __name__ == "__main__":
    print(render(measure_metrics()))
