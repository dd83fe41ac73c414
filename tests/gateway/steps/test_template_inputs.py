"""template_inputs: the lazy facts equal an eager copy; `$context` only when a template sees it."""

from __future__ import annotations

import dataclasses

import pytest

from sagegate.endpoint.response import InvocationResponse
from sagegate.gateway.context import Caller, Invocation
from sagegate.gateway.facts import InvocationFacts, template_inputs
from sagegate.gateway.steps.integration_request import IntegrationRequestStep
from sagegate.gateway.steps.integration_response import (
    IntegrationResponse,
    IntegrationResponseStep,
)
from sagegate.gateway.vtl import (
    IdentityFacts,
    MappingTemplate,
    RequestFacts,
    build_context_variables,
)
from sagegate.sigv4 import Identity
from tests.gateway.factories import invocation


def eager_facts(ctx: Invocation) -> RequestFacts:
    """Every field copied up front: what the gateway built before the facts were lazy."""
    request = ctx.request
    identity = ctx.caller.identity
    host = request.header("host") or ""
    return RequestFacts(
        http_method=request.http_method,
        path=request.path,
        resource_path=ctx.resource_path,
        stage=ctx.stage,
        resource_id=ctx.api_id[:6],
        path_params=ctx.path_params,
        query=request.query,
        headers=dict(request.headers),
        body=request.body,
        request_id=ctx.request_id,
        extended_request_id=ctx.extended_request_id,
        request_time_epoch_ms=ctx.request_time_epoch_ms,
        api_id=ctx.api_id,
        account_id=ctx.account_id,
        domain_name=host,
        domain_prefix=host.split(".", 1)[0],
        protocol=request.protocol,
        source_ip=request.source_ip,
        user_agent=request.header("user-agent"),
        identity=IdentityFacts(
            caller=identity.user_id if identity else None,
            user=identity.user_id if identity else None,
            user_arn=identity.arn if identity else None,
            access_key=identity.access_key if identity else None,
            account_id=identity.account_id if identity else None,
            api_key=ctx.caller.api_key,
            api_key_id=ctx.caller.api_key_id,
        ),
        stage_variables=ctx.stage_variables,
        xray_trace_id=ctx.trace.root,
    )


def _routed(ctx: Invocation) -> Invocation:
    ctx.stage = "prod"
    ctx.resource_path = "/predicted-ratings/{user_id}"
    ctx.path_params = {"user_id": "321"}
    return ctx


CASES = {
    "plain": lambda: _routed(invocation()),
    "no host, odd path, repeated headers": lambda: _routed(
        invocation(
            "/prod/predicted-ratings/a%20b%2Fc",
            query="items=1,2&items=&x",
            headers=[("X-A", "1"), ("x-a", "2"), ("X-A", "3"), ("User-Agent", "ua/1")],
            body="é".encode(),
        )
    ),
    "host without a dot, empty body": lambda: _routed(invocation(headers=[("Host", "local")])),
    "identity and api key": lambda: _with_caller(_routed(invocation())),
    "stage variables": lambda: _with_stage_variables(_routed(invocation())),
}


def _with_caller(ctx: Invocation) -> Invocation:
    identity = Identity("AKIDEXAMPLE", "secret", account_id="123456789012")
    ctx.caller = Caller(identity=identity, api_key="key-value", api_key_id="key-id")
    return ctx


def _with_stage_variables(ctx: Invocation) -> Invocation:
    ctx.stage_variables = {"model": "m1", "": ""}
    return ctx


@pytest.mark.parametrize("case", CASES)
def test_lazy_facts_equal_an_eager_copy(case: str) -> None:
    ctx = CASES[case]()
    lazy = InvocationFacts(ctx)
    eager = eager_facts(ctx)
    for field in dataclasses.fields(RequestFacts):
        assert getattr(lazy, field.name) == getattr(eager, field.name), field.name
    # Made once: a template sees the same header map and identity on every read.
    assert lazy.headers is lazy.headers
    assert lazy.identity is lazy.identity
    assert build_context_variables(lazy) == build_context_variables(eager)
    assert list(build_context_variables(lazy)) == list(build_context_variables(eager))


def test_lazy_facts_are_read_only() -> None:
    facts = InvocationFacts(_routed(invocation()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.stage = "other"


def test_context_is_built_only_for_a_template_that_sees_it() -> None:
    ctx = _routed(invocation())
    facts, context = template_inputs(ctx, MappingTemplate("$input.params('user_id')"))
    assert context is None and ctx.template_context is None
    assert facts.path_params == {"user_id": "321"}
    _, context = template_inputs(ctx, MappingTemplate("$context.stage"))
    assert context is not None and context is ctx.template_context
    assert context == build_context_variables(eager_facts(ctx))
    # Once built, every later template gets the same map (it carries the overrides).
    assert template_inputs(ctx, MappingTemplate("x"))[1] is context


def test_a_template_left_to_the_reference_engine_sees_context() -> None:
    template = MappingTemplate("#define($d)x#end$d")
    assert template.engine == "reference"
    assert template.uses_context and template.uses_stage_variables
    assert not MappingTemplate("$input.body").uses_context
    assert MappingTemplate('#set($x = "$context.stage")').uses_context
    assert MappingTemplate("$stageVariables.a").uses_stage_variables


def _respond(request_source: str, response_source: str) -> Invocation:
    request = IntegrationRequestStep({"application/json": MappingTemplate(request_source)})
    response = IntegrationResponseStep(
        [IntegrationResponse(200, None, {"application/json": MappingTemplate(response_source)})]
    )
    ctx = _routed(invocation())
    request(ctx)
    ctx.endpoint_response = InvocationResponse(200, [], b'{"predictions": [{"scores": [1.5]}]}')
    response(ctx)
    return ctx


def test_request_template_override_reaches_a_response_template_without_context() -> None:
    ctx = _respond(
        "#set($context.responseOverride.status = 201)"
        "#set($context.responseOverride.header.X-Set = 'by request')$context.stage",
        "$input.path('$.predictions[0].scores[0]')",
    )
    assert ctx.integration is not None and ctx.integration.body == b"prod"
    assert ctx.response is not None
    assert ctx.response.status == 201
    assert ctx.response.headers == [
        (b"content-type", b"application/json"),
        (b"x-set", b"by request"),
    ]
    assert ctx.response.body == b"1.5"


def test_response_template_alone_sees_a_fresh_context() -> None:
    ctx = _respond(
        "$input.params('user_id')",
        "#set($context.responseOverride.status = 202)$context.resourcePath $context.requestId",
    )
    assert ctx.integration is not None and ctx.integration.body == b"321"
    assert ctx.response is not None
    assert ctx.response.status == 202
    assert ctx.response.body == (
        b"/predicted-ratings/{user_id} 11111111-2222-3333-4444-555555555555"
    )


def test_neither_template_sees_context() -> None:
    ctx = _respond("$input.params('user_id')", "$input.path('$.predictions')")
    assert ctx.template_context is None
    # The facts refer to the invocation: they are never kept on it (a reference cycle).
    assert not hasattr(ctx, "facts")
    assert ctx.response is not None
    assert (ctx.response.status, ctx.response.body) == (200, b'[{"scores":[1.5]}]')
