"""The console's routes, beside the API on the same host and port.

    GET  /_sagegate/                    the page (index.html, console.js, console.css)
    GET  /_sagegate/metrics             Prometheus text: every worker's series, added up
    GET  /_sagegate/api/routes          the API's methods, served and not (with the reason)
    GET  /_sagegate/api/requests        the latest requests (summaries), all workers
    GET  /_sagegate/api/requests/ID     one request: its stages and its trace
    GET  /_sagegate/api/history         the chart samples of the last minutes
    POST /_sagegate/api/test            the Test call: one request run without authorization
    WS   /_sagegate/live                new requests and samples, as they come

Requests to these are the console's, not the API's: no metrics, no access log. A timer
(`_tick`) does the work that must stay off the API's path: it describes the latest
requests, publishes this worker's metrics and requests for the other workers (under
`--workers N`), samples the charts and feeds the live sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from importlib.resources import files
from typing import Any

import orjson

from sagegate.gateway.app import CONSOLE_PREFIX, Gateway
from sagegate.gateway.context import MethodRequest
from sagegate.gateway.run_dir import RunDir
from sagegate.gateway.webconsole.access import ConsoleAccess
from sagegate.gateway.webconsole.history import SAMPLE_SECONDS, History
from sagegate.gateway.webconsole.records import record
from sagegate.metrics import exposition
from sagegate.metrics.registry import Snapshot, merge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("sagegate.console")
TICK_SECONDS = 0.25
# The requests each worker keeps described (and publishes): the list's length.
KEEP_REQUESTS = 100
# The most requests a tick describes: under load, the latest of each tick. Describing one
# costs about what serving it did (~180 µs), so a tick describes only when someone looks
# (an open page) or other workers read them; otherwise the list is described when asked for.
DESCRIBE_PER_TICK = 32
_STATIC = {
    "": ("index.html", "text/html; charset=utf-8"),
    "console.js": ("console.js", "text/javascript; charset=utf-8"),
    "console.css": ("console.css", "text/css; charset=utf-8"),
}
_TEST_NOTE = (
    "Test calls skip authorization, as the API Gateway console's Test (TestInvokeMethod) "
    "does; API keys, throttles and quotas still apply. They write no access log and count "
    "in no API Gateway metric (the endpoint's own metrics count the invocation)."
)


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("stages", "spans")}


class WebConsole:
    """The console of one gateway (one worker's, under `--workers N`)."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        access: ConsoleAccess | None = None,
        run_dir: RunDir | None = None,
    ) -> None:
        self.gateway = gateway
        self.access = access or ConsoleAccess()
        self.run_dir = run_dir
        self.pid = run_dir.pid if run_dir is not None else os.getpid()
        self.history = History()
        self.records: deque[dict[str, Any]] = deque(maxlen=KEEP_REQUESTS)
        self._sockets: set[asyncio.Queue[str | None]] = set()
        self._sent: set[str] = set()
        self._published: Snapshot | None = None
        self._task: asyncio.Task[None] | None = None
        self._static = {
            name: ((files(__package__) / "static" / filename).read_bytes(), kind)
            for name, (filename, kind) in _STATIC.items()
        }
        gateway.recent = deque(maxlen=KEEP_REQUESTS)
        gateway.console = self

    # -- what the routes show ------------------------------------------------------------

    def metrics(self) -> Snapshot:
        """Every worker's series added up (this one's live, the others' as published)."""
        own = self.gateway.metrics.snapshot()
        if self.run_dir is None:
            return own
        return merge([own, *self.run_dir.gather("metrics")])

    def requests(self) -> list[dict[str, Any]]:
        """The latest requests of every worker, newest first."""
        self._describe()
        found = list(self.records)
        if self.run_dir is not None:
            for document in self.run_dir.gather("requests"):
                found.extend(document)
        found.sort(key=lambda item: item["time_ms"], reverse=True)
        return found[:KEEP_REQUESTS]

    def routes(self) -> dict[str, Any]:
        """The API's methods, as the banner lists them."""
        api = self.gateway.api
        return {
            "api": api.name,
            "stage": self.gateway.stage,
            "test_note": _TEST_NOTE,
            "routes": [
                {
                    "method": info.http_method,
                    "path": info.path,
                    "url": f"/{self.gateway.stage}{info.path}".rstrip("/") or "/",
                    "authorization": info.authorization,
                    "api_key_required": info.api_key_required,
                    "integration": info.integration,
                    "served": info.reason is None,
                    "reason": info.reason,
                }
                for info in self.gateway.routes
            ],
        }

    async def test(self, document: dict[str, Any], client: str) -> dict[str, Any]:
        """Run the Test call `document` asks for; its record, with the method response."""
        headers = [(str(k), str(v)) for k, v in document.get("headers", [])]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", "localhost"))
        path = str(document.get("path", "/"))
        request = MethodRequest(
            str(document.get("method", "GET")).upper(),
            path if path.startswith("/") else f"/{path}",
            str(document.get("query", "")).lstrip("?"),
            headers,
            str(document.get("body", "")).encode("utf-8"),
            client,
        )
        ctx = await self.gateway.handle(request, test=True)
        found = record(ctx, self.pid, test=True)
        response = ctx.response
        found["response_body"] = response.body.decode("utf-8", "replace") if response else ""
        return found

    # -- the timer -----------------------------------------------------------------------

    async def start(self) -> None:
        """Begin the timer."""
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """End the timer and the live sockets; publish this worker's final figures."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for queue in list(self._sockets):
            queue.put_nowait(None)
        self._describe()
        self._publish()

    async def _run(self) -> None:
        ticks_per_sample = max(1, round(SAMPLE_SECONDS / TICK_SECONDS))
        tick = 0
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self._tick(sample=tick % ticks_per_sample == 0)
            except Exception:  # the console must never take the API down
                log.exception("console timer failed")
            tick += 1

    def _describe(self, most: int = KEEP_REQUESTS) -> None:
        recent = self.gateway.recent
        if recent is None:
            return
        while len(recent) > most:
            recent.popleft()
        while recent:
            self.records.append(record(recent.popleft(), self.pid))

    def _publish(self) -> None:
        if self.run_dir is None:
            return
        snapshot = self.gateway.metrics.snapshot()
        if snapshot != self._published:
            self.run_dir.publish("metrics", snapshot)
            self._published = snapshot
        self.run_dir.publish("requests", list(self.records))

    def _tick(self, *, sample: bool) -> None:
        had = len(self.records)
        newest = self.records[-1]["id"] if self.records else None
        if self._sockets or self.run_dir is not None:
            self._describe(DESCRIBE_PER_TICK)
        changed = len(self.records) != had or (self.records and self.records[-1]["id"] != newest)
        if changed or sample:
            self._publish()
        if sample:
            point = self.history.sample(self.metrics())
            self._broadcast({"type": "sample", "sample": point})
        if self._sockets:
            fresh = [item for item in reversed(self.requests()) if item["id"] not in self._sent]
            if fresh:
                self._sent.update(item["id"] for item in fresh)
                if len(self._sent) > 10 * KEEP_REQUESTS:
                    self._sent = {item["id"] for item in self.requests()}
                self._broadcast({"type": "requests", "items": [_summary(i) for i in fresh]})

    def _broadcast(self, message: dict[str, Any]) -> None:
        if not self._sockets:
            return
        text = orjson.dumps(message).decode()
        for queue in self._sockets:
            queue.put_nowait(text)

    # -- ASGI ----------------------------------------------------------------------------

    def admits(self, scope: Scope) -> bool:
        """True when the client may use the console (see `access`)."""
        return self.access.admits(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._live(scope, receive, send)
            return
        path: str = scope["path"][len(CONSOLE_PREFIX) :]
        method: str = scope["method"]
        if path == "":
            await _send(send, 308, b"", "text/plain", [(b"location", b"/_sagegate/")])
        elif method == "POST" and path == "/api/test":
            await self._test(scope, receive, send)
        elif method not in ("GET", "HEAD"):
            await _send(send, 405, b"method not allowed", "text/plain", [(b"allow", b"GET")])
        elif path == "/metrics":
            await _send(send, 200, exposition.render(self.metrics()), exposition.CONTENT_TYPE)
        elif path.startswith("/api/"):
            await self._api(path[len("/api/") :], send)
        elif path[1:] in self._static and path.startswith("/"):
            body, kind = self._static[path[1:]]
            await _send(send, 200, body, kind)
        else:
            await _send(send, 404, b"not found", "text/plain")

    async def _api(self, name: str, send: Send) -> None:
        document: Any
        if name == "routes":
            document = self.routes()
        elif name == "history":
            document = list(self.history.samples)
        elif name == "requests":
            document = [_summary(item) for item in self.requests()]
        elif name.startswith("requests/"):
            wanted = name[len("requests/") :]
            document = next((i for i in self.requests() if i["id"] == wanted), None)
            if document is None:
                await _send(send, 404, b'{"message":"no such request"}', "application/json")
                return
        else:
            await _send(send, 404, b'{"message":"not found"}', "application/json")
            return
        await _send(send, 200, orjson.dumps(document), "application/json")

    async def _test(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0]
        # JSON only: a cross-site form cannot send it without the preflight we never answer.
        if content_type.strip() != b"application/json" or not self.access.same_origin(scope):
            await _send(send, 403, b'{"message":"Forbidden"}', "application/json")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            document = json.loads(body or b"{}")
            if not isinstance(document, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            message_body = orjson.dumps({"message": f"bad test request: {exc}"})
            await _send(send, 400, message_body, "application/json")
            return
        client = scope.get("client")
        result = await self.test(document, client[0] if client else "127.0.0.1")
        await _send(send, 200, orjson.dumps(result), "application/json")

    async def _live(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if scope["path"] != f"{CONSOLE_PREFIX}/live" or not self.access.same_origin(scope):
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "websocket.accept"})
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        latest = [_summary(item) for item in self.requests()]
        self._sent.update(item["id"] for item in latest)
        hello = {"type": "hello", "requests": latest, "history": list(self.history.samples)}
        queue.put_nowait(orjson.dumps(hello).decode())
        self._sockets.add(queue)

        async def watch() -> None:
            while (await receive())["type"] != "websocket.disconnect":
                pass
            queue.put_nowait(None)

        watcher = asyncio.ensure_future(watch())
        try:
            while (text := await queue.get()) is not None:
                await send({"type": "websocket.send", "text": text})
            if not watcher.done():
                await send({"type": "websocket.close", "code": 1001})
        except OSError:
            pass  # the client went away mid-send
        finally:
            self._sockets.discard(queue)
            watcher.cancel()


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", b"%d" % len(body)),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
