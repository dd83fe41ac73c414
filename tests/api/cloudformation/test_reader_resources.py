"""The CloudFormation reader, resource by resource: what each property becomes in the model.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ApiGateway.html
Each test reads a small template (a mapping, as `cdk synth` writes it) and checks the model.
"""

from __future__ import annotations

from typing import Any

import pytest

from sagegate.api.cloudformation.reader import api_from_template
from sagegate.api.errors import ApiError
from sagegate.api.ids import physical_id
from sagegate.api.model import RestApi, ThrottleSettings
from sagegate.api.options import LoadOptions

API_ID = physical_id("Api")
ROOT = {"Fn::GetAtt": ["Api", "RootResourceId"]}


def api_resource(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::ApiGateway::RestApi", "Properties": properties}


def resource(parent: Any, part: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": parent, "PathPart": part},
    }


def method(resource_id: Any = ROOT, **properties: Any) -> dict[str, Any]:
    props = {"RestApiId": {"Ref": "Api"}, "ResourceId": resource_id, "HttpMethod": "GET"}
    props.setdefault("Integration", {"Type": "MOCK"})
    return {"Type": "AWS::ApiGateway::Method", "Properties": props | properties}


def read(resources: dict[str, Any], **options: Any) -> RestApi:
    template = {"Resources": {"Api": api_resource()} | resources}
    return api_from_template(template, LoadOptions(**options), source="t.json")


def refusal(resources: dict[str, Any], **options: Any) -> str:
    with pytest.raises(ApiError) as refused:
        read(resources, **options)
    return str(refused.value)


def test_the_api_and_its_defaults() -> None:
    api = read({})
    assert (api.name, api.id, api.api_key_source, api.endpoint_type) == (
        "Api",
        API_ID,
        "HEADER",
        "EDGE",
    )
    assert (api.binary_media_types, api.policy, api.description) == ((), None, None)
    assert [r.path for r in api.resources] == ["/"]
    assert api.stage.name == "prod"


def test_the_apis_own_properties() -> None:
    template = {
        "Resources": {
            "Api": api_resource(
                Name="ratings",
                Description="d",
                ApiKeySourceType="AUTHORIZER",
                BinaryMediaTypes=["image/png"],
                EndpointConfiguration={"Types": ["REGIONAL"]},
                Policy='{"Version": "2012-10-17", "Statement": []}',
            )
        }
    }
    api = api_from_template(template, LoadOptions(), source="t")
    assert (api.name, api.description, api.api_key_source) == ("ratings", "d", "AUTHORIZER")
    assert (api.binary_media_types, api.endpoint_type) == (("image/png",), "REGIONAL")
    assert api.policy == {"Version": "2012-10-17", "Statement": []}


def test_resources_nest_by_parent_and_methods_land_on_them() -> None:
    api = read(
        {
            "Items": resource(ROOT, "items"),
            "Item": resource({"Ref": "Items"}, "{id}"),
            "GetItem": method({"Ref": "Item"}, HttpMethod="get"),
            "PostRoot": method(ROOT, HttpMethod="POST"),
            "Elsewhere": method(ROOT) | {"Properties": {"RestApiId": "other", "HttpMethod": "PUT"}},
        }
    )
    assert [(r.path, sorted(r.methods)) for r in api.resources] == [
        ("/", ["POST"]),
        ("/items", []),
        ("/items/{id}", ["GET"]),
    ]


def test_the_methods_of_another_api_are_skipped_wherever_they_are() -> None:
    # Two APIs in one template (served with --api): the other's methods come first here.
    template = {
        "Resources": {
            "Other": api_resource(),
            "OtherGet": method({"Fn::GetAtt": ["Other", "RootResourceId"]})
            | {"Properties": {"RestApiId": {"Ref": "Other"}, "HttpMethod": "PUT"}},
            "Api": api_resource(),
            "Get": method(),
        }
    }
    api = api_from_template(template, LoadOptions(api="Api"), source="t")
    assert [(r.path, sorted(r.methods)) for r in api.resources] == [("/", ["GET"])]


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            {"Orphan": resource("nope", "x")},
            "t.json: resource Orphan property ParentId: not a resource of the API",
        ),
        (
            {"Loop1": resource({"Ref": "Loop2"}, "a"), "Loop2": resource({"Ref": "Loop1"}, "b")},
            "t.json: resource Loop2 property ParentId: not a resource of the API",
        ),
        ({"Bad": resource(ROOT, "")}, "t.json: resource Bad property PathPart: missing"),
        (
            {"M": method("nope")},
            "t.json: resource M (AWS::ApiGateway::Method) property ResourceId: "
            "not a resource of the API",
        ),
        ({"M": method(HttpMethod="")}, "t.json: resource M property HttpMethod: missing"),
        (
            {"M": method(RequestValidatorId="nope")},
            "t.json: resource M property RequestValidatorId: not a request validator of the API",
        ),
        (
            {"M": method(Integration={"Type": "SOAP"})},
            "t.json: resource M property Integration.Type: 'SOAP' is not an integration type "
            "(AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK)",
        ),
        (
            {"M": method(Integration={})},
            "t.json: resource M property Integration.Type: 'missing' is not an integration type "
            "(AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK)",
        ),
        (
            {"M": method(Integration={"Type": "MOCK", "PassthroughBehavior": "SOMETIMES"})},
            "t.json: resource M property Integration.PassthroughBehavior: 'SOMETIMES' is not "
            "one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER",
        ),
        (
            {"M": method(Integration={"Type": "MOCK", "ContentHandling": "ZIP"})},
            "t.json: resource M property Integration.ContentHandling: 'ZIP' is not one of "
            "CONVERT_TO_TEXT, CONVERT_TO_BINARY",
        ),
        (
            {
                "M": method(
                    Integration={
                        "Type": "MOCK",
                        "IntegrationResponses": [
                            {"StatusCode": 200},
                            {"StatusCode": 400, "ContentHandling": "ZIP"},
                        ],
                    }
                )
            },
            "t.json: resource M property Integration.IntegrationResponses[1].ContentHandling: "
            "'ZIP' is not one of CONVERT_TO_TEXT, CONVERT_TO_BINARY",
        ),
        (
            {"M": method(OperationName={"Fn::ImportValue": "x"})},
            "t.json: resource M (AWS::ApiGateway::Method) property OperationName: cannot be "
            'resolved locally: Fn::ImportValue "x" is another stack\'s export',
        ),
        (
            {"M": method(OperationName={"Fn::Select": [0]})},
            "t.json: resource M property OperationName: malformed intrinsic function: "
            "not enough values to unpack (expected 2, got 1)",
        ),
        ({"Bad": "AWS::ApiGateway::Method"}, "t.json: resource Bad: must be a mapping"),
        ({"Bad": {"Properties": {}}}, "t.json: resource Bad Type: missing, or not a string"),
        (
            {
                "Stage": {
                    "Type": "AWS::ApiGateway::Stage",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "live"},
                },
                "Plan": {
                    "Type": "AWS::ApiGateway::UsagePlan",
                    "Properties": {
                        "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "live"}],
                        "Throttle": {"RateLimit": [5]},
                    },
                },
            },
            "a usage plan's Throttle.RateLimit: [5] is not a number",
        ),
        (
            {
                "Stage": {
                    "Type": "AWS::ApiGateway::Stage",
                    "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "live"},
                },
                "Plan": {
                    "Type": "AWS::ApiGateway::UsagePlan",
                    "Properties": {
                        "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "live"}],
                        "Throttle": {"BurstLimit": "many"},
                    },
                },
            },
            "a usage plan's Throttle.BurstLimit: 'many' is not a number",
        ),
        (
            {"M": method(Integration={"Type": "MOCK", "TimeoutInMillis": [5000]})},
            "t.json: resource M property Integration.TimeoutInMillis: [5000] is not a number "
            "of milliseconds (>= 50)",
        ),
        (
            {"M": method(Integration={"Type": "MOCK", "TimeoutInMillis": "soon"})},
            "t.json: resource M property Integration.TimeoutInMillis: 'soon' is not a number "
            "of milliseconds (>= 50)",
        ),
    ],
)
def test_what_the_reader_refuses_names_the_resource_and_property(
    resources: dict[str, Any], message: str
) -> None:
    assert refusal(resources).endswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("FALSE", False), (" True ", True)],
)
def test_booleans_as_cloudformation_takes_them(value: Any, expected: bool) -> None:
    parameters = {"method.request.querystring.q": value}
    found = read({"M": method(RequestParameters=parameters)}).resources[0].methods["GET"]
    assert found.request_parameters == {"method.request.querystring.q": expected}


