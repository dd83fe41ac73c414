"""The invocation timeout in process: SageMaker's ModelError, a late answer dropped quietly,
and a caller's own cancellation left as it is."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from sagegate.endpoint import EndpointHost

SLOW = """
    import json, time

    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        time.sleep(json.loads(body).get("sleep", 0))
        return json.dumps({"ok": True})
"""


def _loop_errors(loop: asyncio.AbstractEventLoop) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    return seen


def test_an_expired_invocation_is_a_model_error_and_its_late_answer_is_dropped(
    write_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    model: Path = write_model("slow", SLOW)

    async def main() -> None:
        loop_errors = _loop_errors(asyncio.get_running_loop())
        host = EndpointHost({"slow": model}, invocation_timeout=0.1, request_id=lambda: "rid-1")
        try:
            await host.load_all()
            answer = await host.invoke("slow", b'{"sleep": 0.4}', {})
            assert answer.status == 424
            assert "ModelError" in (answer.header("x-amzn-ErrorType") or "")
            assert json.loads(answer.body)["OriginalMessage"].startswith(
                "Your invocation timed out while waiting for a response from container primary."
            )
            await asyncio.sleep(0.5)  # the prediction finishes after its caller gave up
            ok = await host.invoke("slow", b"{}", {})
            assert (ok.status, json.loads(ok.body)) == (200, {"ok": True})
        finally:
            host.close()
        assert loop_errors == []

    with caplog.at_level(logging.ERROR, logger="sagegate.endpoint"):
        asyncio.run(main())
    assert "endpoint slow: invocation rid-1 timed out" in caplog.messages


def test_a_caller_cancelled_first_gets_its_own_cancellation(write_model: Any) -> None:
    model: Path = write_model("slow", SLOW)

    async def main() -> None:
        loop_errors = _loop_errors(asyncio.get_running_loop())
        host = EndpointHost({"slow": model}, invocation_timeout=60)
        try:
            await host.load_all()
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05):
                    await host.invoke("slow", b'{"sleep": 0.3}', {})
            await asyncio.sleep(0.4)
            ok = await host.invoke("slow", b"{}", {})
            assert ok.status == 200
        finally:
            host.close()
        assert loop_errors == []

    asyncio.run(main())


def test_concurrent_invocations_each_get_their_own_deadline(write_model: Any) -> None:
    model: Path = write_model("slow", SLOW)

    async def main() -> None:
        loop_errors = _loop_errors(asyncio.get_running_loop())
        ids = iter(f"rid-{i}" for i in range(100))
        host = EndpointHost({"slow": model}, invocation_timeout=0.2, request_id=lambda: next(ids))
        try:
            await host.load_all()
            slow = asyncio.ensure_future(host.invoke("slow", b'{"sleep": 0.5}', {}))
            await asyncio.sleep(0.1)
            # Watched after the slow one: the slow one's expiry must not take them along.
            fast = await asyncio.gather(*(host.invoke("slow", b"{}", {}) for _ in range(5)))
            assert [a.status for a in fast] == [200] * 5
            late = asyncio.ensure_future(host.invoke("slow", b'{"sleep": 0.5}', {}))
            timed_out = await slow
            assert timed_out.status == 424
            assert timed_out.header("x-amzn-RequestId") == "rid-0"
            assert not late.done()  # its own deadline is later
            assert (await late).status == 424
            await asyncio.sleep(0.6)
        finally:
            host.close()
        assert loop_errors == []

    asyncio.run(main())
