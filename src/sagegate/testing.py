"""An in-process client for users' own pytest suites: test templates against an API.

    from sagegate.testing import GatewayTestClient

    def test_ratings():
        with GatewayTestClient("api.yaml") as client:
            response = client.get("/prod/predicted-ratings/321", query={"items": "101,131"})
            assert response.status == 200
            assert len(response.json()["ratings"]) == 2

The API is a spec, a CloudFormation template or an OpenAPI document (a path), or a `Spec`.
Requests run through the very chain `sagegate serve` runs (routing, SigV4, validation, both
templates, the endpoint, the integration response), without a socket. Requests are signed
with a throwaway identity unless `sign=False`; `response.invocation` holds every stage.
`endpoints={"name": "./model"}` binds SageMaker endpoint names as `serve --endpoint` does.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import quote, urlencode

from sagegate.api.from_spec import api_from_spec
from sagegate.api.load import LoadedApi
from sagegate.api.options import LoadOptions
from sagegate.endpoint.targets import Target
from sagegate.gateway.app import Gateway
from sagegate.gateway.assemble import build_gateway, load
from sagegate.gateway.context import Invocation, MethodRequest
from sagegate.iam_policy import Policy
from sagegate.sigv4 import Identity, SigV4Signer, StaticIdentityStore
from sagegate.spec import Spec

HOST = "localhost"


def throwaway_identity() -> Identity:
    """A random key pair that exists only for one client."""
    alphabet = string.ascii_uppercase + string.digits
    access_key = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return Identity(access_key=access_key, secret_key=secrets.token_urlsafe(30)[:40])


@dataclass(frozen=True, slots=True)
class GatewayResponse:
    """What the client got back, and the invocation context that produced it."""

    status: int
    headers: dict[str, str]
    body: bytes
    invocation: Invocation

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode()

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def access_log_line(self) -> str | None:
        """The access-log line this request wrote."""
        return self.invocation.access_log_line


class GatewayTestClient:
    """Runs requests through a spec's gateway in this process (a context manager)."""

    def __init__(
        self,
        spec: Spec | str | Path | None = None,
        *,
        target: Target | None = None,
        endpoints: Mapping[str, str] | None = None,
        identity: Identity | None = None,
        region: str = "us-east-1",
        access_log: TextIO | None = None,
        policy: Policy | Mapping[str, Any] | None = None,
        api: str | None = None,
        stage: str | None = None,
        stage_variables: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        """`target` serves every endpoint name the API calls (else they are bound from
        `endpoints`, the spec and the default model, as `sagegate serve` binds them)."""
        options = LoadOptions(
            region=region,
            api=api,
            stage=stage,
            stage_variables=dict(stage_variables or {}),
            parameters=dict(parameters or {}),
        )
        if isinstance(spec, Spec):
            self.loaded = LoadedApi(api_from_spec(spec, region=region), "spec", None, spec)
        else:
            self.loaded = load(spec, options)
        self.api = self.loaded.api
        self.identity = identity or throwaway_identity()
        self.region = region
        self.access_log = access_log if access_log is not None else io.StringIO()
        self.gateway: Gateway = build_gateway(
            self.loaded,
            identities=StaticIdentityStore([self.identity]),
            access_log=self.access_log,
            endpoints=endpoints,
            policy=policy,
            region=region,
            target=target,
        )
        self._signer = SigV4Signer(self.identity, service="execute-api", region=region)
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> GatewayTestClient:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self.gateway.startup())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the target and the loop."""
        if self._loop is not None:
            self._loop.run_until_complete(self.gateway.shutdown())
            self._loop.close()
            self._loop = None

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | Sequence[str]] | str | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | str = b"",
        sign: bool = True,
    ) -> GatewayResponse:
        """Send one request; `path` starts with the stage, e.g. '/prod/predicted-ratings/1'."""
        if self._loop is None:
            raise RuntimeError("use the client as a context manager: with GatewayTestClient() as c")
        raw_path = quote(path, safe="/%:@!$&'()*+,;=-._~")
        query_string = query if isinstance(query, str) else urlencode(query or {}, doseq=True)
        payload = body.encode() if isinstance(body, str) else body
        sent = {"Host": HOST, **(headers or {})}
        if sign:
            url = f"http://{HOST}{raw_path}" + (f"?{query_string}" if query_string else "")
            sent.update(self._signer.sign(method, url, sent, payload))
        request = MethodRequest(
            http_method=method,
            raw_path=raw_path,
            query_string=query_string,
            headers=list(sent.items()),
            body=payload,
            source_ip="127.0.0.1",
        )
        ctx = self._loop.run_until_complete(self.gateway.handle(request))
        response = ctx.response
        assert response is not None
        return GatewayResponse(
            status=response.status,
            headers={k.decode(): v.decode() for k, v in response.headers},
            body=response.body,
            invocation=ctx,
        )

    def get(self, path: str, **options: Any) -> GatewayResponse:
        """A GET (the method the construct creates)."""
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> GatewayResponse:
        """A POST."""
        return self.request("POST", path, **options)
