"""Fault injection against the integration: each fault gets its documented status, and the
server keeps serving the next request.

https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sagegate.gateway.assemble import build_gateway
from tests.gateway.hardening.fault_server import ModelError, fault_server
from tests.gateway.hardening.support import assert_aws_error, echo_spec
from tests.servers import free_port, serve_in_thread

TIMEOUT_MS = 500


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The echo API in front of the fault server, with its access log in a file."""
    root = tmp_path_factory.mktemp("faults")
    log_path = root / "access.log"
    with fault_server() as endpoint_url, log_path.open("a", encoding="utf-8") as sink:
        spec = echo_spec(
            root,
            endpoint={"url": endpoint_url},
            api={
                "integration_timeout_ms": TIMEOUT_MS,
                "access_log_format": (
                    '{"requestId":"$context.requestId","status":"$context.status",'
                    '"integrationStatus":"$context.integration.status",'
                    '"integrationError":"$context.integration.error",'
                    '"responseType":"$context.error.responseType"}'
                ),
            },
        )
        gateway = build_gateway(spec, identities=None, access_log=sink)
        with serve_in_thread(gateway) as url:
            yield url, log_path


def _get(url: str, word: str) -> requests.Response:
    return requests.get(f"{url}/v1/echo/{word}", timeout=30)


def _then_healthy(url: str) -> None:
    response = _get(url, "after")
    assert response.status_code == 200, response.text
    assert response.json() == {"said": "after"}


def _log_of(log_path: Path, response: requests.Response) -> dict[str, str]:
    """The access-log line of `response`, found by its request id."""
    request_id = response.headers["x-amzn-RequestId"]
    for line in log_path.read_text().splitlines():
        entry: dict[str, str] = json.loads(line)
        if entry["requestId"] == request_id:
            return entry
    raise AssertionError(f"no access-log line for {request_id}")


def test_a_healthy_endpoint_answers(served: tuple[str, Path]) -> None:
    url, _ = served
    assert _get(url, "hello").json() == {"said": "hello"}


def test_slower_than_the_timeout_is_504_endpoint_request_timed_out(
    served: tuple[str, Path],
) -> None:
    url, log_path = served
    started = time.monotonic()
    response = _get(url, "slow")
    assert time.monotonic() - started < 1.5  # the 2 s answer is not waited for
    assert_aws_error(response, 504, "InternalServerErrorException", "Endpoint request timed out")
    _then_healthy(url)
    assert _log_of(log_path, response)["responseType"] == "INTEGRATION_TIMEOUT"


def test_model_error_424_passes_through_the_4xx_response_as_400(served: tuple[str, Path]) -> None:
    url, log_path = served
    response = _get(url, "model-error")
    assert response.status_code == 400
    # No template on the 400 integration response: the endpoint's body passes through.
    assert response.json() == ModelError
    _then_healthy(url)
    assert _log_of(log_path, response)["integrationStatus"] == "424"


@pytest.mark.parametrize("word", ["internal", "unavailable"])
def test_5xx_from_the_endpoint_is_500(served: tuple[str, Path], word: str) -> None:
    url, _ = served
    response = _get(url, word)
    assert response.status_code == 500
    assert "message" in response.json()
    _then_healthy(url)


def test_invalid_json_fails_the_response_template_with_a_500(served: tuple[str, Path]) -> None:
    # AWS: "Execution failed due to configuration error: Unable to transform response",
    # answered as 500 {"message": "Internal server error"}.
    url, log_path = served
    response = _get(url, "invalid-json")
    assert_aws_error(response, 500, "InternalServerErrorException", "Internal server error")
    assert _log_of(log_path, response)["responseType"] == "API_CONFIGURATION_ERROR"
    _then_healthy(url)


@pytest.mark.parametrize("word", ["mid-body", "hang-up"])
def test_a_broken_connection_is_an_integration_failure(served: tuple[str, Path], word: str) -> None:
    url, log_path = served
    response = _get(url, word)
    assert_aws_error(response, 504, "InternalServerErrorException", "Internal server error")
    assert _log_of(log_path, response)["responseType"] == "INTEGRATION_FAILURE"
    _then_healthy(url)


def test_endpoint_down_is_an_integration_failure_never_a_hang(tmp_path: Path) -> None:
    spec = echo_spec(tmp_path, endpoint={"url": f"http://127.0.0.1:{free_port()}"})
    gateway = build_gateway(spec, identities=None, access_log=None)
    with serve_in_thread(gateway) as url:
        started = time.monotonic()
        responses = [_get(url, "anyone") for _ in range(3)]
        elapsed = time.monotonic() - started
    for response in responses:
        assert_aws_error(response, 504, "InternalServerErrorException", "Internal server error")
    assert elapsed < 5


def test_invalid_json_with_a_template_that_ignores_the_body_renders(tmp_path: Path) -> None:
    with fault_server() as endpoint_url:
        spec = echo_spec(
            tmp_path,
            endpoint={"url": endpoint_url},
            response_mapping_template='{"raw": "$util.escapeJavaScript($input.body)"}',
        )
        gateway = build_gateway(spec, identities=None, access_log=None)
        with serve_in_thread(gateway) as url:
            response = _get(url, "invalid-json")
    assert response.status_code == 200
    assert response.json() == {"raw": "{not json"}
