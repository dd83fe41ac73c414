"""Named endpoints, their loading state, and invocation off the event loop.

``EndpointHost`` is the local SageMaker Runtime without HTTP: the gateway calls
``await host.invoke(name, body, headers)`` directly, and the ASGI app in ``server.py``
is a thin shell around the same call, so both produce identical responses.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sagegate.endpoint import errors
from sagegate.endpoint.handler import (
    HandlerResult,
    InferenceError,
    InferenceHandler,
    ModelLoadError,
)
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.workers import PredictionWorkers
from sagegate.ids import uuid4
from sagegate.sigv4.identity import DEFAULT_ACCOUNT_ID
from sagegate.timeouts import SharedDeadline

T = TypeVar("T")
logger = logging.getLogger("sagegate.endpoint")

#: InvokeEndpoint's EndpointName pattern (the service model leaves it unanchored at the end;
#: AWS matches the whole name).
ENDPOINT_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
#: InvokeEndpoint's request payload limit: 6 MB.
MAX_BODY_BYTES = 6 * 1024 * 1024
# A prediction run on the event loop (SAGEGATE_INLINE_MAX_BYTES) that takes longer than this
# held every other request up for that long: its endpoint goes back to prediction threads.
INLINE_BUDGET_S = 0.02
#: The variant name SageMaker's console and SDK give a single-variant endpoint.
PRODUCTION_VARIANT = "AllTraffic"
_VARIANT_HEADER = ("x-Amzn-Invoked-Production-Variant", PRODUCTION_VARIANT)
#: AWS's limit on the CustomAttributes header (service model, CustomAttributesHeader).
MAX_CUSTOM_ATTRIBUTES = 1024
#: AWS's limit on the InferenceId header (service model, InferenceId).
MAX_INFERENCE_ID = 64


class LoadState(enum.Enum):
    """Where an endpoint's model is in its life."""

    PENDING = "pending"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class _Endpoint:
    """One hosted endpoint: its model directory, state and error factory."""

    __slots__ = (
        "errors",
        "failure",
        "handler",
        "inline_max_bytes",
        "model_dir",
        "name",
        "state",
        "task",
    )

    def __init__(self, name: str, model_dir: Path, region: str, account_id: str) -> None:
        self.name = name
        self.model_dir = model_dir
        self.state = LoadState.PENDING
        self.handler: InferenceHandler | None = None
        # Bodies up to this size are predicted on the event loop (0: never); see `_inline`.
        self.inline_max_bytes = 0
        self.failure: ModelLoadError | None = None
        self.task: asyncio.Future[None] | None = None
        self.errors = errors.ModelErrorFactory(name, region, account_id)


class _Expired(Exception):
    """The invocation timeout passed before the prediction answered."""


def _respond(
    handler: InferenceHandler, body: bytes, headers: Mapping[str, str], request_id: str
) -> InvocationResponse:
    """Run the prediction and build InvokeEndpoint's answer, both on the prediction thread:
    the event loop's thread (the server's bottleneck) only hands the finished response back."""
    return _answer(handler(body, headers), _VARIANT_HEADER, ("x-amzn-RequestId", request_id))


def _answer(result: HandlerResult, *extra: tuple[str, str]) -> InvocationResponse:
    """A 200 carrying the model's answer: its type, `extra` headers, its custom attributes."""
    headers = [("Content-Type", result.content_type), *extra]
    if result.custom_attributes is not None:
        headers.append(("X-Amzn-SageMaker-Custom-Attributes", result.custom_attributes))
    return InvocationResponse(200, headers, result.body)


def check_endpoint_name(name: str) -> None:
    """Raise ValueError when `name` is not a valid SageMaker endpoint name."""
    problem = errors.endpoint_name_errors(name, ENDPOINT_NAME_PATTERN.fullmatch(name) is not None)
    if problem is not None:
        raise ValueError(problem.message)


