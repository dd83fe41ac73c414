"""The SageMaker inference-script contract: load ``code/inference.py`` and run its hooks.

A model directory holds ``code/inference.py`` with ``model_fn(model_dir)`` and either
``input_fn(body, content_type)`` / ``predict_fn(data, model)`` / ``output_fn(prediction,
accept)`` or ``transform_fn(model, body, content_type, accept)``. Every hook may take one
extra trailing ``context`` argument (see ``context.py``), decided by its arity as the
SageMaker inference toolkit does. Missing input/output hooks fall back to the toolkit's
defaults (``codecs.py``). A hook may return ``(body, content_type)`` to choose the response
content type; otherwise it is the request's Accept (``application/json`` when absent or
``*/*``). See https://sagemaker.readthedocs.io/en/stable/frameworks/pytorch/using_pytorch.html
and https://github.com/aws/sagemaker-inference-toolkit (transformer.py).

A hook streams its answer by returning an iterator (a generator, typically) instead of a value:
``transform_fn`` or ``output_fn`` returning one makes each item one part of the answer, and
``predict_fn`` returning one makes each item one prediction, which ``output_fn`` serialises on
its own (the default ``output_fn`` sends ``bytes`` and ``str`` items as they are). Items are
``bytes`` or ``str`` (others are serialised as JSON); an item may be ``(part, content_type)``,
and the first one names the answer's type. Empty items are skipped: on the wire an empty
chunk would end the answer. InvokeEndpointWithResponseStream sends each part as soon as the
iterator produces it; InvokeEndpoint answers with the parts joined.

One sagegate-only setting, which SageMaker ignores: a script whose hooks answer small
requests in microseconds may set ``SAGEGATE_INLINE_MAX_BYTES = n``; requests of up to `n`
bytes then run on the event loop instead of a prediction thread (see ``host.py``).
"""

from __future__ import annotations

import importlib.util
import inspect
import itertools
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from sagegate.endpoint import codecs
from sagegate.endpoint.context import InvocationContext

_module_ids = itertools.count(1)
logger = logging.getLogger("sagegate.endpoint")

INLINE_ATTRIBUTE = "SAGEGATE_INLINE_MAX_BYTES"


class ModelLoadError(Exception):
    """A model directory that cannot be served; ``str()`` names the file and the cause."""

    def __init__(self, path: Path, cause: str) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


class InferenceError(Exception):
    """The user's script failed while answering; carries the status the container gives,
    and the script's own exception as ``__cause__`` (the server logs its traceback)."""

    def __init__(self, status: int, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # How long the hooks ran before failing (the endpoint's ModelLatency).
        self.model_seconds = 0.0
        # Set here, not by `raise ... from`: compiled with mypyc, `raise ... from` leaves
        # __cause__ unset, and the traceback of the user's exception would be lost.
        self.__cause__ = cause


# Its own __init__ (init=False): mypyc compiles it, the generated one would run interpreted.
@dataclass(frozen=True, slots=True, init=False)
class HandlerResult:
    """A successful answer of the script: its body, or for a streamed answer its first part
    (empty when the stream has none) and `rest`, the parts still to come."""

    body: bytes
    content_type: str
    custom_attributes: str | None
    rest: PartStream | None = None

    def __init__(
        self,
        body: bytes,
        content_type: str,
        custom_attributes: str | None,
        rest: PartStream | None = None,
    ) -> None:
        # Frozen: set as the generated __init__ does.
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "content_type", content_type)
        object.__setattr__(self, "custom_attributes", custom_attributes)
        object.__setattr__(self, "rest", rest)

    def joined(self) -> HandlerResult:
        """The whole answer in `body` (InvokeEndpoint's): the rest of a stream, read and joined."""
        if self.rest is None:
            return self
        body = b"".join([self.body, *self.rest])
        return HandlerResult(body, self.content_type, self.custom_attributes)