@pytest.mark.parametrize("value", ["yes", "no", "1", 1, "truthy"])
def test_anything_else_is_not_a_boolean(value: Any) -> None:
    parameters = {"method.request.querystring.q": value}
    assert refusal({"M": method(RequestParameters=parameters)}).endswith(
        f"{value!r} is not a Boolean (true or false)"
    )


def sam_api(**properties: Any) -> dict[str, Any]:
    body = {"openapi": "3.0.1", "info": {"title": "b"}, "paths": {"/x": {"get": {}}}}
    return {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": body} | properties}


def test_sam_globals_merge_as_sam_documents() -> None:
    # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
    # Lists are concatenated (the global items first), maps merged (the resource's keys
    # win), and a resource's own value of another kind replaces the global one.
    template = {
        "Conditions": {"Yes": {"Fn::Equals": ["a", "a"]}},
        "Globals": {
            "Api": {
                "BinaryMediaTypes": ["image~1png"],
                "Variables": {"a": "global", "b": "global"},
                "TracingEnabled": True,
            }
        },
        "Resources": {
            "Listed": sam_api(BinaryMediaTypes=["image~1gif"], Variables={"b": "own"}),
            "Chosen": sam_api(
                BinaryMediaTypes={"Fn::If": ["Yes", ["audio~1ogg"], ["audio~1wav"]]},
                TracingEnabled=False,
            ),
        },
    }
    listed = api_from_template(template, LoadOptions(api="Listed"), source="t")
    assert listed.binary_media_types == ("image/png", "image/gif")
    assert dict(listed.stage.variables) == {"a": "global", "b": "own"}
    assert listed.stage.tracing_enabled is True
    chosen = api_from_template(template, LoadOptions(api="Chosen"), source="t")
    assert chosen.binary_media_types == ("audio/ogg",)
    assert chosen.stage.tracing_enabled is False


def test_a_method_and_its_integration() -> None:
    api = read(
        {
            "Validator": {
                "Type": "AWS::ApiGateway::RequestValidator",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ValidateRequestBody": True},
            },
            "M": method(
                HttpMethod="post",
                AuthorizationType="aws_iam",
                ApiKeyRequired=True,
                RequestParameters={
                    "method.request.querystring.q": "true",
                    "method.request.header.x": False,
                },
                RequestValidatorId={"Ref": "Validator"},
                RequestModels={"application/json": "Item"},
                MethodResponses=[{"StatusCode": 200, "ResponseModels": {"a/b": "Empty"}}],
                OperationName="make",
                Integration={
                    "Type": "http",
                    "IntegrationHttpMethod": "PUT",
                    "Uri": "https://h/{id}",
                    "PassthroughBehavior": "never",
                    "TimeoutInMillis": "5000",
                    "ContentHandling": "CONVERT_TO_TEXT",
                    "RequestTemplates": {"application/json": "{}"},
                    "RequestParameters": {"integration.request.path.id": "'7'"},
                    "IntegrationResponses": [
                        {"StatusCode": 200, "SelectionPattern": ""},
                        {
                            "StatusCode": "500",
                            "SelectionPattern": "5\\d{2}",
                            "ContentHandling": "CONVERT_TO_BINARY",
                            "ResponseTemplates": {"application/json": "x"},
                            "ResponseParameters": {"method.response.header.a": "'b'"},
                        },
                    ],
                },
            ),
        }
    )
    (root,) = api.resources
    m = root.methods["POST"]
    assert (m.authorization_type, m.api_key_required, m.operation_name) == (
        "AWS_IAM",
        True,
        "make",
    )
    assert dict(m.request_parameters) == {
        "method.request.querystring.q": True,
        "method.request.header.x": False,
    }
    assert m.request_validator is not None
    assert (m.request_validator.name, m.request_validator.validate_request_body) == (
        "Validator",
        True,
    )
    assert m.request_validator.validate_request_parameters is False
    assert dict(m.request_models) == {"application/json": "Item"}
    assert [(r.status_code, dict(r.response_models)) for r in m.method_responses] == [
        ("200", {"a/b": "Empty"})
    ]
    i = m.integration
    assert i is not None
    assert (i.type, i.http_method, i.uri, i.passthrough_behavior) == (
        "HTTP",
        "PUT",
        "https://h/{id}",
        "NEVER",
    )
    assert (i.timeout_ms, i.content_handling) == (5000, "CONVERT_TO_TEXT")
    assert dict(i.request_templates) == {"application/json": "{}"}
    assert dict(i.request_parameters) == {"integration.request.path.id": "'7'"}
    ok, error = i.responses
    assert (ok.status_code, ok.selection_pattern, ok.content_handling) == ("200", None, None)
    assert (error.status_code, error.selection_pattern) == ("500", "5\\d{2}")
    assert error.content_handling == "CONVERT_TO_BINARY"
    assert dict(error.response_templates) == {"application/json": "x"}
    assert dict(error.response_parameters) == {"method.response.header.a": "'b'"}


def test_method_and_integration_defaults() -> None:
    m = read({"M": method()}).resources[0].methods["GET"]
    assert (m.authorization_type, m.api_key_required, m.request_validator) == ("NONE", False, None)
    assert m.integration is not None
    assert (m.integration.passthrough_behavior, m.integration.timeout_ms) == (
        "WHEN_NO_MATCH",
        29_000,
    )
    bare = read(
        {
            "M": method()
            | {"Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": ROOT, "HttpMethod": "GET"}}
        }
    )
    assert bare.resources[0].methods["GET"].integration is None


