"""SageMaker Runtime error responses, shaped the way botocore parses them.

botocore's rest-json parser takes the error code from the ``x-amzn-ErrorType`` header and
the message from the JSON body's ``message`` (or ``Message``) key; modelled members such
as ModelError's ``OriginalStatusCode`` are read from the body by their member names.
See https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
(section "Errors") and https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from sagegate.endpoint.response import InvocationResponse

#: InvokeEndpoint's EndpointName constraint (botocore service model, shape EndpointName).
ENDPOINT_NAME_MAX = 63


class RuntimeServiceError(Exception):
    """An error the SageMaker Runtime answers with instead of the model's output.

    ``code`` goes to ``x-amzn-ErrorType`` (botocore's ``Error.Code``), ``status`` is the HTTP
    status, ``fields`` are extra modelled members written into the JSON body.
    """

    def __init__(
        self, code: str, status: int, message: str, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.fields = fields
        # For a ModelError: how long the model's hooks ran (its ModelLatency).
        self.model_seconds = 0.0

    @property
    def metric_status(self) -> int:
        """The status CloudWatch counts the invocation under: for a ModelError the model's own
        (Invocation4XXErrors are "requests where the model returned a 4xx"), 5xx when the
        model gave none (a timeout); else the answer's."""
        if self.fields is None or "OriginalStatusCode" not in self.fields:
            return self.status
        original = int(self.fields["OriginalStatusCode"])
        return original if 400 <= original < 600 else 500

    def to_response(self, request_id: str) -> InvocationResponse:
        """Render as AWS does: JSON body, ``x-amzn-ErrorType`` and ``x-amzn-RequestId``."""
        if self.fields is None:
            document: dict[str, Any] = {"message": self.message}
        else:
            # ModelError is a modelled shape whose member is spelled "Message"; the runtime
            # writes the members in alphabetical order.
            document = dict(sorted({"Message": self.message, **self.fields}.items()))
        return InvocationResponse(
            status=self.status,
            headers=[
                ("Content-Type", "application/json"),
                ("x-amzn-RequestId", request_id),
                ("x-amzn-ErrorType", self.code),
            ],
            body=orjson.dumps(document),
        )


def validation_error(message: str) -> RuntimeServiceError:
    """ValidationError, 400: the request itself is wrong."""
    return RuntimeServiceError("ValidationError", 400, message)


def endpoint_name_errors(name: str, pattern_ok: bool) -> RuntimeServiceError | None:
    """AWS's constraint-violation text for an EndpointName, or None when it is valid.

    AWS lists every violated constraint: "1 validation error detected: Value 'x' at
    'endpointName' failed to satisfy constraint: Member must ...", joined with "; ".
    """
    problems = []
    if not pattern_ok:
        problems.append(
            f"Value '{name}' at 'endpointName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*"
        )
    if len(name) > ENDPOINT_NAME_MAX:
        problems.append(
            f"Value '{name}' at 'endpointName' failed to satisfy constraint: Member must "
            f"have length less than or equal to {ENDPOINT_NAME_MAX}"
        )
    if not problems:
        return None
    return constraint_errors(problems)


def constraint_errors(problems: list[str]) -> RuntimeServiceError:
    """Join constraint violations the way AWS's request validator words them."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return validation_error(f"{count} validation {noun} detected: " + "; ".join(problems))


def endpoint_not_found(name: str, account_id: str) -> RuntimeServiceError:
    """An endpoint name that is not hosted: AWS's exact wording."""
    return validation_error(f"Endpoint {name} of account {account_id} not found.")


def oversize_body(request_id: str) -> RuntimeServiceError:
    """A body over the 6 MiB InvokeEndpoint limit.

    AWS's recorded answer for this is ``ValidationError: Request {request-id} has oversize
    body.`` (https://github.com/aws/sagemaker-python-sdk/issues/4271).
    """
    return validation_error(f"Request {request_id} has oversize body.")


def model_not_ready(name: str) -> RuntimeServiceError:
    """ModelNotReadyException, 429: the model is still loading; retry later.

    A multi-model endpoint answers this too when a target model takes longer than the
    invocation timeout to load (it goes on loading):
    https://docs.aws.amazon.com/sagemaker/latest/dg/invoke-multi-model-endpoint.html
    """
    return RuntimeServiceError(
        "ModelNotReadyException",
        429,
        f"Model for endpoint {name} is not ready yet: it is still loading. "
        "Wait and try your request again.",
    )


def target_model_not_supported(name: str) -> RuntimeServiceError:
    """TargetModel sent to a single-model endpoint: AWS's recorded answer (its JSON body
    also carries ``ErrorCode: TARGET_MODEL_HEADER_NOT_SUPPORTED``;
    https://github.com/aws/amazon-sagemaker-examples/issues/1216 and issues/1026)."""
    return validation_error(
        f"Endpoint {name} is not a multi-model endpoint and does not support target model header."
    )


def target_model_missing(request_id: str) -> RuntimeServiceError:
    """A multi-model endpoint invoked without TargetModel. AWS's recorded answer begins
    "Request <request id> is missing a target model hea" (cut there in the only public record,
    https://github.com/aws/sagemaker-tensorflow-serving-container/issues/166); "header." is
    our completion."""
    return validation_error(f"Request {request_id} is missing a target model header.")


def target_model_unknown(target_model: str, location: str) -> RuntimeServiceError:
    """A TargetModel with no model behind it. On AWS, SageMaker fails to download
    ``<prefix>/<TargetModel>`` from S3; its wording for a missing model artifact (recorded for
    CreateEndpoint: "Failed to download model data for container ... from URL ... Please
    ensure that there is an object located at the URL ...") is kept, with the local
    directory in place of the S3 URL. No public record of the exact InvokeEndpoint text was
    found; the error type is ValidationError, the caller's mistake."""
    return validation_error(
        f'Failed to download model data for target model "{target_model}" from URL: '
        f'"{location}". Please ensure that there is an object located at the URL.'
    )


def endpoint_failed(name: str, cause: str) -> RuntimeServiceError:
    """ServiceUnavailable, 503: the endpoint's model failed to load and cannot serve."""
    return RuntimeServiceError(
        "ServiceUnavailable",
        503,
        f"Endpoint {name} cannot serve: its model failed to load: {cause}",
    )


def internal_failure() -> RuntimeServiceError:
    """InternalFailure, 500: a fault in the runtime itself (never in the user's script)."""
    return RuntimeServiceError("InternalFailure", 500, "An internal failure occurred.")


@dataclass(frozen=True, slots=True)
class ModelStreamError:
    """How InvokeEndpointWithResponseStream ends a stream that had started: AWS's
    ``ModelStreamError`` event, with its two members. AWS documents two codes:
    ``ModelInvocationTimeExceeded`` (the model did not finish in time) and ``StreamBroken``
    (the connection to the model was reset or closed, which is also what a container that
    fails mid-answer does to its chunked response).
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_ResponseStream.html
    """

    error_code: str
    message: str


#: AWS's message for a stream the model did not finish in time, as recorded on re:Post
#: (https://repost.aws/questions/QUAnNu2T7pR8qVJpBVtwNSUw/invoke-streaming-timeout-error).
STREAM_TIMEOUT = ModelStreamError(
    "ModelInvocationTimeExceeded",
    "Your model primary did not complete sending the inference response in the allotted time.",
)

#: The message SageMaker writes when the container does not answer in time.
TIMEOUT_MESSAGE = (
    "Your invocation timed out while waiting for a response from container primary. "
    "Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, "
    "and try again."
)


class ModelErrorFactory:
    """Builds ModelError (424) responses for one endpoint, with its log group and account.

    AWS wraps whatever the container answered: ``Received client error (400) from primary
    with message "...". See https://REGION.console.aws.amazon.com/cloudwatch/home?...
    in account ACCOUNT for more information.`` (server error for 5xx, and status 0 with
    TIMEOUT_MESSAGE when the container did not answer in time).
    """

    def __init__(self, endpoint_name: str, region: str, account_id: str) -> None:
        group = f"/aws/sagemaker/Endpoints/{endpoint_name}"
        self.log_stream_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{group}"
        self._see = (
            f"See https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#logEventViewer:group={group} in account {account_id} for more information."
        )

    def error(self, original_status: int, original_message: str) -> RuntimeServiceError:
        """The ModelError for a container answer of `original_status` with that message."""
        kind = "client" if 400 <= original_status < 500 else "server"
        message = (
            f"Received {kind} error ({original_status}) from primary with message "
            f'"{original_message}". {self._see}'
        )
        return RuntimeServiceError(
            "ModelError",
            424,
            message,
            {
                # As the runtime's JSON body carries it (seen in API Gateway passthroughs).
                "ErrorCode": "CLIENT_ERROR_FROM_MODEL"
                if kind == "client"
                else "INTERNAL_FAILURE_FROM_MODEL",
                "OriginalStatusCode": original_status,
                "OriginalMessage": original_message,
                "LogStreamArn": self.log_stream_arn,
            },
        )

    def timeout(self) -> RuntimeServiceError:
        """The ModelError AWS gives when the container has not answered in time."""
        return self.error(0, TIMEOUT_MESSAGE)

    def stream_broken(self, original_message: str) -> ModelStreamError:
        """The model failed after its stream had started (the wording is ours: AWS's for
        this case is not on record)."""
        return ModelStreamError(
            "StreamBroken",
            f'Model primary stopped streaming the response with message "{original_message}". '
            + self._see,
        )
