"""Read a REST API out of a CloudFormation template.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ApiGateway.html
The API is an `AWS::ApiGateway::RestApi` and the resources that name it: `Resource`, `Method`,
`Model`, `RequestValidator`, `GatewayResponse`, `Stage` (or a `Deployment`'s `StageName`),
`UsagePlan`, `UsagePlanKey` and `ApiKey`. A RestApi whose `Body` holds an OpenAPI document,
and a SAM `AWS::Serverless::Api` with a `DefinitionBody`, go through the OpenAPI door.
Every value is resolved when read; one that cannot be is an error naming the resource and
the property.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sagegate.api.cloudformation.intrinsics import Resolver, Unresolvable
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
from sagegate.api.values import boolean, method_request_parameters, string_map, text

REST_API = "AWS::ApiGateway::RestApi"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
SAM_API = "AWS::Serverless::Api"
# The property that holds an API's OpenAPI body.
_BODY_PROPERTIES = {REST_API: "Body", SAM_API: "DefinitionBody"}
# The property a resource is named by, which its Fn::GetAtt Arn ends with (without one,
# CloudFormation generates the name; ours is the logical id). The return values of
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html,
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html
# and https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html
_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
}


def _ref(resolver: Callable[[], Resolver]) -> Callable[[str, Mapping[str, Any]], Any]:
    def ref(logical_id: str, resource: Mapping[str, Any]) -> Any:
        """A resource's Ref: its physical id, as CloudFormation returns it for the type."""
        kind = resource.get("Type", "")
        properties = resource.get("Properties") or {}
        # A stage's and a model's Ref is its name, which may itself be a Ref to a parameter.
        if kind == "AWS::ApiGateway::Stage" and "StageName" in properties:
            return resolver().text(properties["StageName"])
        if kind == "AWS::ApiGateway::Model" and "Name" in properties:
            return resolver().text(properties["Name"])
        if kind == "AWS::SageMaker::Endpoint":
            # Ref is the endpoint's ARN, whose name part SageMaker writes in lower case:
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-endpoint.html#aws-resource-sagemaker-endpoint-return-values
            r = resolver()
            name = _endpoint_name(r, logical_id, properties)
            return f"arn:aws:sagemaker:{r.region}:{r.account_id}:endpoint/{name.lower()}"
        return _physical_ref(logical_id, kind)

    return ref


def _endpoint_name(r: Resolver, logical_id: str, properties: Mapping[str, Any]) -> str:
    """A SageMaker endpoint's name: its EndpointName, else (a name CloudFormation generates,
    as for the CDK's CfnEndpoint without one) its logical id, the name to bind locally with
    --endpoint LOGICAL_ID=..."""
    if "EndpointName" in properties:
        return r.text(properties["EndpointName"])
    return logical_id


def _physical_ref(logical_id: str, kind: str) -> Any:
    if kind in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Model"):
        return logical_id
    if kind.startswith("AWS::ApiGateway::"):
        return physical_id(logical_id)
    return logical_id


def _get_att(resolver: Callable[[], Resolver]) -> Callable[[str, Mapping[str, Any], str], Any]:
    def get_att(logical_id: str, resource: Mapping[str, Any], attribute: str) -> Any:
        kind = resource.get("Type", "")
        properties = resource.get("Properties") or {}
        r = resolver()
        if kind == REST_API and attribute == "RootResourceId":
            return physical_id(logical_id + "/")
        if kind == "AWS::SageMaker::Endpoint":
            if attribute == "EndpointName":
                return _endpoint_name(r, logical_id, properties)
            raise Unresolvable(
                f"Fn::GetAtt {logical_id}.{attribute}: an AWS::SageMaker::Endpoint's one "
                "attribute is EndpointName (its Ref is its ARN)"
            )
        if attribute == "Arn":
            service = kind.split("::")[1].lower() if kind.count("::") == 2 else "unknown"
            name = _ref(resolver)(logical_id, resource)
            name_property = _NAME_PROPERTIES.get(kind)
            if name_property in properties:
                name = r.text(properties[name_property])
            if kind == "AWS::IAM::Role":
                return f"arn:aws:iam::{r.account_id}:role/{name}"
            if kind == "AWS::Logs::LogGroup":
                return f"arn:aws:logs:{r.region}:{r.account_id}:log-group:{name}:*"
            if kind == "AWS::Lambda::Function":
                return f"arn:aws:lambda:{r.region}:{r.account_id}:function:{name}"
            return f"arn:aws:{service}:{r.region}:{r.account_id}:{name}"
        raise Unresolvable(f"Fn::GetAtt {logical_id}.{attribute}: not known locally ({kind})")

    return get_att


