"""Shared by the CDK tests: scenarios, synthesis with printed-output capture, cfn-lint."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions

from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE

STACK_NAME = "ParityStack"
CONSTRUCT_ID = "test-apigateway-sagemakerendpoint"
WARNING_MARK = "AWS_SOLUTIONS_CONSTRUCTS_WARNING:"

REQUEST_TEMPLATE = BLOG_REQUEST_TEMPLATE
RESPONSE_TEMPLATE = BLOG_RESPONSE_TEMPLATE

# What upstream's integration tests set on every stack (SetConsistentFeatureFlags in
# @aws-solutions-constructs/core 2.105.0, test/test-helper.ts).
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-lambda:createNewPoliciesWithAddToRolePolicy": True,
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/core:target-partitions": ["aws", "aws-cn"],
    "@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver": True,
    "@aws-cdk/aws-ec2:uniqueImdsv2TemplateName": True,
    "@aws-cdk/aws-ecs:arnFormatIncludesClusterName": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:validateSnapshotRemovalPolicy": True,
    "@aws-cdk/aws-codepipeline:crossAccountKeyAliasStackSafeResourceName": True,
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
    "@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption": True,
    "@aws-cdk/aws-apigateway:disableCloudWatchRole": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-events:eventsTargetQueueSameAccount": True,
    "@aws-cdk/aws-ecs:disableExplicitDeploymentControllerForCircuitBreaker": True,
    "@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName": True,
    "@aws-cdk/aws-route53-patters:useCertificate": True,
    "@aws-cdk/customresources:installLatestAwsSdkDefault": False,
    "@aws-cdk/aws-rds:databaseProxyUniqueResourceName": True,
    "@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup": True,
    "@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId": True,
    "@aws-cdk/aws-ec2:launchTemplateDefaultUserData": True,
    "@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments": True,
    "@aws-cdk/aws-redshift:columnId": True,
    "@aws-cdk/aws-stepfunctions-tasks:enableEmrServicePolicyV2": True,
    "@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": True,
    "@aws-cdk/aws-apigateway:requestValidatorUniqueId": True,
    "@aws-cdk/aws-kms:aliasNameRef": True,
    "@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig": True,
    "@aws-cdk/core:includePrefixInUniqueNameGeneration": True,
    "@aws-cdk/aws-efs:denyAnonymousAccess": True,
    "@aws-cdk/aws-opensearchservice:enableOpensearchMultiAzWithStandby": True,
    "@aws-cdk/aws-lambda-nodejs:useLatestRuntimeVersion": True,
    "@aws-cdk/aws-efs:mountTargetOrderInsensitiveLogicalId": True,
    "@aws-cdk/aws-rds:auroraClusterChangeScopeOfInstanceParameterGroupWithEachParameters": True,
    "@aws-cdk/aws-appsync:useArnForSourceApiAssociationIdentifier": True,
    "@aws-cdk/aws-rds:preventRenderingDeprecatedCredentials": True,
    "@aws-cdk/aws-codepipeline-actions:useNewDefaultBranchForCodeCommitSource": True,
    "@aws-cdk/aws-cloudwatch-actions:changeLambdaPermissionLogicalIdForLambdaAction": True,
    "@aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse": True,
    "@aws-cdk/aws-codepipeline:defaultPipelineTypeToV2": True,
    "@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope": True,
    "@aws-cdk/aws-eks:nodegroupNameAttribute": True,
    "@aws-cdk/aws-ec2:ebsDefaultGp3Volume": True,
    "@aws-cdk/aws-ecs:removeDefaultDeploymentAlarm": True,
    "@aws-cdk/custom-resources:logApiResponseDataPropertyTrueDefault": False,
    "@aws-cdk/aws-s3:keepNotificationInImportedBucket": False,
    "@aws-cdk/aws-ecs:enableImdsBlockingDeprecatedFeature": False,
    "@aws-cdk/aws-ecs:disableEcsImdsBlocking": True,
    "@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions": True,
    "@aws-cdk/aws-dynamodb:resourcePolicyPerReplica": True,
    "@aws-cdk/aws-ec2:ec2SumTImeoutEnabled": True,
    "@aws-cdk/aws-appsync:appSyncGraphQLAPIScopeLambdaPermission": True,
    "@aws-cdk/aws-rds:setCorrectValueForDatabaseInstanceReadReplicaInstanceResourceId": True,
    "@aws-cdk/core:cfnIncludeRejectComplexResourceUpdateCreatePolicyIntrinsics": True,
    "@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages": True,
    "@aws-cdk/aws-stepfunctions-tasks:fixRunEcsTaskPolicy": True,
    "@aws-cdk/aws-ec2:bastionHostUseAmazonLinux2023ByDefault": True,
    "@aws-cdk/aws-route53-targets:userPoolDomainNameMethodWithoutCustomResource": True,
    "@aws-cdk/aws-elasticloadbalancingV2:albDualstackWithoutPublicIpv4SecurityGroupRulesDefault": (
        True
    ),
    "@aws-cdk/aws-iam:oidcRejectUnauthorizedConnections": True,
    "@aws-cdk/core:enableAdditionalMetadataCollection": True,
    "@aws-cdk/aws-s3:setUniqueReplicationRoleName": True,
    "@aws-cdk/aws-events:requireEventBusPolicySid": True,
    "@aws-cdk/core:aspectPrioritiesMutating": True,
    "@aws-cdk/aws-dynamodb:retainTableReplica": True,
    "@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2": True,
    "@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions": True,
    "@aws-cdk/aws-ec2:requirePrivateSubnetsForEgressOnlyInternetGateway": True,
    "@aws-cdk/aws-s3:publicAccessBlockedByDefault": True,
    "@aws-cdk/aws-lambda:useCdkManagedLogGroup": False,
}

PropsFactory = Callable[[cdk.Stack], dict[str, Any]]


@dataclass(frozen=True)
class Scenario:
    """One line of the parity matrix: the props (made in the stack) and the stack's kind."""

    name: str
    props: PropsFactory
    env: cdk.Environment | None = None
    feature_flags: bool = False
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Synth:
    """A synthesized stack: its template, the warning lines printed, its construct paths."""

    template: dict[str, Any]
    warnings: list[str]
    paths: list[str]