def test_models_and_validators() -> None:
    api = read(
        {
            "Named": {
                "Type": "AWS::ApiGateway::Model",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "Name": "Item",
                    "ContentType": "application/xml",
                    "Schema": '{"type": "object"}',
                },
            },
            "Unnamed": {
                "Type": "AWS::ApiGateway::Model",
                "Properties": {"RestApiId": {"Ref": "Api"}},
            },
            "M": method(RequestModels={"application/json": {"Ref": "Named"}}),
        }
    )
    assert api.models["Item"].content_type == "application/xml"
    assert dict(api.models["Item"].schema) == {"type": "object"}
    assert (api.models["Unnamed"].content_type, dict(api.models["Unnamed"].schema)) == (
        "application/json",
        {},
    )
    assert dict(api.resources[0].methods["GET"].request_models) == {"application/json": "Item"}


def stage(**properties: Any) -> dict[str, Any]:
    props = {"RestApiId": {"Ref": "Api"}, "StageName": "live"} | properties
    return {"Type": "AWS::ApiGateway::Stage", "Properties": props}


def test_the_stage_and_its_settings() -> None:
    api = read(
        {
            "Stage": stage(
                Variables={"n": 1, "b": True},
                TracingEnabled=True,
                AccessLogSetting={"Format": "$context.requestId"},
                MethodSettings=[
                    {"ResourcePath": "/*", "HttpMethod": "*", "LoggingLevel": "INFO"},
                    {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 5},
                    {"ResourcePath": "/~1items", "HttpMethod": "GET", "ThrottlingBurstLimit": 2},
                    {"ResourcePath": "/~1other~1{id}", "HttpMethod": "PUT"},
                ],
            )
        }
    )
    s = api.stage
    # A Boolean written as CloudFormation writes it into a String map.
    assert (s.name, dict(s.variables), s.tracing_enabled) == ("live", {"n": "1", "b": "true"}, True)
    assert s.access_log_format == "$context.requestId"
    # A rate alone, or a burst alone: the other is the account's default (10,000 / 5,000).
    # A ResourcePath is written '/' then the path with '~1' for each '/' (/~1items is /items).
    assert [(m.resource_path, m.http_method, m.throttle) for m in s.method_settings] == [
        ("/*", "*", ThrottleSettings(5.0, 5_000)),
        ("/items", "GET", ThrottleSettings(10_000.0, 2)),
        ("/other/{id}", "PUT", None),
    ]


