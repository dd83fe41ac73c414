"""Gateway answers byte for byte: API Gateway's 5xx bodies have a space after the colon
(recorded: `{"message": "Internal server error"}`, 36 bytes, and
`{"message": "Endpoint request timed out"}`), its 4xx bodies are compact
(`{"message":"Missing Authentication Token"}`, `{"message":"Forbidden"}`)."""

from __future__ import annotations

import pytest

from sagegate.gateway import responses
from sagegate.gateway.responses import GatewayError


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (responses.GatewayError(), b'{"message": "Internal server error"}'),
        (responses.ApiConfigurationError(), b'{"message": "Internal server error"}'),
        (responses.IntegrationFailure(), b'{"message": "Internal server error"}'),
        (responses.IntegrationTimeout(), b'{"message": "Endpoint request timed out"}'),
        (responses.MissingAuthenticationToken(), b'{"message":"Missing Authentication Token"}'),
        (responses.InvalidApiKey(), b'{"message":"Forbidden"}'),
        (responses.Throttled(), b'{"message":"Too Many Requests"}'),
        (responses.QuotaExceeded(), b'{"message":"Limit Exceeded"}'),
        (responses.UnsupportedMediaType(), b'{"message":"Unsupported Media Type"}'),
        (
            responses.BadRequestParameters("Missing required request parameters: [a]"),
            b'{"message":"Missing required request parameters: [a]"}',
        ),
        (responses.AccessDenied("User: anonymous is not"), b'{"Message":"User: anonymous is not"}'),
    ],
)
def test_bytes(error: GatewayError, expected: bytes) -> None:
    assert error.body() == expected


def test_the_recorded_500_is_36_bytes() -> None:
    assert len(responses.ApiConfigurationError().body()) == 36


def test_every_5xx_class_is_spaced_and_every_4xx_compact() -> None:
    classes = [
        c for c in vars(responses).values() if isinstance(c, type) and issubclass(c, GatewayError)
    ]
    assert len(classes) > 10
    for cls in classes:
        if cls.front_door:
            continue  # plain text: test_front_door_limits_answer_aws_plain_text
        body = cls("x").body()
        assert body == (b'{"message": "x"}' if cls.status_code >= 500 else body)
        if cls.status_code < 500:
            assert b": " not in body, cls


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        # Recorded from deployed REST APIs: the body is this text and nothing else.
        (responses.RequestTooLarge(), 413, b"HTTP content length exceeded 10485760 bytes."),
        (responses.RequestHeadersTooLarge(), 431, b"HTTP header is larger than 10240 bytes."),
    ],
)
def test_front_door_limits_answer_aws_plain_text(
    error: GatewayError, status: int, text: bytes
) -> None:
    assert error.front_door
    assert responses.render_error(error) == (
        status,
        [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"x-amzn-errortype", error.error_type.encode()),
        ],
        text,
    )
