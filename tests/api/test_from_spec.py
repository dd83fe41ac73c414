"""Our spec builds the API model by the construct's rules: the same model as reading back the
CloudFormation the construct synthesizes for the spec (ids and generated names aside)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("aws_cdk")

from sagegate.api.cloudformation import api_from_template
from sagegate.api.from_spec import api_from_spec
from sagegate.api.model import RestApi, to_plain
from sagegate.api.options import LoadOptions
from sagegate.cdk.synth import synth_spec
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE, Spec

pytestmark = pytest.mark.slow

REQUIRED: dict[str, Any] = {
    "endpoint_name": "movie-ratings",
    "resource_path": "{user_id}",
    "request_mapping_template": BLOG_REQUEST_TEMPLATE,
}
SPECS: dict[str, dict[str, Any]] = {
    "default": Spec.default().model_dump(exclude_none=True, exclude_defaults=True),
    "minimal": REQUIRED,
    "everything": {
        **REQUIRED,
        "resource_name": "predicted-ratings",
        "response_mapping_template": BLOG_RESPONSE_TEMPLATE,
        "additional_request_templates": {"text/plain": '{"text": "$input.body"}'},
        "required_parameters": ["items", "method.request.header.X-Tenant"],
        "api": {
            "authorization_type": "NONE",
            "api_key_required": True,
            "stage_name": "v1",
            "endpoint_type": "REGIONAL",
            "throttling": {"rate_limit": 100, "burst_limit": 50},
            "tracing": False,
            "access_log_format": "clf",
            "integration_timeout_ms": 5000,
            "stage_variables": {"model": "ratings"},
        },
        "usage_plan": {
            "throttle": {"rate_limit": 10, "burst_limit": 5},
            "quota": {"limit": 1000, "period": "WEEK"},
            "api_keys": ["key-value-one-0001", "key-value-two-0002"],
        },
    },
    "greedy, custom log, no usage plan": {
        **REQUIRED,
        "resource_path": "{proxy+}",
        "create_usage_plan": False,
        "api": {"access_log_format": '{"id":"$context.requestId","s":"$context.status"}'},
    },
}


def comparable(api: RestApi, spec: Spec) -> dict[str, Any]:
    """The model without what each door names its own way: ids, the API's name, the
    execution role's ARN. With api_key_required the construct also makes an API key whose
    value AWS generates; the spec door serves only the keys the spec names."""
    named = set(spec.usage_plan.api_keys) if spec.usage_plan else set()

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("id", "name", "credentials")}
        if isinstance(value, list):
            return [
                strip(v)
                for v in value
                if not (
                    isinstance(v, dict)
                    and v.get("value")
                    and v["value"] not in named
                    and "enabled" in v
                )
            ]
        return value

    return strip(to_plain(api))  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", list(SPECS))
def test_spec_door_equals_the_synthesized_template(name: str) -> None:
    spec = Spec.from_mapping(SPECS[name])
    template = synth_spec(spec)
    from_template = api_from_template(template, LoadOptions(), source="synth")
    assert comparable(api_from_spec(spec, region="us-east-1"), spec) == comparable(
        from_template, spec
    )