def test_a_deployments_stage_description() -> None:
    api = read(
        {
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "StageName": "dev",
                    "StageDescription": {"ThrottlingBurstLimit": 7, "TracingEnabled": True},
                },
            },
            "NoStage": {
                "Type": "AWS::ApiGateway::Deployment",
                "Properties": {"RestApiId": {"Ref": "Api"}},
            },
        }
    )
    assert (api.stage.name, api.stage.tracing_enabled) == ("dev", True)
    assert [(m.resource_path, m.http_method, m.throttle) for m in api.stage.method_settings] == [
        ("/*", "*", ThrottleSettings(10_000.0, 7))
    ]


def test_choosing_a_stage() -> None:
    two = {"A": stage(StageName="a"), "B": stage(StageName="b", TracingEnabled=True)}
    assert refusal(two) == (
        "t.json: the API Api has several stages (a, b); choose one with --stage NAME"
    )
    assert read(two, stage="b").stage.tracing_enabled is True
    assert read(two, stage="a").stage.tracing_enabled is False
    undeployed = read(two, stage="c").stage
    assert (undeployed.name, undeployed.method_settings, undeployed.tracing_enabled) == (
        "c",
        (),
        False,
    )
    same_name = {"A": stage(StageName="a"), "B": stage(StageName="a")}
    assert refusal(same_name, stage="a") == (
        "t.json: the API Api has several stages (a); choose one with --stage NAME"
    )
    other_api = stage(RestApiId="someone-else", StageName="x")
    assert read({"Other": other_api}).stage.name == "prod"


