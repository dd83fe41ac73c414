"""The recorded series, as Prometheus text, and summed across workers."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from sagegate.metrics.exposition import render
from sagegate.metrics.registry import Metrics, api_name, merge, totals


def _samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text.decode())
        for sample in family.samples
    }


def _metrics() -> Metrics:
    metrics = Metrics()
    method = metrics.api_series("Movies", "prod", "GET", "/ratings/{id}")
    method.record(200, 1.5, 0.7)
    method.record(429, 0.2, -1.0)
    method.record(504, 29_000.5, 29_000.0)
    metrics.api_series("Movies", "prod", "", "").record(403, 0.05, -1.0)
    metrics.variant_series("movie-ratings", "AllTraffic").record(200, 120.0, 30.0)
    metrics.variant_series("movie-ratings", "AllTraffic").record(424, 5.0, 9.0)
    return metrics


def test_cloudwatch_named_families_with_their_dimensions() -> None:
    samples = _samples(render(_metrics().snapshot()))
    method = (
        ("api_name", "Movies"),
        ("method", "GET"),
        ("resource", "/ratings/{id}"),
        ("stage", "prod"),
    )
    unrouted = (("api_name", "Movies"), ("method", ""), ("resource", ""), ("stage", "prod"))
    assert samples[("apigateway_requests_total", method)] == 3
    assert samples[("apigateway_4xx_errors_total", method)] == 1
    assert samples[("apigateway_5xx_errors_total", method)] == 1
    assert samples[("apigateway_requests_total", unrouted)] == 1
    assert samples[("apigateway_4xx_errors_total", unrouted)] == 1
    assert samples[("apigateway_latency_milliseconds_count", method)] == 3
    assert samples[("apigateway_latency_milliseconds_sum", method)] == 1.5 + 0.2 + 29_000.5
    # Only requests that reached an integration have an integration latency.
    assert samples[("apigateway_integration_latency_milliseconds_count", method)] == 2
    # Cumulative buckets: 1.5 ms is within le=2.5, not le=1.0; 29000.5 only in +Inf.
    assert (
        samples[
            ("apigateway_latency_milliseconds_bucket", (*method[:1], ("le", "1.0"), *method[1:]))
        ]
        == 1
    )
    assert (
        samples[
            ("apigateway_latency_milliseconds_bucket", (*method[:1], ("le", "2.5"), *method[1:]))
        ]
        == 2
    )
    assert (
        samples[
            (
                "apigateway_latency_milliseconds_bucket",
                (*method[:1], ("le", "29000.0"), *method[1:]),
            )
        ]
        == 2
    )
    assert (
        samples[
            ("apigateway_latency_milliseconds_bucket", (*method[:1], ("le", "+Inf"), *method[1:]))
        ]
        == 3
    )
    variant = (("endpoint_name", "movie-ratings"), ("variant_name", "AllTraffic"))
    assert samples[("sagemaker_invocations_total", variant)] == 2
    assert samples[("sagemaker_invocation_4xx_errors_total", variant)] == 1
    assert samples[("sagemaker_invocation_5xx_errors_total", variant)] == 0
    assert samples[("sagemaker_model_latency_microseconds_sum", variant)] == 125.0
    assert samples[("sagemaker_overhead_latency_microseconds_sum", variant)] == 39.0


def test_workers_snapshots_add_up_series_by_series() -> None:
    one, other = _metrics(), Metrics()
    other.api_series("Movies", "prod", "POST", "/ratings").record(200, 1.0, 0.5)
    other.api_series("Movies", "prod", "GET", "/ratings/{id}").record(200, 1.0, 0.5)
    merged = merge([one.snapshot(), other.snapshot()])
    figures = totals(merged)
    assert figures["requests"] == 3 + 1 + 1 + 1
    assert figures["errors_4xx"] == 2 and figures["errors_5xx"] == 1
    assert figures["invocations"] == 2 and figures["invocation_4xx"] == 1
    samples = _samples(render(merged))
    post = (("api_name", "Movies"), ("method", "POST"), ("resource", "/ratings"), ("stage", "prod"))
    assert samples[("apigateway_requests_total", post)] == 1


def test_api_name_drops_non_ascii_and_falls_back_to_the_id() -> None:
    assert api_name("Filmbewertungen-ä", "abc123") == "Filmbewertungen-"
    assert api_name("映画", "abc123") == "abc123"
