"""What the mapping templates see of an invocation: built once per request, on first use."""

from __future__ import annotations

from sagegate.gateway.context import Invocation
from sagegate.gateway.vtl import ContextMap, RequestFacts, build_context_variables
from sagegate.gateway.vtl.facts import IdentityFacts


def template_inputs(ctx: Invocation) -> tuple[RequestFacts, ContextMap]:
    """The request facts and the `$context` map, shared by the request and response templates.

    The response template sees the same `$context` the request template left (its
    requestOverride / responseOverride included), as on AWS.
    """
    if ctx.facts is None or ctx.template_context is None:
        request = ctx.request
        identity = ctx.caller.identity
        host = request.header("host") or ""
        facts = RequestFacts(
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
        ctx.facts = facts
        ctx.template_context = build_context_variables(facts)
    return ctx.facts, ctx.template_context