def test_usage_plans_keys_and_quotas() -> None:
    api = read(
        {
            "Stage": stage(),
            "Plan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {
                    "UsagePlanName": "gold",
                    "ApiStages": [
                        {"ApiId": {"Ref": "Api"}, "Stage": "other"},
                        {"ApiId": "0000000000", "Stage": "live"},  # other APIs, sorting
                        {"ApiId": "zzzzzzzzzz", "Stage": "live"},  # before and after ours
                        {
                            "ApiId": {"Ref": "Api"},
                            "Stage": "live",
                            "Throttle": {"/items/GET": {"BurstLimit": 3}, "/x/GET": {}},
                        },
                    ],
                    "Throttle": {"RateLimit": 9},
                    "Quota": {"Limit": "100"},
                },
            },
            "Bare": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "Properties": {"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "live"}]},
            },
            "Key": {
                "Type": "AWS::ApiGateway::ApiKey",
                "Properties": {"Value": "given-value-0000000001", "Name": "k", "Enabled": True},
            },
            "Generated": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {}},
            "PlanKey": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {"KeyId": {"Ref": "Key"}, "UsagePlanId": {"Ref": "Plan"}},
            },
            "PlanKey2": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {"KeyId": {"Ref": "Generated"}, "UsagePlanId": {"Ref": "Plan"}},
            },
            "Dangling": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {"KeyId": "not-a-key", "UsagePlanId": {"Ref": "Plan"}},
            },
        }
    )
    gold, bare = api.usage_plans
    assert (gold.id, gold.name, gold.throttle) == (
        physical_id("Plan"),
        "gold",
        ThrottleSettings(9.0, 5_000),
    )
    assert gold.quota is not None
    assert (gold.quota.limit, gold.quota.period, gold.quota.offset) == (100, "DAY", 0)
    assert dict(gold.method_throttles) == {"/items/GET": ThrottleSettings(10_000.0, 3)}
    key, generated = gold.api_keys
    assert (key.id, key.value, key.name, key.enabled) == (
        physical_id("Key"),
        "given-value-0000000001",
        "k",
        True,
    )
    # CloudFormation generates a value when none is given: ours is stable, and 40 long.
    assert generated.value == physical_id("Generated/value", 40)
    assert (len(generated.value), generated.enabled) == (40, False)
    assert (bare.throttle, bare.quota, bare.api_keys) == (None, None, ())


