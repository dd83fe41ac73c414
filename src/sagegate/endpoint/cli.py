"""``sagegate endpoint serve``: the local SageMaker Runtime on its own port;
``sagegate endpoint invoke``: one invocation, printed as it arrives."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from sagegate.endpoint.handler import ModelLoadError
from sagegate.endpoint.host import EndpointHost, check_endpoint_name
from sagegate.endpoint.multimodel import MultiModel
from sagegate.endpoint.server import create_app
from sagegate.metrics.emf import DEFAULT_PERIOD_S, EmfFileError, EmfFlusher, EmfWriter
from sagegate.metrics.emf import check_writable as check_emf_writable
from sagegate.metrics.registry import Metrics
from sagegate.server_settings import UVICORN_SETTINGS
from sagegate.sigv4 import Identity, SigV4Verifier, StaticIdentityStore

DEFAULT_ENDPOINT = "movie-ratings"
# A request the default model answers (the blog's user 321 and movie 101).
_DEFAULT_BODY = '{"instances": [{"in0": [321], "in1": [101]}]}'


def _default_model_dir() -> Path:
    # Imported lazily: the default model pulls in its training code and data loader.
    from sagegate.models.movielens import default_model_dir

    return default_model_dir()


def _multi_model(
    model_dir: Path | None, multi_model: bool, max_loaded_models: int | None
) -> Path | MultiModel | None:
    """What --model-dir serves: one model, or with --multi-model every DIR/NAME/."""
    if max_loaded_models is not None and not multi_model:
        raise click.BadParameter("needs --multi-model", param_hint="--max-loaded-models")
    if not multi_model:
        return model_dir
    if model_dir is None:
        raise click.BadParameter(
            "needs --model-dir (a directory of model directories)", param_hint="--multi-model"
        )
    if not model_dir.is_dir():
        raise click.BadParameter(f"{model_dir} is not a directory", param_hint="--model-dir")
    return MultiModel(model_dir, max_loaded_models)


def _endpoints(
    serves: Path | MultiModel | None, name: str | None, models: tuple[str, ...]
) -> dict[str, Path | MultiModel]:
    endpoints: dict[str, Path | MultiModel] = {}
    for item in models:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"expected NAME=DIR, got {item!r}", param_hint="--model")
        endpoints[key] = Path(value)
    if serves is not None:
        directory = serves.model_dir if isinstance(serves, MultiModel) else serves
        endpoints[name or directory.resolve().name] = serves
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
@click.option(
    "--multi-model",
    is_flag=True,
    help="--model-dir is a multi-model endpoint: each DIR/NAME/ is a model directory, chosen "
    "by TargetModel NAME.tar.gz and loaded on first use.",
)
@click.option(
    "--max-loaded-models",
    type=click.IntRange(min=1),
    metavar="K",
    help="With --multi-model: keep at most K models loaded (least recently used unloaded).",
)
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
@click.option(
    "--metrics-emf",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=(
        "Also append the invocation metrics to FILE as CloudWatch Embedded Metric Format "
        "lines (AWS/SageMaker), one per endpoint variant that served invocations, every "
        "--metrics-emf-period seconds and at shutdown."
    ),
)
@click.option(
    "--metrics-emf-period",
    default=DEFAULT_PERIOD_S,
    show_default=True,
    type=click.FloatRange(min=0.01),
    metavar="SECONDS",
    help="Seconds between two flushes of --metrics-emf.",
)
def serve(
    model_dir: Path | None,
    name: str | None,
    models: tuple[str, ...],
    multi_model: bool,
    max_loaded_models: int | None,
    host: str,
    port: int,
    timeout: float,
    region: str,
    verify_sigv4: bool,
    access_key: str | None,
    secret_key: str | None,
    metrics_emf: Path | None,
    metrics_emf_period: float,
) -> None:
    """Serve SageMaker model directories as endpoints that boto3 can invoke unchanged."""
    import uvicorn

    endpoints = _endpoints(_multi_model(model_dir, multi_model, max_loaded_models), name, models)
    identities, source = _identities(verify_sigv4, access_key, secret_key)
    if metrics_emf is not None:
        try:
            check_emf_writable(str(metrics_emf))
        except EmfFileError as exc:
            click.echo(f"Error: {exc}", err=True)  # one line, as `serve` refuses a definition
            sys.exit(2)
    # With --metrics-emf the series keep each period's latencies for the EMF lines.
    metrics = Metrics(samples=metrics_emf is not None)
    runtime = EndpointHost(endpoints, invocation_timeout=timeout, region=region, metrics=metrics)
    emf = (
        EmfFlusher(EmfWriter(metrics, str(metrics_emf)), metrics_emf_period)
        if metrics_emf is not None
        else None
    )
    verifier = (
        SigV4Verifier(StaticIdentityStore(identities), service="sagemaker", region=region)
        if identities
        else None
    )
    url = f"http://{host}:{port}"
    click.echo(f"SageMaker Runtime at {url}  (boto3: endpoint_url={url!r})")
    for key, serves in endpoints.items():
        click.echo(f"  endpoint {key}: {_describe(serves)}")
        click.echo(f"    InvokeEndpoint:                   POST {url}/endpoints/{key}/invocations")
        click.echo(
            f"    InvokeEndpointWithResponseStream: "
            f"POST {url}/endpoints/{key}/invocations-response-stream"
        )
    if verifier is None:
        click.echo("SigV4: ignored (any or no signature is accepted).")
    else:
        keys = ", ".join(identity.access_key for identity in identities)
        click.echo(
            f"SigV4: verified (service sagemaker, region {region}); caller: {keys} [{source}]"
        )
    if metrics_emf is not None:
        click.echo(f"Metrics: CloudWatch EMF lines appended to {metrics_emf}")
    click.echo("Loading models in the background; /ping answers 503 until they are loaded.")
    config = uvicorn.Config(
        create_app(runtime, verifier=verifier, emf=emf),
        host=host,
        port=port,
        log_level="warning",
        **UVICORN_SETTINGS,
    )
    failure = asyncio.run(_serve(runtime, config))
    if failure is not None:
        click.echo(f"error: cannot serve: {failure}", err=True)
        sys.exit(1)


def _describe(serves: Path | MultiModel) -> str:
    if not isinstance(serves, MultiModel):
        return str(serves)
    names = sorted(p.name for p in serves.model_dir.iterdir() if p.is_dir())
    bound = (
        "" if serves.max_loaded_models is None else f", at most {serves.max_loaded_models} loaded"
    )
    shown = ", ".join(f"{n}.tar.gz" for n in names[:5]) + (", ..." if len(names) > 5 else "")
    return (
        f"{serves.model_dir} (multi-model: {len(names)} model directories{bound}; "
        f"TargetModel {shown or 'NAME.tar.gz'})"
    )


@endpoint.command()
@click.argument("name")
@click.option(
    "--model-dir",
    type=click.Path(path_type=Path),
    help="Run this model directory in-process (default: the movie-ratings model).",
)
@click.option(
    "--url",
    help="Instead, call the container at URL (its /invocations, as SageMaker does).",
)
@click.option("--multi-model", is_flag=True, help="--model-dir is a multi-model endpoint.")
@click.option("--target-model", metavar="M", help="TargetModel (multi-model endpoints).")
@click.option("--body", "-d", help="The request body (default: a movie-ratings request, or {}).")
@click.option("--content-type", default="application/json", show_default=True)
@click.option("--accept", help="The Accept the model is asked for.")
@click.option(
    "--stream",
    is_flag=True,
    help="InvokeEndpointWithResponseStream: print each part as it arrives.",
)
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=float,
    help="Seconds the model may take (in-process).",
)
def invoke(
    name: str,
    model_dir: Path | None,
    url: str | None,
    multi_model: bool,
    target_model: str | None,
    body: str | None,
    content_type: str,
    accept: str | None,
    stream: bool,
    timeout: float,
) -> None:
    """Invoke endpoint NAME once and print the answer (with --stream, part by part)."""
    from sagegate.endpoint.invoke import Request, Target, run
    from sagegate.endpoint.targets import ContainerTarget, LocalTarget, TargetUnreachable

    if url is not None and (model_dir is not None or multi_model):
        raise click.BadParameter("give --url or --model-dir, not both", param_hint="--url")
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["X-Amzn-SageMaker-Accept" if stream else "Accept"] = accept
    if target_model is not None:
        headers["X-Amzn-SageMaker-Target-Model"] = target_model
    target: Target
    if url is not None:
        target = ContainerTarget(url)
    else:
        serves = _multi_model(model_dir, multi_model, None) or _default_model_dir()
        try:
            check_endpoint_name(name)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="NAME") from exc
        target = LocalTarget(EndpointHost({name: serves}, invocation_timeout=timeout))
    if body is None:
        body = _DEFAULT_BODY if url is None and model_dir is None else "{}"
    request = Request(name, body.encode("utf-8"), headers, stream)
    try:
        succeeded = asyncio.run(run(target, request, click.echo))
    except ModelLoadError as exc:
        click.echo(f"error: cannot load the model: {exc}", err=True)
        sys.exit(1)
    except TargetUnreachable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    sys.exit(0 if succeeded else 1)
