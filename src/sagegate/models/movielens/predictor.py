"""The trained rating model as it is served: a dense score table plus the baseline fallback.

Scoring is a vectorised id lookup and gather, so a batch costs a few numpy passes whatever its
size. A user or movie that is not in the training data gets the documented fallback: the
bias-only prediction, global mean + the biases that are known (a known user's bias for an
unknown movie, and so on), clipped to [1, 5] like every rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sagegate.models.movielens.data import IntArray
from sagegate.models.movielens.matrix import Matrix, Vector

MIN_RATING = 1.0
MAX_RATING = 5.0


def _lookup_table(ids: IntArray) -> IntArray:
    """Dense id -> index table (-1 for ids not present); MovieLens ids are small integers."""
    table = np.full(int(ids.max()) + 2 if len(ids) else 1, -1, dtype=np.int64)
    table[ids] = np.arange(len(ids), dtype=np.int64)
    return table


def _indices(table: IntArray, ids: IntArray) -> IntArray:
    """Index of each id in `table`, -1 for unknown ids (negative or beyond the table too)."""
    # Out-of-range ids are sent to the table's last slot, which is always -1.
    safe = np.where((ids >= 0) & (ids < len(table)), ids, len(table) - 1)
    found: IntArray = table[safe]
    return found


@dataclass(frozen=True, eq=False)
class RatingModel:
    """Predicted ratings for MovieLens users x movies, with the baseline for unknown ids."""

    user_ids: IntArray
    item_ids: IntArray
    scores: Matrix  # clipped to [1, 5], rows = user_ids, columns = item_ids
    global_mean: float
    user_bias: Vector
    item_bias: Vector
    _user_table: IntArray = field(init=False, repr=False)
    _item_table: IntArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_user_table", _lookup_table(self.user_ids))
        object.__setattr__(self, "_item_table", _lookup_table(self.item_ids))

    def predict(self, users: npt.ArrayLike, items: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Ratings for the (user, movie) pairs, MovieLens ids; unknown ids get the fallback."""
        user_ids = np.asarray(users, dtype=np.int64)
        item_ids = np.asarray(items, dtype=np.int64)
        rows = _indices(self._user_table, user_ids)
        cols = _indices(self._item_table, item_ids)
        known = (rows >= 0) & (cols >= 0)
        if bool(known.all()):
            result: npt.NDArray[np.float32] = self.scores[rows, cols]
            return result
        return self._with_fallback(rows, cols, known)

    def _with_fallback(
        self, rows: IntArray, cols: IntArray, known: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.float32]:
        scored = self.scores[np.maximum(rows, 0), np.maximum(cols, 0)]
        user_part = np.where(rows >= 0, self.user_bias[np.maximum(rows, 0)], 0.0)
        item_part = np.where(cols >= 0, self.item_bias[np.maximum(cols, 0)], 0.0)
        fallback = np.clip(self.global_mean + user_part + item_part, MIN_RATING, MAX_RATING)
        result: npt.NDArray[np.float32] = np.where(known, scored, fallback).astype(np.float32)
        return result
