"""Assemble a gateway from a file and options: the API model, its endpoints, identities, log.

`sagegate serve`, `sagegate invoke`, the in-process test client and worker processes all
build their gateway here, so they serve the very same chain.

Every SageMaker endpoint name the API integrates with must be bound to something that serves
it: `--endpoint NAME=MODEL_DIR` (in-process), `NAME=http://HOST:PORT` (a container or
`sagegate endpoint serve`), `NAME=aws` (the real SageMaker Runtime). A spec's `endpoint` block
binds its `endpoint_name`; `movie-ratings` binds to the default model unless said otherwise.
An unbound name stops the start with a message naming it and the flag.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sagegate.api.from_spec import api_from_spec
from sagegate.api.load import LoadedApi, load_api
from sagegate.api.model import RestApi
from sagegate.api.options import LoadOptions
from sagegate.endpoint.host import EndpointHost
from sagegate.endpoint.multimodel import MultiModel
from sagegate.endpoint.targets import AwsTarget, ContainerTarget, LocalTarget, Target
from sagegate.gateway.app import Gateway, GatewaySettings
from sagegate.gateway.build import render_stage_variables
from sagegate.gateway.shared_limits import SharedLimits
from sagegate.gateway.trace import Tracer
from sagegate.iam_policy import Policy, PolicyError
from sagegate.metrics.registry import Metrics
from sagegate.sigv4 import DEFAULT_ACCOUNT_ID, IdentityStore
from sagegate.spec import DEFAULT_ENDPOINT_NAME, Spec, SpecError

CONFIG_ENV = "SAGEGATE_SERVE_CONFIG"
# Reserved for the console and metrics, which share the API's host and port.
RESERVED_STAGE = "_sagegate"


def region_from(environ: Mapping[str, str]) -> str:
    """The region the local API claims to be in (AWS_REGION, AWS_DEFAULT_REGION, us-east-1)."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def endpoint_names(api: RestApi) -> list[str]:
    """The SageMaker endpoint names the API's served AWS integrations call.

    A name taken from a request (`endpoints/{name}/invocations`) is known only per request:
    such an API can call any bound endpoint, the default model's among them.
    """
    names: list[str] = []
    for _, method in api.routes():
        integration = method.integration
        found = integration.sagemaker if integration is not None else None
        if found is None or found.group("action") == "async-invocations":
            continue
        name = render_stage_variables(found.group("name"), api.stage.variables)
        if "{" in name:
            name = DEFAULT_ENDPOINT_NAME
        if name not in names:
            names.append(name)
    return names


def _model_dir(path: Path, where: str, *, multi_model: bool = False) -> Path:
    """A model directory, checked: a multi-model one holds one model directory per name."""
    script = path / "code" / "inference.py"
    if not path.is_dir():
        raise SpecError(f"{where}: {path} is not a directory")
    if not multi_model and not script.is_file():
        raise SpecError(
            f"{where}: {script} is missing (a SageMaker model directory has code/inference.py)"
        )
    return path.resolve()


@dataclass(frozen=True, slots=True)
class Binding:
    """What serves one endpoint name: a model directory, a URL, or AWS."""

    model_dir: Path | None = None
    url: str | None = None
    aws_region: str | None = None
    aws: bool = False
    # A multi-model endpoint: DIR/NAME/ per model, chosen by TargetModel.
    multi_model: bool = False
    max_loaded_models: int | None = None

    def describe(self) -> str:
        """One line for the banner."""
        if self.model_dir is not None and self.multi_model:
            bound = f", at most {self.max_loaded_models} loaded" if self.max_loaded_models else ""
            return f"in-process multi-model endpoint <- {self.model_dir}/NAME{bound}"
        if self.model_dir is not None:
            return f"in-process model <- {self.model_dir}"
        if self.url is not None:
            return f"container at {self.url.rstrip('/')}/invocations"
        return f"AWS SageMaker Runtime ({self.aws_region or 'the default region'})"


