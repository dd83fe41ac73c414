"""The OpenAPI reader: what each part of an OpenAPI 3 / Swagger 2 document with API Gateway's
extensions becomes in the model, and what it refuses (naming the JSON path).

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
"""

from __future__ import annotations

from typing import Any

import pytest

from sagegate.api.errors import ApiError
from sagegate.api.ids import physical_id
from sagegate.api.model import Method, RestApi, ThrottleSettings
from sagegate.api.openapi.reader import api_from_openapi
from sagegate.api.options import LoadOptions

MOCK = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def document(paths: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": "t"}, "paths": paths or {}} | top


def read(doc: dict[str, Any], **options: Any) -> RestApi:
    return api_from_openapi(doc, LoadOptions(**options), source="api.json")


def refusal(doc: Any) -> str:
    with pytest.raises(ApiError) as refused:
        api_from_openapi(doc, LoadOptions(), source="api.json")
    return str(refused.value)


def operation(doc: dict[str, Any], path: str = "/items", method: str = "GET") -> Method:
    api = read(doc)
    return next(r for r in api.resources if r.path == path).methods[method]


def test_the_api_and_its_defaults() -> None:
    api = read(document({"/a/b/{c}": {"get": {}}}))
    assert [r.path for r in api.resources] == ["/", "/a", "/a/b", "/a/b/{c}"]
    assert (api.name, api.id, api.stage.name, api.api_key_source) == (
        "t",
        physical_id("openapi/t"),
        "prod",
        "HEADER",
    )
    assert (api.binary_media_types, api.policy, api.description) == ((), None, None)
    assert read(document(info={})).name == "api"


@pytest.mark.parametrize(
    ("top", "stage"),
    [
        ({"servers": [{"url": "x"}, {"variables": {"basePath": {"default": "/live"}}}]}, "live"),
        ({"servers": [{"variables": {"basePath": {"default": "/"}}}]}, "prod"),
        ({"servers": [{"variables": {"basePath": {}}}]}, "prod"),
    ],
)
def test_the_stage_of_an_openapi_3_document(top: dict[str, Any], stage: str) -> None:
    assert read(document(**top)).stage.name == stage


def test_the_stage_of_a_swagger_document_and_the_command_line() -> None:
    swagger = {"swagger": "2.0", "info": {"title": "t"}, "paths": {}, "basePath": "/v1"}
    assert read(swagger).stage.name == "v1"
    assert read(swagger | {"basePath": "/"}).stage.name == "prod"
    assert read(swagger | {"basePath": ""}).stage.name == "prod"
    assert read(swagger, stage="cli").stage.name == "cli"


@pytest.mark.parametrize(
    ("top", "api_id"),
    [
        (
            {"servers": [{"url": "https://abcde12345.execute-api.us-east-1.amazonaws.com/{b}"}]},
            "abcde12345",
        ),
        ({"servers": [{"url": 5}, {"url": "https://x.example.com"}]}, physical_id("openapi/t")),
        (
            {"swagger": "2.0", "host": "abcde12345.execute-api.eu-west-1.amazonaws.com"},
            "abcde12345",
        ),
    ],
)
def test_the_api_id_an_export_names(top: dict[str, Any], api_id: str) -> None:
    doc = document(**top)
    if "swagger" in top:
        del doc["openapi"]
    assert read(doc).id == api_id


def test_document_level_extensions() -> None:
    api = read(
        document(
            **{
                "info": {"title": "t", "description": "d"},
                "x-amazon-apigateway-api-key-source": "authorizer",
                "x-amazon-apigateway-binary-media-types": ["image~1png", "*/*"],
                "x-amazon-apigateway-policy": {"Statement": []},
                "x-amazon-apigateway-gateway-responses": {
                    "DEFAULT_4XX": {
                        "statusCode": 418,
                        "responseParameters": {"gatewayresponse.header.a": "'b'"},
                        "responseTemplates": {"application/json": "{}"},
                    },
                    "THROTTLED": {},
                },
            }
        )
    )
    assert (api.description, api.api_key_source, api.policy) == (
        "d",
        "AUTHORIZER",
        {"Statement": []},
    )
    assert api.binary_media_types == ("image/png", "*/*")
    four = api.gateway_responses["DEFAULT_4XX"]
    assert (four.status_code, dict(four.response_templates)) == ("418", {"application/json": "{}"})
    assert dict(four.response_parameters) == {"gatewayresponse.header.a": "'b'"}
    assert api.gateway_responses["THROTTLED"].status_code is None
    assert read(document(**{"x-amazon-apigateway-policy": "text"})).policy is None


def test_parameters_become_method_request_parameters() -> None:
    doc = document(
        {
            "/items/{id}": {
                "parameters": [{"name": "id", "in": "path"}],
                "get": {
                    "parameters": [
                        {"name": "q", "in": "query", "required": True},
                        {"name": "opt", "in": "query"},
                        {"name": "X-H", "in": "header", "required": True},
                        {"name": "c", "in": "cookie", "required": True},
                        {"$ref": "#/components/parameters/a~1b"},
                    ]
                },
            }
        },
        components={"parameters": {"a/b": {"name": "shared", "in": "query", "required": True}}},
    )
    assert dict(operation(doc, "/items/{id}").request_parameters) == {
        "method.request.path.id": True,  # a path parameter is always required
        "method.request.querystring.q": True,
        "method.request.querystring.opt": False,
        "method.request.header.X-H": True,
        "method.request.querystring.shared": True,
    }


def test_request_bodies_name_their_models() -> None:
    doc = document(
        {
            "/items/{id}": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}},
                            "text/plain": {"schema": {"type": "string"}},
                            "text/csv": {},
                        }
                    }
                }
            }
        },
        components={"schemas": {"Item": {"type": "object"}}},
    )
    api = read(doc)
    method = next(r for r in api.resources if r.path == "/items/{id}").methods["POST"]
    # An inline schema becomes a model named after the operation, as API Gateway names it.
    assert dict(method.request_models) == {
        "application/json": "Item",
        "text/plain": "PostItemsIdBody",
    }
    assert dict(api.models["PostItemsIdBody"].schema) == {"type": "string"}
    assert dict(api.models["Item"].schema) == {"type": "object"}


