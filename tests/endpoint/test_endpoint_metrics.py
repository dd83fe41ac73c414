"""The endpoints' CloudWatch invocation metrics, at `endpoint serve`'s /_sagegate/metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

# A model that fails with a 400 or a 500 of its own, or sleeps, as the request says.
from tests.endpoint.test_endpoint_errors import FAILING as MODEL


def _figures(url: str) -> dict[str, float]:
    text = requests.get(f"{url}/_sagegate/metrics", timeout=10).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("endpoint_name") == "scorer"
        and sample.labels.get("variant_name") == "AllTraffic"
        and "le" not in sample.labels
    }


def test_invocations_errors_and_latencies_as_cloudwatch_defines_them(
    write_model: Callable[..., Any],
    serve_models: Callable[..., Any],
    client_for: Callable[..., Any],
) -> None:
    with serve_models({"scorer": write_model("scorer", MODEL)}) as (url, _):
        client = client_for(url)

        def invoke(body: bytes, name: str = "scorer") -> None:
            client.invoke_endpoint(EndpointName=name, Body=body, ContentType="application/json")

        invoke(b'{"sleep": 0.05}')
        invoke(b"{}")
        for body, status in ((b'{"bad": 1}', 400), (b'{"crash": 1}', 500)):
            with pytest.raises(botocore.exceptions.ClientError) as failed:
                invoke(body)
            # ModelError (424) carries the model's own status, which the metrics count by.
            assert failed.value.response["OriginalStatusCode"] == status
        with pytest.raises(botocore.exceptions.ClientError):
            invoke(b"{}", name="nobody")  # no such endpoint: no metrics of its own
        figures = _figures(url)
    assert figures["sagemaker_invocations_total"] == 4
    assert figures["sagemaker_invocation_4xx_errors_total"] == 1
    assert figures["sagemaker_invocation_5xx_errors_total"] == 1
    assert figures["sagemaker_model_latency_microseconds_count"] == 4
    # The model slept 50 ms in its hook: ModelLatency holds it, OverheadLatency does not.
    assert figures["sagemaker_model_latency_microseconds_sum"] >= 50_000
    assert figures["sagemaker_overhead_latency_microseconds_sum"] < 50_000
