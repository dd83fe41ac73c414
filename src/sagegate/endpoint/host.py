"""Named endpoints, their models' loading, and invocation off the event loop.

``EndpointHost`` is the local SageMaker Runtime without HTTP: the gateway calls
``await host.invoke(name, body, headers)`` directly, and the ASGI app in ``server.py``
is a thin shell around the same calls, so both produce identical responses.
InvokeEndpoint: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
InvokeEndpointWithResponseStream (``invoke_stream``):
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sagegate.endpoint import errors, eventstream
from sagegate.endpoint.handler import HandlerResult, InferenceError, InferenceHandler
from sagegate.endpoint.loading import LoadedModel, LoadState
from sagegate.endpoint.multimodel import ModelRegistry, MultiModel
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.streaming import InvocationStream
from sagegate.endpoint.workers import PredictionWorkers
from sagegate.ids import uuid4
from sagegate.metrics.registry import Metrics
from sagegate.metrics.series import Series
from sagegate.sigv4.identity import DEFAULT_ACCOUNT_ID

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
#: AWS's constraints on the TargetModel header (service model, TargetModelHeader).
MAX_TARGET_MODEL = 1024
_TARGET_MODEL_PATTERN = re.compile(r"\S[ -~]*")
TARGET_MODEL_HEADER = "x-amzn-sagemaker-target-model"
#: InvokeEndpointWithResponseStream carries Accept in this header (service model).
STREAM_ACCEPT_HEADER = "x-amzn-sagemaker-accept"


class _Endpoint:
    """One hosted endpoint: its model (or, multi-model, its registry), error factory and
    metrics (one production variant, as a single-variant endpoint has)."""

    __slots__ = ("errors", "model", "models", "name", "series")

    def __init__(
        self,
        name: str,
        serves: Path | MultiModel,
        region: str,
        account_id: str,
        series: Series,
    ) -> None:
        self.name = name
        self.errors = errors.ModelErrorFactory(name, region, account_id)
        self.series = series
        self.model: LoadedModel | None = None
        self.models: ModelRegistry | None = None
        if isinstance(serves, MultiModel):
            self.models = ModelRegistry(name, serves)
        else:
            self.model = LoadedModel(name, Path(serves))


def _respond(
    handler: InferenceHandler, body: bytes, headers: Mapping[str, str], request_id: str
) -> tuple[InvocationResponse, float]:
    """Run the prediction and build InvokeEndpoint's answer, both on the prediction thread:
    the event loop's thread (the server's bottleneck) only hands the finished response back.
    A streamed answer is read whole and joined. Also returns the seconds the hooks took."""
    result, seconds = _timed(_call_joined, handler, body, headers)
    return _answer(result, _VARIANT_HEADER, ("x-amzn-RequestId", request_id)), seconds


def _timed(
    fn: Callable[[InferenceHandler, bytes, Mapping[str, str]], HandlerResult],
    handler: InferenceHandler,
    body: bytes,
    headers: Mapping[str, str],
) -> tuple[HandlerResult, float]:
    """`fn`'s result and the seconds the model's hooks took (ModelLatency), also on failure."""
    started = time.perf_counter()
    try:
        result = fn(handler, body, headers)
    except InferenceError as exc:
        exc.model_seconds = time.perf_counter() - started
        raise
    return result, time.perf_counter() - started


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
    """Hosts named endpoints: each a SageMaker model directory with ``code/inference.py``, or
    a `MultiModel`, whose models ``DIR/NAME/`` are chosen per request by TargetModel.

    Models load in threads of their own: a single model at start (``start_loading`` /
    ``load_all``; until it is loaded, invoking it answers ModelNotReadyException, as SageMaker
    does while a model is being provisioned), a multi-model endpoint's models on first use.
    Predictions run on prediction threads so a slow model never stalls the event loop; one
    that has not answered within `invocation_timeout` seconds gets SageMaker's
    container-timeout ModelError (the thread itself cannot be stopped and finishes in the
    background). A stream must be over within `stream_timeout` seconds of its start (default:
    `invocation_timeout`, the 60 s SageMaker gives a container to answer; see ``invoke_stream``).

    A script that sets ``SAGEGATE_INLINE_MAX_BYTES`` promises that its hooks answer a body
    of up to that size in microseconds; such requests are predicted on the event loop, which
    saves the hand-off to a prediction thread and back (measured on the default model:
    ~7 µs of the server's ~98 µs of CPU per gateway request). The promise is checked: an
    inline prediction over INLINE_BUDGET_S sends the endpoint back to prediction threads
    with a warning. An inline prediction is not covered by `invocation_timeout`.
    """

    def __init__(
        self,
        model_dirs: Mapping[str, Path | MultiModel],
        *,
        invocation_timeout: float = 60.0,
        stream_timeout: float | None = None,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        max_workers: int = 4,
        request_id: Callable[[], str] = uuid4,
        metrics: Metrics | None = None,
    ) -> None:
        """`metrics` receives each endpoint's invocation metrics (default: a registry of its
        own, `self.metrics`)."""
        if not model_dirs:
            raise ValueError("an endpoint host needs at least one endpoint")
        for name in model_dirs:
            check_endpoint_name(name)
        self._invocation_timeout = invocation_timeout
        self.stream_timeout = invocation_timeout if stream_timeout is None else stream_timeout
        self.account_id = account_id
        self._request_id = request_id
        self.metrics = metrics = metrics if metrics is not None else Metrics()
        self._endpoints = {
            name: _Endpoint(
                name,
                serves,
                region,
                account_id,
                metrics.variant_series(name, PRODUCTION_VARIANT),
            )
            for name, serves in model_dirs.items()
        }
        # model_fn may take long (training): loading has its own threads, apart from predictions.
        self._executor = ThreadPoolExecutor(
            max(len(model_dirs), 4), thread_name_prefix="sagegate-load"
        )
        self._workers = PredictionWorkers(max_workers)

    @property
    def invocation_timeout(self) -> float:
        """Seconds a prediction may take before SageMaker's container-timeout ModelError."""
        return self._invocation_timeout

    def new_request_id(self) -> str:
        """A fresh request id (``x-amzn-RequestId``) from the injected generator."""
        return self._request_id()

    @property
    def names(self) -> list[str]:
        """The hosted endpoint names, in the order given."""
        return list(self._endpoints)

    def model_dir(self, name: str) -> Path:
        """The model directory behind endpoint `name` (a multi-model endpoint's: its models')."""
        ep = self._endpoints[name]
        return ep.models.model_dir if ep.models is not None else _single(ep).model_dir

    def is_multi_model(self, name: str) -> bool:
        """True when endpoint `name` is a multi-model endpoint."""
        return self._endpoints[name].models is not None

    def state(self, name: str) -> LoadState:
        """The loading state of endpoint `name` (a multi-model endpoint is always READY: its
        models load on demand)."""
        ep = self._endpoints[name]
        return LoadState.READY if ep.model is None else ep.model.state

    def loaded_models(self, name: str) -> list[str]:
        """The models multi-model endpoint `name` has loaded, least recently used first."""
        models = self._endpoints[name].models
        if models is None:
            raise ValueError(f"endpoint {name} is not a multi-model endpoint")
        return models.loaded

    @property
    def ready(self) -> bool:
        """True when every single model is loaded (what ``GET /ping`` reports)."""
        return all(self.state(name) is LoadState.READY for name in self._endpoints)

    def start_loading(self) -> None:
        """Begin loading every single model in the background (needs a running event loop)."""
        for ep in self._endpoints.values():
            if ep.model is not None:
                self._load(ep.model)

    def _load(self, model: LoadedModel) -> asyncio.Future[None]:
        """`model`'s loading, started if it had not been."""
        if model.task is None:
            model.state = LoadState.LOADING
            loop = asyncio.get_running_loop()
            model.task = loop.run_in_executor(self._executor, model.load)
        return model.task

    async def load_all(self) -> None:
        """Load every single model (starting the loads if needed) and wait for them.

        Raises the first ModelLoadError, in endpoint order, when any model failed.
        """
        self.start_loading()
        models = [ep.model for ep in self._endpoints.values() if ep.model is not None]
        await asyncio.gather(*[model.task for model in models if model.task])
        for model in models:
            if model.failure is not None:
                raise model.failure

    def close(self) -> None:
        """Release the worker threads (a prediction still running finishes on its own)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._workers.close()

    def invoke(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> Coroutine[None, None, InvocationResponse]:
        """InvokeEndpoint: the response SageMaker Runtime gives; never raises for
        validation or model errors. Header names are matched case-insensitively
        (``X-Amzn-SageMaker-Target-Model`` selects a multi-model endpoint's model).

        Returns the ``invoke_lower`` coroutine, awaited like this method's own would be: one
        coroutine less in every invocation's await chain.
        """
        return self.invoke_lower(name, body, {k.lower(): v for k, v in headers.items()})

    def invoke_now(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | None:
        """InvokeEndpoint's answer when the endpoint predicts `body` on the event loop
        (SAGEGATE_INLINE_MAX_BYTES), at once; None when the answer needs waiting, which
        ``invoke_lower`` then gives. `headers` must have lower-case keys. A multi-model
        endpoint's predictions always wait."""
        ep = self._endpoints.get(name)
        if ep is None or ep.model is None or len(body) > ep.model.inline_max_bytes:
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
        ep, model, request_id, started = begun
        try:
            answer, seconds = await self._predict(
                ep, model, request_id, _respond, body, headers, request_id
            )
        except errors.RuntimeServiceError as refusal:
            return _refused(ep, refusal, request_id, started)
        _record(ep, answer.status, seconds, started)
        return answer

    def invoke_stream(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> Coroutine[None, None, InvocationResponse | InvocationStream]:
        """InvokeEndpointWithResponseStream: an `InvocationStream` once the model has produced
        its first part, or the InvokeEndpoint error response when it fails before that.

        A model streams when its hook returns an iterator (see ``handler.py``); any other
        model's answer is one part. Accept comes in ``X-Amzn-SageMaker-Accept``. TargetModel
        is not a member of this operation, and SageMaker strips headers outside its members,
        so a multi-model endpoint answers as if none had been given. The first part must come
        within `invocation_timeout` (else ModelError, as InvokeEndpoint); the whole stream
        within `stream_timeout` (else it ends with ModelStreamError
        ModelInvocationTimeExceeded, "The model failed to finish sending the response within
        the timeout period allowed by Amazon SageMaker AI"). AWS documents that code but no
        separate streaming duration; the one documented limit is the container's 60 s to
        answer (https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html
        #your-algorithms-inference-code-container-response), which is the default of both.
        """
        return self.invoke_stream_lower(name, body, {k.lower(): v for k, v in headers.items()})

    async def invoke_stream_lower(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | InvocationStream:
        """``invoke_stream`` for headers whose names are already lower case."""
        started = asyncio.get_running_loop().time()
        began = time.perf_counter()
        headers = _stream_request_headers(headers)
        request_id = self._request_id()
        try:
            ep, model = self._accept(name, body, headers, request_id)
            result, seconds = await self._predict(ep, model, request_id, _call_timed, body, headers)
        except errors.RuntimeServiceError as refusal:
            return _refused(self._endpoints.get(name), refusal, request_id, began)
        # Counted when the first part is ready: the model's latency is its time to that part.
        _record(ep, 200, seconds, began)
        response_headers = [
            ("Content-Type", eventstream.CONTENT_TYPE),
            _VARIANT_HEADER,
            ("X-Amzn-SageMaker-Content-Type", result.content_type),
            ("x-amzn-RequestId", request_id),
        ]
        if result.custom_attributes is not None:
            response_headers.append(
                ("X-Amzn-SageMaker-Custom-Attributes", result.custom_attributes)
            )
        return InvocationStream(
            response_headers,
            result.body,
            result.rest,
            workers=self._workers,
            deadline=started + self.stream_timeout,
            broken=ep.errors.stream_broken,
            name=f"{name} {request_id}",
        )

    async def _predict(
        self,
        ep: _Endpoint,
        model: LoadedModel,
        request_id: str,
        fn: Callable[..., T],
        *args: Any,
    ) -> T:
        """`fn(handler, *args)` on a prediction thread, once `model` is loaded, bounded by the
        invocation timeout; raises what InvokeEndpoint answers when it fails."""
        handler = model.handler
        if handler is None:
            handler = await self._loaded(ep, model)
        future = self._workers.submit(fn, handler, *args)
        deadline = asyncio.timeout(self._invocation_timeout)
        try:
            async with deadline:
                return await future
        except TimeoutError:
            if not deadline.expired():
                raise
            logger.error("endpoint %s: invocation %s timed out", ep.name, request_id)
            raise ep.errors.timeout() from None
        except InferenceError as exc:
            raise _failed(ep, request_id, exc) from None
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                future.exception()  # expired in the same tick: not an unretrieved error
            raise

    async def _loaded(self, ep: _Endpoint, model: LoadedModel) -> InferenceHandler:
        """A multi-model endpoint's model, loaded on its first use. Loading longer than the
        invocation timeout answers ModelNotReadyException while the load goes on, as AWS
        does (https://docs.aws.amazon.com/sagemaker/latest/dg/invoke-multi-model-endpoint.html)."""
        assert ep.models is not None
        registry = ep.models
        task = model.task
        if task is None:
            task = self._load(model)
            task.add_done_callback(lambda _: _settle(registry, model))
        target = model.model_dir.name
        if not task.done():
            try:
                # Shielded: the load is shared by every request for the model, and goes on.
                await asyncio.wait_for(asyncio.shield(task), self.invocation_timeout)
            except TimeoutError:
                raise errors.model_not_ready(f"{ep.name} (target model {target})") from None
        handler = model.handler
        if handler is None:
            if model.failure is not None:
                raise ep.errors.error(500, f"Failed to load the model: {model.failure}")
            raise errors.model_not_ready(f"{ep.name} (target model {target})")
        return handler

    def _begin(
        self, name: str, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | tuple[_Endpoint, LoadedModel, str, float]:
        """What needs no waiting: the answer to a refused or inline invocation (counted in
        the endpoint's metrics), or what a prediction thread needs (endpoint, model, request
        id, and when the invocation began)."""
        started = time.perf_counter()
        request_id = self._request_id()
        try:
            ep, model = self._accept(name, body, headers, request_id)
            handler = model.handler
            if handler is None or len(body) > model.inline_max_bytes:
                return ep, model, request_id, started
            try:
                answer, seconds = _inline(model, _respond, handler, body, headers, request_id)
            except InferenceError as exc:
                raise _failed(ep, request_id, exc) from None
        except errors.RuntimeServiceError as refusal:
            return _refused(self._endpoints.get(name), refusal, request_id, started)
        _record(ep, answer.status, seconds, started)
        return answer

    def _accept(
        self, name: str, body: bytes, headers: Mapping[str, str], request_id: str
    ) -> tuple[_Endpoint, LoadedModel]:
        """The endpoint and the model to run (a single model: loaded; one of a multi-model
        endpoint's: maybe still to load); raises what InvokeEndpoint refuses with."""
        ep = self._endpoints.get(name)
        if ep is None:
            raise errors.endpoint_name_errors(
                name, ENDPOINT_NAME_PATTERN.fullmatch(name) is not None
            ) or errors.endpoint_not_found(name, self.account_id)
        if len(body) > MAX_BODY_BYTES:
            raise errors.oversize_body(request_id)
        if headers:
            _check_headers(headers)
        model = ep.model
        if model is None:
            assert ep.models is not None
            target = headers.get(TARGET_MODEL_HEADER)
            if target is None:
                raise errors.target_model_missing(request_id)
            return ep, ep.models.model(target)
        if TARGET_MODEL_HEADER in headers:
            raise errors.target_model_not_supported(name)
        if model.handler is None:
            if model.state is LoadState.FAILED and model.failure is not None:
                raise errors.endpoint_failed(name, str(model.failure))
            raise errors.model_not_ready(name)
        return ep, model

    async def invoke_container(
        self, body: bytes, headers: Mapping[str, str]
    ) -> InvocationResponse | InvocationStream:
        """The bring-your-own-container ``POST /invocations``: the model's raw answer, or for a
        model that streams, its parts as they come (sent as the chunks of the body, as a
        streaming container does).

        Unlike InvokeEndpoint, a failing script answers with its own status and message
        (SageMaker, in front of the container, turns that into ModelError). Only valid
        when the host serves exactly one single-model endpoint. `headers` must have lower-case
        keys.
        """
        found = self._container_model(body)
        if isinstance(found, InvocationResponse):
            return found
        model, handler = found
        started = asyncio.get_running_loop().time()
        try:
            if len(body) <= model.inline_max_bytes:
                result = _inline(model, _call_joined, handler, body, headers)
            else:
                result = await self._workers.submit(_call, handler, body, headers)
        except InferenceError as exc:
            logger.error("container invocation failed (%d)", exc.status, exc_info=exc.__cause__)
            return _plain(exc.status, exc.message)
        if result.rest is None:
            return _answer(result)
        return InvocationStream(
            [("Content-Type", result.content_type)],
            result.body,
            result.rest,
            workers=self._workers,
            deadline=started + self.stream_timeout,
            broken=lambda message: errors.ModelStreamError("StreamBroken", message),
            name=f"{model.name} /invocations",
        )

    def _container_model(
        self, body: bytes
    ) -> InvocationResponse | tuple[LoadedModel, InferenceHandler]:
        """The one model ``/invocations`` runs, or the container's refusal."""
        models = [ep.model for ep in self._endpoints.values()]
        model = models[0] if len(models) == 1 else None
        if model is None:
            return _plain(404, "POST /invocations needs a server hosting exactly one model")
        if len(body) > MAX_BODY_BYTES:
            return _plain(413, f"request body exceeds {MAX_BODY_BYTES} bytes")
        handler = model.handler
        if handler is None:
            return _plain(
                503, f"model for endpoint {model.name} is not loaded ({model.state.value})"
            )
        return model, handler


def _single(ep: _Endpoint) -> LoadedModel:
    assert ep.model is not None
    return ep.model


def _check_headers(headers: Mapping[str, str]) -> None:
    """AWS's constraints on the request headers that carry API members."""
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
    target = headers.get(TARGET_MODEL_HEADER)
    if target is not None:
        if len(target) > MAX_TARGET_MODEL:
            problems.append(
                f"Value '{target}' at 'targetModel' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_TARGET_MODEL}"
            )
        if _TARGET_MODEL_PATTERN.fullmatch(target) is None:
            problems.append(
                f"Value '{target}' at 'targetModel' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: \\A\\S[\\p{Print}]*\\z"
            )
    if problems:
        raise errors.constraint_errors(problems)


def _stream_request_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers the model sees for InvokeEndpointWithResponseStream: Accept from
    ``X-Amzn-SageMaker-Accept``; no TargetModel, which this operation does not carry."""
    forwarded = {k: v for k, v in headers.items() if k not in ("accept", TARGET_MODEL_HEADER)}
    accept = headers.get(STREAM_ACCEPT_HEADER)
    if accept is not None:
        forwarded["accept"] = accept
    return forwarded


def _settle(registry: ModelRegistry, model: LoadedModel) -> None:
    """A multi-model endpoint's model finished loading: a failed one is forgotten (the next
    invocation tries again), a loaded one may push the least recently used ones out."""
    if model.handler is None:
        registry.forget(model)
        return
    for evicted in registry.evict(keep=model):
        logger.info("model %s unloaded (least recently used)", evicted.name)


def _call(handler: InferenceHandler, body: bytes, headers: Mapping[str, str]) -> HandlerResult:
    return handler(body, headers)


def _call_timed(
    handler: InferenceHandler, body: bytes, headers: Mapping[str, str]
) -> tuple[HandlerResult, float]:
    return _timed(_call, handler, body, headers)


def _call_joined(
    handler: InferenceHandler, body: bytes, headers: Mapping[str, str]
) -> HandlerResult:
    return handler(body, headers).joined()


def _inline(model: LoadedModel, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on the event loop; past INLINE_BUDGET_S the model stops doing this."""
    started = time.perf_counter()
    try:
        return fn(*args)
    finally:
        took = time.perf_counter() - started
        if took > INLINE_BUDGET_S and model.inline_max_bytes:
            model.inline_max_bytes = 0
            logger.warning(
                "endpoint %s: a prediction on the event loop (SAGEGATE_INLINE_MAX_BYTES) took "
                "%.1f ms, over the %.0f ms budget; its predictions run on prediction threads "
                "from now on",
                model.name,
                took * 1e3,
                INLINE_BUDGET_S * 1e3,
            )


def _record(ep: _Endpoint, status: int, model_seconds: float, started: float) -> None:
    """Count one invocation: ModelLatency is the hooks' time, OverheadLatency the rest of
    the time from taking the request to answering it (SageMaker's CloudWatch definitions:
    https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html)."""
    total = time.perf_counter() - started
    ep.series.record(status, model_seconds * 1e6, max(0.0, total - model_seconds) * 1e6)


def _refused(
    ep: _Endpoint | None, refusal: errors.RuntimeServiceError, request_id: str, started: float
) -> InvocationResponse:
    """The answer to a refused invocation, counted for its endpoint (an endpoint that does
    not exist has no metrics, as on AWS)."""
    if ep is not None:
        _record(ep, refusal.metric_status, refusal.model_seconds, started)
    return refusal.to_response(request_id)


def _failed(ep: _Endpoint, request_id: str, exc: InferenceError) -> errors.RuntimeServiceError:
    """The ModelError InvokeEndpoint answers for a failed prediction, logged with its cause."""
    logger.error(
        "endpoint %s: invocation %s failed (%d)",
        ep.name,
        request_id,
        exc.status,
        exc_info=exc.__cause__,
    )
    refusal = ep.errors.error(exc.status, exc.message)
    refusal.model_seconds = exc.model_seconds
    return refusal


def _plain(status: int, message: str) -> InvocationResponse:
    return InvocationResponse(
        status, [("Content-Type", "text/plain; charset=utf-8")], message.encode("utf-8")
    )