def test_a_swagger_body_parameter_is_the_request_model() -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "consumes": ["application/xml"],
        "definitions": {"Item": {"type": "object"}},
        "paths": {
            "/items": {
                "post": {"parameters": [{"in": "body", "schema": {"$ref": "#/definitions/Item"}}]},
                "put": {
                    "consumes": ["text/plain", "text/csv"],
                    "parameters": [{"in": "body", "name": "b"}],
                },
            }
        },
    }
    api = read(doc)
    methods = next(r for r in api.resources if r.path == "/items").methods
    assert dict(methods["POST"].request_models) == {"application/xml": "Item"}
    assert dict(methods["PUT"].request_models) == {}
    del doc["consumes"]
    assert dict(operation(doc, method="POST").request_models) == {"application/json": "Item"}


def test_validators_by_default_and_per_operation() -> None:
    doc = document(
        {"/items": {"get": {}, "put": {"x-amazon-apigateway-request-validator": "params"}}},
        **{
            "x-amazon-apigateway-request-validators": {
                "all": {"validateRequestBody": True, "validateRequestParameters": True},
                "params": {"validateRequestParameters": True},
                "ignored": "not an object",
            },
            "x-amazon-apigateway-request-validator": "all",
        },
    )
    methods = next(r for r in read(doc).resources if r.path == "/items").methods
    get, put = methods["GET"].request_validator, methods["PUT"].request_validator
    assert get is not None and put is not None
    assert (get.name, get.validate_request_body, get.validate_request_parameters) == (
        "all",
        True,
        True,
    )
    assert (put.name, put.validate_request_body, put.validate_request_parameters) == (
        "params",
        False,
        True,
    )
    assert operation(document({"/items": {"get": {}}})).request_validator is None


def test_a_validators_flags_written_as_strings() -> None:
    # Hand-written documents quote Booleans: "true" and "false", in any case, read as they
    # say; anything else is refused with its JSON path.
    def validator(body: Any, parameters: Any) -> dict[str, Any]:
        return document(
            {"/items": {"get": {}}},
            **{
                "x-amazon-apigateway-request-validators": {
                    "v": {"validateRequestBody": body, "validateRequestParameters": parameters}
                },
                "x-amazon-apigateway-request-validator": "v",
            },
        )

    for body, parameters, expected in [
        ("TRUE", "false", (True, False)),
        ("False", "true", (False, True)),
    ]:
        chosen = operation(validator(body, parameters)).request_validator
        assert chosen is not None
        assert (chosen.validate_request_body, chosen.validate_request_parameters) == expected
    at = "api.json: x-amazon-apigateway-request-validators.v.validateRequestBody"
    assert refusal(validator(1, True)) == f"{at}: 1 is not a Boolean (true or false)"
    assert refusal(validator("yes", True)) == f"{at}: 'yes' is not a Boolean (true or false)"


