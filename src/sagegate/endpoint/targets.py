"""Where an endpoint name resolves: a local model dir, a container URL, or real AWS.

The gateway's integrate step calls `Target.invoke` and gets back the SageMaker Runtime's
HTTP answer (status, headers, body) whatever the target is, so that integration responses
are selected from the very bytes AWS would send.
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
"""

from __future__ import annotations

import os
from collections.abc import Coroutine, Mapping
from typing import Protocol
from urllib.parse import quote

import aiohttp

from sagegate.endpoint.host import EndpointHost
from sagegate.endpoint.response import InvocationResponse
from sagegate.sigv4 import Identity, SigV4Signer


class TargetUnreachable(Exception):
    """The endpoint could not be reached, or broke the connection before answering."""


class Target(Protocol):
    """Something that answers InvokeEndpoint for an endpoint name."""

    async def start(self) -> None:
        """Open connections or load models."""

    async def close(self) -> None:
        """Release what `start` took."""

    async def invoke(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse:
        """POST the body; return the runtime's answer (errors included)."""

    def describe(self) -> str:
        """One line for the startup banner."""


class LocalTarget:
    """Models hosted in this process: no HTTP between the gateway and the model."""

    def __init__(self, host: EndpointHost) -> None:
        self.host = host

    async def start(self) -> None:
        """Load every model (a model that fails to load stops the start)."""
        await self.host.load_all()

    async def close(self) -> None:
        """Stop the model threads."""
        self.host.close()

    def invoke(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> Coroutine[None, None, InvocationResponse]:
        """Invoke in-process; the answer is what the HTTP server would send.

        Hands back the host's coroutine rather than awaiting it in one of its own: one
        coroutine less in every request's await chain.
        """
        return self.host.invoke(endpoint_name, body, headers)

    def describe(self) -> str:
        """Which model directories serve which names."""
        dirs = ", ".join(f"{n} <- {self.host.model_dir(n)}" for n in self.host.names)
        return f"in-process models: {dirs}"


class _HttpTarget:
    """Shared pooled keep-alive client for the two HTTP targets."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the connection pool."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=30, ttl_dns_cache=300)
            # The integration timeout is enforced by the caller; no second clock here.
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),
                auto_decompress=False,
            )

    async def close(self) -> None:
        """Close the pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, url: str, body: bytes, headers: Mapping[str, str]) -> InvocationResponse:
        if self._session is None:
            await self.start()
        assert self._session is not None
        try:
            async with self._session.post(url, data=body, headers=dict(headers)) as response:
                payload = await response.read()
                return InvocationResponse(
                    status=response.status,
                    headers=[(k, v) for k, v in response.headers.items()],
                    body=payload,
                )
        except (aiohttp.ClientError, OSError) as exc:
            raise TargetUnreachable(f"{url}: {type(exc).__name__}: {exc}") from None


class ContainerTarget(_HttpTarget):
    """A SageMaker-compatible container (or `sagegate endpoint serve`) at a URL."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url.rstrip("/")

    async def invoke(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse:
        """POST to the container contract's /invocations."""
        return await self._post(f"{self.url}/invocations", body, headers)

    def describe(self) -> str:
        """The container URL."""
        return f"container at {self.url}/invocations"


def _aws_credentials() -> Identity:
    import botocore.session

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        raise TargetUnreachable("no AWS credentials found for the SageMaker Runtime")
    frozen = credentials.get_frozen_credentials()
    return Identity(
        access_key=frozen.access_key, secret_key=frozen.secret_key, session_token=frozen.token
    )


class AwsTarget(_HttpTarget):
    """The real SageMaker Runtime, signed with SigV4 as the API's execution role would.

    Honours botocore's `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME` (and `AWS_ENDPOINT_URL`), which is
    how tests point it at a local runtime that verifies signatures.
    """

    def __init__(self, region: str | None, environ: Mapping[str, str] | None = None) -> None:
        super().__init__()
        env = os.environ if environ is None else environ
        self.region = (
            region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        self.base_url = (
            env.get("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME")
            or env.get("AWS_ENDPOINT_URL")
            or f"https://runtime.sagemaker.{self.region}.amazonaws.com"
        ).rstrip("/")
        self._signer: SigV4Signer | None = None

    async def start(self) -> None:
        """Resolve credentials (refreshed by botocore as they expire) and open the pool."""
        self._signer = SigV4Signer(_aws_credentials, service="sagemaker", region=self.region)
        await super().start()

    async def invoke(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse:
        """POST /endpoints/{name}/invocations, signed."""
        if self._signer is None:
            await self.start()
        assert self._signer is not None
        url = f"{self.base_url}/endpoints/{quote(endpoint_name, safe='')}/invocations"
        signed = dict(headers)
        signed.update(self._signer.sign("POST", url, signed, body))
        return await self._post(url, body, signed)

    def describe(self) -> str:
        """The runtime URL and region."""
        return f"AWS SageMaker Runtime at {self.base_url} ({self.region})"
