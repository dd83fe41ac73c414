"""Gateway responses: the errors a step may raise, and the one place that renders them.

Steps never build error responses themselves; they raise a `GatewayError` subclass and the
chain renders it with `render_error`, as API Gateway renders its gateway responses
(https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
The default body template is `{"message":$context.error.messageString}`, compact; the
answers of the execution phase, API Gateway's 5xx (500 "Internal server error", 504 "Endpoint
request timed out"), are written with a space after the colon, as AWS's recorded bytes show
(`{"message": "Internal server error"}` is 36 bytes).
"""

from __future__ import annotations

import json
from typing import ClassVar

import orjson


class GatewayError(Exception):
    """A gateway response. Subclasses fix the response type, status and error type header."""

    response_type: ClassVar[str] = "DEFAULT_5XX"
    status_code: ClassVar[int] = 500
    # The x-amzn-ErrorType header API Gateway sends with this response.
    error_type: ClassVar[str] = "InternalServerErrorException"
    default_message: ClassVar[str] = "Internal server error"
    content_type: ClassVar[bytes] = b"application/json"
    # A limit API Gateway enforces before the API: the API's gateway responses do not apply.
    front_door: ClassVar[bool] = False

    def __init__(self, message: str | None = None, *, error_type: str | None = None) -> None:
        self.message = self.default_message if message is None else message
        self.instance_error_type = error_type or self.error_type
        super().__init__(self.message)

    def body(self) -> bytes:
        """The response body: `{"message": ...}` as API Gateway writes it for this status."""
        if self.status_code >= 500:
            return json.dumps({"message": self.message}).encode()
        return orjson.dumps({"message": self.message})


class MissingAuthenticationToken(GatewayError):
    """No route for this method and path, or no credentials on an AWS_IAM method."""

    response_type = "MISSING_AUTHENTICATION_TOKEN"
    status_code = 403
    error_type = "MissingAuthenticationTokenException"
    default_message = "Missing Authentication Token"


class InvalidSignature(GatewayError):
    """A SigV4 signature that does not verify (mismatch, expiry, scope, malformed header)."""

    response_type = "INVALID_SIGNATURE"
    status_code = 403
    error_type = "InvalidSignatureException"


class UnrecognizedClient(GatewayError):
    """An access key (or session token) no identity owns."""

    response_type = "UNAUTHORIZED"
    status_code = 403
    error_type = "UnrecognizedClientException"
    default_message = "The security token included in the request is invalid."


class ExpiredToken(GatewayError):
    """An expired session token."""

    response_type = "EXPIRED_TOKEN"
    status_code = 403
    error_type = "ExpiredTokenException"
    default_message = "The security token included in the request is expired"


class AccessDenied(GatewayError):
    """An IAM policy that does not allow execute-api:Invoke on the resource."""

    response_type = "ACCESS_DENIED"
    status_code = 403
    error_type = "AccessDeniedException"

    def body(self) -> bytes:
        # For parity with API Gateway, whose policy denials capitalise the key.
        return orjson.dumps({"Message": self.message})


class InvalidApiKey(GatewayError):
    """A missing or unknown x-api-key on a method that requires one."""

    response_type = "INVALID_API_KEY"
    status_code = 403
    error_type = "ForbiddenException"
    default_message = "Forbidden"


class BadRequestParameters(GatewayError):
    """A required method request parameter is missing or blank."""

    response_type = "BAD_REQUEST_PARAMETERS"
    status_code = 400
    error_type = "BadRequestException"


class BadRequestBody(GatewayError):
    """A body the request validator refuses."""

    response_type = "BAD_REQUEST_BODY"
    status_code = 400
    error_type = "BadRequestException"


class UnsupportedMediaType(GatewayError):
    """No request template for the Content-Type, with passthrough behaviour NEVER."""

    response_type = "UNSUPPORTED_MEDIA_TYPE"
    status_code = 415
    error_type = "UnsupportedMediaTypeException"
    default_message = "Unsupported Media Type"


class FrontDoorLimit(GatewayError):
    """A request over one of API Gateway's fixed limits, refused before the API is reached.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
    AWS answers these with its own plain text as the whole body, and the API's gateway
    responses (DEFAULT_4XX, REQUEST_TOO_LARGE, their CORS headers) do not apply: recorded
    answers of deployed REST APIs show a 10 MB + 1 body's 413 as exactly
    `HTTP content length exceeded 10485760 bytes.`, without the API's CORS headers, and users
    report that a customised REQUEST_TOO_LARGE response is ignored for it.
    """

    front_door = True
    content_type = b"text/plain; charset=utf-8"

    def body(self) -> bytes:
        return self.message.encode()


class RequestTooLarge(FrontDoorLimit):
    """A payload over API Gateway's 10 MB limit (10,485,760 bytes)."""

    response_type = "REQUEST_TOO_LARGE"
    status_code = 413
    error_type = "RequestTooLargeException"
    default_message = "HTTP content length exceeded 10485760 bytes."


class RequestHeadersTooLarge(FrontDoorLimit):
    """A request line and header values over API Gateway's 10,240 bytes in total."""

    response_type = "DEFAULT_4XX"
    status_code = 431
    error_type = "RequestHeaderFieldsTooLargeException"
    default_message = "HTTP header is larger than 10240 bytes."


class Throttled(GatewayError):
    """The stage's or the usage plan's token bucket is empty."""

    response_type = "THROTTLED"
    status_code = 429
    error_type = "TooManyRequestsException"
    default_message = "Too Many Requests"


class QuotaExceeded(GatewayError):
    """The usage plan's quota for this period is spent."""

    response_type = "QUOTA_EXCEEDED"
    status_code = 429
    error_type = "LimitExceededException"
    default_message = "Limit Exceeded"


class IntegrationTimeout(GatewayError):
    """The integration did not answer within the integration timeout."""

    response_type = "INTEGRATION_TIMEOUT"
    status_code = 504
    default_message = "Endpoint request timed out"


class IntegrationFailure(GatewayError):
    """The integration could not be reached or broke the connection."""

    response_type = "INTEGRATION_FAILURE"
    status_code = 504


class ApiConfigurationError(GatewayError):
    """A mapping template that fails at render time, or another configuration fault."""

    response_type = "API_CONFIGURATION_ERROR"
    status_code = 500


def render_error(error: GatewayError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of a gateway response (the chain adds the request ids)."""
    headers = [
        (b"content-type", error.content_type),
        (b"x-amzn-errortype", error.instance_error_type.encode()),
    ]
    return error.status_code, headers, error.body()