class PartStream:
    """The parts a streaming hook has yet to produce: each ``next()`` runs the model until its
    next non-empty part (an InferenceError when the model fails). Callers on different
    threads take turns: ``close()`` waits for a ``next()`` in progress."""

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        #: The content type the first item named with ``(part, content_type)``, if any.
        self.content_type: str | None = None
        self._first = True
        # A generator refuses to be resumed or closed while it runs on another thread.
        self._turn = threading.Lock()

    def __iter__(self) -> PartStream:
        return self

    def __next__(self) -> bytes:
        with self._turn:
            return self._next()

    def _next(self) -> bytes:
        while True:
            try:
                item = next(self._items)
            except StopIteration:  # the end, not a failure (it is an Exception too)
                raise
            except Exception as exc:
                raise InferenceError(_status_of(exc), _message_of(exc), exc) from exc
            if isinstance(item, tuple) and len(item) == 2:
                item, content_type = item
                if self._first:
                    self.content_type = str(content_type)
            self._first = False
            try:
                part = _as_bytes(item)
            except Exception as exc:
                raise InferenceError(500, f"cannot send a part: {exc}", exc) from exc
            if part:
                return part

    def close(self) -> None:
        """Stop the model's iterator early: a generator's ``finally`` blocks run now."""
        close = getattr(self._items, "close", None)
        if close is not None:
            try:
                with self._turn:
                    close()
            except Exception:
                # Nobody is left to answer: the caller went away or the stream failed.
                logger.exception("a streaming hook failed while being closed")


Hook = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class _Bound:
    """A hook and whether it takes the trailing context argument."""

    fn: Hook
    wants_context: bool