SCHEMES = {
    "sigv4": {
        "type": "apiKey",
        "name": "Authorization",
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
    "key": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
    "other_key": {"type": "apiKey", "name": "token", "in": "header"},
    "later_key": {"type": "apiKey", "name": "z-key", "in": "header"},
    "lambda": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "token"}},
    "pool": {"type": "apiKey", "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools"}},
    "pool2": {"type": "apiKey", "x-amazon-apigateway-authtype": "cognito_user_pools"},
    # An auth type API Gateway does not know (sorting after cognito_user_pools): no authorizer.
    "oauth": {"type": "oauth2", "x-amazon-apigateway-authtype": "oauth2"},
}


@pytest.mark.parametrize(
    ("security", "expected"),
    [
        ([{"sigv4": []}], ("AWS_IAM", False, None)),
        ([{"sigv4": [], "key": []}], ("AWS_IAM", True, None)),
        ([{"other_key": []}], ("NONE", False, None)),
        ([{"later_key": []}], ("NONE", False, None)),
        ([{"lambda": []}], ("CUSTOM", False, "lambda")),
        ([{"pool": []}], ("COGNITO_USER_POOLS", False, "pool")),
        ([{"pool2": []}], ("COGNITO_USER_POOLS", False, "pool2")),
        ([{"oauth": []}], ("NONE", False, None)),
        ([], ("NONE", False, None)),
    ],
)
def test_security_requirements(security: list[Any], expected: tuple[Any, ...]) -> None:
    doc = document(
        {"/items": {"get": {"security": security}}}, components={"securitySchemes": SCHEMES}
    )
    m = operation(doc)
    assert (m.authorization_type, m.api_key_required, m.authorizer) == expected


def test_document_security_applies_where_an_operation_has_none() -> None:
    doc = document(
        {"/items": {"get": {}}},
        security=[{"sigv4": []}],
        components={"securitySchemes": SCHEMES},
    )
    assert operation(doc).authorization_type == "AWS_IAM"
    swagger = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "securityDefinitions": SCHEMES,
        "paths": {"/items": {"get": {"security": [{"key": []}]}}},
    }
    assert operation(swagger).api_key_required is True


def test_an_operation_and_its_integration() -> None:
    doc = document(
        {
            "/items": {
                "post": {
                    "operationId": "make",
                    "responses": {"200": {"headers": {"X-A": {}}}, "400": {}},
                    "x-amazon-apigateway-integration": {
                        "type": "HTTP",
                        "httpMethod": "put",
                        "uri": "https://h",
                        "passthroughBehavior": "never",
                        "timeoutInMillis": 50,
                        "contentHandling": "CONVERT_TO_TEXT",
                        "credentials": "arn:aws:iam::1:role/r",
                        "connectionType": "INTERNET",
                        "requestTemplates": {"application/json": "{}"},
                        "requestParameters": {"integration.request.header.a": "'b'"},
                        "responses": {
                            "default": {"statusCode": 200},
                            "5\\d{2}": {
                                "statusCode": "500",
                                "contentHandling": "CONVERT_TO_BINARY",
                                "responseTemplates": {"application/json": "x"},
                                "responseParameters": {"method.response.header.X-A": "'1'"},
                            },
                        },
                    },
                }
            }
        }
    )
    m = operation(doc, method="POST")
    assert m.operation_name == "make"
    assert [(r.status_code, dict(r.response_parameters)) for r in m.method_responses] == [
        ("200", {"method.response.header.X-A": False}),
        ("400", {}),
    ]
    i = m.integration
    assert i is not None
    assert (i.type, i.http_method, i.uri, i.passthrough_behavior, i.timeout_ms) == (
        "HTTP",
        "PUT",
        "https://h",
        "NEVER",
        50,
    )
    assert (i.content_handling, i.credentials, i.connection_type) == (
        "CONVERT_TO_TEXT",
        "arn:aws:iam::1:role/r",
        "INTERNET",
    )
    assert dict(i.request_templates) == {"application/json": "{}"}
    assert dict(i.request_parameters) == {"integration.request.header.a": "'b'"}
    default, error = i.responses
    assert (default.status_code, default.selection_pattern) == ("200", None)
    assert (error.status_code, error.selection_pattern, error.content_handling) == (
        "500",
        "5\\d{2}",
        "CONVERT_TO_BINARY",
    )
    assert dict(error.response_templates) == {"application/json": "x"}


