"""The access-log formats the CDK names, as API Gateway stores them on a stage.

https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_apigateway.AccessLogFormat.html
"""

from __future__ import annotations

JSON_WITH_STANDARD_FIELDS = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"user":"$context.identity.user","caller":"$context.identity.caller",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength"}'
)
CLF = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
    "$context.status $context.responseLength $context.requestId"
)


def access_log_format(value: str) -> str:
    """A spec's `access_log_format` (json, clf or custom) as the stage's format string."""
    return {"json": JSON_WITH_STANDARD_FIELDS, "clf": CLF}.get(value, value)
