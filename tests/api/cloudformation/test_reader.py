"""CloudFormation templates written by hand: YAML short-form tags, intrinsics, SAM bodies."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sagegate.api.errors import ApiError
from sagegate.api.load import load_api
from sagegate.api.model import RestApi
from sagegate.api.options import LoadOptions

YAML = textwrap.dedent(
    """\
    AWSTemplateFormatVersion: '2010-09-09'
    Parameters:
      EndpointName:
        Type: String
        Default: movie-ratings
      Tier:
        Type: String
        Default: gold
    Conditions:
      IsGold: !Equals [!Ref Tier, gold]
    Mappings:
      Limits:
        gold: {Rate: 50}
    Resources:
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties:
          Name: !Sub '${AWS::StackName}-ratings'
          BinaryMediaTypes: [image/png]
          ApiKeySourceType: HEADER
      Ratings:
        Type: AWS::ApiGateway::Resource
        Properties:
          RestApiId: !Ref Api
          ParentId: !GetAtt Api.RootResourceId
          PathPart: ratings
      User:
        Type: AWS::ApiGateway::Resource
        Properties:
          RestApiId: !Ref Api
          ParentId: !Ref Ratings
          PathPart: '{user}'
      Validator:
        Type: AWS::ApiGateway::RequestValidator
        Properties:
          RestApiId: !Ref Api
          ValidateRequestParameters: true
      Get:
        Type: AWS::ApiGateway::Method
        Properties:
          RestApiId: !Ref Api
          ResourceId: !Ref User
          HttpMethod: GET
          AuthorizationType: AWS_IAM
          ApiKeyRequired: true
          RequestValidatorId: !Ref Validator
          RequestParameters: {method.request.querystring.items: true}
          Integration:
            Type: AWS
            IntegrationHttpMethod: POST
            Uri: !Sub 'SAGEMAKER_URI'
            PassthroughBehavior: NEVER
            TimeoutInMillis: 5000
            RequestTemplates:
              application/json: !Join ['', ['{"user": "', '$input.params(''user'')', '"}']]
            IntegrationResponses:
              - StatusCode: '200'
              - StatusCode: '400'
                SelectionPattern: !Select [0, !Split [',', '4\\d{2},5\\d{2}']]
      Stage:
        Type: AWS::ApiGateway::Stage
        Properties:
          RestApiId: !Ref Api
          StageName: live
          DeploymentId: !Ref Deployment
          TracingEnabled: true
          Variables: {color: blue}
          MethodSettings:
            - ResourcePath: /*
              HttpMethod: '*'
              ThrottlingRateLimit: !If [IsGold, !FindInMap [Limits, gold, Rate], 1]
              ThrottlingBurstLimit: 10
      Deployment:
        Type: AWS::ApiGateway::Deployment
        DependsOn: Get
        Properties:
          RestApiId: !Ref Api
      Plan:
        Type: AWS::ApiGateway::UsagePlan
        Properties:
          ApiStages:
            - ApiId: !Ref Api
              Stage: !Ref Stage
              Throttle:
                /ratings/{user}/GET: {RateLimit: 5, BurstLimit: 2}
          Quota: {Limit: 100, Period: WEEK}
      Key:
        Type: AWS::ApiGateway::ApiKey
        Properties:
          Enabled: true
          Value: key-from-the-template-000001
      Generated:
        Type: AWS::ApiGateway::ApiKey
        Properties:
          Enabled: true
      PlanKey:
        Type: AWS::ApiGateway::UsagePlanKey
        Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
      PlanKey2:
        Type: AWS::ApiGateway::UsagePlanKey
        Properties: {KeyId: !Ref Generated, KeyType: API_KEY, UsagePlanId: !Ref Plan}
      NotFound:
        Type: AWS::ApiGateway::GatewayResponse
        Properties:
          RestApiId: !Ref Api
          ResponseType: MISSING_AUTHENTICATION_TOKEN
          StatusCode: '404'
          ResponseTemplates:
            application/json: '{"message": "no such route"}'
    """
).replace(
    "SAGEMAKER_URI",
    "arn:${AWS::Partition}:apigateway:${AWS::Region}:runtime.sagemaker:path/endpoints/"
    "${EndpointName}/invocations",
)


def read(tmp_path: Path, text: str, name: str = "template.yaml", **options: object) -> RestApi:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_api(path, LoadOptions(**options)).api  # type: ignore[arg-type]


def test_short_form_tags_and_intrinsics_resolve(tmp_path: Path) -> None:
    api = read(tmp_path, YAML, region="eu-west-1")
    assert api.name == "sagegate-local-ratings"
    assert api.binary_media_types == ("image/png",)
    assert [r.path for r in api.resources] == ["/", "/ratings", "/ratings/{user}"]
    method = api.resources[2].methods["GET"]
    assert method.authorization_type == "AWS_IAM" and method.api_key_required
    assert (
        method.request_validator is not None
        and method.request_validator.validate_request_parameters
    )
    integration = method.integration
    assert integration is not None
    assert integration.uri == (
        "arn:aws:apigateway:eu-west-1:runtime.sagemaker:path/endpoints/movie-ratings/invocations"
    )
    assert integration.request_templates["application/json"] == (
        '{"user": "$input.params(\'user\')"}'
    )
    assert integration.timeout_ms == 5000
    assert [r.selection_pattern for r in integration.responses] == [None, r"4\d{2}"]
    assert api.stage.name == "live"
    assert api.stage.tracing_enabled and dict(api.stage.variables) == {"color": "blue"}
    throttle = api.stage.throttle_for("/ratings/{user}", "GET")
    assert throttle is not None and (throttle.rate_limit, throttle.burst_limit) == (50.0, 10)
    assert "MISSING_AUTHENTICATION_TOKEN" in api.gateway_responses
    (plan,) = api.usage_plans
    assert plan.quota is not None and (plan.quota.limit, plan.quota.period) == (100, "WEEK")
    assert plan.method_throttles["/ratings/{user}/GET"].rate_limit == 5
    values = {key.value for key in plan.api_keys}
    assert "key-from-the-template-000001" in values and len(values) == 2


def test_a_parameter_can_be_given(tmp_path: Path) -> None:
    api = read(tmp_path, YAML, parameters={"EndpointName": "other-model"})
    integration = api.resources[2].methods["GET"].integration
    assert integration is not None and "/endpoints/other-model/" in (integration.uri or "")


def test_the_same_template_as_json_reads_the_same(tmp_path: Path) -> None:
    import json

    from cfn_flip import to_json  # type: ignore[import-untyped]

    json_text = to_json(YAML)
    assert read(tmp_path, json_text, "t.json") == read(tmp_path, YAML)
    assert json.loads(json_text)["Resources"]["Api"]["Type"] == "AWS::ApiGateway::RestApi"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("Default: movie-ratings", "Description: no default"),
            r"resource Get \(AWS::ApiGateway::Method\) property Integration.Uri: cannot be "
            r"resolved locally: Ref EndpointName: the parameter has no Default; pass "
            r"--parameter EndpointName=VALUE",
        ),
        (
            ("ParentId: !Ref Ratings", "ParentId: !ImportValue shared-root"),
            r"resource User \(AWS::ApiGateway::Resource\) property ParentId: cannot be resolved "
            r"locally: Fn::ImportValue \"shared-root\" is another stack's export",
        ),
        (
            ("Type: AWS\n", "Type: KINESIS\n"),
            r"resource Get property Integration.Type: 'KINESIS' is not an integration type",
        ),
        (
            ("PassthroughBehavior: NEVER", "PassthroughBehavior: SOMETIMES"),
            r"Integration.PassthroughBehavior: 'SOMETIMES' is not one of",
        ),
    ],
)
def test_errors_name_the_resource_and_property(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ApiError, match=message):
        read(tmp_path, YAML.replace(*change))


def test_several_apis_need_a_choice(tmp_path: Path) -> None:
    text = YAML + "  Other:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Name: other}\n"
    with pytest.raises(ApiError, match=r"2 REST APIs \(Api, Other\); choose one with --api"):
        read(tmp_path, text)
    assert read(tmp_path, text, api="Other").name == "other"
    with pytest.raises(ApiError, match=r"--api Nope: no RestApi of that logical id"):
        read(tmp_path, text, api="Nope")


def test_a_rest_api_with_an_openapi_body_goes_through_the_openapi_door(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        Resources:
          Api:
            Type: AWS::ApiGateway::RestApi
            Properties:
              Name: body-api
              Body:
                openapi: 3.0.1
                info: {title: inside, version: '1'}
                paths:
                  /ping:
                    get:
                      x-amazon-apigateway-integration:
                        type: mock
                        requestTemplates: {application/json: '{"statusCode": 200}'}
                        responses: {default: {statusCode: '200'}}
                        uri: !Sub 'https://${AWS::Region}.example'
          Stage:
            Type: AWS::ApiGateway::Stage
            Properties: {RestApiId: !Ref Api, StageName: beta}
        """
    )
    api = read(tmp_path, text, region="ap-south-1")
    assert api.name == "body-api"
    assert api.stage.name == "beta"
    integration = api.resources[1].methods["GET"].integration
    assert integration is not None and integration.uri == "https://ap-south-1.example"


def test_sam_implicit_apis_are_refused_with_the_reason(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.12}
        """
    )
    with pytest.raises(ApiError, match="SAM's implicit APIs"):
        read(tmp_path, text)


OPENAPI = textwrap.dedent(
    """\
    openapi: 3.0.1
    info: {title: from-a-file, version: '1'}
    paths:
      /ping:
        get:
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates: {application/json: '{"statusCode": 200}'}
            responses: {default: {statusCode: '200'}}
    """
)


def test_a_sam_definition_uri_is_relative_to_the_template(tmp_path: Path) -> None:
    # DefinitionUri is an S3 location or a local path, which `sam deploy` (as
    # `aws cloudformation package`) uploads, reading it relative to the template:
    # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html#sam-api-definitionuri
    (tmp_path / "stack" / "defs").mkdir(parents=True)
    (tmp_path / "stack" / "defs" / "api.yaml").write_text(OPENAPI, encoding="utf-8")
    text = textwrap.dedent(
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Sam:
            Type: AWS::Serverless::Api
            Properties: {StageName: live, DefinitionUri: defs/api.yaml}
        """
    )
    api = read(tmp_path, text, name="stack/template.yaml")
    assert (api.name, api.stage.name) == ("from-a-file", "live")
    assert [r.path for r in api.resources] == ["/", "/ping"]
    with pytest.raises(ApiError) as refused:
        read(tmp_path, text.replace("defs/", ""), name="stack/template.yaml")
    assert str(refused.value) == (
        f"{tmp_path}/stack/template.yaml: resource Sam (AWS::Serverless::Api) property "
        f"DefinitionUri: 'api.yaml': no such file (next to the template: "
        f"{tmp_path}/stack/api.yaml)"
    )


INCLUDE = textwrap.dedent(
    """\
    Resources:
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties:
          Body:
            Fn::Transform:
              Name: AWS::Include
              Parameters: {Location: defs/api.yaml}
    """
)


def test_an_aws_include_is_read_relative_to_the_template(tmp_path: Path) -> None:
    # Location is an S3 URI once packaged; before that, `aws cloudformation package` reads a
    # local path relative to the template and uploads it:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-aws-include.html
    (tmp_path / "stack" / "defs").mkdir(parents=True)
    snippet = tmp_path / "stack" / "defs" / "api.yaml"
    snippet.write_text(OPENAPI, encoding="utf-8")
    api = read(tmp_path, INCLUDE, name="stack/template.yaml")
    assert api.name == "from-a-file"
    assert [r.path for r in api.resources] == ["/", "/ping"]
    # A snippet that is not JSON or YAML: the error names the include and the file.
    snippet.write_text("paths: [unclosed", encoding="utf-8")
    with pytest.raises(ApiError) as refused:
        read(tmp_path, INCLUDE, name="stack/template.yaml")
    message = str(refused.value)
    assert message.startswith(
        f"{tmp_path}/stack/template.yaml: resource Api (AWS::ApiGateway::RestApi) property "
        f"Body: cannot be resolved locally: AWS::Include: {snippet}: not valid JSON or YAML: "
    ), message


def test_a_stage_is_chosen_by_name_among_several(tmp_path: Path) -> None:
    # Names read from the file and given on the command line are equal, not the same object.
    text = textwrap.dedent(
        """\
        Resources:
          Api:
            Type: AWS::ApiGateway::RestApi
          Beta:
            Type: AWS::ApiGateway::Stage
            Properties: {RestApiId: !Ref Api, StageName: beta-stage, TracingEnabled: true}
          Prod:
            Type: AWS::ApiGateway::Stage
            Properties: {RestApiId: !Ref Api, StageName: prod-stage}
        """
    )
    wanted = "-".join(["beta", "stage"])
    chosen = read(tmp_path, text, stage=wanted).stage
    assert (chosen.name, chosen.tracing_enabled) == ("beta-stage", True)
