"""`--metrics-emf FILE`: the series as CloudWatch Embedded Metric Format lines.

Every period (1 s by default) and at shutdown, `EmfWriter.flush` appends one JSON line per
series that served requests in the period, made by AWS's `aws-embedded-metrics` library
(`MetricsContext` and `LogSerializer`: it checks names, units and dimension sets and writes
the `_aws` metadata), so that the CloudWatch agent and CloudWatch Logs read them as they
read an application's own EMF logs:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

What a line holds, for one series and one period:
- the counts of the period (Count / Invocations, the 4xx and 5xx errors), as differences
  since the previous line, so the sum over the lines is the total; a series that served
  nothing in the period writes no line;
- the latencies as arrays of the period's observations as measured (the first
  `SAMPLES_PER_PERIOD` of the period; EMF takes at most 100 values a metric), from which
  CloudWatch computes its statistics (average, minimum, maximum, percentiles).

This is off the request path: a request only appends its latencies to a bounded list
(`series.Histogram`); the flush, on the event loop's timer, reads the aggregates. Each flush
is one `write` of whole lines to a file opened for append, so `--workers N` can share FILE:
every worker writes its own differences, and the lines add up to all requests.

Limits, said where users read them (README, docs/ARCHITECTURE.md): beyond 100 requests of
one series in a period, the latency arrays hold the first 100 of it, a sample (Count stays
exact); Count and the error counts are one value a line, so their `Sum` is the figure (AWS's
own data points are one per request, so there `SampleCount` of Count and `Average` of the
errors, a rate, also mean something; here they count lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sagegate.metrics.series import Series

if TYPE_CHECKING:
    from aws_embedded_metrics.logger.metrics_context import MetricsContext

    from sagegate.metrics.registry import Metrics

__all__ = [
    "API_NAMESPACE",
    "DEFAULT_PERIOD_S",
    "SAGEMAKER_NAMESPACE",
    "EmfFileError",
    "EmfFlusher",
    "EmfWriter",
    "check_writable",
]

log = logging.getLogger("sagegate.metrics")

#: CloudWatch's namespaces of the metrics API Gateway and SageMaker publish.
API_NAMESPACE = "AWS/ApiGateway"
SAGEMAKER_NAMESPACE = "AWS/SageMaker"
#: Seconds between two flushes unless told otherwise.
DEFAULT_PERIOD_S = 1.0
_OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT


class EmfFileError(ValueError):
    """FILE cannot be written."""


def check_writable(path: str) -> None:
    """Refuse a FILE that cannot be opened for append (it is created if missing)."""
    try:
        os.close(os.open(path, _OPEN_FLAGS, 0o644))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise EmfFileError(f"--metrics-emf {path}: cannot write: {reason}") from None


@dataclass(frozen=True, slots=True)
class _Family:
    """How one family of series becomes EMF: namespace, metric names and units."""

    namespace: str
    count: tuple[str, str]
    errors_4xx: tuple[str, str]
    errors_5xx: tuple[str, str]
    first: tuple[str, str]
    second: tuple[str, str]
    digits: int  # the latencies' rounding: to the microsecond (ms) or a tenth of one (µs)


# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
_API = _Family(
    API_NAMESPACE,
    ("Count", "Count"),
    ("4XXError", "Count"),
    ("5XXError", "Count"),
    ("Latency", "Milliseconds"),
    ("IntegrationLatency", "Milliseconds"),
    3,
)
# https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
_SAGEMAKER = _Family(
    SAGEMAKER_NAMESPACE,
    ("Invocations", "None"),
    ("Invocation4XXErrors", "None"),
    ("Invocation5XXErrors", "None"),
    ("ModelLatency", "Microseconds"),
    ("OverheadLatency", "Microseconds"),
    1,
)


def _api_dimensions(key: tuple[str, ...]) -> list[dict[str, str]]:
    """API Gateway's dimension sets: ApiName; ApiName, Stage; and, for a method, ApiName,
    Method, Resource, Stage (requests that matched no method have no Method or Resource)."""
    api, stage, method, resource = key
    sets = [{"ApiName": api}, {"ApiName": api, "Stage": stage}]
    if method:
        sets.append({"ApiName": api, "Method": method, "Resource": resource, "Stage": stage})
    return sets


def _variant_dimensions(key: tuple[str, ...]) -> list[dict[str, str]]:
    """SageMaker's invocation metrics have the one set EndpointName, VariantName."""
    endpoint, variant = key
    return [{"EndpointName": endpoint, "VariantName": variant}]


