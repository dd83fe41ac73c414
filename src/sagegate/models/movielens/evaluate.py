"""``sagegate model evaluate``: train on MovieLens' ``ua.base``, score ``ua.test``.

AWS's Object2Vec sample on the same split reaches a validation MSE of about 0.91:
https://github.com/aws/amazon-sagemaker-examples/blob/main/introduction_to_amazon_algorithms/object2vec_movie_recommendation/object2vec_movie_recommendation.ipynb
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sagegate.models.movielens.data import Ratings, load_ratings, ua_split
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS, Hyperparameters
from sagegate.models.movielens.predictor import MAX_RATING, MIN_RATING, RatingModel
from sagegate.models.movielens.training import StepCallback, train

OBJECT2VEC_MSE = 0.91
"""Validation MSE of AWS's Object2Vec movie-recommendation sample on ``ua.test``."""

Clock = Callable[[], float]


@dataclass(frozen=True)
class Evaluation:
    """Held-out error on ``ua.test`` and what it cost."""

    mse: float
    rmse: float
    train_seconds: float
    train_rows: int
    test_rows: int
    object2vec_mse: float = OBJECT2VEC_MSE


def mean_squared_error(model: RatingModel, held_out: Ratings) -> float:
    """MSE of the model's predictions, clipped to [1, 5], on `held_out`."""
    predicted = np.clip(model.predict(held_out.users, held_out.items), MIN_RATING, MAX_RATING)
    errors = predicted.astype(np.float64) - held_out.ratings.astype(np.float64)
    return float(np.mean(errors * errors))


def evaluate(
    *,
    data_file: Path | None = None,
    hp: Hyperparameters = DEFAULT_HYPERPARAMETERS,
    clock: Clock = time.perf_counter,
    on_step: StepCallback | None = None,
) -> Evaluation:
    """Train on ``ua.base`` and report MSE/RMSE on ``ua.test`` and the training time."""
    base, test = ua_split(load_ratings(data_file))
    started = clock()
    model = train(base, hp, on_step)
    seconds = clock() - started
    mse = mean_squared_error(model, test)
    return Evaluation(mse, math.sqrt(mse), seconds, len(base), len(test))
