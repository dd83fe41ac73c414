"""The one response shape shared by the HTTP server and the in-process API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InvocationResponse:
    """What the SageMaker Runtime answers: status, headers (in order) and body.

    The HTTP server writes exactly this to the wire, and the gateway's in-process path
    receives exactly this, so the two can never drift apart.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called `name` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None
