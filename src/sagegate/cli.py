"""The command line: parse, call, print. Every command has --help."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from sagegate.endpoint.cli import endpoint
from sagegate.models.movielens.cli import model
from sagegate.spec import SpecError

if TYPE_CHECKING:
    from sagegate.gateway.assemble import ServeOptions

SPEC_ARGUMENT = click.argument(
    "spec", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
# A spec, a CloudFormation template, an OpenAPI document, or a `cdk.out` directory.
API_ARGUMENT = click.argument("spec", required=False, type=click.Path(exists=True, path_type=Path))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sagegate")
def cli() -> None:
    """sagegate: Amazon API Gateway -> Amazon SageMaker, as a CDK construct and locally."""


cli.add_command(endpoint)
cli.add_command(model)


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    return dict(_split(item, "=", option) for item in items)


def api_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that pick and complete the API in a file (serve, invoke, export)."""
    for option in reversed(
        [
            click.option(
                "--api",
                "api_id",
                metavar="LOGICAL_ID",
                help="The RestApi of a template with several.",
            ),
            click.option(
                "--stage",
                help="The stage (default: the template's one stage, OpenAPI basePath, or prod).",
            ),
            click.option(
                "--stage-variable",
                "stage_variables",
                multiple=True,
                metavar="K=V",
                help="A stage variable (repeatable), e.g. for a ${stageVariables.host} URI.",
            ),
            click.option(
                "--endpoint",
                "endpoints",
                multiple=True,
                metavar="NAME=MODEL_DIR|http://HOST:PORT|aws",
                help="What serves a SageMaker endpoint the API calls (repeatable).",
            ),
            click.option(
                "--parameter",
                "parameters",
                multiple=True,
                metavar="K=V",
                help="A CloudFormation template parameter's value (repeatable).",
            ),
            click.option(
                "--region", help="The region the API claims (default: AWS_REGION or us-east-1)."
            ),
        ]
    ):
        function = option(function)
    return function


def serve_options(
    spec: Path | None,
    *,
    api_id: str | None,
    stage: str | None,
    stage_variables: tuple[str, ...],
    endpoints: tuple[str, ...],
    parameters: tuple[str, ...],
    region: str | None,
    access_log: Path | None = None,
    policy: Path | None = None,
    metrics_emf: Path | None = None,
    metrics_emf_period: float = 1.0,
) -> ServeOptions:
    """The command line's choices as one ServeOptions."""
    from sagegate.gateway.assemble import ServeOptions

    return ServeOptions(
        spec_path=str(spec.resolve()) if spec else None,
        access_log=str(access_log.resolve()) if access_log else None,
        policy_path=str(policy.resolve()) if policy else None,
        region=region,
        api=api_id,
        stage=stage,
        stage_variables=_pairs(stage_variables, "--stage-variable"),
        endpoints=_pairs(endpoints, "--endpoint"),
        parameters=_pairs(parameters, "--parameter"),
        metrics_emf=str(metrics_emf.absolute()) if metrics_emf else None,
        metrics_emf_period=metrics_emf_period,
    )


@cli.command()
@API_ARGUMENT
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--access-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the access log to FILE (default: standard output).",
)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An IAM policy document limiting execute-api:Invoke by resource ARN.",
)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--metrics-emf",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=(
        "Also append the metrics to FILE as CloudWatch Embedded Metric Format lines "
        "(AWS/ApiGateway, AWS/SageMaker), one per method and endpoint variant that served "
        "requests, every --metrics-emf-period seconds and at shutdown."
    ),
)
@click.option(
    "--metrics-emf-period",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    metavar="SECONDS",
    help="Seconds between two flushes of --metrics-emf.",
)
@click.option(
    "--console-host",
    "console_hosts",
    multiple=True,
    metavar="ADDRESS|NETWORK|*",
    help=(
        "Also let these clients open the console and metrics at /_sagegate/ (repeatable; "
        "default: loopback clients only). The API itself is unaffected."
    ),
)
@click.option(
    "--sigv4-literal-form",
    is_flag=True,
    help=(
        "Also accept SigV4 signatures over the path and query exactly as sent (curl before "
        "8.3 signs that way). AWS refuses them; off by default."
    ),
)
@api_options
def serve(
    spec: Path | None,
    host: str,
    port: int,
    access_log: Path | None,
    policy: Path | None,
    workers: int,
    metrics_emf: Path | None,
    metrics_emf_period: float,
    console_hosts: tuple[str, ...],
    sigv4_literal_form: bool,
    **choices: Any,
) -> None:
    """Serve the REST API of SPEC and the endpoints it calls (default: movie ratings).

    SPEC is a sagegate spec, a CloudFormation template (JSON or YAML, as `cdk synth` writes
    cdk.out/STACK.template.json) or an OpenAPI 3.0 / Swagger 2.0 document with API Gateway
    extensions, told apart by content.
    """
    from sagegate.gateway.serve import run

    try:
        options = serve_options(
            spec,
            access_log=access_log,
            policy=policy,
            metrics_emf=metrics_emf,
            metrics_emf_period=metrics_emf_period,
            **choices,
        )
        options = replace(
            options, sigv4_literal_form=sigv4_literal_form, console_hosts=list(console_hosts)
        )
        code = run(options, host=host, port=port, workers=workers)
    except SpecError as exc:
        _refuse(exc)
    sys.exit(code)


