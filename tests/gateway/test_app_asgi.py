"""The ASGI adapter's body reading: the one-message fast path against the chunked path."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sagegate.gateway import app as app_module
from sagegate.gateway.app import MAX_PAYLOAD_BYTES, _read_body
from sagegate.gateway.context import MethodRequest


def _request(headers: list[tuple[str, str]] | None = None) -> MethodRequest:
    return MethodRequest("POST", "/prod/x", "", headers or [], b"", "127.0.0.1")


def _read(messages: list[dict[str, Any]], headers: list[tuple[str, str]] | None = None) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    result = asyncio.run(_read_body(_request(headers), receive))
    return result, len(queue)


@pytest.mark.parametrize(
    ("messages", "expected", "left"),
    [
        ([{"type": "http.request", "body": b"", "more_body": False}], b"", 0),
        ([{"type": "http.request"}], b"", 0),
        ([{"type": "http.request", "body": b"abc"}], b"abc", 0),
        ([{"type": "http.request", "body": bytearray(b"abc")}], b"abc", 0),
        (
            [
                {"type": "http.request", "body": b"ab", "more_body": True},
                {"type": "http.request", "body": b"c", "more_body": False},
                {"type": "http.request", "body": b"never read"},
            ],
            b"abc",
            1,
        ),
        ([{"type": "http.disconnect"}, {"type": "http.request", "body": b"x"}], b"", 1),
        (
            [
                {"type": "http.request", "body": b"ab", "more_body": True},
                {"type": "http.disconnect"},
            ],
            b"ab",
            0,
        ),
        ([{"type": "http.request", "body": b"x" * (MAX_PAYLOAD_BYTES + 1)}], None, 0),
        ([{"type": "http.request", "body": b"x" * MAX_PAYLOAD_BYTES}], b"x" * MAX_PAYLOAD_BYTES, 0),
        (
            [
                {"type": "http.request", "body": b"x" * MAX_PAYLOAD_BYTES, "more_body": True},
                {"type": "http.request", "body": b"y"},
            ],
            None,
            0,
        ),
    ],
)
def test_body_reading(messages: list[dict[str, Any]], expected: bytes | None, left: int) -> None:
    body, remaining = _read(messages)
    assert body == expected and remaining == left
    assert body is None or type(body) is bytes


def test_declared_length_over_the_limit_reads_nothing() -> None:
    messages = [{"type": "http.request", "body": b""}]
    headers = [("Content-Length", str(MAX_PAYLOAD_BYTES + 1))]
    assert _read(messages, headers) == (None, 1)


def test_protocol_texts_are_what_the_f_string_made() -> None:
    for version, text in app_module._PROTOCOLS.items():
        assert text == f"HTTP/{version}"