def is_multi_model_dir(path: Path) -> bool:
    """A multi-model endpoint's directory: no code/inference.py of its own, and model
    directories (NAME/code/inference.py) below it."""
    return (
        path.is_dir()
        and not (path / "code" / "inference.py").is_file()
        and any((child / "code" / "inference.py").is_file() for child in path.iterdir())
    )


def parse_binding(name: str, value: str) -> Binding:
    """`--endpoint NAME=VALUE`'s VALUE: a model directory (a multi-model endpoint's too:
    DIR/NAME/code/inference.py per model), http(s)://HOST:PORT, or aws."""
    where = f"--endpoint {name}={value}"
    if value == "aws":
        return Binding(aws=True)
    if value.startswith(("http://", "https://")):
        return Binding(url=value)
    path = Path(value)
    if is_multi_model_dir(path):
        return Binding(model_dir=path.resolve(), multi_model=True)
    return Binding(model_dir=_model_dir(path, where))


def bindings_for(
    loaded: LoadedApi, endpoints: Mapping[str, str], names: list[str]
) -> dict[str, Binding]:
    """A binding for every name: the flags, the spec's block, the default model."""
    bound: dict[str, Binding] = {}
    for name, value in endpoints.items():
        bound[name] = parse_binding(name, value)
    spec = loaded.spec
    if spec is not None and spec.endpoint is not None and spec.endpoint_name not in bound:
        block = spec.endpoint
        if block.model_dir is not None:
            bound[spec.endpoint_name] = Binding(
                model_dir=_model_dir(
                    block.model_dir,
                    "invalid spec: endpoint.model_dir",
                    multi_model=block.multi_model,
                ),
                multi_model=block.multi_model,
                max_loaded_models=block.max_loaded_models,
            )
        elif block.url is not None:
            bound[spec.endpoint_name] = Binding(url=block.url)
        else:
            assert block.aws is not None
            bound[spec.endpoint_name] = Binding(aws=True, aws_region=block.aws.region)
    if DEFAULT_ENDPOINT_NAME in names and DEFAULT_ENDPOINT_NAME not in bound:
        from sagegate.models.movielens import default_model_dir

        bound[DEFAULT_ENDPOINT_NAME] = Binding(model_dir=default_model_dir())
    for name in names:
        if name not in bound:
            if spec is not None:
                raise SpecError(
                    f"invalid spec: endpoint: the spec names no endpoint for {name!r}; "
                    "give endpoint.model_dir, endpoint.url or endpoint.aws "
                    f"(or --endpoint {name}=MODEL_DIR|http://HOST:PORT|aws)"
                )
            raise SpecError(
                f"the API integrates with SageMaker endpoint {name!r}, which nothing serves: "
                f"pass --endpoint {name}=MODEL_DIR|http://HOST:PORT|aws"
            )
    return bound


def targets_for(
    bound: Mapping[str, Binding],
    *,
    region: str,
    account_id: str,
    metrics: Metrics | None = None,
) -> dict[str, Target]:
    """The targets of the bindings: one in-process host for every model directory (its
    endpoints' invocation metrics go to `metrics`)."""
    local: dict[str, Path | MultiModel] = {
        name: MultiModel(b.model_dir, b.max_loaded_models) if b.multi_model else b.model_dir
        for name, b in bound.items()
        if b.model_dir is not None
    }
    targets: dict[str, Target] = {}
    if local:
        host = LocalTarget(
            EndpointHost(local, region=region, account_id=account_id, metrics=metrics)
        )
        targets.update(dict.fromkeys(local, host))
    for name, binding in bound.items():
        if binding.url is not None:
            targets[name] = ContainerTarget(binding.url)
        elif binding.aws:
            targets[name] = AwsTarget(binding.aws_region)
    return targets


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What `sagegate serve` was asked for; JSON-able so worker processes can rebuild it."""

    spec_path: str | None = None
    access_log: str | None = None  # a file path; None = standard output
    policy_path: str | None = None
    region: str | None = None
    api: str | None = None
    stage: str | None = None
    stage_variables: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    sigv4_literal_form: bool = False
    # Who may open the console beside loopback clients (addresses, networks, or "*").
    console_hosts: list[str] = field(default_factory=list)
    # `--metrics-emf FILE` (absolute) and its period in seconds.
    metrics_emf: str | None = None
    metrics_emf_period: float = 1.0

    def to_env(self) -> str:
        """Serialised for SAGEGATE_SERVE_CONFIG."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServeOptions:
        """Read back from SAGEGATE_SERVE_CONFIG (empty: the defaults)."""
        raw = (os.environ if environ is None else environ).get(CONFIG_ENV)
        return cls(**json.loads(raw)) if raw else cls()

    def load_options(self, environ: Mapping[str, str] | None = None) -> LoadOptions:
        """The options of the API's front door."""
        env = os.environ if environ is None else environ
        return LoadOptions(
            region=self.region or region_from(env),
            account_id=DEFAULT_ACCOUNT_ID,
            api=self.api,
            stage=self.stage,
            stage_variables=self.stage_variables,
            parameters=self.parameters,
        )