@contextmanager
def captured_stdout() -> Iterator[Callable[[], str]]:
    """Capture what is printed, by Python and by the jsii runtime's output thread alike.

    jsii copies node's console output to `sys.stdout.buffer` from a background thread, so
    the capture is a text stream over a bytes buffer both can write to.
    """
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    saved = sys.stdout
    sys.stdout = stream
    try:
        yield lambda: buffer.getvalue().decode("utf-8")
    finally:
        sys.stdout = saved


def warning_lines(text: str) -> list[str]:
    """The AWS_SOLUTIONS_CONSTRUCTS_WARNING lines of some printed output, verbatim."""
    return [line for line in text.splitlines() if WARNING_MARK in line]


def build(
    construct_type: Any,
    scenario: Scenario,
    *,
    min_warnings: int = 0,
    settle_s: float = 0.05,
    timeout_s: float = 5.0,
) -> Synth:
    """Build `construct_type` for `scenario` in a fresh App and synthesize the stack.

    Upstream's lines arrive asynchronously (see `captured_stdout`): wait, bounded in time,
    until at least `min_warnings` of them have arrived, then a short settle for stragglers.
    """
    app = cdk.App()
    stack = cdk.Stack(app, STACK_NAME, env=scenario.env)
    if scenario.feature_flags:
        for key, value in FEATURE_FLAGS.items():
            stack.node.set_context(key, value)
    for key, value in scenario.context.items():
        stack.node.set_context(key, value)
    props = scenario.props(stack)
    with captured_stdout() as printed:
        construct_type(stack, CONSTRUCT_ID, **props)
        deadline = time.monotonic() + timeout_s
        while len(warning_lines(printed())) < min_warnings and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(settle_s)
        text = printed()
    template = dict(assertions.Template.from_stack(stack).to_json())
    paths = [child.node.path for child in stack.node.find_all()]
    return Synth(template=template, warnings=warning_lines(text), paths=paths)


def lint_errors(template: Mapping[str, Any], regions: list[str] | None = None) -> list[str]:
    """cfn-lint's errors (not warnings or informational findings) for a template."""
    from cfnlint.api import lint  # type: ignore[import-untyped]

    matches = lint(json.dumps(template), regions=regions or ["us-east-1"])
    return [str(match) for match in matches if match.rule.id.startswith("E")]
