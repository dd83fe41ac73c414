"""The spec: loaded, validated, refused with the key and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagegate.spec import BLOG_REQUEST_TEMPLATE, Spec, SpecError

MINIMAL: dict[str, Any] = {
    "endpoint_name": "my-model",
    "resource_path": "{id}",
    "request_mapping_template": "{}",
}


def refused(**changes: Any) -> str:
    with pytest.raises(SpecError) as raised:
        Spec.from_mapping(MINIMAL | changes)
    return str(raised.value)


def test_defaults_are_the_constructs() -> None:
    spec = Spec.from_mapping(MINIMAL)
    assert spec.api.authorization_type == "AWS_IAM"
    assert spec.api.endpoint_type == "EDGE"
    assert spec.api.stage_name == "prod"
    assert spec.api.tracing is True
    assert spec.api.integration_timeout_ms == 29_000
    assert spec.create_usage_plan is True
    assert spec.resource_template == "/{id}"


def test_default_spec_is_the_blog_api() -> None:
    spec = Spec.default()
    assert spec.resource_template == "/predicted-ratings/{user_id}"
    assert spec.request_mapping_template == BLOG_REQUEST_TEMPLATE
    assert spec.required_request_parameters == {"method.request.querystring.items": True}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"endpoint_name": "bad_name"}, "endpoint_name: 'bad_name' is not a SageMaker endpoint"),
        ({"endpoint_name": "a" * 64}, "at most 63 characters"),
        ({"resource_path": "a/b"}, "resource_path: 'a/b' is not one API Gateway path part"),
        ({"request_mapping_template": "  "}, "request_mapping_template: the request mapping"),
        ({"bogus": 1}, "bogus: unknown key"),
        ({"api": {"stage_name": "has space"}}, "api.stage_name: stage names can only contain"),
        ({"api": {"authorization_type": "COGNITO"}}, "api.authorization_type:"),
        ({"api": {"integration_timeout_ms": 60_000}}, "api.integration_timeout_ms:"),
        ({"api": {"access_log_format": "$context.status"}}, "must contain at least $context"),
        ({"additional_request_templates": {"text/plain; charset=utf-8": "x"}}, "not a content"),
        (
            {"required_parameters": ["method.request.body.x"]},
            "required_parameters: 'method.request.body.x' must look like",
        ),
        (
            {"api": {"api_key_required": True}, "create_usage_plan": False},
            "api.api_key_required needs create_usage_plan: true",
        ),
        ({"endpoint": {"url": "http://x", "aws": {}}}, "give exactly one of model_dir, url or aws"),
        ({"endpoint": {"url": "ftp://x"}}, "must be an http:// or https:// URL"),
    ],
)
def test_bad_specs_are_refused_naming_the_key(changes: dict[str, Any], message: str) -> None:
    assert message in refused(**changes)
    assert refused(**changes).startswith("invalid spec: ")


def test_missing_required_keys_are_named() -> None:
    with pytest.raises(SpecError) as raised:
        Spec.from_mapping({"resource_path": "x"})
    text = str(raised.value)
    assert "endpoint_name: required key is missing" in text
    assert "request_mapping_template: required key is missing" in text


def test_from_file_resolves_paths_against_the_spec(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "endpoint_name: m\nresource_path: x\nrequest_mapping_template: '{}'\n"
        "endpoint: {model_dir: ./model}\napi: {policy: policy.json}\n"
    )
    spec = Spec.from_file(tmp_path / "api.yaml")
    assert spec.endpoint is not None and spec.endpoint.model_dir == tmp_path / "model"
    assert spec.api.policy == tmp_path / "policy.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("endpoint_name: [unclosed", "not valid YAML"),
        ("- a\n- b\n", "a spec is a YAML mapping of keys, not list"),
    ],
)
def test_unreadable_files_are_refused_with_the_file_name(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        Spec.from_file(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the spec"):
        Spec.from_file(tmp_path / "nope.yaml")