def _refuse(exc: Exception) -> NoReturn:
    """A definition that cannot be served: one line, exit status 2, no traceback."""
    click.echo(f"Error: {exc}", err=True)
    sys.exit(2)


@cli.command()
@click.argument("args", nargs=-1, required=True)
@click.option("--query", "-q", multiple=True, help="A query parameter K=V (repeatable).")
@click.option("--header", "-H", multiple=True, help="A header K:V (repeatable).")
@click.option("--body", "-d", default="", help="The request body.")
@click.option("--method", "-X", default="GET", show_default=True, help="The HTTP method.")
@click.option("--no-sign", is_flag=True, help="Send the request unsigned.")
@api_options
def invoke(
    args: tuple[str, ...],
    query: tuple[str, ...],
    header: tuple[str, ...],
    body: str,
    method: str,
    no_sign: bool,
    **choices: Any,
) -> None:
    """Run one request through the whole chain, like the console's Test button.

    ARGS is [SPEC] PATH, e.g. `sagegate invoke /prod/predicted-ratings/321 -q items=101,131`.
    Prints every stage: method request, selected template, endpoint request, endpoint
    response, integration response, final response and the access-log line.
    """
    from sagegate.gateway.console import run_invoke

    if len(args) > 2:
        raise click.UsageError("give at most SPEC and PATH")
    spec_path = Path(args[0]) if len(args) == 2 else None
    if spec_path is not None and not spec_path.exists():
        raise click.BadParameter(f"{spec_path} does not exist", param_hint="SPEC")
    path = args[-1]
    try:
        queries = [_split(item, "=", "--query") for item in query]
        headers = dict(_split(item, ":", "--header") for item in header)
        code = run_invoke(
            serve_options(spec_path, **choices),
            path,
            query=queries,
            headers=headers,
            body=body,
            method=method.upper(),
            sign=not no_sign,
        )
    except SpecError as exc:
        _refuse(exc)
    sys.exit(code)


@cli.group()
def export() -> None:
    """Export the API of a file in another format."""


@export.command("openapi")
@API_ARGUMENT
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option("--yaml", "as_yaml", is_flag=True, help="YAML instead of JSON.")
@api_options
def export_openapi(spec: Path | None, output: Path | None, as_yaml: bool, **choices: Any) -> None:
    """The OpenAPI 3 document with API Gateway extensions that API Gateway exports for SPEC.

    Serving the export answers as serving SPEC does (stage settings and usage plans travel in
    the `x-sagegate-stage` extension, which API Gateway's importer ignores).
    """
    import json
    from datetime import UTC, datetime

    from sagegate.api.openapi import api_to_openapi
    from sagegate.gateway.assemble import load

    try:
        options = serve_options(spec, **choices)
        load_options = options.load_options()
        loaded = load(options.spec_path, load_options)
    except SpecError as exc:
        _refuse(exc)
    version = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = api_to_openapi(loaded.api, region=load_options.region, version=version)
    if as_yaml:
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(document, indent=2) + "\n"
    _emit(text, output)


def _emit(text: str, output: Path | None) -> None:
    """A generated document: to standard output, or to FILE with a line saying so."""
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def _split(item: str, separator: str, option: str) -> tuple[str, str]:
    key, found, value = item.partition(separator)
    if not found or not key.strip():
        raise click.BadParameter(f"{item!r} is not K{separator}V", param_hint=option)
    return key.strip(), value.strip() if separator == ":" else value


@cli.command()
@SPEC_ARGUMENT
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option("--stack-name", default="SageGate", show_default=True, help="The stack's name.")
def synth(spec: Path | None, output: Path | None, stack_name: str) -> None:
    """Print the CloudFormation template the CDK construct makes for SPEC, as JSON."""
    import json

    from sagegate.spec import Spec

    try:
        loaded = Spec.default() if spec is None else Spec.from_file(spec)
        from sagegate.cdk.synth import synth_spec
    except SpecError as exc:
        _refuse(exc)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    # The construct prints AWS_SOLUTIONS_CONSTRUCTS_WARNING lines as upstream does; keep them
    # out of the template on standard output.
    with contextlib.redirect_stdout(sys.stderr):
        template: Any = synth_spec(loaded, stack_name=stack_name)
    text = json.dumps(template, indent=1) + "\n"
    _emit(text, output)


def main() -> None:
    """Entry point of the `sagegate` command."""
    # Rich and click both read this; keep output plain when not on a terminal.
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli()