def test_integration_defaults() -> None:
    i = operation(
        document({"/items": {"get": {"x-amazon-apigateway-integration": MOCK}}})
    ).integration
    assert i is not None
    assert (i.type, i.passthrough_behavior, i.timeout_ms, i.uri, i.http_method) == (
        "MOCK",
        "WHEN_NO_MATCH",
        29_000,
        None,
        None,
    )
    assert operation(document({"/items": {"get": {}}})).integration is None


def integration(**fields: Any) -> dict[str, Any]:
    return document({"/items": {"get": {"x-amazon-apigateway-integration": MOCK | fields}}})


INTEGRATION = "api.json: paths./items.get.x-amazon-apigateway-integration"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("not a mapping", "api.json: an OpenAPI document is an object"),
        (
            {"swagger": "1.2", "paths": {}},
            "api.json: swagger: '1.2' is not a Swagger version (2.0)",
        ),
        (
            {"openapi": "2.0", "paths": {}},
            "api.json: openapi: '2.0' is not an OpenAPI 3 version (3.0.x)",
        ),
        ({"openapi": "3.0.1"}, "api.json: paths: missing, or not an object"),
        (document({"items": {}}), "api.json: paths.items: not a path like /a/{b}"),
        (document({"/items": []}), "api.json: paths./items: must be an object, not list"),
        (
            document({"/items": {"get": {"parameters": [{"in": "query"}]}}}),
            "api.json: paths./items.get.parameters[0].name: missing",
        ),
        (
            document({"/items": {"$ref": "other.json#/x"}}),
            "api.json: paths./items: $ref 'other.json#/x' is not a reference inside the document",
        ),
        (
            document({"/items": {"$ref": "#/components/nothing"}}),
            "api.json: paths./items: $ref '#/components/nothing' names nothing in the document",
        ),
        (
            document({"/items": {"$ref": "#/x-loop"}}, **{"x-loop": {"$ref": "#/x-loop"}}),
            "api.json: paths./items: $ref '#/x-loop' is not a reference inside the document",
        ),
        (
            document(
                {
                    "/items": {
                        "post": {
                            "requestBody": {"content": {"a/b": {"schema": {"$ref": "#/x/Nope"}}}}
                        }
                    }
                }
            ),
            "api.json: paths./items.post: schema $ref '#/x/Nope' names no model",
        ),
        (
            document({"/items": {"get": {"x-amazon-apigateway-request-validator": "v"}}}),
            "api.json: paths./items.get.x-amazon-apigateway-request-validator: 'v' is not in "
            "x-amazon-apigateway-request-validators",
        ),
        (
            document(**{"x-amazon-apigateway-request-validator": "v"}),
            "api.json: x-amazon-apigateway-request-validator: 'v' is not in "
            "x-amazon-apigateway-request-validators",
        ),
        (
            document({"/items": {"get": {"security": [{"nope": []}]}}}),
            "api.json: paths./items.get.security: 'nope' is not a declared security scheme",
        ),
        (
            document(**{"x-amazon-apigateway-api-key-source": "query"}),
            "api.json: x-amazon-apigateway-api-key-source: 'QUERY' is not HEADER or AUTHORIZER",
        ),
        (
            document(**{"x-amazon-apigateway-binary-media-types": "image/png"}),
            "api.json: x-amazon-apigateway-binary-media-types: must be a list",
        ),
        (
            integration(type="soap"),
            f"{INTEGRATION}.type: 'soap' is not an integration type "
            "(aws, aws_proxy, http, http_proxy, mock)",
        ),
        (
            integration(passthroughBehavior="sometimes"),
            f"{INTEGRATION}.passthroughBehavior: 'sometimes' is not one of "
            "when_no_match, when_no_templates, never",
        ),
        (
            integration(responses={"default": {}}),
            f"{INTEGRATION}.responses.default.statusCode: missing",
        ),
        (
            integration(timeoutInMillis=49),
            f"{INTEGRATION}.timeoutInMillis: 49 is not a number of milliseconds (>= 50)",
        ),
        (
            integration(timeoutInMillis=True),
            f"{INTEGRATION}.timeoutInMillis: True is not a number of milliseconds (>= 50)",
        ),
        (
            integration(timeoutInMillis="100"),
            f"{INTEGRATION}.timeoutInMillis: '100' is not a number of milliseconds (>= 50)",
        ),
        (
            integration(contentHandling="ZIP"),
            f"{INTEGRATION}.contentHandling: 'ZIP' is not one of "
            "CONVERT_TO_TEXT, CONVERT_TO_BINARY",
        ),
    ],
)
def test_what_the_reader_refuses_names_the_json_path(doc: Any, message: str) -> None:
    assert refusal(doc) == message


