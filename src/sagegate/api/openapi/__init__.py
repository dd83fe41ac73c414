"""OpenAPI 3.0 / Swagger 2.0 with API Gateway's extensions: read, and export."""

from sagegate.api.openapi.reader import api_from_openapi
from sagegate.api.openapi.writer import api_to_openapi

__all__ = ["api_from_openapi", "api_to_openapi"]
