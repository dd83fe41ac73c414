"""The CloudFormation template for a spec: what `sagegate synth` prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Stack

from sagegate.cdk.construct import ApiGatewayToSageMakerEndpoint
from sagegate.spec import Spec

DEFAULT_CONSTRUCT_ID = "Api"


def synth_spec(
    spec: Spec,
    *,
    stack_name: str = "SageGate",
    env: Environment | None = None,
    context: Mapping[str, Any] | None = None,
    construct_id: str = DEFAULT_CONSTRUCT_ID,
) -> dict[str, Any]:
    """The template (a JSON-able dict) of a stack holding only the construct for `spec`.

    `env` pins account and region (else the template is environment-agnostic); `context`
    sets CDK context such as feature flags, as a `cdk.json` would.
    """
    app = App(context=dict(context) if context else None)
    stack = Stack(app, stack_name, env=env)
    ApiGatewayToSageMakerEndpoint.from_spec(stack, construct_id, spec)
    template = app.synth().get_stack_by_name(stack_name).template
    assert isinstance(template, dict)
    return template
