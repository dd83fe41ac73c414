"""bench/results/latest.png: req/s and p50/p99 per scenario, one bar per concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on a server or in CI

import matplotlib.pyplot as plt

from bench.runner import ScenarioRun


def plot(runs: Sequence[ScenarioRun], path: Path, *, title: str) -> None:
    """Throughput (left) and latency (right, log scale) per scenario and concurrency."""
    scenarios = sorted({(run.scenario.number, run.scenario.key) for run in runs})
    concurrencies = sorted({run.result.concurrency for run in runs})
    by_key = {(run.scenario.key, run.result.concurrency): run for run in runs}
    labels = [f"{number}. {key}" for number, key in scenarios]
    width = 0.8 / max(1, len(concurrencies))
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for index, concurrency in enumerate(concurrencies):
        offsets = [i + index * width for i in range(len(scenarios))]
        chosen = [by_key.get((key, concurrency)) for _, key in scenarios]
        rps = [run.result.rps if run else 0.0 for run in chosen]
        p50 = [run.result.p50_ms if run else 0.0 for run in chosen]
        p99 = [run.result.p99_ms if run else 0.0 for run in chosen]
        bars = left.bar(offsets, rps, width, label=f"c={concurrency}")
        for bar, run in zip(bars, chosen, strict=True):
            if run is not None and run.ratio_to_ceiling is not None:
                left.annotate(
                    f"{run.ratio_to_ceiling:.0%}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        right.bar(offsets, p99, width, alpha=0.35, label=f"p99 c={concurrency}")
        right.bar(offsets, p50, width, label=f"p50 c={concurrency}")
    for axis in (left, right):
        axis.set_xticks([i + 0.4 - width / 2 for i in range(len(scenarios))])
        axis.set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
        axis.legend(fontsize=8)
    left.set_ylabel("requests/s (label: fraction of the ceiling)")
    right.set_ylabel("latency, ms (log)")
    right.set_yscale("log")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
