"""The local SageMaker Runtime: host SageMaker model directories and answer InvokeEndpoint
and InvokeEndpointWithResponseStream.

In process: ``EndpointHost(...)``, ``await host.invoke(name, body, headers)`` and
``await host.invoke_stream(name, body, headers)``;
over HTTP: ``create_app(host, verifier=...)`` under any ASGI server, or
``sagegate endpoint serve``.
"""

from sagegate.endpoint.handler import InferenceError, InferenceHandler, ModelLoadError
from sagegate.endpoint.host import (
    MAX_BODY_BYTES,
    PRODUCTION_VARIANT,
    EndpointHost,
    check_endpoint_name,
)
from sagegate.endpoint.loading import LoadState
from sagegate.endpoint.multimodel import MultiModel
from sagegate.endpoint.response import InvocationResponse
from sagegate.endpoint.streaming import InvocationStream

__all__ = [
    "MAX_BODY_BYTES",
    "PRODUCTION_VARIANT",
    "EndpointHost",
    "InferenceError",
    "InferenceHandler",
    "InvocationResponse",
    "InvocationStream",
    "LoadState",
    "ModelLoadError",
    "MultiModel",
    "check_endpoint_name",
]