def load(path: str | Path | None, options: LoadOptions) -> LoadedApi:
    """The API of a file (None: the default movie-ratings spec), checked for serving."""
    loaded = load_api(path, options)
    if loaded.api.stage.name == RESERVED_STAGE:
        raise SpecError(
            f"stage {RESERVED_STAGE!r} is reserved for sagegate's console and metrics; "
            "serve the API under another --stage"
        )
    return loaded


def read_policy(path: str | None) -> Policy | None:
    """The IAM policy at `path` (`--policy FILE`), parsed and checked, or None."""
    if path is None:
        return None
    try:
        return Policy.from_file(Path(path))
    except OSError as exc:
        raise SpecError(f"--policy {path}: cannot read an IAM policy document: {exc}") from None
    except PolicyError as exc:
        raise SpecError(f"--policy: {exc}") from None


def build_gateway(
    source: LoadedApi | Spec,
    *,
    identities: IdentityStore | None,
    access_log: TextIO | None,
    endpoints: Mapping[str, str] | None = None,
    policy: Policy | Mapping[str, Any] | None = None,
    region: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    target: Target | None = None,
    targets: Mapping[str, Target] | None = None,
    environ: Mapping[str, str] | None = None,
    server_process: bool = False,
    sigv4_literal_form: bool = False,
    run_dir: Path | None = None,
    metrics: Metrics | None = None,
) -> Gateway:
    """A gateway for the API (a loaded file, or a spec) with its targets; nothing is started.

    `target` serves every endpoint name, `targets` names one per endpoint (tests hand in
    their own); otherwise every name is bound from `endpoints`, the spec and the default
    model. `run_dir` is the directory `serve --workers N` shares between its workers: the
    limits then hold for all of them. `metrics`: the series to record into (default: new
    ones that keep no samples).
    """
    env = os.environ if environ is None else environ
    region = region or region_from(env)
    if isinstance(source, Spec):
        loaded = LoadedApi(api_from_spec(source, region=region), "spec", None, source)
    else:
        loaded = source
    if target is not None:
        targets = every_name(target, loaded.api)
    metrics = metrics if metrics is not None else Metrics()
    settings = GatewaySettings(
        metrics=metrics,
        limits=SharedLimits(run_dir) if run_dir is not None else None,
        region=region,
        account_id=account_id,
        identities=identities,
        access_log=access_log,
        tracer=Tracer.from_environment(dict(env)),
        policy=policy,
        freeze_startup_objects=server_process,
        accept_literal_form=sigv4_literal_form,
    )
    if targets is None:
        bound = bindings_for(loaded, endpoints or {}, endpoint_names(loaded.api))
        targets = targets_for(bound, region=region, account_id=account_id, metrics=metrics)
    return Gateway(loaded.api, targets, settings)


def every_name(target: Target, api: RestApi) -> dict[str, Target]:
    """One target for every endpoint name of the API (the test client's `target=`)."""
    return dict.fromkeys(endpoint_names(api), target)
