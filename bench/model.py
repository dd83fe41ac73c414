"""The default model's own figures, outside any server: pairs/s scored in a batch, and the model
time of one 3-item request (the SageMaker hooks input_fn + predict_fn + output_fn).

Its goals: >= 1,000,000 pairs/s in a batch; <= 100 µs for a 3-item request.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bench.scenarios import BLOG_BODY
from sagegate.models.movielens.cache import load_or_train
from sagegate.models.movielens.serving import input_fn, output_fn, predict_fn

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class ModelFigures:
    """Medians; `request_*_us` are per hook for the blog's 3-instance body."""

    batch_pairs: int
    batch_repeats: int
    pairs_per_second: float
    request_iterations: int
    request_input_us: float
    request_predict_us: float
    request_output_us: float
    request_total_us: float

    def to_json(self) -> dict[str, Any]:
        """For latest.json."""
        return asdict(self)


def measure_model(
    batch_pairs: int = 1_000_000, batch_repeats: int = 5, request_iterations: int = 20_000
) -> ModelFigures:
    """Score random known (user, movie) pairs in one batch, then time the 3-item request."""
    model = load_or_train().model
    rng = np.random.default_rng(6)
    users = rng.choice(model.user_ids, batch_pairs)
    items = rng.choice(model.item_ids, batch_pairs)
    model.predict(users[:1000], items[:1000])  # first-call costs stay out of the figure
    batch_seconds = []
    for _ in range(batch_repeats):
        started = time.perf_counter()
        scores = model.predict(users, items)
        batch_seconds.append(time.perf_counter() - started)
    if len(scores) != batch_pairs:
        raise AssertionError(f"{len(scores)} scores for {batch_pairs} pairs")
    body = BLOG_BODY.encode()
    decode_ns, predict_ns, encode_ns, total_ns = [], [], [], []
    for _ in range(request_iterations):
        t0 = time.perf_counter_ns()
        batch = input_fn(body, JSON)
        t1 = time.perf_counter_ns()
        scored = predict_fn(batch, model)
        t2 = time.perf_counter_ns()
        output_fn(scored, JSON)
        t3 = time.perf_counter_ns()
        decode_ns.append(t1 - t0)
        predict_ns.append(t2 - t1)
        encode_ns.append(t3 - t2)
        total_ns.append(t3 - t0)
    return ModelFigures(
        batch_pairs=batch_pairs,
        batch_repeats=batch_repeats,
        pairs_per_second=batch_pairs / statistics.median(batch_seconds),
        request_iterations=request_iterations,
        request_input_us=statistics.median(decode_ns) / 1e3,
        request_predict_us=statistics.median(predict_ns) / 1e3,
        request_output_us=statistics.median(encode_ns) / 1e3,
        request_total_us=statistics.median(total_ns) / 1e3,
    )
