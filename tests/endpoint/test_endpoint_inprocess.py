"""The in-process API answers exactly what the HTTP server writes to the wire."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests

from sagegate.endpoint import EndpointHost, InvocationResponse

SCRIPT = """
    import json

    class BadInput(ValueError):
        status_code = 422

    def model_fn(model_dir):
        return 10

    def transform_fn(model, body, content_type, accept, context):
        request = json.loads(body)
        if "bad" in request:
            raise BadInput("bad instance")
        context.set_response_header(0, "X-Amzn-SageMaker-Custom-Attributes", "k=v")
        return json.dumps({"sum": request["x"] + model}), "application/json"
"""

CASES = [
    ("adder", b'{"x": 1}', {"Content-Type": "application/json"}),
    ("adder", b'{"bad": 1}', {"Content-Type": "application/json"}),
    ("missing", b"{}", {}),
    ("bad_name", b"{}", {}),
    ("adder", b"{}", {"X-Amzn-SageMaker-Target-Model": "a.tar.gz"}),
]


def _wire(url: str, name: str, body: bytes, headers: dict[str, str]) -> InvocationResponse:
    answer = requests.post(
        f"{url}/endpoints/{name}/invocations", data=body, headers=headers, timeout=10
    )
    ours = {
        "content-type",
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amzn-invoked-production-variant",
        "x-amzn-sagemaker-custom-attributes",
    }
    kept = [(k, v) for k, v in answer.headers.items() if k.lower() in ours]
    return InvocationResponse(answer.status_code, kept, answer.content)


@pytest.mark.parametrize(("name", "body", "headers"), CASES)
def test_in_process_and_http_responses_are_identical(
    write_model: Any, run_server: Any, name: str, body: bytes, headers: dict[str, str]
) -> None:
    from sagegate.endpoint.server import create_app

    model = write_model("adder", SCRIPT)

    def fixed_id() -> str:
        return "11111111-2222-3333-4444-555555555555"

    async def in_process() -> InvocationResponse:
        host = EndpointHost({"adder": model}, request_id=fixed_id)
        try:
            await host.load_all()
            return await host.invoke(name, body, headers)
        finally:
            host.close()

    direct = asyncio.run(in_process())
    served_host = EndpointHost({"adder": model}, request_id=fixed_id)
    with run_server(create_app(served_host)) as url:
        asyncio.run(_wait_ready(served_host))
        wire = _wire(url, name, body, headers)
    assert wire.status == direct.status
    assert wire.body == direct.body
    assert sorted((k.lower(), v) for k, v in wire.headers) == sorted(
        (k.lower(), v) for k, v in direct.headers
    )


async def _wait_ready(host: EndpointHost) -> None:
    for _ in range(1000):
        if host.ready:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("model did not load")


def test_container_contract_ping_and_invocations(write_model: Any, serve_models: Any) -> None:
    with serve_models({"adder": write_model("adder", SCRIPT)}) as (url, _):
        assert requests.get(f"{url}/ping", timeout=5).status_code == 200
        ok = requests.post(f"{url}/invocations", data=b'{"x": 5}', timeout=5)
        assert (ok.status_code, ok.json()) == (200, {"sum": 15})
        assert ok.headers["X-Amzn-SageMaker-Custom-Attributes"] == "k=v"
        # The container answers with the script's own status; SageMaker wraps it in ModelError.
        bad = requests.post(f"{url}/invocations", data=b'{"bad": 1}', timeout=5)
        assert (bad.status_code, bad.text) == (422, "bad instance")
