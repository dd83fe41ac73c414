"""Read a REST API out of an OpenAPI 3.0 or Swagger 2.0 document with API Gateway's extensions.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
What `aws apigateway get-export --parameters extensions=apigateway` writes, what SAM's
`DefinitionBody` and Terraform's `body` take: `x-amazon-apigateway-integration` per operation,
`-request-validators` / `-request-validator`, `-gateway-responses`, `-api-key-source`,
`-binary-media-types`, `-policy`, `x-amazon-apigateway-any-method` for ANY, and security
schemes: `x-amazon-apigateway-authtype: awsSigv4` is AWS_IAM, an `api_key` header scheme
(`x-api-key`) is "API key required", an `x-amazon-apigateway-authorizer` is a custom or
Cognito authorizer. A malformed document is refused with the JSON path of the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from sagegate.api.errors import ApiError
from sagegate.api.ids import physical_id
from sagegate.api.model import (
    CONTENT_HANDLINGS,
    INTEGRATION_TYPES,
    PASSTHROUGH_BEHAVIORS,
    ApiKey,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    MethodSetting,
    Model,
    QuotaSettings,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    ThrottleSettings,
    UsagePlan,
    frozen,
)
from sagegate.api.options import LoadOptions
from sagegate.api.values import boolean, string_map

OPERATIONS = {
    "get": "GET",
    "put": "PUT",
    "post": "POST",
    "delete": "DELETE",
    "options": "OPTIONS",
    "head": "HEAD",
    "patch": "PATCH",
    "x-amazon-apigateway-any-method": "ANY",
}
_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
_PATH = re.compile(
    r"^/(?:[^/{}]+|\{[A-Za-z0-9._-]+\+?\})?(?:/(?:[^/{}]+|\{[A-Za-z0-9._-]+\+?\}))*$"
)


class _Reader:
    def __init__(self, document: Mapping[str, Any], options: LoadOptions, source: str) -> None:
        self.doc = document
        self.options = options
        self.source = source
        if "swagger" in document:
            if str(document["swagger"]) != "2.0":
                self.fail("swagger", f"{document['swagger']!r} is not a Swagger version (2.0)")
            self.v3 = False
        else:
            version = str(document.get("openapi", ""))
            if not re.match(r"^3\.\d+(\.\d+)?$", version):
                self.fail("openapi", f"{version!r} is not an OpenAPI 3 version (3.0.x)")
            self.v3 = True

    def fail(self, path: str, reason: str) -> NoReturn:
        raise ApiError(f"{self.source}: {path}: {reason}")

    def strings(self, value: Any, path: str) -> dict[str, str]:
        return string_map(value, f"{self.source}: {path}")

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"must be an object, not {type(value).__name__}")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"must be an array, not {type(value).__name__}")
        return value

    def name(self, value: Any, path: str) -> str | None:
        """An optional name (a validator's, a scheme's): a string."""
        if value is None or isinstance(value, str):
            return value
        self.fail(path, f"must be a string, not {type(value).__name__}")

    def flag(self, value: Any, path: str) -> bool:
        """A JSON Boolean (the strings "true" and "false" read as they say)."""
        found = boolean(value)
        if found is None:
            self.fail(path, f"{value!r} is not a Boolean (true or false)")
        return found

    def deref(self, value: Any, path: str) -> Any:
        """Follow a local `$ref` ('#/components/parameters/x'), as many times as it takes."""
        seen = 0
        while isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            if not ref.startswith("#/") or seen > 16:
                self.fail(path, f"$ref {ref!r} is not a reference inside the document")
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, Mapping) or part not in target:
                    self.fail(path, f"$ref {ref!r} names nothing in the document")
                target = target[part]
            value, seen = target, seen + 1
        return value

    # -- document-level -----------------------------------------------------------------

    def stage_name(self) -> str:
        """`--stage`, else the base path an export names (its stage: `/prod`), else prod.

        API Gateway's import ignores basePath by default (basepath=ignore) and its export
        writes the stage there; a base path that is no stage name (a custom domain's
        `/tokenizer/v1`, `/v1.2`) cannot be served as one, so it is refused rather than
        served at a URL the banner would name and the router never match.
        https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-basePath.html
        """
        if self.options.stage is not None:
            return self.options.stage
        where, base = "basePath", None
        if self.v3:
            for index, server in enumerate(self.array(self.doc.get("servers"), "servers")):
                at = f"servers[{index}]"
                variables = self.mapping(server, at).get("variables") or {}
                found = self.mapping(variables, f"{at}.variables").get("basePath")
                if isinstance(found, Mapping) and found.get("default"):
                    where, base = f"{at}.variables.basePath.default", found["default"]
                    break
        elif self.doc.get("basePath"):
            base = self.doc["basePath"]
        if base is None:
            return "prod"
        name = str(base).strip("/")
        if not name:
            return "prod"
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", name):
            self.fail(
                where,
                f"{base!r} is not a stage name (letters, digits, '-' and '_'); "
                "choose the stage with --stage NAME",
            )
        return name

    def models(self) -> dict[str, Model]:
        key = "components.schemas" if self.v3 else "definitions"
        raw = (
            self.mapping(self.doc.get("components"), "components").get("schemas")
            if self.v3
            else self.doc.get("definitions")
        )
        return {
            str(name): Model(str(name), frozen(self.mapping(schema, f"{key}.{name}")))
            for name, schema in self.mapping(raw, key).items()
        }

    def security_schemes(self) -> Mapping[str, Any]:
        if self.v3:
            components = self.mapping(self.doc.get("components"), "components")
            return self.mapping(components.get("securitySchemes"), "components.securitySchemes")
        return self.mapping(self.doc.get("securityDefinitions"), "securityDefinitions")

    def validators(self) -> dict[str, RequestValidator]:
        raw = self.mapping(
            self.doc.get("x-amazon-apigateway-request-validators"),
            "x-amazon-apigateway-request-validators",
        )
        return {
            str(name): RequestValidator(
                str(name),
                validate_request_body=self.flag(
                    item.get("validateRequestBody", False),
                    f"x-amazon-apigateway-request-validators.{name}.validateRequestBody",
                ),
                validate_request_parameters=self.flag(
                    item.get("validateRequestParameters", False),
                    f"x-amazon-apigateway-request-validators.{name}.validateRequestParameters",
                ),
            )
            for name, item in raw.items()
            if isinstance(item, Mapping)
        }

    def gateway_responses(self) -> dict[str, GatewayResponse]:
        key = "x-amazon-apigateway-gateway-responses"
        responses = {}
        for response_type, item in self.mapping(self.doc.get(key), key).items():
            item = self.mapping(item, f"{key}.{response_type}")
            status = item.get("statusCode")
            responses[str(response_type)] = GatewayResponse(
                str(response_type),
                str(status) if status is not None else None,
                frozen(
                    self.strings(
                        item.get("responseParameters"), f"{key}.{response_type}.responseParameters"
                    )
                ),
                frozen(
                    self.strings(
                        item.get("responseTemplates"), f"{key}.{response_type}.responseTemplates"
                    )
                ),
            )
        return responses

    # -- operations -----------------------------------------------------------------------

    def read(self) -> RestApi:
        paths = self.doc.get("paths")
        if not isinstance(paths, Mapping):
            self.fail("paths", "missing, or not an object")
        assert isinstance(paths, Mapping)
        models = self.models()
        validators = self.validators()
        default_validator = self.name(
            self.doc.get("x-amazon-apigateway-request-validator"),
            "x-amazon-apigateway-request-validator",
        )
        if default_validator is not None and default_validator not in validators:
            self.fail(
                "x-amazon-apigateway-request-validator",
                f"{default_validator!r} is not in x-amazon-apigateway-request-validators",
            )
        schemes = self.security_schemes()
        resources: dict[str, dict[str, Method]] = {"/": {}}
        for path, item in paths.items():
            where = f"paths.{path}"
            if not isinstance(path, str) or not _PATH.match(path):
                self.fail(where, "not a path like /a/{b}")
            item = self.mapping(self.deref(item, where), where)
            # Every ancestor is a resource of the tree, with or without methods.
            parts = [p for p in path.split("/") if p]
            for depth in range(1, len(parts) + 1):
                resources.setdefault("/" + "/".join(parts[:depth]), {})
            shared = self.array(item.get("parameters"), f"{where}.parameters")
            for key, operation in item.items():
                if key not in OPERATIONS:
                    continue
                method = self.operation(
                    OPERATIONS[key],
                    path,
                    self.mapping(operation, f"{where}.{key}"),
                    shared,
                    models,
                    validators,
                    default_validator,
                    schemes,
                    f"{where}.{key}",
                )
                resources[path][method.http_method] = method
        info = self.mapping(self.doc.get("info"), "info")
        key_source = str(self.doc.get("x-amazon-apigateway-api-key-source", "HEADER")).upper()
        if key_source not in ("HEADER", "AUTHORIZER"):
            self.fail(
                "x-amazon-apigateway-api-key-source", f"{key_source!r} is not HEADER or AUTHORIZER"
            )
        binary = self.doc.get("x-amazon-apigateway-binary-media-types") or []
        if not isinstance(binary, list):
            self.fail("x-amazon-apigateway-binary-media-types", "must be a list")
        policy = self.doc.get("x-amazon-apigateway-policy")
        stage_name = self.stage_name()
        try:
            stage, plans = _stage_extension(self.doc.get("x-sagegate-stage"), stage_name)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            self.fail("x-sagegate-stage", f"malformed ({type(exc).__name__}: {exc})")
        return RestApi(
            name=str(info.get("title") or "api"),
            id=_api_id(self.doc, info),
            stage=stage,
            usage_plans=plans,
            resources=tuple(Resource(p, frozen(m)) for p, m in sorted(resources.items())),
            models=frozen(models),
            gateway_responses=frozen(self.gateway_responses()),
            binary_media_types=tuple(str(t).replace("~1", "/") for t in binary),
            api_key_source=key_source,  # type: ignore[arg-type]
            policy=policy if isinstance(policy, Mapping) else None,
            description=info.get("description"),
        )

    def operation(
        self,
        http_method: str,
        path: str,
        operation: Mapping[str, Any],
        shared: Any,
        models: dict[str, Model],
        validators: Mapping[str, RequestValidator],
        default_validator: Any,
        schemes: Mapping[str, Any],
        where: str,
    ) -> Method:
        parameters: dict[str, bool] = {}
        request_models: dict[str, str] = {}
        listed = list(shared) + self.array(operation.get("parameters"), f"{where}.parameters")
        for index, raw in enumerate(listed):
            parameter = self.mapping(
                self.deref(raw, f"{where}.parameters[{index}]"), f"{where}.parameters[{index}]"
            )
            location = self.name(parameter.get("in"), f"{where}.parameters[{index}].in")
            if location == "body":  # Swagger 2: the body's schema is the request model
                consumes = (
                    self.array(operation.get("consumes"), f"{where}.consumes")
                    or self.array(self.doc.get("consumes"), "consumes")
                    or ["application/json"]
                )
                model = self.model_name(parameter.get("schema"), models, http_method, path, where)
                if model:
                    for content_type in consumes:
                        request_models[str(content_type)] = model
                continue
            if location not in _LOCATIONS:
                continue
            name = parameter.get("name")
            if not isinstance(name, str) or not name:
                self.fail(f"{where}.parameters[{index}].name", "missing")
            required = (
                self.flag(parameter.get("required", False), f"{where}.parameters[{index}].required")
                or location == "path"
            )
            parameters[f"method.request.{_LOCATIONS[location]}.{name}"] = required
        body = operation.get("requestBody")
        if body is not None:
            body = self.mapping(self.deref(body, f"{where}.requestBody"), f"{where}.requestBody")
            for content_type, media in self.mapping(
                body.get("content"), f"{where}.requestBody.content"
            ).items():
                media = self.mapping(media, f"{where}.requestBody.content.{content_type}")
                model = self.model_name(media.get("schema"), models, http_method, path, where)
                if model:
                    request_models[str(content_type)] = model
        validator_name = self.name(
            operation.get("x-amazon-apigateway-request-validator", default_validator),
            f"{where}.x-amazon-apigateway-request-validator",
        )
        if validator_name is not None and validator_name not in validators:
            self.fail(
                f"{where}.x-amazon-apigateway-request-validator",
                f"{validator_name!r} is not in x-amazon-apigateway-request-validators",
            )
        authorization, api_key, authorizer = self.security(operation, schemes, where)
        raw_integration = operation.get("x-amazon-apigateway-integration")
        return Method(
            http_method=http_method,
            authorization_type=authorization,  # type: ignore[arg-type]
            api_key_required=api_key,
            request_parameters=frozen(parameters),
            request_validator=validators.get(validator_name) if validator_name else None,
            request_models=frozen(request_models),
            integration=(
                self.integration(raw_integration, f"{where}.x-amazon-apigateway-integration")
                if raw_integration is not None
                else None
            ),
            method_responses=self.method_responses(operation, where),
            authorizer=authorizer,
            operation_name=self.name(operation.get("operationId"), f"{where}.operationId"),
        )

    def model_name(
        self, schema: Any, models: dict[str, Model], http_method: str, path: str, where: str
    ) -> str | None:
        if schema is None:
            return None
        schema = self.mapping(schema, f"{where} schema")
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rpartition("/")[2]
            if name not in models:
                self.fail(where, f"schema $ref {ref!r} names no model")
            return name
        # An inline schema: API Gateway makes a model of it, named after the operation.
        name = re.sub(r"[^A-Za-z0-9]", "", f"{http_method.title()}{path.title()}") + "Body"
        models[name] = Model(name, frozen(schema))
        return name

    def security(
        self, operation: Mapping[str, Any], schemes: Mapping[str, Any], where: str
    ) -> tuple[str, bool, str | None]:
        requirements = self.array(
            operation.get("security", self.doc.get("security")), f"{where}.security"
        )
        authorization, api_key, authorizer = "NONE", False, None
        for requirement in requirements:
            for name in self.mapping(requirement, f"{where}.security"):
                scheme = schemes.get(name)
                if not isinstance(scheme, Mapping):
                    self.fail(f"{where}.security", f"{name!r} is not a declared security scheme")
                assert isinstance(scheme, Mapping)
                auth_type = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
                custom = scheme.get("x-amazon-apigateway-authorizer")
                if auth_type == "awssigv4":
                    authorization = "AWS_IAM"
                elif isinstance(custom, Mapping):
                    kind = str(custom.get("type", "")).lower()
                    authorization = (
                        "COGNITO_USER_POOLS" if kind == "cognito_user_pools" else "CUSTOM"
                    )
                    authorizer = str(name)
                elif auth_type == "cognito_user_pools":
                    authorization, authorizer = "COGNITO_USER_POOLS", str(name)
                elif (
                    scheme.get("type") == "apiKey"
                    and str(scheme.get("name", "")).lower() == "x-api-key"
                ):
                    api_key = True
        return authorization, api_key, authorizer

    def method_responses(
        self, operation: Mapping[str, Any], where: str
    ) -> tuple[MethodResponse, ...]:
        responses = []
        for status, raw in self.mapping(operation.get("responses"), f"{where}.responses").items():
            response = self.mapping(
                self.deref(raw, f"{where}.responses.{status}"), f"{where}.responses.{status}"
            )
            headers = self.mapping(response.get("headers"), f"{where}.responses.{status}.headers")
            responses.append(
                MethodResponse(
                    str(status),
                    frozen({f"method.response.header.{h}": False for h in headers}),
                )
            )
        return tuple(responses)

    def integration(self, raw: Any, where: str) -> Integration:
        raw = self.mapping(raw, where)
        kind = str(raw.get("type", "")).upper()
        if kind not in INTEGRATION_TYPES:
            self.fail(
                f"{where}.type",
                f"{raw.get('type')!r} is not an integration type "
                f"({', '.join(t.lower() for t in INTEGRATION_TYPES)})",
            )
        passthrough = str(raw.get("passthroughBehavior", "when_no_match")).upper()
        if passthrough not in PASSTHROUGH_BEHAVIORS:
            self.fail(
                f"{where}.passthroughBehavior",
                f"{raw.get('passthroughBehavior')!r} is not one of "
                f"{', '.join(p.lower() for p in PASSTHROUGH_BEHAVIORS)}",
            )
        responses = []
        for pattern, item in self.mapping(raw.get("responses"), f"{where}.responses").items():
            item = self.mapping(item, f"{where}.responses.{pattern}")
            if "statusCode" not in item:
                self.fail(f"{where}.responses.{pattern}.statusCode", "missing")
            responses.append(
                IntegrationResponse(
                    status_code=str(item["statusCode"]),
                    selection_pattern=None if pattern == "default" else str(pattern),
                    response_parameters=frozen(
                        self.strings(
                            item.get("responseParameters"),
                            f"{where}.responses.{pattern}.responseParameters",
                        )
                    ),
                    response_templates=frozen(
                        self.strings(
                            item.get("responseTemplates"),
                            f"{where}.responses.{pattern}.responseTemplates",
                        )
                    ),
                    content_handling=self.content_handling(
                        item.get("contentHandling"), f"{where}.responses.{pattern}.contentHandling"
                    ),
                )
            )
        timeout = raw.get("timeoutInMillis", 29_000)
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 50:
            self.fail(
                f"{where}.timeoutInMillis", f"{timeout!r} is not a number of milliseconds (>= 50)"
            )
        http_method = raw.get("httpMethod")
        return Integration(
            type=kind,  # type: ignore[arg-type]
            uri=self.name(raw.get("uri"), f"{where}.uri"),
            http_method=str(http_method).upper() if http_method else None,
            request_parameters=frozen(
                self.strings(raw.get("requestParameters"), f"{where}.requestParameters")
            ),
            request_templates=frozen(
                self.strings(raw.get("requestTemplates"), f"{where}.requestTemplates")
            ),
            passthrough_behavior=passthrough,  # type: ignore[arg-type]
            content_handling=self.content_handling(
                raw.get("contentHandling"), f"{where}.contentHandling"
            ),
            timeout_ms=timeout,
            responses=tuple(responses),
            credentials=self.name(raw.get("credentials"), f"{where}.credentials"),
            connection_type=self.name(raw.get("connectionType"), f"{where}.connectionType"),
        )

    def content_handling(self, value: Any, where: str) -> Any:
        if value is None:
            return None
        if value not in CONTENT_HANDLINGS:
            self.fail(where, f"{value!r} is not one of {', '.join(CONTENT_HANDLINGS)}")
        return value


def _api_id(document: Mapping[str, Any], info: Mapping[str, Any]) -> str:
    """The API id an export names in its server URL, else one made from the title."""
    for server in document.get("servers") or ():
        url = server.get("url", "") if isinstance(server, Mapping) else ""
        found = re.match(r"^https://([a-z0-9]{10})\.execute-api\.", str(url))
        if found:
            return found.group(1)
    host = document.get("host")
    found = re.match(r"^([a-z0-9]{10})\.execute-api\.", str(host or ""))
    if found:
        return found.group(1)
    return physical_id(f"openapi/{info.get('title', '')}")


def _throttle(raw: Any) -> ThrottleSettings | None:
    if not isinstance(raw, Mapping):
        return None
    return ThrottleSettings(float(raw.get("rateLimit", 10_000)), int(raw.get("burstLimit", 5_000)))


def _stage_extension(raw: Any, name: str) -> tuple[Stage, tuple[UsagePlan, ...]]:
    """`x-sagegate-stage` (see writer.py) read back: the stage's settings and usage plans."""
    if not isinstance(raw, Mapping):
        return Stage(name=name), ()
    stage = Stage(
        name=name,
        variables=frozen({str(k): str(v) for k, v in (raw.get("variables") or {}).items()}),
        method_settings=tuple(
            MethodSetting(
                str(item.get("resourcePath", "/*")),
                str(item.get("httpMethod", "*")),
                _throttle(item.get("throttle")),
            )
            for item in raw.get("methodSettings") or ()
        ),
        access_log_format=raw.get("accessLogFormat"),
        tracing_enabled=bool(raw.get("tracingEnabled", False)),
    )
    plans = []
    for plan in raw.get("usagePlans") or ():
        quota = plan.get("quota")
        plans.append(
            UsagePlan(
                id=str(plan.get("id", "")),
                name=plan.get("name"),
                throttle=_throttle(plan.get("throttle")),
                quota=QuotaSettings(
                    int(quota["limit"]), quota.get("period", "DAY"), int(quota.get("offset", 0))
                )
                if isinstance(quota, Mapping)
                else None,
                api_keys=tuple(
                    ApiKey(
                        str(k["id"]), str(k["value"]), k.get("name"), bool(k.get("enabled", True))
                    )
                    for k in plan.get("apiKeys") or ()
                ),
                method_throttles=frozen(
                    {
                        str(path): throttle
                        for path, value in (plan.get("methodThrottles") or {}).items()
                        if (throttle := _throttle(value)) is not None
                    }
                ),
            )
        )
    return stage, tuple(plans)


def api_from_openapi(document: Any, options: LoadOptions, *, source: str) -> RestApi:
    """The REST API an OpenAPI 3.0 / Swagger 2.0 document with API Gateway extensions holds."""
    if not isinstance(document, Mapping):
        raise ApiError(f"{source}: an OpenAPI document is an object")
    return _Reader(document, options, source).read()
