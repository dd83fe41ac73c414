"""The benchmark harness runs end to end at a tiny size (a proof that it works, not a timing)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.wrk import parse_output
from sagegate import native

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8080/prod/x
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.50us  120.30us   4.10ms   91.20%
    Req/Sec    26.10k     1.30k   28.40k    71.00%
  Latency Distribution
     50%  580.00us
     75%  640.00us
     90%  720.00us
     99%    1.25ms
  261000 requests in 5.00s, 40.10MB read
  Non-2xx or 3xx responses: 7
Requests/sec:  52200.00
Transfer/sec:      8.02MB
"""


@pytest.mark.slow
def test_bench_runs_every_part_at_a_tiny_size(tmp_path: Path) -> None:
    code = main(
        [
            "--seconds=0.3",
            "--warmup=0.1",
            "--concurrency",
            "1",
            "2",
            "--scenarios",
            "ceiling",
            "iam-inprocess",
            "endpoint-direct",
            "--client=python",
            "--profile-iterations=40",
            "--in-process-requests=64",
            "--model-pairs=2000",
            "--model-iterations=50",
            "--streaming-parts=40",
            "--streaming-iterations=10",
            "--metrics-count=4000",
            f"--results-dir={tmp_path}",
        ]
    )

    assert code == 0
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    runs = document["scenarios"]
    assert [(run["key"], run["concurrency"]) for run in runs] == [
        ("ceiling", 1),
        ("ceiling", 2),
        ("iam-inprocess", 1),
        ("iam-inprocess", 2),
        ("endpoint-direct", 1),
        ("endpoint-direct", 2),
    ]
    for run in runs:
        # Every response counted was the expected 200 (SigV4 accepted for the IAM scenario).
        assert run["requests"] > 0 and run["statuses"] == {"200": run["requests"]}, run
        assert run["errors"] == 0 and run["connection_errors"] == 0, run
        assert 0 < run["p50_ms"] <= run["p99_ms"], run
        assert run["ratio_to_ceiling"] > 0 and run["server_cpu_us_per_request"] > 0, run
    profile = document["profile"]
    assert profile["iterations"] == 40
    assert all(value >= 0 for value in profile["rows_us"].values())
    assert (
        profile["rows_us"]["request template"] > 0
        and profile["rows_us"]["authorize (SigV4 + policy)"] > 0
    )
    assert document["model"]["pairs_per_second"] > 0
    streaming = document["streaming"]
    assert (streaming["parts"], streaming["iterations"]) == (40, 10)
    assert streaming["in_process_parts_per_s"] > 0 and streaming["http_parts_per_s"] > 0
    assert streaming["model_first_part_us"] > 0 and streaming["http_first_part_us"] > 0
    metrics = document["metrics"]
    assert 0 < metrics["record_us"] < metrics["prometheus_client_us"]
    assert metrics["bucket_shared_us"] > 0 and metrics["quota_shared_us"] > 0
    assert metrics["record_samples_us"] > 0 and metrics["emf_flush_us"] > 0
    # The pure-Python build always, and first the compiled one when this tree has a current one.
    builds = [figures["build"] for figures in document["in_process"]]
    compiled = native.RUNNING.startswith("compiled")
    # Where the compiled build is required (CI), the bench must have measured it.
    assert compiled or os.environ.get("SAGEGATE_REQUIRE_NATIVE", "") in ("", "0")
    assert builds == ([native.RUNNING] if compiled else []) + ["pure Python (SAGEGATE_PURE is set)"]
    assert document["environment"]["sagegate_build"] == native.RUNNING
    for in_process in document["in_process"]:
        assert in_process["requests"] == 64
        assert 0 < in_process["loop_thread_us_per_request"] <= in_process["cpu_us_per_request"]
    assert {goal["name"] for goal in document["goals"]} >= {
        "movie-ratings, AWS_IAM, in-process endpoint, c=2",
        "latency the gateway adds (p50, c=1)",
        "default model, a batch",
        "default model, a 3-item request",
    }
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_wrk_summary_is_read_in_milliseconds() -> None:
    result = parse_output(WRK_OUTPUT, concurrency=32, total_before=1000)

    assert (result.requests, result.requests_total, result.errors) == (261000, 262000, 7)
    assert (result.p50_ms, result.p99_ms) == (0.58, 1.25)
    assert result.rps == 261000 / 5.0