def test_gateway_responses() -> None:
    api = read(
        {
            "Foreign": {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {"RestApiId": "another-api", "ResponseType": "DEFAULT_5XX"},
            },
            "G": {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {
                    "RestApiId": {"Ref": "Api"},
                    "ResponseType": "DEFAULT_4XX",
                    "StatusCode": 418,
                    "ResponseParameters": {"gatewayresponse.header.a": "'b'"},
                },
            },
            "H": {
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ResponseType": "THROTTLED"},
            },
        }
    )
    four, throttled = api.gateway_responses["DEFAULT_4XX"], api.gateway_responses["THROTTLED"]
    assert (four.status_code, dict(four.response_parameters)) == (
        "418",
        {"gatewayresponse.header.a": "'b'"},
    )
    assert throttled.status_code is None
    assert "DEFAULT_5XX" not in api.gateway_responses


@pytest.mark.parametrize(
    ("kind", "properties", "attribute", "value"),
    [
        ("AWS::IAM::Role", {}, "Arn", "arn:aws:iam::123456789012:role/X"),
        (
            "AWS::Lambda::Function",
            {},
            "Arn",
            "arn:aws:lambda:eu-west-1:123456789012:function:X",
        ),
        (
            "AWS::Logs::LogGroup",
            {},
            "Arn",
            "arn:aws:logs:eu-west-1:123456789012:log-group:X:*",
        ),
        # A named resource's ARN ends with its name (FunctionName, RoleName, LogGroupName),
        # as the return values of each type's CloudFormation reference page say.
        (
            "AWS::Lambda::Function",
            {"FunctionName": "rate-movie"},
            "Arn",
            "arn:aws:lambda:eu-west-1:123456789012:function:rate-movie",
        ),
        (
            "AWS::IAM::Role",
            {"RoleName": "invoker"},
            "Arn",
            "arn:aws:iam::123456789012:role/invoker",
        ),
        (
            "AWS::Logs::LogGroup",
            {"LogGroupName": "/api/access"},
            "Arn",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/api/access:*",
        ),
        # Another type's property of that name names nothing.
        ("AWS::SNS::Topic", {"FunctionName": "f"}, "Arn", "arn:aws:sns:eu-west-1:123456789012:X"),
        ("AWS::SNS::Topic", {}, "Arn", "arn:aws:sns:eu-west-1:123456789012:X"),
        ("AWS::DynamoDB::Table", {}, "Arn", "arn:aws:dynamodb:eu-west-1:123456789012:X"),
        ("Custom::Thing", {}, "Arn", "arn:aws:unknown:eu-west-1:123456789012:X"),
        ("AWS::SageMaker::Endpoint", {"EndpointName": "ep"}, "EndpointName", "ep"),
        ("AWS::SageMaker::Endpoint", {}, "EndpointName", "X"),
    ],
)
def test_attributes_of_other_resources(
    kind: str, properties: dict[str, Any], attribute: str, value: str
) -> None:
    api = read(
        {
            "X": {"Type": kind, "Properties": properties},
            "M": method(OperationName={"Fn::GetAtt": ["X", attribute]}),
        },
        region="eu-west-1",
        account_id="123456789012",
    )
    assert api.resources[0].methods["GET"].operation_name == value


@pytest.mark.parametrize(
    ("kind", "attribute", "message"),
    [
        (
            "AWS::SNS::Topic",
            "RootResourceId",
            "Fn::GetAtt X.RootResourceId: not known locally (AWS::SNS::Topic)",
        ),
        (
            "AWS::SNS::Topic",
            "TopicName",
            "Fn::GetAtt X.TopicName: not known locally (AWS::SNS::Topic)",
        ),
        (
            "AWS::ApiGateway::Resource",
            "RootResourceId",
            "Fn::GetAtt X.RootResourceId: not known locally (AWS::ApiGateway::Resource)",
        ),
        (
            "AWS::SageMaker::Model",
            "EndpointName",
            "Fn::GetAtt X.EndpointName: not known locally (AWS::SageMaker::Model)",
        ),
        (
            "AWS::SageMaker::Endpoint",
            "Arn",
            "Fn::GetAtt X.Arn: an AWS::SageMaker::Endpoint's one attribute is EndpointName "
            "(its Ref is its ARN)",
        ),
    ],
)
def test_attributes_not_known_locally(kind: str, attribute: str, message: str) -> None:
    assert refusal(
        {
            "X": {"Type": kind, "Properties": {}},
            "M": method(OperationName={"Fn::GetAtt": ["X", attribute]}),
        }
    ) == (
        f"t.json: resource M (AWS::ApiGateway::Method) property OperationName: cannot be "
        f"resolved locally: {message}"
    )