def test_a_chain_of_references_is_followed() -> None:
    doc = document(
        {"/items": {"$ref": "#/x-a"}},
        **{"x-a": {"$ref": "#/x-b"}, "x-b": {"get": {"operationId": "found"}}},
    )
    assert operation(doc).operation_name == "found"


def test_the_sagegate_stage_extension() -> None:
    extension = {
        "variables": {"n": 1},
        "tracingEnabled": True,
        "accessLogFormat": "$context.requestId",
        "methodSettings": [
            {"throttle": {"rateLimit": 5}},
            {"resourcePath": "/items", "httpMethod": "GET", "throttle": {"burstLimit": 2}},
            {"resourcePath": "/x", "httpMethod": "PUT"},
        ],
        "usagePlans": [
            {
                "id": "p1",
                "name": "gold",
                "throttle": {"rateLimit": 9, "burstLimit": 3},
                "quota": {"limit": 100},
                "apiKeys": [
                    {"id": "k", "value": "v"},
                    {"id": "k2", "value": "v2", "enabled": False},
                ],
                "methodThrottles": {"/items/GET": {"rateLimit": 1}, "/x/GET": "none"},
            },
            {},
        ],
    }
    api = read(document(**{"x-sagegate-stage": extension}))
    s = api.stage
    assert (dict(s.variables), s.tracing_enabled, s.access_log_format) == (
        {"n": "1"},
        True,
        "$context.requestId",
    )
    assert [(m.resource_path, m.http_method, m.throttle) for m in s.method_settings] == [
        ("/*", "*", ThrottleSettings(5.0, 5_000)),
        ("/items", "GET", ThrottleSettings(10_000.0, 2)),
        ("/x", "PUT", None),
    ]
    gold, empty = api.usage_plans
    assert (gold.id, gold.name, gold.throttle) == ("p1", "gold", ThrottleSettings(9.0, 3))
    assert gold.quota is not None
    assert (gold.quota.limit, gold.quota.period, gold.quota.offset) == (100, "DAY", 0)
    assert [(k.id, k.value, k.enabled) for k in gold.api_keys] == [
        ("k", "v", True),
        ("k2", "v2", False),
    ]
    assert dict(gold.method_throttles) == {"/items/GET": ThrottleSettings(1.0, 5_000)}
    assert (empty.id, empty.quota, empty.api_keys, empty.throttle) == ("", None, (), None)


def test_the_first_server_with_a_base_path_names_the_stage() -> None:
    servers = [
        {"url": "https://x/{basePath}", "variables": {"basePath": {"default": "first"}}},
        {"url": "https://y/{basePath}", "variables": {"basePath": {"default": "second"}}},
    ]
    assert read(document(servers=servers)).stage.name == "first"


def test_a_chain_of_references_is_followed_to_its_end() -> None:
    # Seventeen links: references to references resolve; only a loop (or a longer chain) is
    # refused.
    schemas: dict[str, Any] = {"S0": {"type": "object"}}
    for i in range(1, 17):
        schemas[f"S{i}"] = {"$ref": f"#/components/schemas/S{i - 1}"}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S16"}}}}
    parameters = {"P0": {"in": "query", "name": "q"}}
    for i in range(1, 17):
        parameters[f"P{i}"] = {"$ref": f"#/components/parameters/P{i - 1}"}
    doc = document(
        {
            "/items": {
                "post": {
                    "requestBody": body,
                    "parameters": [{"$ref": "#/components/parameters/P16"}],
                }
            }
        },
        components={"schemas": schemas, "parameters": parameters},
    )
    assert dict(operation(doc, method="POST").request_parameters) == {
        "method.request.querystring.q": False
    }


def test_only_path_parameters_are_always_required_and_unknown_locations_are_skipped() -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "t"},
        "definitions": {"Item": {"type": "object"}},
        "paths": {
            "/items/{id}": {
                "post": {
                    "parameters": [
                        {"in": "path", "name": "id"},
                        {"in": "header", "name": "h"},
                        {"in": "formData", "name": "f"},
                        {"in": "apple", "name": "a", "schema": {"$ref": "#/definitions/Item"}},
                    ]
                }
            }
        },
    }
    m = operation(doc, path="/items/{id}", method="POST")
    assert dict(m.request_parameters) == {
        "method.request.path.id": True,
        "method.request.header.h": False,
    }
    assert dict(m.request_models) == {}
