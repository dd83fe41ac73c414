"""Every mapping-template vector recorded against real API Gateway, one test each.

A failing vector is a fidelity bug in the engine, never a reason to edit the data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sagegate.gateway.vtl import (
    IdentityFacts,
    MappingTemplate,
    RenderResult,
    RequestFacts,
    build_context_variables,
)

VECTORS_FILE = Path(__file__).parents[3] / "shared" / "conformance" / "vtl_vectors.json"
if not VECTORS_FILE.is_file():
    raise FileNotFoundError(f"conformance data missing: {VECTORS_FILE}")
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text())["vectors"]
_PLACEHOLDER = re.compile(r"^<[A-Za-z0-9_-]+(?::\d+)?>$|^request-time-epoch$")


def _resource_path(path: str, stage: str, path_params: dict[str, str]) -> str:
    rest = path[len(stage) + 1 :] if path.startswith(f"/{stage}") else path
    by_value = {value: name for name, value in path_params.items()}
    segments = ["{" + by_value[s] + "}" if s in by_value else s for s in rest.split("/")]
    return "/".join(segments) or "/"


def facts_for(vector: dict[str, Any]) -> RequestFacts:
    request = vector["request"]
    headers = dict(request["headers"])
    domain = "abcdef1234.execute-api.us-east-1.amazonaws.com"
    # Every HTTP client sends Host; the recorded header set leaves it out.
    headers.setdefault("Host", domain)
    body = request["body"]
    return RequestFacts(
        http_method=request["method"],
        path=request["path"],
        resource_path=_resource_path(request["path"], vector["stage"], request["path_params"]),
        resource_id="a1b2c3",
        stage=vector["stage"],
        path_params=request["path_params"],
        query=request["query"],
        headers=headers,
        body=None if body is None else body.encode(),
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extended_request_id="ABCDEFGHIJKLMNO=",
        request_time_epoch_ms=1_732_000_000_123,
        api_id="abcdef1234",
        account_id="111111111111",
        deployment_id="dep123",
        domain_name=domain,
        domain_prefix="abcdef1234",
        source_ip="203.0.113.7",
        user_agent=headers.get("User-Agent"),
        identity=IdentityFacts(),
        stage_variables=vector["stage_variables"],
        is_canary_request=(vector.get("context_overrides") or {}).get("isCanaryRequest"),
    )


def run_vector(vector: dict[str, Any]) -> RenderResult:
    facts = facts_for(vector)
    context = build_context_variables(facts)
    kind = vector["kind"]
    if kind == "request_template":
        return MappingTemplate(vector["template"]).render(facts, context=context)
    if kind == "response_template":
        return MappingTemplate(vector["template"]).render(
            facts, context=context, body=vector["template_input_body"]
        )
    assert kind == "chain", kind
    result = MappingTemplate(vector["template"]).render(facts, context=context)
    if vector["response_template"] is None:
        # No response template: MOCK's empty body passes through, overrides still apply.
        return RenderResult("", result.request_override, result.response_override)
    return MappingTemplate(vector["response_template"]).render(facts, context=context, body="")


def _matches(expected: Any, actual: Any, path: str) -> None:
    if isinstance(expected, str) and _PLACEHOLDER.match(expected):
        return
    if isinstance(expected, dict | list) and isinstance(actual, str):
        actual = json.loads(actual)  # a JSON document carried inside a string
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert list(actual) == list(expected), f"{path}: keys or their order differ"
        for key, value in expected.items():
            _matches(value, actual[key], f"{path}.{key}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            _matches(want, got, f"{path}[{i}]")
        return
    assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def _normalise(text: str) -> str:
    return " ".join(text.replace("\n", " ").split())


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    result = run_vector(vector)
    expected = vector["expected_output"]
    mode = vector["compare"]
    if mode == "exact":
        assert result.output == expected
    elif mode == "whitespace_normalized":
        assert _normalise(result.output) == _normalise(expected)
    elif mode == "json":
        assert json.loads(result.output) == expected
    else:
        assert mode == "json_with_placeholders", mode
        _matches(expected, json.loads(result.output), "$")
    if "expected_status" in vector:
        status = result.response_override.status
        assert (status if status is not None else 200) == vector["expected_status"]
    if "expected_headers" in vector:
        assert dict(result.response_override.header) == vector["expected_headers"]


def test_every_vector_is_collected() -> None:
    assert len(VECTORS) == 40
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
