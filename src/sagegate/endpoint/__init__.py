"""The local SageMaker Runtime: host SageMaker model directories and answer InvokeEndpoint.

In process: ``EndpointHost(...)`` and ``await host.invoke(name, body, headers)``;
over HTTP: ``create_app(host, verifier=...)`` under any ASGI server, or
``sagegate endpoint serve``.
"""

from sagegate.endpoint.handler import InferenceError, InferenceHandler, ModelLoadError
from sagegate.endpoint.host import (
    MAX_BODY_BYTES,
    PRODUCTION_VARIANT,
    EndpointHost,
    LoadState,
    check_endpoint_name,
)
from sagegate.endpoint.response import InvocationResponse

__all__ = [
    "MAX_BODY_BYTES",
    "PRODUCTION_VARIANT",
    "EndpointHost",
    "InferenceError",
    "InferenceHandler",
    "InvocationResponse",
    "LoadState",
    "ModelLoadError",
    "check_endpoint_name",
]
