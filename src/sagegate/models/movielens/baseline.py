"""The baseline predictor mu + b_u + b_i: the bias-only model, also the unknown-id fallback.

Koren, "Factor in the Neighbors" (TKDD 2010), section 2.1: the biases are fitted by
alternating regularised means, a few sweeps of which converge on this data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sagegate.models.movielens.matrix import Matrix, RatingMatrix, Vector


@dataclass(frozen=True)
class Biases:
    """User and movie offsets from the global mean."""

    user: Vector
    item: Vector

    def predict(self, global_mean: float) -> Matrix:
        """The dense baseline prediction for every (user, movie)."""
        out: Matrix = (np.float32(global_mean) + self.user[:, None] + self.item[None, :]).astype(
            np.float32
        )
        return out


def fit_biases(data: RatingMatrix, user_reg: float, item_reg: float, sweeps: int) -> Biases:
    """Alternating ridge estimates of b_i then b_u, `sweeps` times."""
    centred = (data.values - np.float32(data.global_mean)) * data.mask
    user_counts, item_counts = data.user_counts, data.item_counts
    user = np.zeros(len(data.user_ids), dtype=np.float32)
    item = np.zeros(len(data.item_ids), dtype=np.float32)
    for _ in range(sweeps):
        item = (centred.sum(axis=0) - user @ data.mask) / (item_counts + np.float32(item_reg))
        user = (centred.sum(axis=1) - data.mask @ item) / (user_counts + np.float32(user_reg))
    return Biases(user.astype(np.float32), item.astype(np.float32))
