"""The console and /_sagegate/metrics beside a real API server (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from sagegate.gateway.assemble import build_gateway
from sagegate.gateway.webconsole import WebConsole
from sagegate.gateway.webconsole.access import ConsoleAccess
from sagegate.sigv4 import Identity, StaticIdentityStore
from tests.gateway.hardening.support import echo_spec, signed_get
from tests.servers import serve_in_thread

IDENTITY = Identity(
    access_key="AKIACONSOLETEST00001", secret_key="console-secret-key-never-shown-0123456789"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    spec = echo_spec(tmp_path, api={"authorization_type": "AWS_IAM"})
    gateway = build_gateway(
        spec, identities=StaticIdentityStore([IDENTITY]), access_log=io.StringIO()
    )
    WebConsole(gateway)
    with serve_in_thread(gateway) as url:
        yield url


def _samples(url: str) -> dict[tuple[str, str, str], float]:
    text = requests.get(f"{url}/_sagegate/metrics", timeout=10).text
    found: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            where = sample.labels.get("resource", sample.labels.get("endpoint_name", ""))
            found[(sample.name, sample.labels.get("method", ""), where)] = sample.value
    return found


def _wait_for(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("not seen in time")


def _test_call(url: str, **request: Any) -> requests.Response:
    return requests.post(f"{url}/_sagegate/api/test", json=request, timeout=30)


def test_metrics_count_what_cloudwatch_counts(served: str) -> None:
    ok = signed_get(f"{served}/v1/echo/hi", IDENTITY)
    assert ok.status_code == 200
    assert requests.get(f"{served}/v1/echo/hi", timeout=10).status_code == 403  # unsigned
    assert requests.get(f"{served}/v1/nowhere", timeout=10).status_code == 403  # no route
    # A console test call: no authorization, and no API Gateway metrics (as TestInvokeMethod).
    test = _test_call(served, method="GET", path="/v1/echo/test")
    assert test.status_code == 200 and test.json()["status"] == 200
    samples = _samples(served)
    method = ("GET", "/echo/{word}")
    assert samples[("apigateway_requests_total", *method)] == 2
    assert samples[("apigateway_4xx_errors_total", *method)] == 1
    assert samples[("apigateway_integration_latency_milliseconds_count", *method)] == 1
    # No method matched: counted under the API and stage only (empty method and resource).
    assert samples[("apigateway_requests_total", "", "")] == 1
    assert samples[("apigateway_4xx_errors_total", "", "")] == 1
    # The endpoint answered the API's request and the test call.
    assert samples[("sagemaker_invocations_total", "", "echo-model")] == 2
    assert samples[("sagemaker_model_latency_microseconds_count", "", "echo-model")] == 2


def test_the_test_call_shows_every_stage_and_says_it_skipped_authorization(served: str) -> None:
    routes = requests.get(f"{served}/_sagegate/api/routes", timeout=10).json()
    assert "skip authorization" in routes["test_note"]
    (route,) = routes["routes"]
    assert (route["method"], route["url"], route["authorization"]) == (
        "GET",
        "/v1/echo/{word}",
        "AWS_IAM",
    )
    result = _test_call(
        served, method="GET", path="/v1/echo/hello", headers=[["X-Amz-Security-Token", "tok"]]
    ).json()
    assert json.loads(result["response_body"]) == {"said": "hello"}
    titles = [title for title, _ in result["stages"]]
    assert titles[0] == "Method request" and "Endpoint request" in titles
    assert titles[-1] == "Access log"
    method_request = dict(result["stages"])["Method request"]
    assert "X-Amz-Security-Token: ********" in method_request and "tok" not in method_request
    gateway, integration = result["spans"]
    assert 0 <= integration["start_ms"] <= gateway["duration_ms"]
    assert integration["start_ms"] + integration["duration_ms"] <= gateway["duration_ms"]


def test_a_request_shows_in_the_list_and_live_with_its_stages(served: str) -> None:
    with connect(f"ws://127.0.0.1:{served.rsplit(':', 1)[1]}/_sagegate/live") as socket:
        hello = json.loads(socket.recv(timeout=10))
        assert hello["type"] == "hello" and hello["requests"] == []
        answer = signed_get(f"{served}/v1/echo/live", IDENTITY)
        request_id = answer.headers["x-amzn-RequestId"]
        deadline = time.monotonic() + 10
        seen: list[dict[str, Any]] = []
        while not seen and time.monotonic() < deadline:
            message = json.loads(socket.recv(timeout=10))
            if message["type"] == "requests":
                seen = [i for i in message["items"] if i["id"] == request_id]
    assert seen[0]["status"] == 200 and seen[0]["integration_latency_ms"] >= 0
    listed = requests.get(f"{served}/_sagegate/api/requests", timeout=10).json()
    assert [item["id"] for item in listed] == [request_id]
    detail = requests.get(f"{served}/_sagegate/api/requests/{request_id}", timeout=10).json()
    assert [span["name"] for span in detail["spans"]] == ["API Gateway", "Integration"]
    assert "Caller" in dict(detail["stages"])  # a signed request shows who called


def test_nothing_the_console_shows_holds_the_secret_key(served: str) -> None:
    signed_get(f"{served}/v1/echo/secret", IDENTITY)
    _test_call(served, method="GET", path="/v1/echo/x")
    listed = _wait_for(lambda: requests.get(f"{served}/_sagegate/api/requests", timeout=10).json())
    pages = ["/", "/console.js", "/console.css", "/metrics", "/api/routes", "/api/history"]
    texts = [requests.get(f"{served}/_sagegate{page}", timeout=10).text for page in pages]
    texts.append(
        requests.get(f"{served}/_sagegate/api/requests/{listed[0]['id']}", timeout=10).text
    )
    assert all(IDENTITY.secret_key not in text for text in texts)
    assert "<title>sagegate console</title>" in texts[0]


def test_only_the_console_origin_may_use_it(served: str) -> None:
    # A name other than the loopback (a rebound DNS name): the API answers, not the console.
    rebound = requests.get(
        f"{served}/_sagegate/api/routes", headers={"Host": "evil.example"}, timeout=10
    )
    assert rebound.status_code == 403
    assert rebound.json() == {"message": "Missing Authentication Token"}
    other_site = requests.post(
        f"{served}/_sagegate/api/test",
        json={"path": "/v1/echo/x"},
        headers={"Origin": "http://evil.example"},
        timeout=10,
    )
    assert other_site.status_code == 403
    form = requests.post(f"{served}/_sagegate/api/test", data={"path": "/v1/echo/x"}, timeout=10)
    assert form.status_code == 403


def _scope(client: str, host: str = "127.0.0.1:8080") -> dict[str, Any]:
    return {"client": (client, 50000), "headers": [(b"host", host.encode())]}


def test_loopback_only_unless_console_host_widens_it() -> None:
    default = ConsoleAccess()
    assert default.admits(_scope("127.0.0.1")) and default.admits(_scope("::1", "[::1]:8080"))
    assert not default.admits(_scope("192.0.2.7", "192.0.2.1:8080"))
    widened = ConsoleAccess(["192.0.2.0/24"])
    assert widened.admits(_scope("192.0.2.7", "gateway.local:8080"))
    assert not widened.admits(_scope("198.51.100.1", "gateway.local:8080"))
    assert ConsoleAccess(["*"]).admits(_scope("198.51.100.1", "gateway.local:8080"))
    with pytest.raises(ValueError, match="--console-host"):
        ConsoleAccess(["not-an-address"])
