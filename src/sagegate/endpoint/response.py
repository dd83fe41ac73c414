"""The one response shape shared by the HTTP server and the in-process API."""

from __future__ import annotations

from dataclasses import dataclass


# Its own __init__ (init=False): mypyc compiles it, the generated one would run interpreted.
@dataclass(frozen=True, slots=True, init=False)
class InvocationResponse:
    """What the SageMaker Runtime answers: status, headers (in order) and body.

    The HTTP server writes exactly this to the wire, and the gateway's in-process path
    receives exactly this, so the two can never drift apart.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        # Frozen: set as the generated __init__ does.
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "body", body)

    def header(self, name: str) -> str | None:
        """The first header called `name` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None
