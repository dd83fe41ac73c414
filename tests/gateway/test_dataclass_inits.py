"""The request path's dataclasses that write their own `__init__` make what the generated one
would: every field set, to the value given or to its default (a fresh one per instance)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from sagegate.endpoint.handler import HandlerResult
from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import (
    Caller,
    IntegrationRequest,
    Invocation,
    MethodRequest,
    MethodResponse,
)
from sagegate.gateway.trace import TraceIds
from sagegate.models.movielens.codec import Batch, Scored
from sagegate.sigv4.parse import AuthParams
from sagegate.sigv4.verify import SignedRequest

_REQUEST = MethodRequest("GET", "/prod/x", "a=1", [("Host", "h")], b"", "127.0.0.1")
_TRACE = TraceIds("1-67000000-0123456789abcdef01234567", "0011223344556677", True)

# Each class with the arguments its callers give (the fields without a default).
CASES: list[tuple[type[Any], dict[str, Any]]] = [
    (
        MethodRequest,
        {
            "http_method": "GET",
            "raw_path": "/prod/x",
            "query_string": "",
            "headers": [("Host", "h")],
            "body": b"",
            "source_ip": "127.0.0.1",
        },
    ),
    (Caller, {}),
    (IntegrationRequest, {"body": b"{}", "headers": {"Content-Type": "application/json"}}),
    (MethodResponse, {"status": 200, "headers": [], "body": b""}),
    (
        Invocation,
        {
            "request": _REQUEST,
            "request_id": "11111111-2222-3333-4444-555555555555",
            "extended_request_id": "AbCdEfGhIjKlMnO=",
            "request_time_epoch_ms": 1_732_000_000_123,
            "trace": _TRACE,
            "api_id": "abcdefghij",
            "account_id": "000000000000",
            "region": "us-east-1",
        },
    ),
    (
        SignedRequest,
        {"method": "GET", "raw_path": "/", "query_string": "", "headers": [], "body": b""},
    ),
    (
        AuthParams,
        {
            "credential": "AKID/20240101/us-east-1/execute-api/aws4_request",
            "signed_headers": ("host",),
            "signature": "00",
            "timestamp": "20240101T000000Z",
            "session_token": None,
            "expires": 60,
            "presigned": True,
        },
    ),
    (TraceIds, {"root": _TRACE.root, "parent": _TRACE.parent, "sampled": False}),
    (InvocationResponse, {"status": 200, "headers": [("A", "b")], "body": b"x"}),
    (HandlerResult, {"body": b"x", "content_type": "text/plain", "custom_attributes": None}),
    (Batch, {"users": [1], "items": [2], "content_type": "application/json"}),
    (Scored, {"ratings": np.array([3.5], dtype=np.float32), "content_type": "application/json"}),
]


@pytest.mark.parametrize(("cls", "given"), CASES, ids=[cls.__name__ for cls, _ in CASES])
def test_every_field_is_set_as_the_generated_init_would(
    cls: type[Any], given: dict[str, Any]
) -> None:
    made, again = cls(**given), cls(*given.values())
    for field in dataclasses.fields(cls):
        value = getattr(made, field.name)
        if field.name in given:
            # An int may come back equal, not the same: the compiled build keeps it unboxed.
            assert value is given[field.name] or value == given[field.name]
            assert type(getattr(again, field.name)) is type(value)
        elif field.default_factory is not dataclasses.MISSING:
            assert value == field.default_factory()
            assert value is not getattr(again, field.name), "a fresh default per instance"
        else:
            assert value == field.default
