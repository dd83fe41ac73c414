"""The aggregates one request updates: plain counters and histogram buckets, no locks.

Recording is on every request's path, so it is as little as Python allows: the request
count is the latency histogram's count, an error class is one integer, and a histogram is a
bucket list indexed by `bisect` plus a float sum (prometheus-client's own objects cost
several times more per observation; see docs/ARCHITECTURE.md for the figures). The series
are made once, at load, per method plan and per endpoint variant, so a request never looks
one up. With `--metrics-emf`, a histogram also keeps the period's first `SAMPLES_PER_PERIOD`
observations as they are, for the EMF lines (`emf`), which take them at each flush.

The names follow CloudWatch's metrics:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html#cloudwatch-metrics-endpoint-invocation
"""

from __future__ import annotations

from bisect import bisect_left

#: Upper bounds (inclusive, Prometheus `le`) of the millisecond histograms: sub-millisecond
#: steps for a local gateway, up to API Gateway's 29 s integration timeout.
MILLISECOND_BOUNDS: tuple[float, ...] = (
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0,
    1000.0, 2500.0, 5000.0, 10000.0, 29000.0,
)  # fmt: skip
#: Upper bounds of the microsecond histograms, up to the container's 60 s to answer.
MICROSECOND_BOUNDS: tuple[float, ...] = (
    10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
    25000.0, 50000.0, 100000.0, 250000.0, 1000000.0, 10000000.0, 60000000.0,
)  # fmt: skip
#: The most observations a histogram keeps as they are between two EMF flushes: as many as
#: one EMF metric value (an array) may hold.
SAMPLES_PER_PERIOD = 100


class Histogram:
    """Observations counted per bucket (the last one is +Inf), and their sum; with
    `samples`, also the first SAMPLES_PER_PERIOD observations since `take_samples`."""

    __slots__ = ("bounds", "counts", "samples", "total")

    def __init__(self, bounds: tuple[float, ...], *, samples: bool = False) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0
        self.samples: list[float] | None = [] if samples else None

    def observe(self, value: float) -> None:
        """Count one observation."""
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value
        samples = self.samples
        if samples is not None and len(samples) < SAMPLES_PER_PERIOD:
            samples.append(value)

    def take_samples(self) -> list[float]:
        """The observations kept since the last call (none when not keeping any)."""
        taken = self.samples
        if taken is None:
            return []
        self.samples = []
        return taken

    @property
    def count(self) -> int:
        """How many observations."""
        return sum(self.counts)

    def values(self) -> list[float]:
        """The bucket counts then the sum, as one flat list (see `registry`)."""
        return [*self.counts, self.total]


class Series:
    """One series: its 4xx and 5xx counts and two latency histograms.

    An API method's (CloudWatch's ApiName, Stage, Method, Resource dimensions): Latency and
    IntegrationLatency in milliseconds; Count is the first histogram's count, and the second
    one only counts requests that reached an integration. An endpoint variant's
    (EndpointName, VariantName): ModelLatency and OverheadLatency in microseconds;
    Invocations is the first histogram's count (refusals included, with a model latency of 0).
    """

    __slots__ = ("errors_4xx", "errors_5xx", "first", "second")

    def __init__(self, bounds: tuple[float, ...], *, samples: bool = False) -> None:
        self.errors_4xx = 0
        self.errors_5xx = 0
        self.first = Histogram(bounds, samples=samples)
        self.second = Histogram(bounds, samples=samples)

    def record(self, status: int, first: float, second: float) -> None:
        """One answered request: its status and latencies (`second` < 0: none)."""
        histogram = self.first
        histogram.counts[bisect_left(histogram.bounds, first)] += 1
        histogram.total += first
        samples = histogram.samples
        if samples is not None and len(samples) < SAMPLES_PER_PERIOD:
            samples.append(first)
        if second >= 0.0:
            histogram = self.second
            histogram.counts[bisect_left(histogram.bounds, second)] += 1
            histogram.total += second
            samples = histogram.samples
            if samples is not None and len(samples) < SAMPLES_PER_PERIOD:
                samples.append(second)
        if status >= 400:
            if status >= 500:
                self.errors_5xx += 1
            else:
                self.errors_4xx += 1

    def values(self) -> list[float]:
        """4xx, 5xx, then both histograms' values, as one flat list."""
        return [self.errors_4xx, self.errors_5xx, *self.first.values(), *self.second.values()]
