"""Parameter mappings: integration request, method response and gateway response values.

https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
A mapping is 'destination': 'source'. Sources are a static `'value'`, `stageVariables.NAME`,
`context.VAR`, `method.request.{path|querystring|multivaluequerystring|header|
multivalueheader}.NAME`, `method.request.body[.JSONPath]` (request side) and
`integration.response.{header|multivalueheader}.NAME`, `integration.response.body[.JSONPath]`
(response side). Each source is parsed once at load into a getter; a static or stage-variable
source is a constant. A source that has no value in a request maps nothing, as on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import Invocation
from sagegate.gateway.facts import InvocationFacts
from sagegate.gateway.vtl import build_context_variables
from sagegate.gateway.vtl.jsonpath import JsonPathError, evaluate, parse_path

# A getter reads one value from a request (and, on the response side, the endpoint's answer).
Getter = Callable[[Invocation, InvocationResponse | None], str | None]


class MappingError(ValueError):
    """A mapping expression API Gateway would refuse at deploy time."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _json_body(body: bytes) -> Any:
    # API Gateway reads a body as JSON only when it looks like JSON; otherwise it is empty.
    stripped = body.strip()
    if not stripped or stripped[:1] not in (b"{", b"[", b'"'):
        return {}
    try:
        return json.loads(stripped)
    except ValueError:
        return {}


def _context_getter(path: str) -> Getter:
    keys = path.split(".")

    def get(ctx: Invocation, answer: InvocationResponse | None) -> str | None:
        context = ctx.template_context
        if context is None:
            context = ctx.template_context = build_context_variables(InvocationFacts(ctx))
        value: Any = context
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return None if isinstance(value, Mapping) else _text(value)

    return get


def _body_getter(expression: str, *, response: bool) -> Getter:
    path = "$" if expression == "" else "$." + expression
    try:
        parse_path(path)
    except JsonPathError as exc:
        raise MappingError(f"{expression!r} is not a JSONPath expression: {exc}") from None

    def get(ctx: Invocation, answer: InvocationResponse | None) -> str | None:
        body = answer.body if response and answer is not None else ctx.request.body
        if expression == "":
            return body.decode("utf-8", "replace")
        return _text(evaluate(_json_body(body), path))

    return get


def _request_getter(location: str, name: str) -> Getter:
    lowered = name.lower()
    if location == "path":
        return lambda ctx, _: ctx.path_params.get(name)
    if location == "querystring":

        def query(ctx: Invocation, _: InvocationResponse | None) -> str | None:
            values = ctx.request.query.get(name)
            return values[-1] if values else None

        return query
    if location == "multivaluequerystring":

        def multi_query(ctx: Invocation, _: InvocationResponse | None) -> str | None:
            values = ctx.request.query.get(name)
            return ",".join(values) if values else None

        return multi_query
    if location == "header":

        def header(ctx: Invocation, _: InvocationResponse | None) -> str | None:
            last = None
            for key, value in ctx.request.headers:
                if key.lower() == lowered:
                    last = value
            return last

        return header
    if location == "multivalueheader":
        return lambda ctx, _: ctx.request.header(name)
    raise MappingError(f"method.request.{location} is not a request parameter location")


def _response_header_getter(name: str, *, multi: bool) -> Getter:
    lowered = name.lower()

    def get(ctx: Invocation, answer: InvocationResponse | None) -> str | None:
        if answer is None:
            return None
        values = [v for k, v in answer.headers if k.lower() == lowered]
        if not values:
            return None
        return ",".join(values) if multi else values[-1]

    return get


def getter(source: str, stage_variables: Mapping[str, str], *, side: str) -> Getter:
    """The getter of a mapping source; `side` is 'request', 'response' or 'gateway'.

    Raises MappingError for a source API Gateway would not accept on that side.
    """
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        constant: str | None = source[1:-1]
        return lambda ctx, answer: constant
    if source.startswith("stageVariables."):
        staged = stage_variables.get(source.removeprefix("stageVariables."))
        return lambda ctx, answer: staged
    if source.startswith("context."):
        return _context_getter(source.removeprefix("context."))
    if source.startswith("method.request.") and side in ("request", "gateway"):
        rest = source.removeprefix("method.request.")
        if rest == "body" or rest.startswith("body."):
            if side == "gateway":
                raise MappingError(f"{source!r}: a gateway response cannot map the body")
            return _body_getter(rest.removeprefix("body").removeprefix("."), response=False)
        location, _, name = rest.partition(".")
        if not name:
            raise MappingError(f"{source!r} names no parameter")
        return _request_getter(location, name)
    if source.startswith("integration.response.") and side == "response":
        rest = source.removeprefix("integration.response.")
        if rest == "body" or rest.startswith("body."):
            return _body_getter(rest.removeprefix("body").removeprefix("."), response=True)
        location, _, name = rest.partition(".")
        if location in ("header", "multivalueheader") and name:
            return _response_header_getter(name, multi=location == "multivalueheader")
    raise MappingError(f"{source!r} is not a mapping source API Gateway accepts here")


def constant(source: str, stage_variables: Mapping[str, str]) -> tuple[bool, str | None]:
    """(True, value) for a source fixed at load (a static value or a stage variable; None
    for an unset variable), else (False, None)."""
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return True, source[1:-1]
    if source.startswith("stageVariables."):
        return True, stage_variables.get(source.removeprefix("stageVariables."))
    return False, None


class Mappings:
    """The compiled mappings of one destination prefix, e.g. 'integration.request.header.'.

    `constant` holds the values known at load (in declared order); `evaluate` adds the ones
    read from the request.
    """

    def __init__(
        self,
        mappings: Mapping[str, str],
        prefix: str,
        stage_variables: Mapping[str, str],
        *,
        side: str,
    ) -> None:
        self.constant: dict[str, str] = {}
        self._dynamic: list[tuple[str, Getter]] = []
        for destination, source in mappings.items():
            if not destination.startswith(prefix):
                continue
            name = destination.removeprefix(prefix)
            if not name:
                raise MappingError(f"{destination!r} names no parameter")
            get = getter(source, stage_variables, side=side)
            fixed, value = constant(source, stage_variables)
            if not fixed:
                self._dynamic.append((name, get))
            elif value is not None:
                self.constant[name] = value

    def __bool__(self) -> bool:
        return bool(self.constant or self._dynamic)

    @property
    def dynamic(self) -> bool:
        """True when some value is read from the request (the others are `constant`)."""
        return bool(self._dynamic)

    def evaluate(self, ctx: Invocation, answer: InvocationResponse | None = None) -> dict[str, str]:
        """Every mapped value of this request (a new dict)."""
        values = dict(self.constant)
        for name, get in self._dynamic:
            value = get(ctx, answer)
            if value:
                values[name] = value
        return values