class EndpointHost:
    """Hosts named endpoints, each a SageMaker model directory with ``code/inference.py``.

    Models load in worker threads (``start_loading`` / ``load_all``); until an endpoint's
    model is loaded, invoking it answers ModelNotReadyException, as SageMaker does while a
    model is being provisioned. Predictions run in a thread pool so a slow model never
    stalls the event loop; one that has not answered within `invocation_timeout` seconds
    gets SageMaker's container-timeout ModelError (the thread itself cannot be stopped and
    finishes in the background).

    A script that sets ``SAGEGATE_INLINE_MAX_BYTES`` promises that its hooks answer a body
    of up to that size in microseconds; such requests are predicted on the event loop, which
    saves the hand-off to a prediction thread and back (measured on the default model:
    ~7 µs of the server's ~98 µs of CPU per gateway request). The promise is checked: an
    inline prediction over INLINE_BUDGET_S sends the endpoint back to prediction threads
    with a warning. An inline prediction is not covered by `invocation_timeout`.
    """

    def __init__(
        self,
        model_dirs: Mapping[str, Path],
        *,
        invocation_timeout: float = 60.0,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        max_workers: int = 4,
        request_id: Callable[[], str] = uuid4,
    ) -> None:
        if not model_dirs:
            raise ValueError("an endpoint host needs at least one endpoint")
        for name in model_dirs:
            check_endpoint_name(name)
        # One loop timer for every invocation in flight rather than a call_later and its cancel
        # per invocation (all share one duration); it fails the worker's future with _Expired.
        self._deadline = SharedDeadline(invocation_timeout, _Expired)
        self.account_id = account_id
        self._request_id = request_id
        self._endpoints = {
            name: _Endpoint(name, Path(path), region, account_id)
            for name, path in model_dirs.items()
        }
        # model_fn may take long (training): loading has its own threads, apart from predictions.
        self._executor = ThreadPoolExecutor(len(model_dirs), thread_name_prefix="sagegate-load")
        self._workers = PredictionWorkers(max_workers)

    @property
    def invocation_timeout(self) -> float:
        """Seconds a prediction may take before SageMaker's container-timeout ModelError."""
        return self._deadline.seconds

    def new_request_id(self) -> str:
        """A fresh request id (``x-amzn-RequestId``) from the injected generator."""
        return self._request_id()

    @property
    def names(self) -> list[str]:
        """The hosted endpoint names, in the order given."""
        return list(self._endpoints)

    def model_dir(self, name: str) -> Path:
        """The model directory behind endpoint `name`."""
        return self._endpoints[name].model_dir

    def state(self, name: str) -> LoadState:
        """The loading state of endpoint `name`."""
        return self._endpoints[name].state

    @property
    def ready(self) -> bool:
        """True when every hosted model is loaded (what ``GET /ping`` reports)."""
        return all(ep.state is LoadState.READY for ep in self._endpoints.values())

    def start_loading(self) -> None:
        """Begin loading every model in the background (needs a running event loop)."""
        loop = asyncio.get_running_loop()
        for ep in self._endpoints.values():
            if ep.task is None:
                ep.state = LoadState.LOADING
                ep.task = loop.run_in_executor(self._executor, self._load, ep)

    def _load(self, ep: _Endpoint) -> None:
        try:
            ep.handler = InferenceHandler(ep.name, ep.model_dir)
            ep.inline_max_bytes = ep.handler.inline_max_bytes
        except ModelLoadError as exc:
            ep.failure = exc
            ep.state = LoadState.FAILED
            logger.error("endpoint %s: %s", ep.name, exc)
        except Exception as exc:
            ep.failure = ModelLoadError(ep.model_dir, f"{type(exc).__name__}: {exc}")
            ep.state = LoadState.FAILED
            logger.exception("endpoint %s failed to load", ep.name)
        else:
            ep.state = LoadState.READY

    async def load_all(self) -> None:
        """Load every model (starting the loads if needed) and wait for them.

        Raises the first ModelLoadError, in endpoint order, when any model failed.
        """
        self.start_loading()
        await asyncio.gather(*[ep.task for ep in self._endpoints.values() if ep.task])
        for ep in self._endpoints.values():
            if ep.failure is not None:
                raise ep.failure

    def close(self) -> None:
        """Release the worker threads (a prediction still running finishes on its own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._workers.close()

    def invoke(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> Coroutine[None, None, InvocationResponse]:
        """InvokeEndpoint: the response SageMaker Runtime gives; never raises for
        validation or model errors. Header names are matched case-insensitively.

        Returns the ``invoke_lower`` coroutine, awaited like this method's own would be: one
        coroutine less in every invocation's await chain.
        """
        return self.invoke_lower(name, body, {k.lower(): v for k, v in headers.items()})

    def invoke_now(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | None:
        """InvokeEndpoint's answer when the endpoint predicts `body` on the event loop
        (SAGEGATE_INLINE_MAX_BYTES), at once; None when the answer needs waiting, which
        ``invoke_lower`` then gives. `headers` must have lower-case keys."""
        ep = self._endpoints.get(name)
        if ep is None or len(body) > ep.inline_max_bytes:
            return None
        answer = self._begin(name, body, headers)
        # Refusals and inline predictions are answered by _begin; a body this size never
        # queues (the limit only ever drops to 0, and not between the check and _begin).
        assert isinstance(answer, InvocationResponse)
        return answer

    async def invoke_lower(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse:
        """``invoke`` for headers whose names are already lower case (the server's path)."""
        begun = self._begin(name, body, headers)
        if isinstance(begun, InvocationResponse):
            return begun
        ep, handler, request_id = begun
        try:
            future = self._workers.submit(_respond, handler, body, headers, request_id)
            # A deadline on the worker's future rather than an asyncio.timeout context around
            # the await (measured: 1.2 µs less per invocation).
            self._deadline.watch(future)
            try:
                return await future
            except _Expired:
                logger.error("endpoint %s: invocation %s timed out", name, request_id)
                raise ep.errors.timeout() from None
            except InferenceError as exc:
                raise _failed(ep, request_id, exc) from None
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    future.exception()  # expired in the same tick: not an unretrieved error
                raise
        except errors.RuntimeServiceError as refusal:
            return refusal.to_response(request_id)

    def _begin(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | tuple[_Endpoint, InferenceHandler, str]:
        """What needs no waiting: the answer to a refused or inline invocation, or what a
        prediction thread needs (endpoint, handler, request id)."""
        request_id = self._request_id()
        try:
            ep, handler = self._accept(name, body, headers, request_id)
            if len(body) > ep.inline_max_bytes:
                return ep, handler, request_id
            try:
                return _inline(ep, _respond, handler, body, headers, request_id)
            except InferenceError as exc:
                raise _failed(ep, request_id, exc) from None
        except errors.RuntimeServiceError as refusal:
            return refusal.to_response(request_id)

    def _accept(
        self, name: str, body: bytes, headers: Mapping[str, str], request_id: str
    ) -> tuple[_Endpoint, InferenceHandler]:
        """The endpoint and its loaded handler; raises what InvokeEndpoint refuses with."""
        ep = self._endpoints.get(name)
        if ep is None:
            raise errors.endpoint_name_errors(
                name, ENDPOINT_NAME_PATTERN.fullmatch(name) is not None
            ) or errors.endpoint_not_found(name, self.account_id)
        if len(body) > MAX_BODY_BYTES:
            raise errors.oversize_body(request_id)
        if headers:
            self._check_headers(name, headers)
        handler = ep.handler
        if handler is None:
            if ep.state is LoadState.FAILED and ep.failure is not None:
                raise errors.endpoint_failed(name, str(ep.failure))
            raise errors.model_not_ready(name)
        return ep, handler

    def _check_headers(self, name: str, headers: Mapping[str, str]) -> None:
        problems = []
        custom = headers.get("x-amzn-sagemaker-custom-attributes")
        if custom is not None and len(custom) > MAX_CUSTOM_ATTRIBUTES:
            # The shape is sensitive, so AWS leaves the value out of the message.
            problems.append(
                "Value at 'customAttributes' failed to satisfy constraint: Member must have "
                f"length less than or equal to {MAX_CUSTOM_ATTRIBUTES}"
            )
        inference_id = headers.get("x-amzn-sagemaker-inference-id")
        if inference_id is not None and not 1 <= len(inference_id) <= MAX_INFERENCE_ID:
            problems.append(
                f"Value '{inference_id}' at 'inferenceId' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_INFERENCE_ID}"
            )
        if problems:
            raise errors.constraint_errors(problems)
        if "x-amzn-sagemaker-target-model" in headers:
            # Every local endpoint hosts one model; TargetModel is for multi-model endpoints.
            raise errors.validation_error(
                f"Endpoint {name} is not a multi-model endpoint: TargetModel "
                "(X-Amzn-SageMaker-Target-Model) is only supported for multi-model endpoints."
            )

    async def invoke_container(self, body: bytes, headers: Mapping[str, str]) -> InvocationResponse:
        """The bring-your-own-container ``POST /invocations``: the model's raw answer.

        Unlike InvokeEndpoint, a failing script answers with its own status and message
        (SageMaker, in front of the container, turns that into ModelError). Only valid
        when the host serves exactly one endpoint. `headers` must have lower-case keys.
        """
        if len(self._endpoints) != 1:
            return _plain(404, "POST /invocations needs a server hosting exactly one model")
        ep = next(iter(self._endpoints.values()))
        if len(body) > MAX_BODY_BYTES:
            return _plain(413, f"request body exceeds {MAX_BODY_BYTES} bytes")
        handler = ep.handler
        if handler is None:
            return _plain(503, f"model for endpoint {ep.name} is not loaded ({ep.state.value})")
        try:
            if len(body) <= ep.inline_max_bytes:
                result = _inline(ep, handler, body, headers)
            else:
                result = await self._workers.submit(handler, body, headers)
        except InferenceError as exc:
            logger.error("container invocation failed (%d)", exc.status, exc_info=exc.__cause__)
            return _plain(exc.status, exc.message)
        return _answer(result)


def _inline(ep: _Endpoint, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the event loop; past INLINE_BUDGET_S the endpoint stops doing this."""
    started = time.perf_counter()
    try:
        return fn(*args)
    finally:
        took = time.perf_counter() - started
        if took > INLINE_BUDGET_S and ep.inline_max_bytes:
            ep.inline_max_bytes = 0
            logger.warning(
                "endpoint %s: a prediction on the event loop (SAGEGATE_INLINE_MAX_BYTES) took "
                "%.1f ms, over the %.0f ms budget; its predictions run on prediction threads "
                "from now on",
                ep.name,
                took * 1e3,
                INLINE_BUDGET_S * 1e3,
            )


def _failed(ep: _Endpoint, request_id: str, exc: InferenceError) -> errors.RuntimeServiceError:
    """The ModelError InvokeEndpoint answers for a failed prediction, logged with its cause."""
    logger.error(
        "endpoint %s: invocation %s failed (%d)",
        ep.name,
        request_id,
        exc.status,
        exc_info=exc.__cause__,
    )
    return ep.errors.error(exc.status, exc.message)


def _plain(status: int, message: str) -> InvocationResponse:
    return InvocationResponse(
        status, [("Content-Type", "text/plain; charset=utf-8")], message.encode("utf-8")
    )
