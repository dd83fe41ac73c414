"""The API model and its front doors: our spec, CloudFormation, OpenAPI."""

from sagegate.api.errors import ApiError
from sagegate.api.model import RestApi

__all__ = ["ApiError", "RestApi"]
