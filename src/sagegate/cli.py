"""The command line: parse, call, print. Every command has --help."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from sagegate.endpoint.cli import endpoint
from sagegate.models.movielens.cli import model
from sagegate.spec import SpecError

SPEC_ARGUMENT = click.argument(
    "spec", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sagegate")
def cli() -> None:
    """sagegate: Amazon API Gateway -> Amazon SageMaker, as a CDK construct and locally."""


cli.add_command(endpoint)
cli.add_command(model)


@cli.command()
@SPEC_ARGUMENT
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
@click.option("--region", help="The region the API claims (default: AWS_REGION or us-east-1).")
def serve(
    spec: Path | None,
    host: str,
    port: int,
    access_log: Path | None,
    policy: Path | None,
    workers: int,
    region: str | None,
) -> None:
    """Serve the REST API of SPEC (default: the movie-ratings API) and its endpoint."""
    from sagegate.gateway.serve import run

    try:
        code = run(
            spec_path=spec,
            host=host,
            port=port,
            access_log=access_log,
            policy=policy,
            workers=workers,
            region=region,
        )
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(code)


@cli.command()
@click.argument("args", nargs=-1, required=True)
@click.option("--query", "-q", multiple=True, help="A query parameter K=V (repeatable).")
@click.option("--header", "-H", multiple=True, help="A header K:V (repeatable).")
@click.option("--body", "-d", default="", help="The request body.")
@click.option("--method", "-X", default="GET", show_default=True, help="The HTTP method.")
@click.option("--no-sign", is_flag=True, help="Send the request unsigned.")
def invoke(
    args: tuple[str, ...],
    query: tuple[str, ...],
    header: tuple[str, ...],
    body: str,
    method: str,
    no_sign: bool,
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
    path = args[-1]
    try:
        queries = [_split(item, "=", "--query") for item in query]
        headers = dict(_split(item, ":", "--header") for item in header)
        code = run_invoke(
            spec_path,
            path,
            query=queries,
            headers=headers,
            body=body,
            method=method,
            sign=not no_sign,
        )
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(code)


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

    from sagegate.gateway.assemble import load_spec

    try:
        loaded = load_spec(spec)
        from sagegate.cdk.synth import synth_spec
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    # The construct prints AWS_SOLUTIONS_CONSTRUCTS_WARNING lines as upstream does; keep them
    # out of the template on standard output.
    with contextlib.redirect_stdout(sys.stderr):
        template: Any = synth_spec(loaded, stack_name=stack_name)
    text = json.dumps(template, indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def main() -> None:
    """Entry point of the `sagegate` command."""
    # Rich and click both read this; keep output plain when not on a terminal.
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli()
