"""A snapshot in Prometheus' text format, written by prometheus-client.

prometheus-client renders (`generate_latest`) from a custom collector that yields metric
families built from the snapshot; its own metric objects are not used on the request path,
where they cost several times our plain aggregates (see `series`).
Labels follow CloudWatch's dimensions: ApiName, Stage, Method, Resource for API Gateway
(empty Method and Resource for requests that matched no method: Prometheus treats an empty
label as absent, as CloudWatch reports those without the dimension) and EndpointName,
VariantName for SageMaker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from sagegate.metrics.registry import API, LABEL_SEPARATOR, SAGEMAKER, Snapshot
from sagegate.metrics.series import MICROSECOND_BOUNDS, MILLISECOND_BOUNDS

__all__ = ["CONTENT_TYPE", "render"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
API_LABELS = ["api_name", "stage", "method", "resource"]
SAGEMAKER_LABELS = ["endpoint_name", "variant_name"]


def _buckets(bounds: tuple[float, ...], counts: list[float]) -> list[tuple[str, float]]:
    """Cumulative (le, count) pairs, +Inf last, as Prometheus histograms carry them."""
    cumulative = 0.0
    out = []
    for bound, count in zip([*map(_le, bounds), "+Inf"], counts, strict=True):
        cumulative += count
        out.append((bound, cumulative))
    return out


def _le(bound: float) -> str:
    return repr(float(bound))


def _families(
    series: dict[str, list[float]],
    labels: list[str],
    counters: list[tuple[str, str, Callable[[list[float]], float]]],
    histograms: list[tuple[str, str, int]],
    bounds: tuple[float, ...],
) -> Iterator[Metric]:
    """Counters (name, help, figure of the values) and histograms (name, help, offset of
    its buckets in the values) of one family of series."""
    width = len(bounds) + 1
    parsed = [(key.split(LABEL_SEPARATOR), values) for key, values in sorted(series.items())]
    for name, documentation, figure in counters:
        counter = CounterMetricFamily(name, documentation, labels=labels)
        for label_values, values in parsed:
            counter.add_metric(label_values, figure(values))
        yield counter
    for name, documentation, offset in histograms:
        histogram = HistogramMetricFamily(name, documentation, labels=labels)
        for label_values, values in parsed:
            counts = values[offset : offset + width]
            histogram.add_metric(
                label_values, _buckets(bounds, counts), sum_value=values[offset + width]
            )
        yield histogram


class _SnapshotCollector:
    """Yields the families of one snapshot (prometheus-client's custom collector shape)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        width = len(MILLISECOND_BOUNDS) + 1
        # Series.values: 4xx, 5xx, latency buckets + sum, integration buckets + sum.
        yield from _families(
            self.snapshot.get(API, {}),
            API_LABELS,
            [
                (
                    "apigateway_requests",
                    "API requests (CloudWatch AWS/ApiGateway Count).",
                    lambda v: sum(v[2 : 2 + width]),
                ),
                ("apigateway_4xx_errors", "Client-side errors (4XXError).", lambda v: v[0]),
                ("apigateway_5xx_errors", "Server-side errors (5XXError).", lambda v: v[1]),
            ],
            [
                (
                    "apigateway_latency_milliseconds",
                    "From receiving the request to answering it (Latency).",
                    2,
                ),
                (
                    "apigateway_integration_latency_milliseconds",
                    "From relaying the request to the backend to its answer (IntegrationLatency).",
                    3 + width,
                ),
            ],
            MILLISECOND_BOUNDS,
        )
        width = len(MICROSECOND_BOUNDS) + 1
        yield from _families(
            self.snapshot.get(SAGEMAKER, {}),
            SAGEMAKER_LABELS,
            [
                (
                    "sagemaker_invocations",
                    "InvokeEndpoint requests (CloudWatch AWS/SageMaker Invocations).",
                    lambda v: sum(v[2 : 2 + width]),
                ),
                (
                    "sagemaker_invocation_4xx_errors",
                    "Invocations answered with a 4xx (Invocation4XXErrors).",
                    lambda v: v[0],
                ),
                (
                    "sagemaker_invocation_5xx_errors",
                    "Invocations answered with a 5xx (Invocation5XXErrors).",
                    lambda v: v[1],
                ),
            ],
            [
                (
                    "sagemaker_model_latency_microseconds",
                    "Time in the model's inference hooks (ModelLatency).",
                    2,
                ),
                (
                    "sagemaker_overhead_latency_microseconds",
                    "Time of the invocation outside the model's hooks (OverheadLatency).",
                    3 + width,
                ),
            ],
            MICROSECOND_BOUNDS,
        )


def render(snapshot: Snapshot) -> bytes:
    """The snapshot as Prometheus text (CONTENT_TYPE)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(snapshot))
    return generate_latest(registry)