def _bind(script: Path, name: str, fn: Hook, arity: int) -> _Bound:
    """Decide, once at load, whether `fn` takes the extra context argument."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return _Bound(fn, False)
    positional = [
        p
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if any(p.kind == p.VAR_POSITIONAL for p in params) or len(positional) == arity:
        return _Bound(fn, False)
    if len(positional) == arity + 1:
        return _Bound(fn, True)
    raise ModelLoadError(
        script,
        f"{name} takes {len(positional)} arguments but the SageMaker contract passes "
        f"{arity} (or {arity + 1} with context)",
    )


def _import_script(script: Path, endpoint_name: str) -> ModuleType:
    """Import the script under a module name unique to this endpoint and load."""
    safe = re.sub(r"\W", "_", endpoint_name)
    module_name = f"sagegate_endpoint_{safe}_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(module_name, script)
    if spec is None or spec.loader is None:
        raise ModelLoadError(script, "cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    # The script's own helper modules live beside it, as in the SageMaker containers.
    code_dir = str(script.parent)
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        del sys.modules[module_name]
        if not isinstance(exc, Exception):
            raise
        raise ModelLoadError(script, f"failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _inline_max_bytes(script: Path, module: ModuleType) -> int:
    """The script's SAGEGATE_INLINE_MAX_BYTES: a whole number of bytes, 0 when absent."""
    value = getattr(module, INLINE_ATTRIBUTE, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ModelLoadError(
            script, f"{INLINE_ATTRIBUTE} must be a whole number of bytes (0 or more), not {value!r}"
        )
    return value


def _status_of(exc: BaseException) -> int:
    """A script picks its status with an int ``status_code`` in 400..599; else 500."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        return status
    return 500


def _message_of(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else str(exc)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    # The model servers behind the toolkit serialise other return values as JSON.
    return codecs.encode_json(value)


class InferenceHandler:
    """One loaded model and its hooks; calling it answers one request (thread-safe as
    far as the user's hooks are)."""

    def __init__(self, endpoint_name: str, model_dir: Path) -> None:
        """Load the script and run ``model_fn``; raise ModelLoadError on any failure."""
        self.endpoint_name = endpoint_name
        self.model_dir = model_dir
        script = model_dir / "code" / "inference.py"
        if not model_dir.is_dir():
            raise ModelLoadError(model_dir, "model directory does not exist")
        if not script.is_file():
            raise ModelLoadError(
                script, "no such file (a SageMaker model directory needs code/inference.py)"
            )
        self.script = script
        module = _import_script(script, endpoint_name)
        self.module_name = module.__name__
        hooks = {
            name: getattr(module, name, None)
            for name in ("model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn")
        }
        for name, fn in hooks.items():
            if fn is not None and not callable(fn):
                raise ModelLoadError(script, f"{name} is not callable")
        self.inline_max_bytes = _inline_max_bytes(script, module)
        if hooks["model_fn"] is None:
            raise ModelLoadError(script, "defines no model_fn(model_dir)")
        if hooks["transform_fn"] is not None and any(
            hooks[n] is not None for n in ("input_fn", "predict_fn", "output_fn")
        ):
            raise ModelLoadError(
                script,
                "cannot use transform_fn implementation in conjunction with input_fn, "
                "predict_fn, and/or output_fn implementation",
            )
        self._transform = (
            None
            if hooks["transform_fn"] is None
            else _bind(script, "transform_fn", hooks["transform_fn"], 4)
        )
        self._input = _bind(script, "input_fn", hooks["input_fn"] or codecs.default_input_fn, 2)
        self._predict = (
            None
            if hooks["predict_fn"] is None
            else _bind(script, "predict_fn", hooks["predict_fn"], 2)
        )
        self._output = _bind(script, "output_fn", hooks["output_fn"] or codecs.default_output_fn, 2)
        self._default_output = hooks["output_fn"] is None
        model_fn = _bind(script, "model_fn", hooks["model_fn"], 1)
        self._wants_context = any(
            b is not None and b.wants_context
            for b in (self._transform, self._input, self._predict, self._output)
        )
        try:
            if model_fn.wants_context:
                self.model = model_fn.fn(str(model_dir), InvocationContext(str(model_dir)))
            else:
                self.model = model_fn.fn(str(model_dir))
        except Exception as exc:
            raise ModelLoadError(script, f"model_fn raised {type(exc).__name__}: {exc}") from exc
        if self._transform is None and self._predict is None:
            # The PyTorch toolkit's default predict_fn calls the model on the input.
            if not callable(self.model):
                raise ModelLoadError(
                    script,
                    "defines neither predict_fn nor transform_fn, and the model that "
                    "model_fn returned is not callable",
                )
            self._predict = _Bound(_call_model, False)

    def __call__(self, body: bytes, headers: Mapping[str, str]) -> HandlerResult:
        """Answer one request; `headers` has lower-case keys.

        Raises InferenceError with the status the container would answer.
        """
        content_type = headers.get("content-type") or codecs.JSON
        content_type = content_type.split(";", 1)[0].strip()
        accept = headers.get("accept") or codecs.DEFAULT_ACCEPT
        if accept == codecs.ANY:
            accept = codecs.DEFAULT_ACCEPT
        context = InvocationContext(str(self.model_dir), headers) if self._wants_context else None
        try:
            data: str | bytes = body.decode("utf-8") if content_type in codecs.UTF8_TYPES else body
            if self._transform is not None:
                result = _call(self._transform, context, self.model, data, content_type, accept)
            else:
                assert self._predict is not None
                decoded = _call(self._input, context, data, content_type)
                prediction = _call(self._predict, context, decoded, self.model)
                if isinstance(prediction, Iterator):
                    result = self._outputs(prediction, context, accept)
                else:
                    result = _call(self._output, context, prediction, accept)
            response_type = accept
            if isinstance(result, tuple) and len(result) == 2:
                result, response_type = result
            if isinstance(result, Iterator):
                return _first_part(PartStream(result), str(response_type), context)
            return HandlerResult(
                body=_as_bytes(result),
                content_type=str(response_type),
                custom_attributes=None if context is None else context.response_custom_attributes,
            )
        except InferenceError:
            raise
        except Exception as exc:
            raise InferenceError(_status_of(exc), _message_of(exc), exc) from exc

    def _outputs(
        self, predictions: Iterator[Any], context: InvocationContext | None, accept: str
    ) -> Iterator[Any]:
        """A streamed prediction: output_fn serialises each item; the toolkit's default leaves
        text and bytes as they are (JSON would quote every token)."""
        for item in predictions:
            if self._default_output and isinstance(item, bytes | str):
                yield item
            else:
                yield _call(self._output, context, item, accept)

    def close(self) -> None:
        """Forget the script's module (a multi-model endpoint unloading this model)."""
        sys.modules.pop(self.module_name, None)


def _first_part(
    rest: PartStream, response_type: str, context: InvocationContext | None
) -> HandlerResult:
    """Run a streaming hook until its first part (what InvokeEndpointWithResponseStream
    answers with before it streams the rest)."""
    first = next(rest, b"")
    return HandlerResult(
        body=first,
        content_type=rest.content_type or response_type,
        custom_attributes=None if context is None else context.response_custom_attributes,
        rest=rest if first else None,
    )


def _call(hook: _Bound, context: InvocationContext | None, *args: Any) -> Any:
    if hook.wants_context:
        return hook.fn(*args, context)
    return hook.fn(*args)


def _call_model(data: Any, model: Any) -> Any:
    return model(data)
