"""`python -m bench` (`make bench ARGS=...`): the scenarios, the per-step profile, the model's
figures; prints the tables and writes bench/results/latest.json and latest.png."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench import report, routing
from bench.inprocess import InProcessFigures, measure_in_process
from bench.metrics import MetricsFigures, measure_metrics
from bench.metrics import render as render_metrics
from bench.model import ModelFigures, measure_model
from bench.plot import plot
from bench.profile import Profile, profile_request
from bench.runner import ScenarioRun, choose_client, run_scenarios
from bench.scenarios import SCENARIOS
from bench.streaming import StreamingFigures, measure_streaming

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=[s.key for s in SCENARIOS],
        default=[s.key for s in SCENARIOS],
    )
    parser.add_argument("--client", choices=["auto", "python", "wrk"], default="auto")
    parser.add_argument("--profile-iterations", type=int, default=3000)
    parser.add_argument(
        "--in-process-requests",
        type=int,
        default=20_000,
        help="requests for the in-process CPU figures (part of the profile)",
    )
    parser.add_argument("--model-pairs", type=int, default=1_000_000)
    parser.add_argument("--model-iterations", type=int, default=20_000)
    parser.add_argument("--skip-load", action="store_true", help="no servers, no load runs")
    parser.add_argument("--skip-profile", action="store_true")
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument("--skip-streaming", action="store_true")
    parser.add_argument(
        "--streaming-parts", type=int, default=2_000, help="parts per stream for parts/s"
    )
    parser.add_argument(
        "--streaming-iterations", type=int, default=300, help="calls for the first-part medians"
    )
    parser.add_argument(
        "--metrics-count", type=int, default=200_000, help="recordings per metrics figure"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run everything asked for; 0 when it ran (a goal not reached is reported, not failed)."""
    args = parse_args(argv)
    client_name, client = choose_client(args.client)
    runs: list[ScenarioRun] = []
    if not args.skip_load:
        chosen = [s for s in SCENARIOS if s.key in args.scenarios]
        with tempfile.TemporaryDirectory(prefix="sagegate-bench-") as workdir:
            runs = run_scenarios(
                chosen,
                args.concurrency,
                seconds=args.seconds,
                warmup_seconds=args.warmup,
                client=client,
                workdir=Path(workdir),
            )
    profile: Profile | None = None
    if not args.skip_profile:
        print("profiling one request in-process ...", file=sys.stderr, flush=True)
        profile = profile_request(args.profile_iterations, max(10, args.profile_iterations // 10))
    in_process: list[InProcessFigures] = []
    if not args.skip_profile:
        print("measuring the gateway in-process ...", file=sys.stderr, flush=True)
        in_process = measure_in_process(args.in_process_requests, max(args.concurrency))
    metrics: MetricsFigures | None = None
    if not args.skip_profile:
        print("measuring metrics recording and shared limits ...", file=sys.stderr, flush=True)
        metrics = measure_metrics(args.metrics_count)
    model: ModelFigures | None = None
    if not args.skip_model:
        print("measuring the default model ...", file=sys.stderr, flush=True)
        model = measure_model(args.model_pairs, request_iterations=args.model_iterations)
    streaming: StreamingFigures | None = None
    if not args.skip_streaming:
        print("measuring response streaming ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="sagegate-bench-") as workdir:
            streaming = measure_streaming(
                Path(workdir),
                parts=args.streaming_parts,
                iterations=args.streaming_iterations,
            )
    high, low = max(args.concurrency), min(args.concurrency)
    found = report.goals(runs, model, high=high, low=low)
    env = report.environment(client_name, args.seconds, args.warmup)
    sections = []
    if runs:
        sections.append(
            f"Scenarios (client: {client_name}; sagegate {env['sagegate_build']})\n"
            + report.scenario_table(runs)
        )
    if profile is not None:
        sections.append(
            "Per-step profile of one request (pure-Python build)\n" + report.profile_table(profile)
        )
    if in_process:
        sections.append(
            f"The gateway in-process, CPU µs per request, concurrency {max(args.concurrency)}, "
            "no HTTP server\n" + report.in_process_table(in_process)
        )
    if not args.skip_profile:
        sections.append(routing.render(routing.measure_routing()))
    if metrics is not None:
        sections.append(render_metrics(metrics))
    if runs:
        workers = report.workers_table(runs)
        if workers:
            sections.append(workers)
    if model is not None:
        sections.append("Default model\n" + report.model_table(model))
    if streaming is not None:
        sections.append(
            "Response streaming (InvokeEndpointWithResponseStream)\n"
            + report.streaming_table(streaming)
        )
    if found:
        sections.append(
            "This run against sagegate's performance goals (set for a 2-core machine; a busy "
            "or smaller machine may fall below them)\n" + report.goals_table(found)
        )
    print("\n\n".join(sections))
    json_path = args.results_dir / "latest.json"
    report.write_json(
        json_path,
        env=env,
        runs=runs,
        profile=profile,
        in_process=in_process,
        model=model,
        streaming=streaming,
        found=found,
        metrics=metrics,
    )
    written = [json_path]
    if runs:
        png_path = args.results_dir / "latest.png"
        plot(runs, png_path, title=f"sagegate bench, {env['date']}, client: {client_name}")
        written.append(png_path)
    print("\nwrote " + ", ".join(str(path) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
