"""``sagegate endpoint serve``: the local SageMaker Runtime on its own port."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from sagegate.endpoint.handler import ModelLoadError
from sagegate.endpoint.host import EndpointHost, check_endpoint_name
from sagegate.endpoint.server import create_app
from sagegate.server_settings import UVICORN_SETTINGS
from sagegate.sigv4 import Identity, SigV4Verifier, StaticIdentityStore

DEFAULT_ENDPOINT = "movie-ratings"


def _default_model_dir() -> Path:
    # Imported lazily: the default model pulls in its training code and data loader.
    from sagegate.models.movielens import default_model_dir

    return default_model_dir()


def _endpoints(
    model_dir: Path | None, name: str | None, models: tuple[str, ...]
) -> dict[str, Path]:
    endpoints: dict[str, Path] = {}
    for item in models:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"expected NAME=DIR, got {item!r}", param_hint="--model")
        endpoints[key] = Path(value)
    if model_dir is not None:
        endpoints[name or model_dir.resolve().name] = model_dir
    elif not endpoints:
        endpoints[name or DEFAULT_ENDPOINT] = _default_model_dir()
    for key in endpoints:
        try:
            check_endpoint_name(key)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--name/--model") from exc
    return endpoints


def _identities(
    verify: bool, access_key: str | None, secret_key: str | None
) -> tuple[list[Identity], str]:
    """Who may call, and a line saying where that identity came from."""
    if access_key or secret_key:
        if not (access_key and secret_key):
            raise click.BadParameter("give both --access-key and --secret-key")
        return [Identity(access_key=access_key, secret_key=secret_key)], "--access-key"
    if not verify:
        return [], ""
    # The shared loader: the standard AWS credentials, else the local key pair.
    from sagegate.identities import load_identities

    loaded = load_identities()
    where = loaded.source if loaded.path is None else f"{loaded.source} {loaded.path}"
    if loaded.created:
        where += f" (new key pair; secret key: {loaded.primary.secret_key})"
    return [loaded.primary], where


async def _serve(host: EndpointHost, config: Any) -> ModelLoadError | None:
    import uvicorn

    server = uvicorn.Server(config)
    failures: list[ModelLoadError] = []

    async def watch_loading() -> None:
        try:
            await host.load_all()
        except ModelLoadError as exc:
            failures.append(exc)
            server.should_exit = True
        else:
            click.echo("All models loaded; /ping answers 200.")

    watcher = asyncio.ensure_future(watch_loading())
    try:
        await server.serve()
    finally:
        watcher.cancel()
    return failures[0] if failures else None


@click.group()
def endpoint() -> None:
    """The local SageMaker Runtime (InvokeEndpoint for boto3, without Docker)."""


@endpoint.command()
@click.option(
    "--model-dir",
    type=click.Path(path_type=Path),
    help="A SageMaker model directory with code/inference.py (default: the movie-ratings model).",
)
@click.option("--name", help="The endpoint name for --model-dir (default: the directory name).")
@click.option("--model", "models", multiple=True, metavar="NAME=DIR", help="Host another endpoint.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=int)
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds a model may take before the caller gets SageMaker's timeout ModelError.",
)
@click.option("--region", default="us-east-1", show_default=True, help="SigV4 region.")
@click.option(
    "--verify-sigv4", is_flag=True, help="Require SigV4 (service sagemaker) from known identities."
)
@click.option("--access-key", help="The access key allowed to call (turns SigV4 on).")
@click.option("--secret-key", help="Its secret key.")
def serve(
    model_dir: Path | None,
    name: str | None,
    models: tuple[str, ...],
    host: str,
    port: int,
    timeout: float,
    region: str,
    verify_sigv4: bool,
    access_key: str | None,
    secret_key: str | None,
) -> None:
    """Serve SageMaker model directories as endpoints that boto3 can invoke unchanged."""
    import uvicorn

    endpoints = _endpoints(model_dir, name, models)
    identities, source = _identities(verify_sigv4, access_key, secret_key)
    runtime = EndpointHost(endpoints, invocation_timeout=timeout, region=region)
    verifier = (
        SigV4Verifier(StaticIdentityStore(identities), service="sagemaker", region=region)
        if identities
        else None
    )
    url = f"http://{host}:{port}"
    click.echo(f"SageMaker Runtime at {url}  (boto3: endpoint_url={url!r})")
    for key, path in endpoints.items():
        click.echo(f"  endpoint {key}: {path}  -> POST {url}/endpoints/{key}/invocations")
    if verifier is None:
        click.echo("SigV4: ignored (any or no signature is accepted).")
    else:
        keys = ", ".join(identity.access_key for identity in identities)
        click.echo(
            f"SigV4: verified (service sagemaker, region {region}); caller: {keys} [{source}]"
        )
    click.echo("Loading models in the background; /ping answers 503 until they are loaded.")
    config = uvicorn.Config(
        create_app(runtime, verifier=verifier),
        host=host,
        port=port,
        log_level="warning",
        **UVICORN_SETTINGS,
    )
    failure = asyncio.run(_serve(runtime, config))
    if failure is not None:
        click.echo(f"error: cannot serve: {failure}", err=True)
        sys.exit(1)
