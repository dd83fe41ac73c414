"""``sagegate endpoint invoke``: one invocation, printed as it arrives.

In process (an `EndpointHost` over a model directory) or against a container URL (the
``/invocations`` contract), InvokeEndpoint or, with ``stream``, InvokeEndpointWithResponseStream:
the status and headers, then the body, or each part on its own line the moment it arrives,
with the time since the call began.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sagegate.endpoint.errors import ModelStreamError
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.streaming import ResponseStream
from sagegate.endpoint.targets import ContainerTarget, LocalTarget

Target = LocalTarget | ContainerTarget
Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Request:
    """What to send: endpoint name, body and headers."""

    endpoint_name: str
    body: bytes
    headers: Mapping[str, str]
    stream: bool


def _text(data: bytes) -> str:
    """Bytes as readable text: UTF-8, anything else escaped; quoted so spaces show."""
    return repr(data.decode("utf-8", errors="backslashreplace"))


def _bytes(count: int) -> str:
    return f"{count} byte" if count == 1 else f"{count} bytes"


def _since(started: float) -> str:
    return f"[{(time.perf_counter() - started) * 1e3:9.1f} ms]"


def _head(echo: Echo, status: int, headers: list[tuple[str, str]], started: float) -> None:
    echo(f"{_since(started)} {status}")
    for name, value in headers:
        echo(f"  {name}: {value}")


async def run(target: Target, request: Request, echo: Echo) -> bool:
    """Invoke once and print it all; True when the invocation succeeded."""
    await target.start()
    try:
        started = time.perf_counter()
        if request.stream:
            answer: InvocationResponse | ResponseStream = await target.invoke_stream(
                request.endpoint_name, request.body, request.headers
            )
        else:
            answer = await target.invoke(request.endpoint_name, request.body, request.headers)
        _head(echo, answer.status, answer.headers, started)
        if isinstance(answer, InvocationResponse):
            echo(f"  body ({_bytes(len(answer.body))}): {_text(answer.body)}")
            return answer.status == 200
        return await _print_parts(answer, echo, started)
    finally:
        await target.close()


async def _print_parts(stream: ResponseStream, echo: Echo, started: float) -> bool:
    parts = size = 0
    try:
        async for item in stream:
            if isinstance(item, ModelStreamError):
                echo(f"{_since(started)} ModelStreamError ({item.error_code}): {item.message}")
                return False
            parts += 1
            size += len(item)
            echo(f"{_since(started)} part {parts} ({_bytes(len(item))}): {_text(item)}")
    finally:
        stream.cancel()
    echo(f"{_since(started)} end of stream: {parts} parts, {_bytes(size)}")
    return True
