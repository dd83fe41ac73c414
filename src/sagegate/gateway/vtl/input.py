"""`$input`: the payload and the method request's parameters.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#input-variable-reference
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from sagegate.gateway.vtl import jsonpath
from sagegate.gateway.vtl.facts import RequestFacts
from sagegate.gateway.vtl.values import VtlObject, from_json, to_json

# Headers API Gateway never shows to a template (recorded against AWS: `$input.params`
# gives '' for them even when the client sent them).
HIDDEN_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "transfer-encoding",
        "trailer",
        "upgrade",
        "www-authenticate",
    }
)

_UNPARSED = object()


class InputVariable(VtlObject):
    """`$input` for one render; the body is parsed as JSON only when a template asks."""

    __slots__ = ("_body", "_facts", "_parsed")
    vtl_members: ClassVar[frozenset[str]] = frozenset({"body", "json", "path", "params"})

    def __init__(self, facts: RequestFacts, body: str) -> None:
        self._facts = facts
        # For parity with API Gateway, an empty payload reads as '{}' (recorded: an SQS
        # message body of '{}' for a request without a body).
        self._body = body or "{}"
        self._parsed: Any = _UNPARSED

    @property
    def body(self) -> str:
        """`$input.body`: the raw payload as a string."""
        return self._body

    def _document(self) -> Any:
        if self._parsed is _UNPARSED:
            try:
                self._parsed = from_json(self._body)
            except json.JSONDecodeError as exc:
                raise ValueError(f"$input payload is not valid JSON: {exc}") from exc
        return self._parsed

    def path(self, expression: str) -> Any:
        """`$input.path(x)`: the JSONPath result as an object (maps, lists, scalars)."""
        return jsonpath.evaluate(self._document(), expression)

    def json(self, expression: str) -> str:
        """`$input.json(x)`: the JSONPath result serialised as a JSON string."""
        return to_json(self.path(expression))

    def params(self, name: str | None = None) -> Any:
        """`$input.params()` (all, as path/querystring/header maps) or `$input.params(x)`.

        One name is looked up in the path parameters, then the query string, then the
        headers (case-insensitively); a name found nowhere gives ''.
        """
        facts = self._facts
        if name is None:
            return {
                "path": dict(facts.path_params),
                "querystring": {k: v[-1] for k, v in facts.query.items() if v},
                "header": {
                    k: v for k, v in facts.headers.items() if k.lower() not in HIDDEN_HEADERS
                },
            }
        name = str(name)
        if name in facts.path_params:
            return facts.path_params[name]
        values = facts.query.get(name)
        if values:
            # A repeated query parameter reads as its last value, as in API Gateway's
            # single-valued queryStringParameters.
            return values[-1]
        wanted = name.lower()
        if wanted in HIDDEN_HEADERS:
            return ""
        for header, value in facts.headers.items():
            if header.lower() == wanted:
                return value
        return ""
