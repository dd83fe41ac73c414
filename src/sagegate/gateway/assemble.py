"""Assemble a gateway from a spec and options: the target, identities, log and tracer.

`sagegate serve`, `sagegate invoke`, the in-process test client and worker processes all
build their gateway here, so they serve the very same chain.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from sagegate.endpoint.host import EndpointHost
from sagegate.endpoint.multimodel import MultiModel
from sagegate.endpoint.targets import AwsTarget, ContainerTarget, LocalTarget, Target
from sagegate.gateway.app import Gateway, GatewaySettings
from sagegate.gateway.trace import Tracer
from sagegate.iam_policy import Policy, PolicyError
from sagegate.sigv4 import IdentityStore
from sagegate.spec import DEFAULT_ENDPOINT_NAME, Spec, SpecError

CONFIG_ENV = "SAGEGATE_SERVE_CONFIG"


def region_from(environ: Mapping[str, str]) -> str:
    """The region the local API claims to be in (AWS_REGION, AWS_DEFAULT_REGION, us-east-1)."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def load_spec(path: str | Path | None) -> Spec:
    """The spec at `path`, or the movie-ratings default."""
    return Spec.default() if path is None else Spec.from_file(path)


def local_model_dir(spec: Spec) -> Path | None:
    """The model directory served in-process for the spec, checked; None for url/aws targets."""
    endpoint = spec.endpoint
    if endpoint is None:
        if spec.endpoint_name != DEFAULT_ENDPOINT_NAME:
            raise SpecError(
                f"invalid spec: endpoint: the spec names no endpoint for {spec.endpoint_name!r}; "
                "give endpoint.model_dir, endpoint.url or endpoint.aws "
                f"(only {DEFAULT_ENDPOINT_NAME!r} has a built-in model)"
            )
        from sagegate.models.movielens import default_model_dir

        return default_model_dir()
    if endpoint.model_dir is None:
        return None
    model_dir = endpoint.model_dir
    script = model_dir / "code" / "inference.py"
    if not model_dir.is_dir():
        raise SpecError(f"invalid spec: endpoint.model_dir: {model_dir} is not a directory")
    if not endpoint.multi_model and not script.is_file():
        raise SpecError(
            f"invalid spec: endpoint.model_dir: {script} is missing (a SageMaker model "
            "directory has code/inference.py)"
        )
    return model_dir


def _remote_target(spec: Spec) -> Target:
    endpoint = spec.endpoint
    assert endpoint is not None
    if endpoint.url is not None:
        return ContainerTarget(endpoint.url)
    assert endpoint.aws is not None
    return AwsTarget(endpoint.aws.region)


def target_for(spec: Spec, *, region: str, account_id: str) -> Target:
    """The target the spec's `endpoint` block names (none: the default local model)."""
    model_dir = local_model_dir(spec)
    if model_dir is None:
        return _remote_target(spec)
    serves: Path | MultiModel = model_dir
    if spec.endpoint is not None and spec.endpoint.multi_model:
        serves = MultiModel(model_dir, spec.endpoint.max_loaded_models)
    host = EndpointHost({spec.endpoint_name: serves}, region=region, account_id=account_id)
    return LocalTarget(host)


def describe_target(spec: Spec) -> str:
    """What serves the endpoint, checked as `target_for` checks it, without loading anything."""
    model_dir = local_model_dir(spec)
    if model_dir is None:
        return _remote_target(spec).describe()
    return f"in-process model {spec.endpoint_name} <- {model_dir}"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What `sagegate serve` was asked for; JSON-able so worker processes can rebuild it."""

    spec_path: str | None = None
    access_log: str | None = None  # a file path; None = standard output
    policy_path: str | None = None
    region: str | None = None

    def to_env(self) -> str:
        """Serialised for SAGEGATE_SERVE_CONFIG."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServeOptions:
        """Read back from SAGEGATE_SERVE_CONFIG (empty: the defaults)."""
        raw = (os.environ if environ is None else environ).get(CONFIG_ENV)
        return cls(**json.loads(raw)) if raw else cls()


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
    spec: Spec,
    *,
    identities: IdentityStore | None,
    access_log: TextIO | None,
    policy: Policy | Mapping[str, Any] | None = None,
    region: str | None = None,
    account_id: str = "000000000000",
    target: Target | None = None,
    environ: Mapping[str, str] | None = None,
    server_process: bool = False,
) -> Gateway:
    """A gateway for `spec` with its target; nothing is started yet."""
    env = os.environ if environ is None else environ
    region = region or region_from(env)
    settings = GatewaySettings(
        region=region,
        account_id=account_id,
        identities=identities,
        access_log=access_log,
        tracer=Tracer.from_environment(dict(env)),
        policy=policy,
        freeze_startup_objects=server_process,
    )
    if target is None:
        target = target_for(spec, region=region, account_id=account_id)
    return Gateway(spec, target, settings)
