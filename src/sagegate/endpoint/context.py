"""The per-request context handed to hooks that take a ``context`` argument.

It copies the methods of the model-server Context the SageMaker inference toolkit passes
(multi-model-server / TorchServe ``Context``): scripts read request headers with
``context.get_request_header(0, name)`` and set response headers with
``context.set_response_header(0, name, value)``. That is how a script returns custom
attributes: ``context.set_response_header(0, "X-Amzn-SageMaker-Custom-Attributes", "...")``,
which SageMaker forwards to the caller as the response's CustomAttributes.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
(CustomAttributes) and https://github.com/aws/sagemaker-inference-toolkit (transformer.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CUSTOM_ATTRIBUTES = "x-amzn-sagemaker-custom-attributes"


class RequestProcessor:
    """One request's properties (its headers), as ``context.request_processor[0]``."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    def get_request_properties(self) -> Mapping[str, str]:
        """The request's headers, keys in lower case."""
        return self._headers

    def get_request_property(self, key: str) -> str | None:
        """One request header (case-insensitive), or None."""
        return self._headers.get(key.lower())


class InvocationContext:
    """A toolkit-compatible context for one invocation (batch of exactly one request).

    ``headers`` must have lower-case keys. At model load time the context carries no
    request (``request_processor`` is empty) and only ``system_properties``.
    """

    def __init__(self, model_dir: str, headers: Mapping[str, str] | None = None) -> None:
        self.system_properties: dict[str, Any] = {"model_dir": model_dir, "gpu_id": None}
        self.request_processor = [] if headers is None else [RequestProcessor(headers)]
        self._headers: Mapping[str, str] = headers or {}
        self._response_headers: dict[str, str] = {}
        self._response_content_type: str | None = None

    def get_request_header(self, idx: int, key: str) -> str | None:
        """Header `key` of request `idx` (always 0 here), case-insensitive."""
        return self._headers.get(key.lower())

    def get_all_request_header(self, idx: int) -> Mapping[str, str]:
        """Every header of request `idx`, keys in lower case."""
        return self._headers

    def set_response_header(self, idx: int, key: str, value: str) -> None:
        """Set a response header; only CustomAttributes reaches the caller, as on AWS."""
        self._response_headers[key.lower()] = value

    def get_response_headers(self, idx: int) -> Mapping[str, str]:
        """Response headers set so far, keys in lower case."""
        return self._response_headers

    def set_response_content_type(self, idx: int, value: str) -> None:
        """Recorded for compatibility; as in the toolkit, the hook's return value wins."""
        self._response_content_type = value

    def get_response_content_type(self, idx: int) -> str | None:
        """The content type recorded by set_response_content_type, if any."""
        return self._response_content_type

    @property
    def response_custom_attributes(self) -> str | None:
        """The CustomAttributes the script set for the response, if any."""
        return self._response_headers.get(CUSTOM_ATTRIBUTES)
