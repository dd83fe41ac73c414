"""One request stuck on its integration must not hold the requests that finished after it.

The integration timeout used to be a queue of deadlines released only from its front: while
one request waited out its 29 s, every later request's entry (and through it its task, its
context and its response) stayed in memory. Each wait now has its own `asyncio.timeout`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from pathlib import Path
from typing import Any

from sagegate.api.load import load_api
from sagegate.api.options import LoadOptions
from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import build_gateway
from sagegate.gateway.context import Invocation, MethodRequest
from tests.servers import serve_in_thread

RELEASE = threading.Event()


async def upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers at once, except /stuck, which waits (at most 30 s) to be released."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/stuck":
        for _ in range(300):
            if RELEASE.is_set():
                break
            await asyncio.sleep(0.1)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b'{"ok": true}'})


def gateway_for(tmp_path: Path, url: str) -> Gateway:
    document = {
        "openapi": "3.0.1",
        "info": {"title": "stuck", "version": "1"},
        "paths": {
            "/{which}": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy",
                        "httpMethod": "GET",
                        "uri": f"{url}/{{which}}",
                        "requestParameters": {
                            "integration.request.path.which": "method.request.path.which"
                        },
                    },
                }
            }
        },
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return build_gateway(load_api(path, LoadOptions()), identities=None, access_log=None)


def request(which: str) -> MethodRequest:
    return MethodRequest("GET", f"/prod/{which}", "", [("Host", "localhost")], b"", "127.0.0.1")


def live_invocations() -> int:
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, Invocation))


def test_finished_requests_are_released_while_one_is_stuck(tmp_path: Path) -> None:
    RELEASE.clear()
    with serve_in_thread(upstream) as url:
        gateway = gateway_for(tmp_path, url)

        async def scenario() -> tuple[int, int, int]:
            await gateway.startup()
            stuck = asyncio.create_task(gateway.handle(request("stuck")))
            await asyncio.sleep(0.2)
            before = live_invocations()
            statuses = []
            for _ in range(40):  # 2,000 requests, 50 at a time
                batch = await asyncio.gather(*(gateway.handle(request("fast")) for _ in range(50)))
                statuses.extend(ctx.response.status for ctx in batch if ctx.response)
            del batch
            await asyncio.sleep(0.05)  # let the loop drop the last batch's callbacks
            during = live_invocations()
            RELEASE.set()
            done = await asyncio.wait_for(stuck, 30)
            assert done.response is not None and done.response.status == 200
            await gateway.shutdown()
            assert statuses == [200] * 2000
            return before, during, live_invocations()

        before, during, after = asyncio.run(scenario())
    # The stuck request's context is alive; the 2,000 that finished are not.
    assert before >= 1
    assert during <= before + 5, (before, during)
    assert after <= during
