"""Where an endpoint name resolves: a local model dir, a container URL, or real AWS.

The gateway's integrate step calls `Target.invoke` and gets back the SageMaker Runtime's
HTTP answer (status, headers, body) whatever the target is, so that integration responses
are selected from the very bytes AWS would send. The local and container targets also have
``invoke_stream``, InvokeEndpointWithResponseStream's answer part by part.
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine, Mapping
from typing import Protocol
from urllib.parse import quote, urlsplit

from sagegate.endpoint.errors import ModelStreamError
from sagegate.endpoint.host import EndpointHost
from sagegate.endpoint.http_client import HttpClient, HttpClientError, StreamedResponse
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.streaming import ResponseStream, StreamItem
from sagegate.sigv4 import Identity, SigV4Signer


class TargetUnreachable(Exception):
    """The endpoint could not be reached, or broke the connection before answering."""


class Target(Protocol):
    """Something that answers InvokeEndpoint for an endpoint name.

    A target may also have ``invoke_now(endpoint_name, body, headers)``, returning the same
    answer as `invoke` when it needs no waiting and None otherwise (see `NowInvoke`); the
    gateway then skips the await and the integration timer for such calls. `LocalTarget` and
    `ContainerTarget` have ``invoke_stream(endpoint_name, body, headers)``: an error answer,
    or a `ResponseStream` of the parts as they come.
    """

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


# A target's optional `invoke_now` (see Target).
NowInvoke = Callable[[str, bytes, Mapping[str, str]], InvocationResponse | None]


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

    def invoke_now(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | None:
        """The answer of a prediction the host runs on the event loop, else None."""
        return self.host.invoke_now(endpoint_name, body, {k.lower(): v for k, v in headers.items()})

    def invoke_stream(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> Coroutine[None, None, InvocationResponse | ResponseStream]:
        """InvokeEndpointWithResponseStream in-process: the parts as the model makes them."""
        return self.host.invoke_stream(endpoint_name, body, headers)

    def describe(self) -> str:
        """Which model directories serve which names."""
        dirs = ", ".join(
            f"{n} <- {self.host.model_dir(n)}"
            + (" (multi-model)" if self.host.is_multi_model(n) else "")
            for n in self.host.names
        )
        return f"in-process models: {dirs}"


class _HttpTarget:
    """Shared pooled keep-alive client for the two HTTP targets (one origin each)."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._client: HttpClient | None = None

    async def start(self) -> None:
        """Open the connection pool.

        The integration timeout is enforced by the caller (it cancels this call); the client
        has no second clock.
        """
        if self._client is None:
            self._client = HttpClient(self._base_url)

    async def close(self) -> None:
        """Close the pool."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def _connected(self) -> HttpClient:
        if self._client is None:
            await self.start()
        assert self._client is not None
        return self._client

    async def _post(
        self, url: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse:
        """POST `path` on the target's origin; `url` is the same place, for error messages."""
        client = await self._connected()
        try:
            status, response_headers, payload = await client.request("POST", path, body, headers)
        except HttpClientError as exc:
            raise TargetUnreachable(f"{url}: {type(exc).__name__}: {exc}") from None
        return InvocationResponse(status=status, headers=response_headers, body=payload)


class ContainerTarget(_HttpTarget):
    """A SageMaker-compatible container (or `sagegate endpoint serve`) at a URL."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        super().__init__(self.url)
        self._invocations = f"{self.url}/invocations"
        self._path = f"{urlsplit(self.url).path}/invocations"

    async def invoke(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse:
        """POST to the container contract's /invocations."""
        return await self._post(self._invocations, self._path, body, headers)

    async def invoke_stream(
        self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | ResponseStream:
        """POST to /invocations and read the answer as it comes: a 200's body chunks are the
        parts (SageMaker streams a container's chunked answer through); any other answer is
        read whole."""
        client = await self._connected()
        try:
            answer = await client.stream("POST", self._path, body, headers)
            if answer.status == 200:
                return _ChunkStream(answer, self._invocations)
            pieces = []
            while (chunk := await answer.next_chunk()) is not None:
                pieces.append(chunk)
        except HttpClientError as exc:
            raise TargetUnreachable(f"{self._invocations}: {type(exc).__name__}: {exc}") from None
        return InvocationResponse(answer.status, answer.headers, b"".join(pieces))

    def describe(self) -> str:
        """The container URL."""
        return f"container at {self.url}/invocations"


class _ChunkStream:
    """A container's streamed answer as parts: each chunk of its body as it arrives. A
    connection cut before the last chunk ends it with ModelStreamError StreamBroken (AWS's
    code for a connection to the model that was reset or closed)."""

    def __init__(self, answer: StreamedResponse, url: str) -> None:
        self.status = answer.status
        self.headers = answer.headers
        self._answer = answer
        self._url = url
        self._over = False

    def __aiter__(self) -> _ChunkStream:
        return self

    async def __anext__(self) -> StreamItem:
        if self._over:
            raise StopAsyncIteration
        try:
            chunk = await self._answer.next_chunk()
        except HttpClientError as exc:
            self._over = True
            return ModelStreamError("StreamBroken", f"{self._url}: {exc}")
        if chunk is None:
            self._over = True
            raise StopAsyncIteration
        return chunk

    def cancel(self) -> None:
        """Stop reading: the connection is dropped unless the answer was read whole."""
        self._over = True
        self._answer.close()


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
        env = os.environ if environ is None else environ
        self.region = (
            region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        self.base_url = (
            env.get("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME")
            or env.get("AWS_ENDPOINT_URL")
            or f"https://runtime.sagemaker.{self.region}.amazonaws.com"
        ).rstrip("/")
        super().__init__(self.base_url)
        self._base_path = urlsplit(self.base_url).path
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
        path = f"/endpoints/{quote(endpoint_name, safe='')}/invocations"
        url = f"{self.base_url}{path}"
        signed = dict(headers)
        signed.update(self._signer.sign("POST", url, signed, body))
        return await self._post(url, f"{self._base_path}{path}", body, signed)

    def describe(self) -> str:
        """The runtime URL and region."""
        return f"AWS SageMaker Runtime at {self.base_url} ({self.region})"
