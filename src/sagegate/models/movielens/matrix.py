"""Ratings as dense user x movie matrices: MovieLens 100K is small (943 x 1,682), so every
training step is a handful of BLAS matrix products instead of a per-rating Python loop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sagegate.models.movielens.data import IntArray, Ratings

Matrix = npt.NDArray[np.float32]
Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class RatingMatrix:
    """Observed ratings `values` (0 where unrated) and the 0/1 `mask`, in index space.

    Row u is user `user_ids[u]`, column i is movie `item_ids[i]` (both sorted ascending).
    """

    user_ids: IntArray
    item_ids: IntArray
    values: Matrix
    mask: Matrix
    global_mean: float

    @classmethod
    def from_ratings(
        cls, ratings: Ratings, user_ids: IntArray | None = None, item_ids: IntArray | None = None
    ) -> RatingMatrix:
        """Build the matrices; `user_ids`/`item_ids` fix the index space (default: those seen)."""
        users = np.unique(ratings.users) if user_ids is None else user_ids
        items = np.unique(ratings.items) if item_ids is None else item_ids
        rows = np.searchsorted(users, ratings.users)
        cols = np.searchsorted(items, ratings.items)
        values = np.zeros((len(users), len(items)), dtype=np.float32)
        mask = np.zeros_like(values)
        values[rows, cols] = ratings.ratings
        mask[rows, cols] = 1.0
        return cls(users, items, values, mask, float(ratings.ratings.mean()))

    @property
    def user_counts(self) -> Vector:
        """Ratings per user."""
        counts: Vector = self.mask.sum(axis=1)
        return counts

    @property
    def item_counts(self) -> Vector:
        """Ratings per movie."""
        counts: Vector = self.mask.sum(axis=0)
        return counts
