"""The EMF lines made from the series: one per series and period, counts as differences,
latencies as the period's samples, names and dimensions as CloudWatch has them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sagegate.metrics.emf import EmfFileError, EmfFlusher, EmfWriter, check_writable
from sagegate.metrics.registry import Metrics
from sagegate.metrics.series import SAMPLES_PER_PERIOD
from tests.metrics.emf_support import namespace_of, read_lines, samples, total

API = "AWS/ApiGateway"
SAGEMAKER = "AWS/SageMaker"


def _writer(tmp_path: Path, clock: float = 1_800_000_000.0) -> tuple[Metrics, EmfWriter, Path]:
    metrics = Metrics(samples=True)
    path = tmp_path / "metrics.emf"
    return metrics, EmfWriter(metrics, str(path), clock=lambda: clock), path


def test_a_period_is_one_line_per_series_with_cloudwatch_names(tmp_path: Path) -> None:
    metrics, writer, path = _writer(tmp_path)
    method = metrics.api_series("Movies", "prod", "GET", "/ratings/{id}")
    method.record(200, 1.5, 0.7)
    method.record(404, 0.25, 0.1)
    method.record(504, 29_000.5, 29_000.0)
    method.record(429, 0.2, -1.0)  # throttled: no integration
    metrics.api_series("Movies", "prod", "", "").record(403, 0.05, -1.0)
    variant = metrics.variant_series("movie-ratings", "AllTraffic")
    variant.record(200, 120.0, 30.0)
    variant.record(500, 5.0, 9.25)
    assert writer.flush() == 3
    lines = read_lines(path)
    by_key = {(namespace_of(d), d.get("Method", d.get("EndpointName"))): d for d in lines}
    routed = by_key[(API, "GET")]
    assert routed["_aws"]["Timestamp"] == 1_800_000_000_000
    directive = routed["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [
        ["ApiName"],
        ["ApiName", "Stage"],
        ["ApiName", "Method", "Resource", "Stage"],
    ]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "Count": "Count",
        "4XXError": "Count",
        "5XXError": "Count",
        "Latency": "Milliseconds",
        "IntegrationLatency": "Milliseconds",
    }
    assert (routed["ApiName"], routed["Stage"], routed["Resource"]) == (
        "Movies",
        "prod",
        "/ratings/{id}",
    )
    assert (routed["Count"], routed["4XXError"], routed["5XXError"]) == (4, 2, 1)
    assert routed["Latency"] == [1.5, 0.25, 29_000.5, 0.2]
    assert routed["IntegrationLatency"] == [0.7, 0.1, 29_000.0]
    # Requests that matched no method: ApiName and Stage only, as CloudWatch has them.
    unrouted = by_key[(API, None)]
    assert unrouted["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["ApiName"],
        ["ApiName", "Stage"],
    ]
    assert "Method" not in unrouted and "IntegrationLatency" not in unrouted
    assert unrouted["Latency"] == 0.05  # a single value stays a number
    endpoint = by_key[(SAGEMAKER, "movie-ratings")]
    directive = endpoint["_aws"]["CloudWatchMetrics"][0]
    assert directive["Dimensions"] == [["EndpointName", "VariantName"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "Invocations": "None",
        "Invocation4XXErrors": "None",
        "Invocation5XXErrors": "None",
        "ModelLatency": "Microseconds",
        "OverheadLatency": "Microseconds",
    }
    assert endpoint["VariantName"] == "AllTraffic"
    assert (endpoint["Invocations"], endpoint["Invocation5XXErrors"]) == (2, 1)
    assert endpoint["ModelLatency"] == [120.0, 5.0]
    assert endpoint["OverheadLatency"] == [30.0, 9.2]  # to a tenth of a microsecond


def test_counts_are_differences_and_an_idle_series_writes_nothing(tmp_path: Path) -> None:
    metrics, writer, path = _writer(tmp_path)
    busy = metrics.api_series("Movies", "prod", "GET", "/a")
    idle = metrics.api_series("Movies", "prod", "GET", "/b")
    idle.record(200, 1.0, 0.5)
    for status in (200, 400, 500):
        busy.record(status, 1.0, 0.5)
    writer.flush()
    assert writer.flush() == 0  # nothing new: no line at all
    busy.record(502, 2.0, 1.0)
    assert writer.flush() == 1
    lines = read_lines(path)
    assert len(lines) == 3
    assert total(lines, API, "Count", Resource="/a") == 4
    assert total(lines, API, "5XXError", Resource="/a") == 2
    assert total(lines, API, "4XXError", Resource="/a") == 1
    assert total(lines, API, "Count", Resource="/b") == 1
    assert lines[-1]["Count"] == 1 and lines[-1]["Latency"] == 2.0


def test_latencies_are_the_first_samples_of_a_busy_period(tmp_path: Path) -> None:
    metrics, writer, path = _writer(tmp_path)
    method = metrics.api_series("Movies", "prod", "GET", "/a")
    sent = SAMPLES_PER_PERIOD + 50
    for i in range(sent):
        method.record(200, float(i), -1.0)
    writer.flush()
    method.record(200, 7.0, -1.0)
    writer.flush()
    lines = read_lines(path)
    # Count stays exact; the latency array holds as many values as EMF allows.
    assert [d["Count"] for d in lines] == [sent, 1]
    assert lines[0]["Latency"] == [float(i) for i in range(SAMPLES_PER_PERIOD)]
    assert samples(lines, API, "Latency")[-1] == 7.0


def test_flusher_writes_on_its_timer_and_at_stop(tmp_path: Path) -> None:
    metrics, writer, path = _writer(tmp_path)
    method = metrics.api_series("Movies", "prod", "GET", "/a")

    async def run() -> tuple[int, int]:
        flusher = EmfFlusher(writer, period_s=0.05)
        await flusher.start()
        method.record(200, 1.0, 0.5)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if path.read_text():
                break
        on_timer = len(read_lines(path))
        method.record(200, 1.0, 0.5)
        await flusher.stop()  # the last period, whatever the timer did
        return on_timer, len(read_lines(path))

    on_timer, at_stop = asyncio.run(run())
    assert on_timer == 1
    assert at_stop == 2
    assert total(read_lines(path), API, "Count") == 2


def test_the_file_is_appended_to_and_an_unwritable_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "metrics.emf"
    path.write_text('{"earlier": "line"}\n')
    check_writable(str(path))
    metrics, writer, _ = _writer(tmp_path)
    metrics.api_series("Movies", "prod", "GET", "/a").record(200, 1.0, 0.5)
    writer.flush()
    assert path.read_text().startswith('{"earlier": "line"}\n{')
    missing = tmp_path / "no-such-dir" / "metrics.emf"
    with pytest.raises(EmfFileError, match=f"--metrics-emf {missing}: cannot write: "):
        check_writable(str(missing))
    with pytest.raises(EmfFileError, match="cannot write: Is a directory"):
        check_writable(str(tmp_path))


def test_series_without_samples_cannot_feed_emf(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="samples"):
        EmfWriter(Metrics(), str(tmp_path / "x.emf"))
