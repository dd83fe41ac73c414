"""Biased matrix factorisation r = mu + b_u + b_i + p_u . q_i, by alternating least squares.

Each half-step fixes one side and solves every row's ridge problem at once: the per-row normal
equations are one matrix product (mask @ flattened outer products) and one batched
``np.linalg.solve``. Factors use weighted-lambda regularisation (lambda x ratings of the row,
Zhou et al., "Large-scale Parallel Collaborative Filtering for the Netflix Prize", 2008); the
bias column gets a fixed ridge term, as a bias is one number whatever the count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sagegate.models.movielens.matrix import Matrix, RatingMatrix, Vector


@dataclass(frozen=True)
class Factors:
    """Learnt factors and biases of both sides."""

    user_factors: Matrix
    item_factors: Matrix
    user_bias: Vector
    item_bias: Vector

    def predict(self, global_mean: float) -> Matrix:
        """The dense prediction for every (user, movie)."""
        out: Matrix = (
            np.float32(global_mean)
            + self.user_bias[:, None]
            + self.item_bias[None, :]
            + self.user_factors @ self.item_factors.T
        ).astype(np.float32)
        return out


def _solve_side(
    mask: Matrix,
    residual: Matrix,
    fixed: Matrix,
    counts: Vector,
    factor_reg: float,
    bias_reg: float,
) -> tuple[Matrix, Vector]:
    """Rows' [factors, bias] given the other side's `fixed` factors; `residual` excludes the
    other side's bias and the global mean (and is zero where unrated)."""
    rank = fixed.shape[1]
    features = np.hstack([fixed, np.ones((len(fixed), 1), dtype=np.float32)])
    # The normal matrices are symmetric: build only the upper triangle (half the BLAS work).
    upper, lower = np.triu_indices(rank + 1)
    packed = mask @ (features[:, upper] * features[:, lower])
    gram = np.empty((len(mask), rank + 1, rank + 1), dtype=np.float32)
    gram[:, upper, lower] = packed
    gram[:, lower, upper] = packed
    ridge = np.empty((len(mask), rank + 1), dtype=np.float32)
    # max(count, 1) keeps the system invertible for a row with no ratings (its factors -> 0).
    ridge[:, :rank] = np.float32(factor_reg) * np.maximum(counts, 1.0)[:, None]
    ridge[:, rank] = np.float32(bias_reg)
    diagonal = np.arange(rank + 1)
    gram[:, diagonal, diagonal] += ridge
    solution = np.linalg.solve(gram, (residual @ features)[:, :, None])[:, :, 0]
    return solution[:, :rank].astype(np.float32), solution[:, rank].astype(np.float32)


def fit_factors(
    data: RatingMatrix,
    *,
    rank: int,
    factor_reg: float,
    bias_reg: float,
    iterations: int,
    seed: int,
    on_iteration: Callable[[], None] = lambda: None,
) -> Factors:
    """Run `iterations` ALS sweeps (users then movies) from seeded random movie factors."""
    rng = np.random.default_rng(seed)
    mu = np.float32(data.global_mean)
    item_factors = rng.normal(0.0, 0.1, (len(data.item_ids), rank)).astype(np.float32)
    item_bias = np.zeros(len(data.item_ids), dtype=np.float32)
    user_counts, item_counts = data.user_counts, data.item_counts
    mask_t = np.ascontiguousarray(data.mask.T)
    centred = (data.values - mu) * data.mask
    centred_t = np.ascontiguousarray(centred.T)
    user_factors = np.zeros((len(data.user_ids), rank), dtype=np.float32)
    user_bias = np.zeros(len(data.user_ids), dtype=np.float32)
    for _ in range(iterations):
        user_factors, user_bias = _solve_side(
            data.mask,
            centred - data.mask * item_bias[None, :],
            item_factors,
            user_counts,
            factor_reg,
            bias_reg,
        )
        item_factors, item_bias = _solve_side(
            mask_t,
            centred_t - mask_t * user_bias[None, :],
            user_factors,
            item_counts,
            factor_reg,
            bias_reg,
        )
        on_iteration()
    return Factors(user_factors, item_factors, user_bias, item_bias)
