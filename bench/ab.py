"""A/B of one hot-path mechanism against its simple or standard form, interleaved in one run.

`python -m bench.ab MECHANISM [--rounds N] [--seconds S] [--concurrency C]` runs A (as
shipped) and B (`bench.variant`'s swap) alternately, ABAB..., each on fresh server processes,
and prints every run, the medians and the ratio B/A (above 1: the simple form serves more, or
waits less). The machine is shared: the load average is printed beside the figures.

- `protocol`: the headline (scenario 2 over the ceiling, `python -m bench`'s ratio), with
  `http_protocol.CoalescingHttpToolsProtocol` (A) and uvicorn's stock httptools protocol (B)
  under both the ceiling and the gateway.
- `workers`: InvokeEndpoint on `sagegate endpoint serve` with the default model's hooks but
  no inline promise, so every prediction runs on a prediction thread: the batched hand-back
  (A) against `run_in_executor` (B) and one `call_soon_threadsafe` per result (C).
- `client`: scenario 3 (the gateway, a container-URL target, `sagegate endpoint serve`
  behind): `endpoint/http_client.py` (A) against aiohttp (B). CPU per request is the
  gateway's alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench import ceiling, wrk
from bench.loadgen import LoadJob, LoadResult, run_in_subprocess
from bench.scenarios import (
    REGION,
    _endpoint_job,
    _gateway_job,
    bench_identity,
    spec_mapping,
)
from bench.servers import HOST, ServerProcess, free_port, running, server_env
from sagegate.sigv4 import SigV4Signer

REPO_ROOT = Path(ceiling.__file__).resolve().parent.parent

# mechanism -> the variants to alternate (the first is A, as shipped).
MECHANISMS: dict[str, tuple[str, ...]] = {
    "protocol": ("none", "stock-protocol"),
    "workers": ("none", "executor-workers", "threadsafe-workers"),
    "client": ("none", "aiohttp-client"),
}

THREAD_MODEL_SCRIPT = '''"""The default model's hooks, no SAGEGATE_INLINE_MAX_BYTES: on threads."""
from sagegate.models.movielens.serving import input_fn, model_fn, output_fn, predict_fn