@pytest.mark.parametrize(
    ("target", "value"),
    [
        ({"Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "s"}}, "s"),
        ({"Type": "AWS::ApiGateway::Stage", "Properties": {}}, "X"),
        ({"Type": "AWS::ApiGateway::Model", "Properties": {"Name": "Item"}}, "Item"),
        ({"Type": "AWS::ApiGateway::Model", "Properties": {}}, "X"),
        ({"Type": "AWS::ApiGateway::ApiKey", "Properties": {}}, physical_id("X")),
        ({"Type": "AWS::SNS::Topic", "Properties": {}}, "X"),
    ],
)
def test_refs_of_other_resources(target: dict[str, Any], value: str) -> None:
    api = read({"X": target, "M": method(OperationName={"Ref": "X"})})
    assert api.resources[0].methods["GET"].operation_name == value


@pytest.mark.parametrize(
    ("properties", "name"), [({}, "x"), ({"EndpointName": "Movie-Ratings"}, "movie-ratings")]
)
def test_a_sagemaker_endpoints_ref_is_its_arn(properties: dict[str, Any], name: str) -> None:
    # Users split the name out of it: !Select [1, !Split ['/', !Ref Endpoint]].
    endpoint = {"Type": "AWS::SageMaker::Endpoint", "Properties": properties}
    api = read(
        {"X": endpoint, "M": method(OperationName={"Ref": "X"})},
        region="eu-west-1",
        account_id="123456789012",
    )
    assert api.resources[0].methods["GET"].operation_name == (
        f"arn:aws:sagemaker:eu-west-1:123456789012:endpoint/{name}"
    )


def test_a_resource_whose_condition_is_false_is_not_deployed() -> None:
    template = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}, "Always": {"Fn::Equals": [1, 1]}},
        "Resources": {
            "Api": api_resource(),
            "Get": method() | {"Condition": "Never"},
            "Post": method(HttpMethod="POST") | {"Condition": "Always"},
            "Odd": method(HttpMethod="PUT") | {"Condition": "Undeclared"},
        },
    }
    with pytest.raises(ApiError, match=r"^t: resource Odd Condition: condition 'Undeclared'"):
        api_from_template(template, LoadOptions(), source="t")
    del template["Resources"]["Odd"]  # type: ignore[attr-defined]
    api = api_from_template(template, LoadOptions(), source="t")
    assert sorted(api.resources[0].methods) == ["POST"]


def test_choosing_the_api() -> None:
    two = {
        "Resources": {
            "Api": api_resource(),
            "Other": api_resource(),
            "Topic": {"Type": "AWS::SNS::Topic"},
        }
    }
    with pytest.raises(ApiError) as refused:
        api_from_template(two, LoadOptions(), source="t")
    assert str(refused.value) == (
        "t: the template has 2 REST APIs (Api, Other); choose one with --api LOGICAL_ID"
    )
    assert api_from_template(two, LoadOptions(api="Other"), source="t").name == "Other"
    with pytest.raises(ApiError) as refused:
        api_from_template(two, LoadOptions(api="Topic"), source="t")
    assert str(refused.value) == (
        "t: --api Topic: no RestApi of that logical id (the template has: Api, Other)"
    )
    for resources, end in [
        (
            {"T": {"Type": "AWS::SNS::Topic"}},
            "no API in it: the template has no AWS::ApiGateway::RestApi",
        ),
        ({"F": {"Type": "AWS::Serverless::Function"}}, "are made by the SAM transform; serve"),
    ]:
        with pytest.raises(ApiError) as refused:
            api_from_template({"Resources": resources}, LoadOptions(), source="t")
        assert end in str(refused.value)
    for template in ([], {"Resources": []}):
        with pytest.raises(ApiError, match=r"^t: a CloudFormation template"):
            api_from_template(template, LoadOptions(), source="t")


