"""A context factory for step tests."""

from __future__ import annotations

from sagegate.gateway.context import Invocation, MethodRequest
from sagegate.gateway.trace import TraceIds


def invocation(
    path: str = "/prod/predicted-ratings/321",
    *,
    method: str = "GET",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Invocation:
    """An invocation as the app would create it, with fixed ids."""
    return Invocation(
        request=MethodRequest(
            http_method=method,
            raw_path=path,
            query_string=query,
            headers=headers or [("Host", "localhost")],
            body=body,
            source_ip="127.0.0.1",
        ),
        request_id="11111111-2222-3333-4444-555555555555",
        extended_request_id="AbCdEfGhIjKlMnO=",
        request_time_epoch_ms=1_732_000_000_123,
        trace=TraceIds(
            root="1-67000000-0123456789abcdef01234567", parent="0011223344556677", sampled=True
        ),
        api_id="abcdefghij",
        account_id="000000000000",
        region="us-east-1",
    )
