"""API Gateway's limits over a real server: payload, headers, #foreach, timeout, 6 MiB.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sagegate.endpoint import MAX_BODY_BYTES
from sagegate.gateway import app
from sagegate.gateway.assemble import build_gateway
from tests.gateway.hardening.rawhttp import chunked, send_raw
from tests.gateway.hardening.support import assert_aws_error, echo_spec
from tests.servers import serve_in_thread

PATH = "/v1/echo/hi"
# API Gateway's own limits, written here from its quota page rather than read from the code
# under test: "Payload size: 10 MB", "Total combined size of request line and header values:
# 10240 bytes" (https://docs.aws.amazon.com/apigateway/latest/developerguide/
# api-gateway-execution-service-limits-table.html).
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_HEADER_BYTES = 10_240
# AWS's own plain text, the whole body (recorded from deployed REST APIs).
TOO_LARGE = b"HTTP content length exceeded 10485760 bytes."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("limits")
    log_path = root / "access.log"
    with log_path.open("a", encoding="utf-8") as sink:
        gateway = build_gateway(echo_spec(root), identities=None, access_log=sink)
        with serve_in_thread(gateway) as url:
            yield url, log_path


def _last_log(log_path: Path) -> dict[str, str]:
    line: dict[str, str] = json.loads(log_path.read_text().splitlines()[-1])
    return line


def test_declared_length_over_10_mb_is_413_without_reading_the_body(
    served: tuple[str, Path],
) -> None:
    url, log_path = served
    # The head alone is enough: the body is never sent.
    response = send_raw(url, "GET", PATH, [("Content-Length", str(MAX_PAYLOAD_BYTES + 1))])
    assert response.status == 413
    assert response.body == TOO_LARGE
    assert response.headers["x-amzn-errortype"] == "RequestTooLargeException"
    assert response.headers["x-amzn-requestid"]
    assert _last_log(log_path)["status"] == "413"


def test_chunked_body_over_10_mb_is_413(served: tuple[str, Path]) -> None:
    url, _ = served
    response = send_raw(
        url,
        "GET",
        PATH,
        [("Transfer-Encoding", "chunked")],
        chunked(MAX_PAYLOAD_BYTES + 1),
    )
    assert response.status == 413
    assert response.body == TOO_LARGE


def test_a_body_of_exactly_10_mb_is_accepted(served: tuple[str, Path]) -> None:
    url, _ = served
    response = send_raw(
        url, "GET", PATH, [("Transfer-Encoding", "chunked")], chunked(MAX_PAYLOAD_BYTES)
    )
    assert response.status == 200, response.body
    assert response.json() == {"said": "hi"}


def test_the_server_keeps_serving_after_413(served: tuple[str, Path]) -> None:
    url, _ = served
    send_raw(url, "GET", PATH, [("Content-Length", str(MAX_PAYLOAD_BYTES * 2))])
    assert requests.get(f"{url}{PATH}", timeout=30).status_code == 200


def _head_size(target: str, headers: list[tuple[str, str]], host: str) -> int:
    """The size the limit counts: request line plus header values (Host included)."""
    return len(f"GET {target} HTTP/1.1") + len(host) + sum(len(v) for _, v in headers)


@pytest.mark.parametrize("over", [0, 1])
def test_headers_over_10240_bytes_in_total_get_431(served: tuple[str, Path], over: int) -> None:
    url, log_path = served
    host = url.removeprefix("http://")
    # Several headers, none large alone: the limit is on their total.
    headers = [(f"x-filler-{i}", "v" * 1000) for i in range(9)]
    padding = MAX_HEADER_BYTES - _head_size(PATH, headers, host) + over
    headers.append(("x-filler-last", "p" * padding))
    assert _head_size(PATH, headers, host) == MAX_HEADER_BYTES + over
    response = send_raw(url, "GET", PATH, headers)
    if not over:
        assert response.status == 200, response.body
        return
    assert response.status == 431
    assert response.body == b"HTTP header is larger than 10240 bytes."
    assert response.headers["x-amzn-errortype"] == "RequestHeaderFieldsTooLargeException"
    assert response.headers["x-amzn-requestid"]
    assert _last_log(log_path)["status"] == "431"


def test_a_long_query_string_counts_towards_the_header_limit(served: tuple[str, Path]) -> None:
    url, _ = served
    response = requests.get(f"{url}{PATH}?q={'x' * MAX_HEADER_BYTES}", timeout=30)
    assert response.status_code == 431


FOREACH_TEMPLATE = (
    '{"word": "#foreach($i in $input.path(\'$.list\'))x#end", "sleep": "$input.params(\'sleep\')"}'
)
RESPONSE_COUNT = '#set($e = $input.path("$.echo"))\n{"count": $e.word.length()}'


def test_foreach_stops_at_1000_iterations(tmp_path: Path) -> None:
    spec = echo_spec(
        tmp_path,
        request_mapping_template=FOREACH_TEMPLATE,
        response_mapping_template=RESPONSE_COUNT,
    )
    gateway = build_gateway(spec, identities=None, access_log=None)
    with serve_in_thread(gateway) as url:
        counts = [
            requests.get(f"{url}{PATH}", data=json.dumps({"list": list(range(n))}), timeout=30)
            for n in (999, 1000, 1001, 5000)
        ]
    assert [r.status_code for r in counts] == [200] * 4, [r.text for r in counts]
    assert [r.json()["count"] for r in counts] == [999, 1000, 1000, 1000]


def test_integration_timeout_answers_504_without_waiting_for_the_model(tmp_path: Path) -> None:
    spec = echo_spec(tmp_path, api={"integration_timeout_ms": 200})
    gateway = build_gateway(spec, identities=None, access_log=None)
    with serve_in_thread(gateway) as url:
        started = time.monotonic()
        slow = requests.get(f"{url}{PATH}?sleep=1.5", timeout=30)
        waited = time.monotonic() - started
        fast = requests.get(f"{url}{PATH}", timeout=30)
    assert_aws_error(slow, 504, "InternalServerErrorException", "Endpoint request timed out")
    assert waited < 1.2
    assert fast.status_code == 200


def test_a_body_over_the_6_mib_endpoint_limit_is_a_400_from_the_4xx_response(
    tmp_path: Path,
) -> None:
    # The template passes the body through; the endpoint refuses it with ValidationError and
    # the construct's `4\\d{2}` integration response makes that a 400 with the body as is.
    spec = echo_spec(tmp_path, request_mapping_template="$input.body")
    gateway = build_gateway(spec, identities=None, access_log=None)
    with serve_in_thread(gateway) as url:
        big = requests.get(f"{url}{PATH}", data=b"a" * (MAX_BODY_BYTES + 1), timeout=60)
        small = requests.get(f"{url}{PATH}", data=b'{"word": "ok"}', timeout=60)
    assert big.status_code == 400
    message = big.json()["message"]
    assert message.startswith("Request ") and message.endswith(" has oversize body.")
    assert small.status_code == 200 and small.json() == {"said": "ok"}


def test_the_gateway_enforces_api_gateways_documented_limits() -> None:
    assert (app.MAX_PAYLOAD_BYTES, app.MAX_HEADER_BYTES) == (MAX_PAYLOAD_BYTES, MAX_HEADER_BYTES)
