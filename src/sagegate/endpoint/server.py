"""The local SageMaker Runtime as a raw ASGI app.

Routes: ``POST /endpoints/{EndpointName}/invocations`` (InvokeEndpoint) and
``POST /endpoints/{EndpointName}/invocations-response-stream``
(InvokeEndpointWithResponseStream: ``application/vnd.amazon.eventstream`` frames, one per
part, as chunks of the body), SigV4 service ``sagemaker`` when a verifier is given; and the
bring-your-own-container contract ``GET /ping`` and ``POST /invocations`` (a streaming model
answers with a chunk per part); and ``GET /_sagegate/metrics``, the endpoints' invocation
metrics in Prometheus text (open to whoever may invoke them). Every error is a JSON body
with ``x-amzn-ErrorType``; nothing escapes as a traceback.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html
and https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from sagegate.endpoint import errors, eventstream
from sagegate.endpoint.host import MAX_BODY_BYTES, EndpointHost
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.streaming import InvocationStream
from sagegate.metrics import exposition
from sagegate.metrics.emf import EmfFlusher
from sagegate.sigv4 import SignedRequest, SigV4Error, SigV4Verifier

logger = logging.getLogger("sagegate.endpoint")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_INVOCATIONS_SUFFIX = "/invocations"
_STREAM_SUFFIX = "/invocations-response-stream"
_ENDPOINTS_PREFIX = "/endpoints/"
METRICS_PATH = "/_sagegate/metrics"


class _Oversize(Exception):
    """The body went over the limit while being read."""


class _Disconnected(Exception):
    """The client went away before sending its whole body."""


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The request body, refusing to hold more than `limit` bytes."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise _Disconnected
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > limit:
            raise _Oversize
        return body
    chunks = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _Oversize
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, response: InvocationResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _send_answer(
    send: Send, receive: Receive, answer: InvocationResponse | InvocationStream, framed: bool
) -> None:
    """A whole answer, or a stream's items each as a chunk of the body as soon as it comes:
    eventstream messages when `framed`, else the raw parts (a container's ``/invocations``,
    which ends a failed stream by cutting its connection, without the last chunk)."""
    if isinstance(answer, InvocationResponse):
        await _send(send, answer)
        return
    stream = answer
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stream.headers]
    await send({"type": "http.response.start", "status": stream.status, "headers": headers})
    # receive() answers http.disconnect when the client leaves: the model stops then.
    gone = asyncio.ensure_future(receive())
    gone.add_done_callback(lambda _: stream.cancel())
    try:
        async for item in stream:
            if not framed and not isinstance(item, bytes):
                logger.error("container stream broken: %s", item.message)
                return
            body = eventstream.event(item) if framed else item
            await send({"type": "http.response.body", "body": body, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        gone.cancel()
        stream.cancel()


def _sigv4_error(exc: SigV4Error) -> errors.RuntimeServiceError:
    # The runtime names SigV4 failures as API Gateway does (403 with the same error types).
    return errors.RuntimeServiceError(exc.error_type, 403, exc.message)


class _App:
    """The ASGI callable; see ``create_app``."""

    def __init__(
        self, host: EndpointHost, verifier: SigV4Verifier | None, emf: EmfFlusher | None
    ) -> None:
        self.host = host
        self.verifier = verifier
        self.emf = emf
        self._request_id = host.new_request_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            try:
                await self._http(scope, receive, send)
            except _Disconnected:
                return
            except Exception:
                logger.exception(
                    "unexpected failure answering %s %s", scope["method"], scope["path"]
                )
                await _send(send, errors.internal_failure().to_response(self._request_id()))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Models load in the background, so /ping and ModelNotReadyException are real.
                self.host.start_loading()
                if self.emf is not None:
                    await self.emf.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.emf is not None:
                    await self.emf.stop()  # the last period: every request has been answered
                self.host.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if path.startswith(_ENDPOINTS_PREFIX) and (
            path.endswith(_INVOCATIONS_SUFFIX) or path.endswith(_STREAM_SUFFIX)
        ):
            if method != "POST":
                await _send(send, _method_not_allowed("POST", self._request_id()))
                return
            await self._invoke_endpoint(scope, receive, send, path.endswith(_STREAM_SUFFIX))
        elif path == "/ping":
            if method not in ("GET", "HEAD"):
                await _send(send, _method_not_allowed("GET", self._request_id()))
                return
            status = 200 if self.host.ready else 503
            await _send(send, InvocationResponse(status, [], b""))
        elif path == METRICS_PATH and method in ("GET", "HEAD"):
            text = exposition.render(self.host.metrics.snapshot())
            await _send(
                send, InvocationResponse(200, [("Content-Type", exposition.CONTENT_TYPE)], text)
            )
        elif path == _INVOCATIONS_SUFFIX:
            if method != "POST":
                await _send(send, _method_not_allowed("POST", self._request_id()))
                return
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            try:
                body = await _read_body(receive, MAX_BODY_BYTES)
            except _Oversize:
                await _send(send, InvocationResponse(413, [], b""))
                return
            answer = await self.host.invoke_container(body, headers)
            await _send_answer(send, receive, answer, framed=False)
        else:
            await _send(send, _unknown_operation(self._request_id()))

    async def _invoke_endpoint(
        self, scope: Scope, receive: Receive, send: Send, streaming: bool
    ) -> None:
        raw_path: bytes | None = scope.get("raw_path")
        encoded = raw_path.decode("latin-1").split("?", 1)[0] if raw_path else scope["path"]
        parts = encoded.split("/")
        # Everything between the prefix and the suffix: a name with an unencoded "/" is
        # kept whole, so it fails validation instead of reaching another endpoint.
        name = unquote("/".join(parts[2:-1]))
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:
            headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        try:
            body = await _read_body(receive, MAX_BODY_BYTES)
        except _Oversize:
            request_id = self._request_id()
            await _send(send, errors.oversize_body(request_id).to_response(request_id))
            return
        if self.verifier is not None:
            try:
                self.verifier.verify(
                    SignedRequest(
                        method=scope["method"],
                        raw_path=encoded,
                        query_string=scope.get("query_string", b"").decode("latin-1"),
                        headers=[
                            (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
                        ],
                        body=body,
                    )
                )
            except SigV4Error as exc:
                await _send(send, _sigv4_error(exc).to_response(self._request_id()))
                return
        if not streaming:
            await _send(send, await self.host.invoke_lower(name, body, headers))
            return
        answer = await self.host.invoke_stream_lower(name, body, headers)
        await _send_answer(send, receive, answer, framed=True)


def _unknown_operation(request_id: str) -> InvocationResponse:
    # AWS's JSON front end answers an unrouted request with UnknownOperationException.
    return errors.RuntimeServiceError(
        "UnknownOperationException", 404, "Unknown operation"
    ).to_response(request_id)


def _method_not_allowed(allow: str, request_id: str) -> InvocationResponse:
    response = errors.RuntimeServiceError(
        "MethodNotAllowedException", 405, f"Method not allowed; this resource accepts {allow}"
    ).to_response(request_id)
    return InvocationResponse(405, [*response.headers, ("Allow", allow)], response.body)


def create_app(
    host: EndpointHost,
    *,
    verifier: SigV4Verifier | None = None,
    emf: EmfFlusher | None = None,
) -> ASGIApp:
    """The ASGI app serving `host`.

    With a `verifier` (service ``sagemaker``), InvokeEndpoint requests must be SigV4-signed
    by one of its identities; without one, signatures are ignored. The lifespan startup
    begins loading the models in the background (and `emf`'s timer, `--metrics-emf`);
    shutdown writes the last EMF period and releases the worker threads.
    """
    return _App(host, verifier, emf)
