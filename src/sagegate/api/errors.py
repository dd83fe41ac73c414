"""The one error every front door raises for a definition it cannot serve."""

from __future__ import annotations

from sagegate.spec import SpecError


class ApiError(SpecError):
    """A template, OpenAPI document or API that cannot be served; the message names the
    place (resource and property, or JSON path) and the reason, on one line."""
