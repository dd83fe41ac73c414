"""The five scenarios: which processes serve each, and the request the client repeats.

1. ceiling          a raw ASGI constant 60-byte JSON (`bench.ceiling`)
2. iam-inprocess    `sagegate serve` (the default movie-ratings API, AWS_IAM), in-process endpoint
3. iam-http         the same, the endpoint in a separate `sagegate endpoint serve` over HTTP
4. none-inprocess   as 2 with `authorization_type: NONE`
5. endpoint-direct  `POST /endpoints/movie-ratings/invocations` on `sagegate endpoint serve`
6. workers-2        as 2 with `--workers 2` and a stage throttle that never binds, so the
                    limit all workers share is on every request's path

The AWS_IAM scenarios are called with a URL presigned once per run (SigV4 query form, the
signing key cached): the gateway still verifies the signature on every request, exactly as for
an Authorization header, while the client stays as cheap as possible.
"""

from __future__ import annotations

import json
import secrets
import string
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench import ceiling
from bench.loadgen import LoadJob
from bench.servers import HOST, ServerProcess, free_port, http_request, running, server_env
from sagegate.sigv4 import Identity, SigV4Signer
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE, DEFAULT_ENDPOINT_NAME

REGION = "us-east-1"
API_TARGET = "/prod/predicted-ratings/321?items=101,131,162"
ENDPOINT_TARGET = f"/endpoints/{DEFAULT_ENDPOINT_NAME}/invocations"
# The body the blog's request template makes of the request above, and what scenario 5 sends.
BLOG_BODY = json.dumps({"instances": [{"in0": [321], "in1": [item]} for item in (101, 131, 162)]})
PRESIGN_EXPIRES_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Scenario:
    """One row group of the table."""

    number: int
    key: str
    title: str


SCENARIOS = (
    Scenario(1, "ceiling", "ceiling: raw ASGI constant 60-byte JSON"),
    Scenario(2, "iam-inprocess", "movie-ratings, AWS_IAM, in-process endpoint"),
    Scenario(3, "iam-http", "movie-ratings, AWS_IAM, endpoint over HTTP"),
    Scenario(4, "none-inprocess", "movie-ratings, NONE, in-process endpoint"),
    Scenario(5, "endpoint-direct", "endpoint direct (InvokeEndpoint)"),
    Scenario(6, "workers-2", "as 2, --workers 2, shared stage throttle"),
)


def bench_identity() -> Identity:
    """A fresh key pair that only this run's servers and client know."""
    alphabet = string.ascii_uppercase + string.digits
    return Identity(
        access_key="AKIA" + "".join(secrets.choice(alphabet) for _ in range(16)),
        secret_key=secrets.token_urlsafe(30)[:40],
    )


def spec_mapping(
    *, authorization_type: str, endpoint_url: str | None, throttled: bool = False
) -> dict[str, object]:
    """The movie-ratings spec: the blog templates, `required_parameters: [items]`; with
    `throttled`, a stage throttle far above any rate the bench reaches."""
    spec: dict[str, object] = {
        "endpoint_name": DEFAULT_ENDPOINT_NAME,
        "resource_name": "predicted-ratings",
        "resource_path": "{user_id}",
        "request_mapping_template": BLOG_REQUEST_TEMPLATE,
        "response_mapping_template": BLOG_RESPONSE_TEMPLATE,
        "required_parameters": ["items"],
        "api": {"authorization_type": authorization_type},
    }
    if throttled:
        spec["api"] = {
            "authorization_type": authorization_type,
            "throttling": {"rate_limit": 1_000_000, "burst_limit": 1_000_000},
        }
    if endpoint_url is not None:
        spec["endpoint"] = {"url": endpoint_url}
    return spec


def check_ratings(body: bytes) -> None:
    """The API answered the blog's shape: three ratings in [1, 5]."""
    ratings = json.loads(body)["ratings"]
    if len(ratings) != 3 or not all(1.0 <= float(r) <= 5.0 for r in ratings):
        raise AssertionError(f"unexpected ratings: {body!r}")


def check_predictions(body: bytes) -> None:
    """The endpoint answered Object2Vec's shape: three scores."""
    predictions = json.loads(body)["predictions"]
    if len(predictions) != 3 or not all(len(p["scores"]) == 1 for p in predictions):
        raise AssertionError(f"unexpected predictions: {body!r}")


def check_ceiling(body: bytes) -> None:
    """The ceiling answered its constant."""
    if body != ceiling.BODY:
        raise AssertionError(f"unexpected ceiling body: {body!r}")


