"""Training: four components on the same ratings, blended with fixed weights.

The components are the baseline, ALS factorisation and item- and user-based neighbourhoods;
their errors differ enough that a linear blend beats each one (the weights were fitted on a
validation split, see `hyperparameters`). All of it is dense numpy matrix work: about a second
on two cores for the full 100,000 ratings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sagegate.models.movielens.baseline import Biases, fit_biases
from sagegate.models.movielens.data import Ratings
from sagegate.models.movielens.factorization import fit_factors
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS, Hyperparameters
from sagegate.models.movielens.matrix import Matrix, RatingMatrix
from sagegate.models.movielens.neighbours import predict_item_based, predict_user_based
from sagegate.models.movielens.predictor import MAX_RATING, MIN_RATING, RatingModel

StepCallback = Callable[[str], None]
"""Called once per finished training step with its description (drives a progress bar)."""

COMPONENT_NAMES = ("baseline", "factorization", "item_neighbours", "user_neighbours")


def training_steps(hp: Hyperparameters) -> int:
    """How many times `train` calls its step callback."""
    return hp.als_iterations + 4


@dataclass(frozen=True)
class Components:
    """Each component's dense prediction, in COMPONENT_NAMES order, and the baseline's biases."""

    data: RatingMatrix
    biases: Biases
    predictions: tuple[Matrix, Matrix, Matrix, Matrix]

    def blend(self, weights: tuple[float, float, float, float, float]) -> Matrix:
        """intercept + sum of weight x component, clipped to the rating scale."""
        blended = np.full_like(self.predictions[0], np.float32(weights[0]))
        for weight, prediction in zip(weights[1:], self.predictions, strict=True):
            blended += np.float32(weight) * prediction
        out: Matrix = np.clip(blended, MIN_RATING, MAX_RATING).astype(np.float32)
        return out


def fit_components(
    ratings: Ratings,
    hp: Hyperparameters = DEFAULT_HYPERPARAMETERS,
    on_step: StepCallback | None = None,
) -> Components:
    """Fit the four components on `ratings`."""
    step = on_step or (lambda _description: None)
    data = RatingMatrix.from_ratings(ratings)
    biases = fit_biases(data, hp.user_bias_reg, hp.item_bias_reg, hp.bias_sweeps)
    baseline = biases.predict(data.global_mean)
    step("baseline")
    factors = fit_factors(
        data,
        rank=hp.factors,
        factor_reg=hp.factor_reg,
        bias_reg=hp.factor_bias_reg,
        iterations=hp.als_iterations,
        seed=hp.seed,
        on_iteration=lambda: step("factorisation"),
    )
    residual = (data.values - baseline) * data.mask
    item_based = predict_item_based(
        baseline,
        residual,
        data.mask,
        shrinkage=hp.shrinkage,
        neighbours=hp.neighbours,
        denominator_reg=hp.denominator_reg,
    )
    step("item neighbours")
    user_based = predict_user_based(
        baseline,
        residual,
        data.mask,
        shrinkage=hp.shrinkage,
        neighbours=hp.neighbours,
        denominator_reg=hp.denominator_reg,
    )
    step("user neighbours")
    predictions = (baseline, factors.predict(data.global_mean), item_based, user_based)
    return Components(data, biases, predictions)


def train(
    ratings: Ratings,
    hp: Hyperparameters = DEFAULT_HYPERPARAMETERS,
    on_step: StepCallback | None = None,
) -> RatingModel:
    """Train the served model on `ratings`."""
    components = fit_components(ratings, hp, on_step)
    scores = components.blend(hp.blend)
    if on_step is not None:
        on_step("blend")
    data = components.data
    return RatingModel(
        user_ids=data.user_ids,
        item_ids=data.item_ids,
        scores=scores,
        global_mean=data.global_mean,
        user_bias=components.biases.user,
        item_bias=components.biases.item,
    )