def test_a_sam_api_with_an_openapi_body_and_its_stage() -> None:
    body = {"openapi": "3.0.1", "info": {"title": "b"}, "paths": {"/x": {"get": {}}}}
    template = {
        "Resources": {
            "Sam": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "DefinitionBody": body,
                    "StageName": "live",
                    "Variables": {"n": 1},
                    "TracingEnabled": True,
                },
            }
        }
    }
    api = api_from_template(template, LoadOptions(), source="t")
    assert (api.stage.name, dict(api.stage.variables), api.stage.tracing_enabled) == (
        "live",
        {"n": "1"},
        True,
    )
    # --stage wins over the template's StageName.
    chosen = api_from_template(template, LoadOptions(stage="cli"), source="t").stage
    assert (chosen.name, dict(chosen.variables), chosen.tracing_enabled) == ("cli", {}, False)
    rest = {"Resources": {"Api": api_resource(Body=body, Name="named")}}
    plain = api_from_template(rest, LoadOptions(), source="t")
    assert (plain.stage.name, plain.stage.tracing_enabled, plain.name) == ("prod", False, "named")


def test_a_sam_apis_gateway_responses() -> None:
    # Each of ResponseParameters' Headers, Paths and QueryStrings becomes
    # gatewayresponse.header|path|querystring.NAME, as the SAM transform writes it:
    # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-gatewayresponse.html
    body = {"openapi": "3.0.1", "info": {"title": "b"}, "paths": {}}
    responses = {
        "DEFAULT_4XX": {
            "StatusCode": 400,
            "ResponseParameters": {
                "Headers": {"Access-Control-Allow-Origin": "'*'"},
                "Paths": {"id": "method.request.path.id"},
                "QueryStrings": {"q": "'x'"},
            },
            "ResponseTemplates": {"application/json": '{"m": $context.error.messageString}'},
        }
    }
    template = {
        "Resources": {
            "Sam": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"DefinitionBody": body, "GatewayResponses": responses},
            }
        }
    }
    response = api_from_template(template, LoadOptions(), source="t").gateway_responses[
        "DEFAULT_4XX"
    ]
    assert (response.status_code, dict(response.response_parameters)) == (
        "400",
        {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            "gatewayresponse.path.id": "method.request.path.id",
            "gatewayresponse.querystring.q": "'x'",
        },
    )
    assert dict(response.response_templates) == {
        "application/json": '{"m": $context.error.messageString}'
    }


def test_an_openapi_body_in_s3_is_not_read() -> None:
    template = {"Resources": {"Api": api_resource(BodyS3Location={"Bucket": "b", "Key": "k"})}}
    with pytest.raises(ApiError) as refused:
        api_from_template(template, LoadOptions(), source="t")
    assert str(refused.value) == (
        "t: resource Api (AWS::ApiGateway::RestApi) property BodyS3Location: an OpenAPI body in "
        "S3 is not read locally; serve the OpenAPI file itself"
    )


def test_a_sam_definition_uri_in_s3_is_not_read() -> None:
    # DefinitionUri as an S3 location object (Bucket, Key), as `sam deploy` leaves it.
    uri = {"Bucket": "b", "Key": "k"}
    template = {"Resources": {"Sam": {"Type": "AWS::Serverless::Api", "Properties": {}}}}
    template["Resources"]["Sam"]["Properties"]["DefinitionUri"] = uri
    with pytest.raises(ApiError) as refused:
        api_from_template(template, LoadOptions(), source="t")
    assert str(refused.value) == (
        "t: resource Sam (AWS::Serverless::Api) property DefinitionUri: an OpenAPI definition "
        "in S3 is not read locally; point DefinitionUri at the local file, or serve the "
        "OpenAPI file itself"
    )
