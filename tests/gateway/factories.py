"""A context factory for step tests."""

from __future__ import annotations

from sagegate.api.from_spec import api_from_spec
from sagegate.api.load import LoadedApi
from sagegate.endpoint.targets import Target
from sagegate.gateway.app import Gateway, GatewaySettings
from sagegate.gateway.assemble import bindings_for, endpoint_names, targets_for
from sagegate.gateway.context import Invocation, MethodRequest
from sagegate.gateway.trace import TraceIds
from sagegate.sigv4.identity import DEFAULT_ACCOUNT_ID
from sagegate.spec import Spec


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


def spec_targets(spec: Spec, *, region: str = "us-east-1") -> dict[str, Target]:
    """The targets `sagegate serve` binds for a spec's endpoint."""
    loaded = LoadedApi(api_from_spec(spec, region=region), "spec", None, spec)
    bound = bindings_for(loaded, {}, endpoint_names(loaded.api))
    return targets_for(bound, region=region, account_id=DEFAULT_ACCOUNT_ID)


def spec_target(spec: Spec, *, region: str = "us-east-1") -> Target:
    """The one target of a spec's endpoint."""
    (target,) = spec_targets(spec, region=region).values()
    return target


def spec_gateway(spec: Spec, settings: GatewaySettings) -> Gateway:
    """A gateway for a spec, with the given settings and the spec's own endpoint."""
    api = api_from_spec(spec, region=settings.region)
    return Gateway(api, spec_targets(spec, region=settings.region), settings)