class _Reader:
    """Reads the resources of one template, resolving values as they are read."""

    def __init__(self, template: Mapping[str, Any], options: LoadOptions, source: str) -> None:
        self.template = template
        self.options = options
        self.source = source
        resources = template.get("Resources")
        if not isinstance(resources, Mapping):
            raise ApiError(f"{source}: a CloudFormation template's Resources must be a mapping")
        for logical, resource in resources.items():
            # CloudFormation's own template validation: a resource is a mapping with a Type
            # string, and Properties (when present) a mapping.
            if not isinstance(resource, Mapping):
                raise ApiError(f"{source}: resource {logical}: must be a mapping")
            if not isinstance(resource.get("Type"), str):
                raise ApiError(f"{source}: resource {logical} Type: missing, or not a string")
            if resource.get("Properties") is not None and not isinstance(
                resource["Properties"], Mapping
            ):
                raise ApiError(f"{source}: resource {logical} Properties: must be a mapping")
        for section in ("Parameters", "Conditions", "Mappings"):
            if template.get(section) is not None and not isinstance(template[section], Mapping):
                raise ApiError(f"{source}: {section}: must be a mapping")
        self.resources: Mapping[str, Any] = _with_sam_globals(template, resources)
        self.resolver = Resolver(
            template,
            region=options.region,
            account_id=options.account_id,
            stack_name="sagegate-local",
            parameters=options.parameters,
            ref=_ref(lambda: self.resolver),
            get_att=_get_att(lambda: self.resolver),
            include=self._include,
        )

    # -- reading values -------------------------------------------------------------

    def value(self, logical: str, prop: str, raw: Any) -> Any:
        """A resolved property value; an unresolvable one is an error naming both."""
        try:
            return self.resolver.resolve(raw)
        except Unresolvable as exc:
            kind = self.resources[logical].get("Type", "?") if logical in self.resources else "?"
            raise ApiError(
                f"{self.source}: resource {logical} ({kind}) property {prop}: "
                f"cannot be resolved locally: {exc}"
            ) from None
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise ApiError(
                f"{self.source}: resource {logical} property {prop}: malformed intrinsic "
                f"function: {exc}"
            ) from None

    def prop(self, logical: str, name: str, default: Any = None) -> Any:
        """Property `name` of resource `logical`, resolved (`default` when absent)."""
        properties = self.resources[logical].get("Properties") or {}
        if name not in properties:
            return default
        return self.value(logical, name, properties[name])

    def of_type(self, kind: str) -> list[str]:
        """The logical ids of every resource of a type (in template order)."""
        return [
            logical
            for logical, resource in self.resources.items()
            if isinstance(resource, Mapping)
            and resource.get("Type") == kind
            and self._included(logical, resource)
        ]

    def _included(self, logical: str, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        if condition is None:
            return True
        try:
            return self.resolver.condition(condition)
        except Unresolvable as exc:
            raise ApiError(f"{self.source}: resource {logical} Condition: {exc}") from None
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            raise ApiError(
                f"{self.source}: resource {logical} Condition {condition!r}: malformed "
                f"condition function: {exc}"
            ) from None

    def belongs(self, logical: str, api_id: str, prop: str = "RestApiId") -> bool:
        """True when the resource's `prop` names the API."""
        properties = self.resources[logical].get("Properties") or {}
        return prop in properties and self.value(logical, prop, properties[prop]) == api_id

    # -- the API --------------------------------------------------------------------

    def choose_api(self) -> str:
        apis = self.of_type(REST_API) + [
            logical
            for logical in self.of_type(SAM_API)
            if "DefinitionBody" in self.props(logical) or "DefinitionUri" in self.props(logical)
        ]
        wanted = self.options.api
        if wanted is not None:
            if wanted not in apis:
                listed = ", ".join(apis) or "none"
                raise ApiError(
                    f"{self.source}: --api {wanted}: no RestApi of that logical id "
                    f"(the template has: {listed})"
                )
            return wanted
        if not apis:
            if self.of_type(SAM_API) or any(
                isinstance(r, Mapping) and r.get("Type") == "AWS::Serverless::Function"
                for r in self.resources.values()
            ):
                raise ApiError(
                    f"{self.source}: no API in it that sagegate reads: SAM's implicit APIs "
                    "(a function's Api events) and AWS::Serverless::Api without DefinitionBody "
                    "or DefinitionUri are made by the SAM transform; serve its output (sam build, "
                    "or sam validate --debug) or an AWS::ApiGateway::RestApi"
                )
            raise ApiError(f"{self.source}: no API in it: the template has no {REST_API}")
        if len(apis) > 1:
            raise ApiError(
                f"{self.source}: the template has {len(apis)} REST APIs ({', '.join(apis)}); "
                "choose one with --api LOGICAL_ID"
            )
        return apis[0]

    def flag(self, logical: str, name: str, default: bool = False) -> bool:
        """A Boolean property, as CloudFormation reads one (true/false, or their strings)."""
        return cfn_bool(
            self.prop(logical, name, default), f"{self.source}: resource {logical} property {name}"
        )

    def props(self, logical: str) -> Mapping[str, Any]:
        """The raw properties of a resource."""
        properties = self.resources[logical].get("Properties") or {}
        return properties if isinstance(properties, Mapping) else {}

    def read(self) -> RestApi:
        logical = self.choose_api()
        kind = self.resources[logical]["Type"]
        body = self.prop(logical, _BODY_PROPERTIES[kind])
        if kind == SAM_API:
            self._check_sam(logical)
            if body is None:
                body = self._definition_uri(logical)
        if body is None and self.prop(logical, "BodyS3Location") is not None:
            raise ApiError(
                f"{self.source}: resource {logical} ({kind}) property BodyS3Location: an "
                "OpenAPI body in S3 is not read locally; serve the OpenAPI file itself"
            )
        if body is not None:
            return self._from_body(logical, kind, body)
        api_id = physical_id(logical)
        name = self.prop(logical, "Name") or logical
        paths = self._resource_paths(logical, api_id)
        models = self._models(api_id)
        validators = self._validators(api_id)
        methods: dict[str, dict[str, Method]] = {path: {} for path in paths.values()}
        for method_id in self.of_type("AWS::ApiGateway::Method"):
            if not self.belongs(method_id, api_id):
                continue
            resource_id = self.prop(method_id, "ResourceId")
            if not isinstance(resource_id, str) or resource_id not in paths:
                raise ApiError(
                    f"{self.source}: resource {method_id} (AWS::ApiGateway::Method) property "
                    "ResourceId: not a resource of the API"
                )
            method = self._method(method_id, validators)
            methods[paths[resource_id]][method.http_method] = method
        stage = self._stage(logical, api_id)
        policy = self.prop(logical, "Policy")
        if isinstance(policy, str):
            policy = self._json(logical, "Policy", policy)
        endpoint = self.mapping(logical, "EndpointConfiguration")
        types = endpoint.get("Types") or ["EDGE"]
        if not isinstance(types, list):
            raise ApiError(
                f"{self.source}: resource {logical} property EndpointConfiguration.Types: "
                "must be a list"
            )
        key_source = str(self.prop(logical, "ApiKeySourceType") or "HEADER")
        if key_source not in ("HEADER", "AUTHORIZER"):
            raise ApiError(
                f"{self.source}: resource {logical} property ApiKeySourceType: "
                f"{key_source!r} is not HEADER or AUTHORIZER"
            )
        return RestApi(
            name=str(name),
            id=api_id,
            stage=stage,
            resources=tuple(Resource(path, frozen(methods[path])) for path in sorted(methods)),
            models=frozen(models),
            gateway_responses=frozen(self._gateway_responses(api_id)),
            binary_media_types=tuple(
                str(t).replace("~1", "/") for t in self.prop(logical, "BinaryMediaTypes") or ()
            ),
            api_key_source=key_source,  # type: ignore[arg-type]
            usage_plans=self._usage_plans(api_id, stage.name),
            policy=policy,
            endpoint_type=str(types[0]),
            description=self.prop(logical, "Description"),
        )

    def _from_body(self, logical: str, kind: str, body: Any) -> RestApi:
        """The OpenAPI body's API, with what the template adds around it: its stage (a
        Stage resource, or SAM's StageName), usage plans and gateway responses."""
        from dataclasses import replace

        from sagegate.api.openapi import api_from_openapi

        if isinstance(body, str):
            body = self._json(logical, "Body", body)
        api_id = physical_id(logical)
        api = api_from_openapi(body, self.options, source=f"{self.source} ({logical}.Body)")
        has_stage = any(
            self.belongs(s, api_id) for s in self.of_type("AWS::ApiGateway::Stage")
        ) or any(
            self.belongs(d, api_id) and self.prop(d, "StageName")
            for d in self.of_type("AWS::ApiGateway::Deployment")
        )
        binary = api.binary_media_types
        gateway_responses = {**api.gateway_responses, **self._gateway_responses(api_id)}
        if kind == SAM_API:
            # SAM's Api deploys its own stage, with the Stage properties it takes itself
            # (StageName, Variables, MethodSettings, AccessLogSetting, TracingEnabled):
            # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html
            sam_stage = str(self.prop(logical, "StageName") or api.stage.name)
            if self.options.stage in (None, sam_stage):
                stage = self._stage_settings(logical, sam_stage, self.props(logical))
            else:
                stage = replace(api.stage, name=self.options.stage)
            # SAM writes its BinaryMediaTypes and GatewayResponses into the body.
            binary += tuple(
                str(t).replace("~1", "/") for t in self.prop(logical, "BinaryMediaTypes") or ()
            )
            gateway_responses.update(self._sam_gateway_responses(logical))
        elif has_stage:
            stage = self._stage(logical, api_id)
        else:
            stage = api.stage
        name = self.prop(logical, "Name")
        return replace(
            api,
            id=api_id,
            name=str(name) if name else api.name,
            stage=stage,
            binary_media_types=tuple(dict.fromkeys(binary)),
            usage_plans=api.usage_plans + self._usage_plans(api_id, stage.name),
            gateway_responses=frozen(gateway_responses),
        )

    def _check_sam(self, logical: str) -> None:
        """SAM properties whose effect the SAM transform writes into the OpenAPI body (security
        on every operation, OPTIONS methods, a usage plan): sagegate does not run the
        transform, and serving the body without them would be another API."""
        for prop, what in (
            ("Auth", "authorizers, API keys and resource policies"),
            ("Cors", "an OPTIONS method on every path"),
        ):
            if self.prop(logical, prop):
                raise ApiError(
                    f"{self.source}: resource {logical} ({SAM_API}) property {prop}: the SAM "
                    f"transform writes {what} into the definition, which sagegate does not "
                    "run; serve the transformed template (`sam validate --debug` prints it) "
                    "or write them in DefinitionBody"
                )

    def _definition_uri(self, logical: str) -> Any:
        """SAM's DefinitionUri: a local file (before `sam deploy` uploads it) is read,
        relative to the template; one in S3 cannot be."""
        uri = self.prop(logical, "DefinitionUri")
        at = f"{self.source}: resource {logical} ({SAM_API}) property DefinitionUri"
        if isinstance(uri, Mapping) or (isinstance(uri, str) and uri.startswith("s3://")):
            raise ApiError(
                f"{at}: an OpenAPI definition in S3 is not read locally; point DefinitionUri "
                "at the local file, or serve the OpenAPI file itself"
            )
        if not isinstance(uri, str) or not uri:
            raise ApiError(f"{at}: missing (a SAM Api needs DefinitionBody or DefinitionUri)")
        return self._local_document(at, uri)

    def _local_document(self, at: str, location: str) -> Any:
        from sagegate.api.load import read_document

        path = Path(self.source).parent / location
        if not path.is_file():
            raise ApiError(f"{at}: {location!r}: no such file (next to the template: {path})")
        return read_document(path)

    def _include(self, location: str) -> Any:
        """An AWS::Include snippet's content (a local file, relative to the template)."""
        from sagegate.api.load import read_document

        path = Path(self.source).parent / location
        if not path.is_file():
            raise Unresolvable(f"AWS::Include of {location!r}: no such file ({path})")
        try:
            return read_document(path)
        except ApiError as exc:
            raise Unresolvable(f"AWS::Include: {exc}") from None

    def _sam_gateway_responses(self, logical: str) -> dict[str, GatewayResponse]:
        """SAM's GatewayResponses, as the transform writes them into the body: each of
        ResponseParameters' Headers, Paths and QueryStrings becomes
        gatewayresponse.header|path|querystring.NAME with its value as given ("'*'").

        https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-gatewayresponse.html
        """
        responses = {}
        for response_type, item in self.mapping(logical, "GatewayResponses").items():
            at = f"{self.source}: resource {logical} property GatewayResponses.{response_type}"
            if not isinstance(item, Mapping):
                raise ApiError(f"{at}: must be a mapping")
            parameters: dict[str, str] = {}
            raw = item.get("ResponseParameters") or {}
            if not isinstance(raw, Mapping):
                raise ApiError(f"{at}.ResponseParameters: must be a mapping")
            for group, prefix in (
                ("Headers", "header"),
                ("Paths", "path"),
                ("QueryStrings", "querystring"),
            ):
                for key, value in string_map(
                    raw.get(group), f"{at}.ResponseParameters.{group}"
                ).items():
                    parameters[f"gatewayresponse.{prefix}.{key}"] = value
            status = item.get("StatusCode")
            responses[str(response_type)] = GatewayResponse(
                str(response_type),
                str(status) if status is not None else None,
                frozen(parameters),
                frozen(string_map(item.get("ResponseTemplates"), f"{at}.ResponseTemplates")),
            )
        return responses

    def _json(self, logical: str, prop: str, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ApiError(
                f"{self.source}: resource {logical} property {prop}: not JSON: {exc}"
            ) from None

    def _resource_paths(self, api_logical: str, api_id: str) -> dict[str, str]:
        """Resource id -> path ('/a/{b}'), the root included."""
        root = physical_id(api_logical + "/")
        parents: dict[str, tuple[str, str, str]] = {}
        for logical in self.of_type("AWS::ApiGateway::Resource"):
            if not self.belongs(logical, api_id):
                continue
            part = self.prop(logical, "PathPart")
            if not isinstance(part, str) or not part:
                raise ApiError(f"{self.source}: resource {logical} property PathPart: missing")
            parents[physical_id(logical)] = (str(self.prop(logical, "ParentId")), part, logical)
        paths = {root: "/"}

        def path_of(resource_id: str, seen: tuple[str, ...] = ()) -> str:
            if resource_id in paths:
                return paths[resource_id]
            parent, part, logical = parents[resource_id]
            if parent not in paths and (parent not in parents or parent in seen):
                raise ApiError(
                    f"{self.source}: resource {logical} property ParentId: "
                    "not a resource of the API"
                )
            paths[resource_id] = path_of(parent, (*seen, resource_id)).rstrip("/") + "/" + part
            return paths[resource_id]

        for resource_id in parents:
            path_of(resource_id)
        return paths

    def _models(self, api_id: str) -> dict[str, Model]:
        models = {}
        for logical in self.of_type("AWS::ApiGateway::Model"):
            if not self.belongs(logical, api_id):
                continue
            name = str(self.value(logical, "Name", {"Ref": logical}))
            schema = self.prop(logical, "Schema") or {}
            if isinstance(schema, str):
                schema = self._json(logical, "Schema", schema)
            models[name] = Model(
                name, frozen(schema), self.prop(logical, "ContentType") or "application/json"
            )
        return models

    def _validators(self, api_id: str) -> dict[str, RequestValidator]:
        validators = {}
        for logical in self.of_type("AWS::ApiGateway::RequestValidator"):
            if not self.belongs(logical, api_id):
                continue
            validators[physical_id(logical)] = RequestValidator(
                name=str(self.prop(logical, "Name") or logical),
                validate_request_body=self.flag(logical, "ValidateRequestBody"),
                validate_request_parameters=self.flag(logical, "ValidateRequestParameters"),
            )
        return validators

    def mapping(self, logical: str, name: str) -> Mapping[str, Any]:
        """A property that must be a mapping ({} when absent)."""
        value = self.prop(logical, name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ApiError(
                f"{self.source}: resource {logical} property {name}: must be a mapping, "
                f"not {type(value).__name__}"
            )
        return value

    def _map(self, value: Any, where: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ApiError(f"{where}: must be a mapping, not {type(value).__name__}")
        return value

    def items(self, logical: str, name: str, raw: Any) -> list[Mapping[str, Any]]:
        """A list property whose items are mappings ([] when absent)."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise ApiError(
                f"{self.source}: resource {logical} property {name}: must be a list, "
                f"not {type(raw).__name__}"
            )
        for index, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise ApiError(
                    f"{self.source}: resource {logical} property {name}[{index}]: must be a "
                    f"mapping, not {type(item).__name__}"
                )
        return raw

    def _method(self, logical: str, validators: Mapping[str, RequestValidator]) -> Method:
        where = f"{self.source}: resource {logical}"
        http_method = str(self.prop(logical, "HttpMethod") or "").upper()
        if not http_method:
            raise ApiError(f"{where} property HttpMethod: missing")
        # PutMethod's httpMethod: https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html
        if http_method not in HTTP_METHODS:
            raise ApiError(
                f"{where} property HttpMethod: {http_method!r} is not one of "
                f"{', '.join(HTTP_METHODS)}"
            )
        validator_id = self.prop(logical, "RequestValidatorId")
        if validator_id is not None and (
            not isinstance(validator_id, str) or validator_id not in validators
        ):
            raise ApiError(
                f"{self.source}: resource {logical} property RequestValidatorId: not a "
                "request validator of the API"
            )
        raw = self.props(logical).get("Integration")
        integration = self._integration(logical, raw) if raw is not None else None
        authorization = str(self.prop(logical, "AuthorizationType") or "NONE").upper()
        # A type API Gateway does not know is refused at deploy ("Invalid authorization
        # type"); serving it as NONE would open a method the template meant to protect.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-method.html#cfn-apigateway-method-authorizationtype
        if authorization not in AUTHORIZATION_TYPES:
            raise ApiError(
                f"{where} property AuthorizationType: {authorization!r} is not one of "
                f"{', '.join(AUTHORIZATION_TYPES)}"
            )
        return Method(
            http_method=http_method,
            authorization_type=authorization,  # type: ignore[arg-type]
            api_key_required=self.flag(logical, "ApiKeyRequired"),
            request_parameters=frozen(
                method_request_parameters(
                    {
                        str(k): cfn_bool(v, f"{where} property RequestParameters.{k}")
                        for k, v in self.mapping(logical, "RequestParameters").items()
                    },
                    f"{where} property RequestParameters",
                )
            ),
            request_validator=validators.get(validator_id) if validator_id else None,
            request_models=frozen(
                string_map(self.prop(logical, "RequestModels"), f"{where} property RequestModels")
            ),
            integration=integration,
            method_responses=tuple(
                MethodResponse(
                    str(r.get("StatusCode")),
                    frozen(
                        {
                            str(k): cfn_bool(
                                v, f"{where} property MethodResponses[{i}].ResponseParameters.{k}"
                            )
                            for k, v in self._map(
                                r.get("ResponseParameters"),
                                f"{where} property MethodResponses[{i}].ResponseParameters",
                            ).items()
                        }
                    ),
                    frozen(
                        string_map(
                            r.get("ResponseModels"),
                            f"{where} property MethodResponses[{i}].ResponseModels",
                        )
                    ),
                )
                for i, r in enumerate(
                    self.items(logical, "MethodResponses", self.prop(logical, "MethodResponses"))
                )
            ),
            authorizer=text(self.prop(logical, "AuthorizerId"), f"{where} property AuthorizerId"),
            operation_name=text(
                self.prop(logical, "OperationName"), f"{where} property OperationName"
            ),
        )

    def _integration(self, logical: str, raw: Any) -> Integration:
        def get(name: str, default: Any = None) -> Any:
            if not isinstance(raw, Mapping) or name not in raw:
                return default
            return self.value(logical, f"Integration.{name}", raw[name])

        kind = str(get("Type", "")).upper()
        if kind not in INTEGRATION_TYPES:
            raise ApiError(
                f"{self.source}: resource {logical} property Integration.Type: "
                f"{kind or 'missing'!r} is not an integration type ({', '.join(INTEGRATION_TYPES)})"
            )
        passthrough = str(get("PassthroughBehavior", "WHEN_NO_MATCH")).upper()
        if passthrough not in PASSTHROUGH_BEHAVIORS:
            raise ApiError(
                f"{self.source}: resource {logical} property Integration.PassthroughBehavior: "
                f"{passthrough!r} is not one of {', '.join(PASSTHROUGH_BEHAVIORS)}"
            )
        responses = []
        responses_raw = get("IntegrationResponses")
        for index, response in enumerate(
            self.items(logical, "Integration.IntegrationResponses", responses_raw)
        ):
            handling = response.get("ContentHandling")
            at = f"{self.source}: resource {logical} property Integration.IntegrationResponses"
            at = f"{at}[{index}]"
            status = response.get("StatusCode")
            if not isinstance(status, str | int) or not re.fullmatch(r"[1-5]\d\d", str(status)):
                raise ApiError(f"{at}.StatusCode: {status!r} is not an HTTP status code")
            responses.append(
                IntegrationResponse(
                    status_code=str(status),
                    selection_pattern=text(
                        response.get("SelectionPattern"), f"{at}.SelectionPattern"
                    )
                    or None,
                    response_parameters=frozen(
                        string_map(response.get("ResponseParameters"), f"{at}.ResponseParameters")
                    ),
                    response_templates=frozen(
                        string_map(response.get("ResponseTemplates"), f"{at}.ResponseTemplates")
                    ),
                    content_handling=_content_handling(
                        handling,
                        f"{self.source}: resource {logical} property "
                        f"Integration.IntegrationResponses[{index}].ContentHandling",
                    ),
                )
            )
        timeout = get("TimeoutInMillis", 29_000)
        try:
            timeout = int(timeout)
        except (TypeError, ValueError):
            timeout = -1
        if timeout < 50:
            raise ApiError(
                f"{self.source}: resource {logical} property Integration.TimeoutInMillis: "
                f"{get('TimeoutInMillis')!r} is not a number of milliseconds (>= 50)"
            )
        http_method = get("IntegrationHttpMethod")
        credentials = get("Credentials")
        at = f"{self.source}: resource {logical} property Integration"
        return Integration(
            type=kind,  # type: ignore[arg-type]
            uri=text(get("Uri"), f"{at}.Uri"),
            http_method=str(http_method).upper() if http_method else None,
            request_parameters=frozen(
                string_map(get("RequestParameters"), f"{at}.RequestParameters")
            ),
            request_templates=frozen(string_map(get("RequestTemplates"), f"{at}.RequestTemplates")),
            passthrough_behavior=passthrough,  # type: ignore[arg-type]
            content_handling=_content_handling(
                get("ContentHandling"),
                f"{self.source}: resource {logical} property Integration.ContentHandling",
            ),
            timeout_ms=timeout,
            responses=tuple(responses),
            # The role API Gateway assumes to call the service; an export writes it.
            credentials=str(credentials) if credentials else None,
            connection_type=text(get("ConnectionType"), f"{at}.ConnectionType"),
        )

    def _gateway_responses(self, api_id: str) -> dict[str, GatewayResponse]:
        responses = {}
        for logical in self.of_type("AWS::ApiGateway::GatewayResponse"):
            if not self.belongs(logical, api_id):
                continue
            response_type = str(self.prop(logical, "ResponseType"))
            status = self.prop(logical, "StatusCode")
            at = f"{self.source}: resource {logical} property"
            responses[response_type] = GatewayResponse(
                response_type,
                str(status) if status is not None else None,
                frozen(
                    string_map(self.prop(logical, "ResponseParameters"), f"{at} ResponseParameters")
                ),
                frozen(
                    string_map(self.prop(logical, "ResponseTemplates"), f"{at} ResponseTemplates")
                ),
            )
        return responses

    def _stage(self, api_logical: str, api_id: str) -> Stage:
        candidates: list[tuple[str, str, Mapping[str, Any]]] = []
        for logical in self.of_type("AWS::ApiGateway::Stage"):
            if self.belongs(logical, api_id):
                candidates.append(
                    (logical, str(self.prop(logical, "StageName")), self.props(logical))
                )
        for logical in self.of_type("AWS::ApiGateway::Deployment"):
            if self.belongs(logical, api_id) and self.prop(logical, "StageName"):
                description = self.props(logical).get("StageDescription") or {}
                candidates.append((logical, str(self.prop(logical, "StageName")), description))
        wanted = self.options.stage
        if wanted is not None:
            candidates = [c for c in candidates if c[1] == wanted]
            if not candidates:
                # A stage the template does not deploy: served with the stage's defaults.
                return Stage(name=wanted)
        if len(candidates) > 1:
            names = ", ".join(sorted({c[1] for c in candidates}))
            raise ApiError(
                f"{self.source}: the API {api_logical} has several stages ({names}); choose "
                "one with --stage NAME"
            )
        if not candidates:
            return Stage(name="prod")
        ((logical, name, props),) = candidates
        return self._stage_settings(logical, name, props)

    def _stage_settings(self, logical: str, name: str, props: Mapping[str, Any]) -> Stage:
        def get(key: str, default: Any = None) -> Any:
            return self.value(logical, key, props[key]) if key in props else default

        # One setting per resource and method: the CDK writes logging and throttling of
        # '/*/*' as two entries, which the stage holds as one.
        at = f"{self.source}: resource {logical} property"
        merged: dict[tuple[str, str], ThrottleSettings | None] = {}
        for index, item in enumerate(self.items(logical, "MethodSettings", get("MethodSettings"))):
            key = (
                _setting_path(str(item.get("ResourcePath", "/*"))),
                str(item.get("HttpMethod", "*")),
            )
            throttle = merged.get(key)
            if "ThrottlingRateLimit" in item or "ThrottlingBurstLimit" in item:
                throttle = ThrottleSettings(
                    _number(
                        item.get("ThrottlingRateLimit", 10_000),
                        f"{at} MethodSettings[{index}].ThrottlingRateLimit",
                    ),
                    int(
                        _number(
                            item.get("ThrottlingBurstLimit", 5_000),
                            f"{at} MethodSettings[{index}].ThrottlingBurstLimit",
                        )
                    ),
                )
            merged[key] = throttle
        settings = [
            MethodSetting(path, method, throttle) for (path, method), throttle in merged.items()
        ]
        if "ThrottlingRateLimit" in props or "ThrottlingBurstLimit" in props:
            # A Deployment's StageDescription sets the stage-wide throttle directly.
            settings.append(
                MethodSetting(
                    "/*",
                    "*",
                    ThrottleSettings(
                        _number(get("ThrottlingRateLimit", 10_000), f"{at} ThrottlingRateLimit"),
                        int(
                            _number(
                                get("ThrottlingBurstLimit", 5_000), f"{at} ThrottlingBurstLimit"
                            )
                        ),
                    ),
                )
            )
        access_log = get("AccessLogSetting") or {}
        if not isinstance(access_log, Mapping):
            raise ApiError(f"{at} AccessLogSetting: must be a mapping")
        return Stage(
            name=name,
            variables=frozen(string_map(get("Variables"), f"{at} Variables")),
            method_settings=tuple(settings),
            access_log_format=text(access_log.get("Format"), f"{at} AccessLogSetting.Format"),
            tracing_enabled=cfn_bool(
                get("TracingEnabled", False),
                f"{self.source}: resource {logical} property TracingEnabled",
            ),
        )

    def _usage_plans(self, api_id: str, stage: str) -> tuple[UsagePlan, ...]:
        keys_of: dict[str, list[ApiKey]] = {}
        for logical in self.of_type("AWS::ApiGateway::UsagePlanKey"):
            plan_id = str(self.prop(logical, "UsagePlanId"))
            key_id = self.prop(logical, "KeyId")
            key_logical = next(
                (k for k in self.of_type("AWS::ApiGateway::ApiKey") if physical_id(k) == key_id),
                None,
            )
            if key_logical is None:
                continue
            value = self.prop(key_logical, "Value")
            keys_of.setdefault(plan_id, []).append(
                ApiKey(
                    id=str(key_id),
                    # CloudFormation generates a value when none is given: ours is stable.
                    value=str(value) if value else physical_id(key_logical + "/value", 40),
                    name=self.prop(key_logical, "Name"),
                    enabled=self.flag(key_logical, "Enabled"),
                )
            )
        plans = []
        for logical in self.of_type("AWS::ApiGateway::UsagePlan"):
            for api_stage in self.items(logical, "ApiStages", self.prop(logical, "ApiStages")):
                if api_stage.get("ApiId") != api_id or api_stage.get("Stage") != stage:
                    continue
                plan_id = physical_id(logical)
                at = f"{self.source}: resource {logical} property"
                quota = self.mapping(logical, "Quota")
                period = str(quota.get("Period", "DAY"))
                if period not in ("DAY", "WEEK", "MONTH"):
                    raise ApiError(f"{at} Quota.Period: {period!r} is not DAY, WEEK or MONTH")
                plans.append(
                    UsagePlan(
                        id=plan_id,
                        name=self.prop(logical, "UsagePlanName"),
                        throttle=_throttle(self.prop(logical, "Throttle")),
                        quota=QuotaSettings(
                            int(_number(quota["Limit"], f"{at} Quota.Limit")),
                            period,  # type: ignore[arg-type]
                            int(_number(quota.get("Offset", 0), f"{at} Quota.Offset")),
                        )
                        if "Limit" in quota
                        else None,
                        api_keys=tuple(keys_of.get(plan_id, ())),
                        method_throttles=frozen(
                            {
                                path: throttle
                                for path, raw in self._map(
                                    api_stage.get("Throttle"), f"{at} ApiStages[].Throttle"
                                ).items()
                                if (throttle := _throttle(raw)) is not None
                            }
                        ),
                    )
                )
        return tuple(plans)


def _setting_path(raw: str) -> str:
    """A MethodSetting's ResourcePath as a resource path: `/~1a~1b` is /a/b (an initial slash,
    then the path with each '/' written '~1'); `/` and `/*` are themselves.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-stage-methodsetting.html
    """
    return raw[1:].replace("~1", "/") if raw.startswith("/~1") else raw


def _throttle(raw: Any) -> ThrottleSettings | None:
    if not isinstance(raw, Mapping) or not ("RateLimit" in raw or "BurstLimit" in raw):
        return None
    return ThrottleSettings(
        _number(raw.get("RateLimit", 10_000), "a usage plan's Throttle.RateLimit"),
        int(_number(raw.get("BurstLimit", 5_000), "a usage plan's Throttle.BurstLimit")),
    )


def _number(value: Any, where: str) -> float:
    """A number property (CloudFormation takes numbers written as strings too)."""
    if isinstance(value, bool):
        raise ApiError(f"{where}: {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError(f"{where}: {value!r} is not a number") from None


def _with_sam_globals(
    template: Mapping[str, Any], resources: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The resources with SAM's `Globals: Api:` applied to every AWS::Serverless::Api.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html
    A resource's own scalar replaces the global one, mappings are merged (the resource's
    keys win) and lists are concatenated, the global items first.
    """
    globals_section = template.get("Globals")
    api = globals_section.get("Api") if isinstance(globals_section, Mapping) else None
    if not isinstance(api, Mapping) or not api:
        return resources
    merged: dict[str, Any] = {}
    for logical, resource in resources.items():
        if resource.get("Type") == SAM_API:
            properties = _sam_merge(api, resource.get("Properties") or {})
            resource = {**resource, "Properties": properties}
        merged[logical] = resource
    return merged


def _sam_merge(global_value: Any, own: Any) -> Any:
    if isinstance(global_value, Mapping) and isinstance(own, Mapping):
        keys = [*global_value, *(k for k in own if k not in global_value)]
        return {
            k: _sam_merge(global_value[k], own[k])
            if k in global_value and k in own
            else own.get(k, global_value.get(k))
            for k in keys
        }
    if isinstance(global_value, list) and isinstance(own, list):
        return [*global_value, *own]
    return own


def cfn_bool(value: Any, where: str) -> bool:
    """A Boolean as CloudFormation takes it: true/false, or the strings "true"/"false" in any
    case (a `Ref` to a String parameter, a quoted YAML value). Python's truth would read
    "false" as true; anything else is refused, as CloudFormation refuses it.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    (parameter values are strings; Boolean properties take "true" and "false").
    """
    found = boolean(value.strip() if isinstance(value, str) else value)
    if found is not None:
        return found
    raise ApiError(f"{where}: {value!r} is not a Boolean (true or false)")


def _content_handling(value: Any, where: str) -> Any:
    if value is None:
        return None
    if value not in CONTENT_HANDLINGS:
        raise ApiError(f"{where}: {value!r} is not one of {', '.join(CONTENT_HANDLINGS)}")
    return value


def api_from_template(template: Any, options: LoadOptions, *, source: str) -> RestApi:
    """The REST API a template deploys (`options.api` picks one of several)."""
    if not isinstance(template, Mapping):
        raise ApiError(f"{source}: a CloudFormation template is a mapping")
    return _Reader(template, options, source).read()