__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]
'''


def _launch(variant: str, module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "bench.variant", variant, module, *args]


@dataclass(frozen=True, slots=True)
class Run:
    """One load run of one variant."""

    variant: str
    label: str
    result: LoadResult
    cpu_us: float  # CPU per request of the measured server process


@contextmanager
def _server(
    name: str, argv: list[str], port: int, ready: str, workdir: Path, env: dict[str, str]
) -> Iterator[ServerProcess]:
    with running(name, argv, port=port, ready_target=ready, workdir=workdir, env=env) as server:
        yield server


# The load client: the Python one (`bench.loadgen`) unless `--client wrk`.
_CLIENT: list[Callable[[LoadJob], LoadResult]] = [run_in_subprocess]


def _load(server: ServerProcess, job: LoadJob) -> tuple[LoadResult, float]:
    before = server.cpu_seconds()
    result = _CLIENT[0](job)
    cpu = server.cpu_seconds() - before
    if result.requests == 0 or result.errors or result.connection_errors:
        raise RuntimeError(f"{server.name}: failed load run: {result}")
    return result, cpu / result.requests_total * 1e6


def _one_round(
    mechanism: str, variant: str, workdir: Path, concurrency: int, seconds: float, warmup: float
) -> list[Run]:
    identity = bench_identity()
    env = server_env(
        {"AWS_ACCESS_KEY_ID": identity.access_key, "AWS_SECRET_ACCESS_KEY": identity.secret_key}
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    runs: list[Run] = []
    with ExitStack() as stack:
        if mechanism == "protocol":
            port = free_port()
            argv = _launch(variant, "bench.ceiling", "--port", str(port))
            server = stack.enter_context(_server("ceiling", argv, port, "/", workdir, env))
            result, cpu = _load(server, _endpoint_job(port)(concurrency, seconds, warmup))
            runs.append(Run(variant, "ceiling", result, cpu))
            stack.close()
        if mechanism == "workers":
            model_dir = workdir / "thread-model"
            (model_dir / "code").mkdir(parents=True, exist_ok=True)
            (model_dir / "code" / "inference.py").write_text(THREAD_MODEL_SCRIPT)
            port = free_port()
            argv = _launch(
                variant,
                "sagegate",
                "endpoint",
                "serve",
                "--model-dir",
                str(model_dir),
                "--name",
                "movie-ratings",
                "--port",
                str(port),
            )
            server = stack.enter_context(_server("endpoint", argv, port, "/ping", workdir, env))
            result, cpu = _load(server, _endpoint_job(port)(concurrency, seconds, warmup))
            runs.append(Run(variant, "endpoint (threads)", result, cpu))
            return runs
        endpoint_url = None
        if mechanism == "client":
            endpoint_port = free_port()
            argv = _launch("none", "sagegate", "endpoint", "serve", "--port", str(endpoint_port))
            stack.enter_context(_server("endpoint", argv, endpoint_port, "/ping", workdir, env))
            endpoint_url = f"http://{HOST}:{endpoint_port}"
        spec_path = workdir / "spec.yaml"
        spec_path.write_text(
            yaml.safe_dump(spec_mapping(authorization_type="AWS_IAM", endpoint_url=endpoint_url))
        )
        port = free_port()
        argv = _launch(
            variant,
            "sagegate",
            "serve",
            str(spec_path),
            "--port",
            str(port),
            "--access-log",
            str(workdir / "access.log"),
        )
        server = stack.enter_context(_server("gateway", argv, port, "/", workdir, env))
        signer = SigV4Signer(identity, service="execute-api", region=REGION)
        result, cpu = _load(server, _gateway_job(port, signer)(concurrency, seconds, warmup))
        runs.append(Run(variant, "gateway", result, cpu))
    return runs


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    """Run the rounds, print each run, then the medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mechanism", choices=sorted(MECHANISMS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--client", choices=("python", "wrk"), default="python")
    args = parser.parse_args(argv)
    if args.client == "wrk":
        executable = wrk.available()
        if executable is None:
            raise SystemExit("--client wrk: wrk is not on PATH")
        _CLIENT[0] = lambda job: wrk.run_wrk(job, executable)
    variants = MECHANISMS[args.mechanism]
    print(f"client: {args.client}; load average at start: {os.getloadavg()}", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="sagegate-ab-") as tmp:
        for number in range(args.rounds):
            for variant in variants:
                for run in _one_round(
                    args.mechanism,
                    variant,
                    Path(tmp),
                    args.concurrency,
                    args.seconds,
                    args.warmup,
                ):
                    runs.append(run)
                    print(
                        f"round {number + 1} {variant:20} {run.label:20} "
                        f"{run.result.rps:9,.0f} req/s  p50 {run.result.p50_ms:6.3f} ms  "
                        f"p99 {run.result.p99_ms:6.3f} ms  server CPU {run.cpu_us:6.1f} µs/req",
                        flush=True,
                    )
    print(f"load average at end: {os.getloadavg()}")
    labels = list(dict.fromkeys(run.label for run in runs))
    summary: dict[tuple[str, str], dict[str, float]] = {}
    for variant in variants:
        for label in labels:
            mine = [r for r in runs if r.variant == variant and r.label == label]
            summary[variant, label] = {
                "rps": _median([r.result.rps for r in mine]),
                "p50": _median([r.result.p50_ms for r in mine]),
                "p99": _median([r.result.p99_ms for r in mine]),
                "cpu": _median([r.cpu_us for r in mine]),
            }
    print(f"\nmedians of {args.rounds} rounds, c={args.concurrency}:")
    base = variants[0]
    for variant in variants:
        for label in labels:
            s, a = summary[variant, label], summary[base, label]
            print(
                f"  {variant:20} {label:20} {s['rps']:9,.0f} req/s ({s['rps'] / a['rps']:.3f}x A)"
                f"  p50 {s['p50']:.3f} ms ({s['p50'] / a['p50']:.3f}x)"
                f"  p99 {s['p99']:.3f} ms ({s['p99'] / a['p99']:.3f}x)"
                f"  CPU {s['cpu']:.1f} µs/req ({s['cpu'] / a['cpu']:.3f}x)"
            )
    print("  per-round B/A (same round), median over rounds:")
    for variant in variants[1:]:
        for label in labels:
            pairs = [
                (b, a)
                for b, a in zip(
                    [r for r in runs if r.variant == variant and r.label == label],
                    [r for r in runs if r.variant == base and r.label == label],
                    strict=True,
                )
            ]
            print(
                f"  {variant:20} {label:20} req/s "
                f"{_median([b.result.rps / a.result.rps for b, a in pairs]):.3f}x  p50 "
                f"{_median([b.result.p50_ms / a.result.p50_ms for b, a in pairs]):.3f}x  p99 "
                f"{_median([b.result.p99_ms / a.result.p99_ms for b, a in pairs]):.3f}x  CPU "
                f"{_median([b.cpu_us / a.cpu_us for b, a in pairs]):.3f}x"
            )
    if args.mechanism == "protocol":

        def ratio(v: str) -> float:
            return summary[v, "gateway"]["rps"] / summary[v, "ceiling"]["rps"]

        for variant in variants:
            headline = [
                g.result.rps / c.result.rps
                for g, c in zip(
                    [r for r in runs if r.variant == variant and r.label == "gateway"],
                    [r for r in runs if r.variant == variant and r.label == "ceiling"],
                    strict=True,
                )
            ]
            print(
                f"  headline {variant:20} median of rounds {_median(headline):.3f} "
                f"(of medians {ratio(variant):.3f})"
            )


if __name__ == "__main__":
    main()
