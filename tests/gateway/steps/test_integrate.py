"""Integrate: answered at once for an in-process prediction on the event loop, awaited otherwise."""

from __future__ import annotations

import asyncio
import textwrap
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sagegate.endpoint.host import EndpointHost
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.targets import LocalTarget
from sagegate.gateway.context import IntegrationRequest, Invocation
from sagegate.gateway.steps.integrate import Integrate
from sagegate.gateway.trace import Tracer
from tests.gateway.factories import invocation

SCRIPT = """
    import threading
    {setting}

    def model_fn(model_dir):
        return None

    def predict_fn(data, model):
        return {{"thread": threading.current_thread().name}}
"""


def _model(tmp_path: Path, name: str, setting: str) -> Path:
    code = tmp_path / name / "code"
    code.mkdir(parents=True)
    (code / "inference.py").write_text(textwrap.dedent(SCRIPT.format(setting=setting)))
    return code.parent


def _ctx(body: bytes = b"{}", **headers: str) -> Invocation:
    ctx = invocation()
    ctx.integration = IntegrationRequest(
        body=body, headers={"Content-Type": "application/json", **headers}
    )
    return ctx


def _run(tmp_path: Path, test: Callable[[EndpointHost], Awaitable[None]], **options: Any) -> None:
    models = {
        "inline": _model(tmp_path, "inline", "SAGEGATE_INLINE_MAX_BYTES = 64"),
        "threaded": _model(tmp_path, "threaded", ""),
    }

    async def main() -> None:
        host = EndpointHost(models, **options)
        await host.load_all()
        try:
            await test(host)
        finally:
            host.close()

    asyncio.run(main())


def _step(target: Any, endpoint: str) -> Integrate:
    return Integrate(target=target, endpoint_name=endpoint, timeout_ms=29_000, tracer=Tracer())


def test_an_inline_prediction_is_answered_by_the_step_itself(tmp_path: Path) -> None:
    async def test(host: EndpointHost) -> None:
        ctx = _ctx()
        assert _step(LocalTarget(host), "inline")(ctx) is None  # nothing to await
        answer = ctx.endpoint_response
        assert answer is not None and answer.status == 200
        assert answer.body == b'{"thread":"%s"}' % threading.current_thread().name.encode()
        assert ctx.integration_latency_ms is not None and ctx.integration_latency_ms >= 0

    _run(tmp_path, test)


@pytest.mark.parametrize(
    ("endpoint", "body"), [("threaded", b"{}"), ("inline", b"[%s0]" % (b"0," * 40))]
)
def test_other_predictions_are_awaited_on_prediction_threads(
    tmp_path: Path, endpoint: str, body: bytes
) -> None:
    async def test(host: EndpointHost) -> None:
        ctx = _ctx(body)
        waiting = _step(LocalTarget(host), endpoint)(ctx)
        assert waiting is not None and ctx.endpoint_response is None
        await waiting
        answer = ctx.endpoint_response
        assert answer is not None and answer.status == 200
        assert b'"thread":"sagegate-model-' in answer.body

    _run(tmp_path, test)


def test_a_target_without_invoke_now_is_always_awaited(tmp_path: Path) -> None:
    class OnlyInvoke:  # a user's own target: the Target protocol, nothing more
        def __init__(self, host: EndpointHost) -> None:
            self.host = host

        async def invoke(
            self, name: str, body: bytes, headers: dict[str, str]
        ) -> InvocationResponse:
            return await self.host.invoke(name, body, headers)

    async def test(host: EndpointHost) -> None:
        ctx = _ctx()
        waiting = _step(OnlyInvoke(host), "inline")(ctx)
        assert waiting is not None
        await waiting
        assert ctx.endpoint_response is not None and ctx.endpoint_response.status == 200

    _run(tmp_path, test)


def test_invoke_now_answers_refusals_as_invoke_does_and_spends_no_request_id_on_none(
    tmp_path: Path,
) -> None:
    ids = iter(f"request-{n}" for n in range(10))

    async def test(host: EndpointHost) -> None:
        headers = {"content-type": "application/json", "x-amzn-sagemaker-target-model": "m"}
        now = host.invoke_now("inline", b"{}", headers)
        later = await host.invoke_lower("inline", b"{}", headers)
        assert now is not None and (now.status, now.body) == (later.status, later.body)
        assert now.status == 400 and b"not a multi-model endpoint" in now.body
        # Unknown names, bodies over the limit and threaded endpoints: None, and no id spent.
        assert host.invoke_now("nope", b"{}", {}) is None
        assert host.invoke_now("inline", b"x" * 65, {}) is None
        assert host.invoke_now("threaded", b"{}", {}) is None
        answer = await host.invoke_lower("threaded", b"{}", {"content-type": "application/json"})
        assert dict(answer.headers)["x-amzn-RequestId"] == "request-2"

    _run(tmp_path, test, request_id=lambda: next(ids))