class EmfWriter:
    """Appends the series' EMF lines of each period to FILE, one `write` a flush."""

    def __init__(
        self, metrics: Metrics, path: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        """`metrics` must keep samples (`Metrics(samples=True)`); `clock` gives the lines'
        timestamps (seconds since the epoch)."""
        if not metrics.samples:
            raise ValueError("EMF lines need series that keep their samples")
        # Imported here: the library pulls in aiohttp (~0.1-0.3 s), which only this flag pays.
        from aws_embedded_metrics.exceptions import InvalidDimensionError
        from aws_embedded_metrics.logger.metrics_context import MetricsContext
        from aws_embedded_metrics.serializers.log_serializer import LogSerializer

        self._context = MetricsContext
        self._invalid_dimension = InvalidDimensionError
        self._serialize = LogSerializer.serialize
        self.metrics = metrics
        self.path = path
        self._clock = clock
        self._fd: int | None = os.open(path, _OPEN_FLAGS, 0o644)
        # Per series: (count, 4xx, 5xx) at the previous flush.
        self._last: dict[int, tuple[int, int, int]] = {}
        self._warned: set[tuple[str, ...]] = set()

    def lines(self) -> list[str]:
        """The lines of the period since the previous call (and the series' state moved on)."""
        timestamp = round(self._clock() * 1000)
        out: list[str] = []
        out.extend(self._family(_API, self.metrics.api.items(), _api_dimensions, timestamp))
        out.extend(
            self._family(_SAGEMAKER, self.metrics.variants.items(), _variant_dimensions, timestamp)
        )
        return out

    def _family(
        self,
        family: _Family,
        series: Iterable[tuple[tuple[str, ...], Series]],
        dimensions: Callable[[tuple[str, ...]], list[dict[str, str]]],
        timestamp: int,
    ) -> Iterable[str]:
        for key, one in list(series):
            count = sum(one.first.counts)
            now = (count, one.errors_4xx, one.errors_5xx)
            before = self._last.get(id(one), (0, 0, 0))
            firsts = one.first.take_samples()
            seconds = one.second.take_samples()
            if count == before[0]:
                continue
            self._last[id(one)] = now
            context = self._context(namespace=family.namespace)
            try:
                context.set_dimensions(dimensions(key))
            except self._invalid_dimension as exc:  # a non-ASCII resource path, say
                if key not in self._warned:
                    self._warned.add(key)
                    log.warning("--metrics-emf: no lines for %s: %s", key, exc)
                continue
            context.meta["Timestamp"] = timestamp
            context.put_metric(family.count[0], now[0] - before[0], family.count[1])
            context.put_metric(family.errors_4xx[0], now[1] - before[1], family.errors_4xx[1])
            context.put_metric(family.errors_5xx[0], now[2] - before[2], family.errors_5xx[1])
            _put_all(context, family.first, firsts, family.digits)
            _put_all(context, family.second, seconds, family.digits)
            yield from self._serialize(context)

    def flush(self) -> int:
        """Append the period's lines in one write; returns how many."""
        found = self.lines()
        if found and self._fd is not None:
            data = ("\n".join(found) + "\n").encode("utf-8")
            while data:  # one write, unless the disk is full or a signal cuts it short
                written = os.write(self._fd, data)
                data = data[written:]
        return len(found)

    def close(self) -> None:
        """Close FILE (after a last flush, by the caller)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _put_all(
    context: MetricsContext, metric: tuple[str, str], values: list[float], digits: int
) -> None:
    """One metric whose value is the array of `values` (a single value stays a number)."""
    if not values:
        return
    name, unit = metric
    # The library checks the name, unit and value of the first; the others are finite floats
    # from the same clock, added to the array without checking each again.
    context.put_metric(name, round(values[0], digits), unit)
    context.metrics[name].values.extend(round(value, digits) for value in values[1:])


class EmfFlusher:
    """Flushes an `EmfWriter` every `period_s` on the event loop, and at stop."""

    def __init__(self, writer: EmfWriter, period_s: float = DEFAULT_PERIOD_S) -> None:
        if not period_s > 0:
            raise ValueError("the EMF period must be positive")
        self.writer = writer
        self.period_s = period_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin the timer."""
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.period_s)
            self.flush()

    def flush(self) -> None:
        """Flush now; a failure is logged, never raised (metrics must not stop the API)."""
        try:
            self.writer.flush()
        except Exception:
            log.exception("--metrics-emf: writing %s failed", self.writer.path)

    async def stop(self) -> None:
        """End the timer, write the last period's lines and close FILE."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.flush()
        self.writer.close()
