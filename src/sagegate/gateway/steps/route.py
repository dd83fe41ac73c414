"""Route: match the stage and resource path; anything else is Missing Authentication Token.

For parity with API Gateway, an unknown path or method answers 403 Missing Authentication
Token rather than 404, so that probing does not reveal which resources exist
(https://repost.aws/knowledge-center/api-gateway-authentication-token-errors).
"""

from __future__ import annotations

from urllib.parse import unquote

from sagegate.gateway.context import Invocation
from sagegate.gateway.responses import MissingAuthenticationToken


class Route:
    """Matches `/{stage}/{resource parts...}` for the one method the construct creates."""

    def __init__(self, *, stage: str, path_parts: list[str], http_method: str = "GET") -> None:
        self.stage = stage
        self.http_method = http_method
        self.resource_path = "/" + "/".join(path_parts)
        # Each part is a literal, a {param} or a greedy {proxy+} (last only, checked by Spec).
        self._parts: list[tuple[str, str | None, bool]] = []
        for part in path_parts:
            if part.startswith("{"):
                name = part[1:-1]
                greedy = name.endswith("+")
                self._parts.append(("", name.rstrip("+"), greedy))
            else:
                self._parts.append((part, None, False))

    def match(self, http_method: str, raw_path: str) -> dict[str, str] | None:
        """The path parameters when the method and path match this route, else None."""
        if http_method != self.http_method:
            return None
        segments = raw_path.split("/")
        # segments[0] is '' (the leading slash); segments[1] is the stage.
        if len(segments) < 2 or segments[0] != "" or segments[1] != self.stage:
            return None
        rest = segments[2:]
        if rest and rest[-1] == "" and len(rest) > len(self._parts):
            rest = rest[:-1]  # API Gateway ignores one trailing slash
        params: dict[str, str] = {}
        for index, (literal, name, greedy) in enumerate(self._parts):
            if index >= len(rest):
                return None
            if greedy:
                value = "/".join(rest[index:])
                if not value:
                    return None
                params[name or ""] = unquote(value) if "%" in value else value
                return params
            segment = rest[index]
            # unquote only a segment with an escape: most hold none (a call less each).
            if "%" in segment:
                segment = unquote(segment)
            if name is None:
                if segment != literal:
                    return None
            else:
                if not segment:
                    return None
                params[name] = segment
        if len(rest) != len(self._parts):
            return None
        return params

    def __call__(self, ctx: Invocation) -> None:
        params = self.match(ctx.request.http_method, ctx.request.raw_path)
        if params is None:
            raise MissingAuthenticationToken()
        ctx.stage = self.stage
        ctx.resource_path = self.resource_path
        ctx.path_params = params
