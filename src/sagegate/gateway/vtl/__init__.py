"""The mapping-template engine: API Gateway's VTL ($input, $util, $context) on airspeed.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from sagegate.gateway.vtl.context_vars import build_context_variables, format_request_time
from sagegate.gateway.vtl.facts import IdentityFacts, RequestFacts
from sagegate.gateway.vtl.semantics import FOREACH_MAX_ITERATIONS
from sagegate.gateway.vtl.template import (
    MappingTemplate,
    RenderResult,
    RequestOverride,
    ResponseOverride,
    TemplateError,
)
from sagegate.gateway.vtl.values import ContextMap

__all__ = [
    "FOREACH_MAX_ITERATIONS",
    "ContextMap",
    "IdentityFacts",
    "MappingTemplate",
    "RenderResult",
    "RequestFacts",
    "RequestOverride",
    "ResponseOverride",
    "TemplateError",
    "build_context_variables",
    "format_request_time",
]