@dataclass(frozen=True)
class Served:
    """A scenario's servers, running, and how to make a load job against them."""

    servers: list[ServerProcess]
    make_job: Callable[[int, float, float], LoadJob]
    check: Callable[[bytes], None]

    def cpu_seconds(self) -> float:
        """CPU used so far by every server process of the scenario."""
        return sum(server.cpu_seconds() for server in self.servers)

    def verify(self) -> None:
        """One request outside the load: the right status and a correct body."""
        job = self.make_job(1, 0.0, 0.0)
        status, body = http_request(
            job.port, job.method, job.target, headers=job.headers, body=job.body.encode()
        )
        if status != job.expect_status:
            raise AssertionError(f"status {status} from {job.target}: {body[:300]!r}")
        self.check(body)


def _sagegate(*args: str) -> list[str]:
    return [sys.executable, "-m", "sagegate", *args]


def _gateway_job(port: int, signer: SigV4Signer | None) -> Callable[[int, float, float], LoadJob]:
    def make(concurrency: int, seconds: float, warmup: float) -> LoadJob:
        target = API_TARGET
        if signer is not None:
            # Presigned now, so X-Amz-Date is within the 5-minute skew for the whole run.
            url = signer.presign(
                "GET", f"http://{HOST}:{port}{API_TARGET}", PRESIGN_EXPIRES_SECONDS
            )
            target = url.split(f"{HOST}:{port}", 1)[1]
        return LoadJob(HOST, port, "GET", target, {}, "", concurrency, seconds, warmup)

    return make


def _endpoint_job(port: int) -> Callable[[int, float, float], LoadJob]:
    def make(concurrency: int, seconds: float, warmup: float) -> LoadJob:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        return LoadJob(
            HOST, port, "POST", ENDPOINT_TARGET, headers, BLOG_BODY, concurrency, seconds, warmup
        )

    return make


@contextmanager
def serve(scenario: Scenario, workdir: Path) -> Iterator[Served]:
    """Start the processes `scenario` needs; stop them on exit."""
    identity = bench_identity()
    env = server_env(
        {"AWS_ACCESS_KEY_ID": identity.access_key, "AWS_SECRET_ACCESS_KEY": identity.secret_key}
    )
    signer = SigV4Signer(identity, service="execute-api", region=REGION)
    with ExitStack() as stack:
        key = scenario.key
        if key == "ceiling":
            port = free_port()
            argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port)]
            env["PYTHONPATH"] = str(Path(ceiling.__file__).resolve().parent.parent)
            server = stack.enter_context(
                running(key, argv, port=port, ready_target="/", workdir=workdir, env=env)
            )
            yield Served([server], _endpoint_job(port), check_ceiling)
            return
        if key == "endpoint-direct":
            port = free_port()
            argv = _sagegate("endpoint", "serve", "--port", str(port))
            server = stack.enter_context(
                running(key, argv, port=port, ready_target="/ping", workdir=workdir, env=env)
            )
            yield Served([server], _endpoint_job(port), check_predictions)
            return
        servers: list[ServerProcess] = []
        endpoint_url = None
        if key == "iam-http":
            endpoint_port = free_port()
            argv = _sagegate("endpoint", "serve", "--port", str(endpoint_port))
            servers.append(
                stack.enter_context(
                    running(
                        f"{key}-endpoint",
                        argv,
                        port=endpoint_port,
                        ready_target="/ping",
                        workdir=workdir,
                        env=env,
                    )
                )
            )
            endpoint_url = f"http://{HOST}:{endpoint_port}"
        authorization = "NONE" if key == "none-inprocess" else "AWS_IAM"
        spec_path = workdir / f"{key}.yaml"
        spec_path.write_text(
            yaml.safe_dump(
                spec_mapping(
                    authorization_type=authorization,
                    endpoint_url=endpoint_url,
                    throttled=key == "workers-2",
                )
            )
        )
        port = free_port()
        access_log = workdir / f"{key}-access.log"
        argv = _sagegate(
            "serve", str(spec_path), "--port", str(port), "--access-log", str(access_log)
        )
        if key == "workers-2":
            argv += ["--workers", "2"]
        servers.append(
            stack.enter_context(
                running(key, argv, port=port, ready_target="/", workdir=workdir, env=env)
            )
        )
        yield Served(
            servers,
            _gateway_job(port, signer if authorization == "AWS_IAM" else None),
            check_ratings,
        )
