"""The model's hyperparameters, and how they were chosen.

Every value was chosen on a validation split carved from ``ua.base`` by the same rule MovieLens
uses for ``ua.test`` (each user's first 5 ``ua.base`` ratings in file order), never on
``ua.test``: ``python -m sagegate.models.movielens.tune`` reruns the grid search and the blend
fit and prints these values. The grids searched (validation MSE of each component alone) were:
biases ``user_bias_reg`` x ``item_bias_reg`` in {5, 10, 20} x {2, 5, 10}; factorisation
``factors`` x ``factor_reg`` x ``factor_bias_reg`` in {10, 20, 40} x {0.08, 0.12, 0.16} x
{1, 3, 10}; item neighbourhood ``neighbours`` x ``shrinkage`` x ``denominator_reg`` in
{20, 40, 80} x {50, 100, 200} x {0.25, 0.5, 1} (the user neighbourhood shares its settings).
Each grid's best was kept (with 15 ALS sweeps; validation MSE: biases 0.9553, factorisation
0.9228, item neighbours 0.9195). The blend weights are the least-squares fit of the validation
ratings on the four tuned components' predictions (blend validation MSE 0.9062). ALS runs 10
sweeps, not to convergence: 15 gave a blend validation MSE of 0.9058, 8 of 0.9064, 6 of 0.9068,
and ten keep training well inside its time budget on a busy two-core machine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class Hyperparameters:
    """Settings of the four components and of their blend (see the module docstring)."""

    # Baseline r = mu + b_u + b_i, fitted by alternating ridge steps.
    user_bias_reg: float = 5.0
    item_bias_reg: float = 5.0
    bias_sweeps: int = 10
    # Biased matrix factorisation by alternating least squares, weighted-lambda regularisation.
    factors: int = 40
    factor_reg: float = 0.12
    factor_bias_reg: float = 3.0
    als_iterations: int = 10
    seed: int = 0
    # Baseline-corrected neighbourhood models (item-item and user-user), Pearson-baseline
    # similarity shrunk by co-rating count, each row limited to its most similar neighbours.
    neighbours: int = 80
    shrinkage: float = 200.0
    denominator_reg: float = 0.5
    # Blend: intercept, then weights of baseline, factorisation, item kNN, user kNN.
    blend: tuple[float, float, float, float, float] = (0.125, -0.5627, 0.3901, 0.7002, 0.4243)

    def fingerprint(self) -> bytes:
        """A canonical serialisation, part of the cache key."""
        return orjson.dumps(dataclasses.asdict(self), option=orjson.OPT_SORT_KEYS)


DEFAULT_HYPERPARAMETERS = Hyperparameters()
