"""How the constants in `hyperparameters` were chosen; ``python -m`` this module to redo it.

The validation split is carved from ``ua.base`` by MovieLens' own rule (each user's first 5
``ua.base`` ratings in file order); ``ua.test`` is never looked at. Each component's settings
are picked by grid search on validation MSE, then the blend weights by least squares on the
validation predictions of the four tuned components.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from sagegate.models.movielens.data import Ratings, first_per_user, load_ratings, ua_split
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS, Hyperparameters
from sagegate.models.movielens.predictor import MAX_RATING, MIN_RATING, RatingModel
from sagegate.models.movielens.training import COMPONENT_NAMES, fit_components

VALIDATION_PER_USER = 5

GRIDS: dict[str, dict[str, tuple[float, ...]]] = {
    "baseline": {"user_bias_reg": (5, 10, 20), "item_bias_reg": (2, 5, 10)},
    "factorization": {
        "factors": (10, 20, 40),
        "factor_reg": (0.08, 0.12, 0.16),
        "factor_bias_reg": (1, 3, 10),
    },
    "item_neighbours": {
        "neighbours": (20, 40, 80),
        "shrinkage": (50, 100, 200),
        "denominator_reg": (0.25, 0.5, 1),
    },
}


def validation_split(base: Ratings) -> tuple[Ratings, Ratings]:
    """(training, validation) carved from ``ua.base``."""
    held_out = first_per_user(base.users, VALIDATION_PER_USER)
    return base.select(~held_out), base.select(held_out)


def component_predictions(
    hp: Hyperparameters, training: Ratings, validation: Ratings
) -> npt.NDArray[np.float64]:
    """Validation predictions of each component (columns in COMPONENT_NAMES order)."""
    components = fit_components(training, hp)
    data = components.data
    columns = []
    for scores in components.predictions:
        model = RatingModel(
            data.user_ids,
            data.item_ids,
            scores,
            data.global_mean,
            components.biases.user,
            components.biases.item,
        )
        columns.append(model.predict(validation.users, validation.items))
    return np.stack(columns, axis=1).astype(np.float64)


def _mse(predicted: npt.NDArray[np.float64], actual: Ratings) -> float:
    clipped = np.clip(predicted, MIN_RATING, MAX_RATING)
    return float(np.mean((clipped - actual.ratings) ** 2))


def _grid(space: dict[str, tuple[float, ...]]) -> Iterable[dict[str, float]]:
    for values in itertools.product(*space.values()):
        yield dict(zip(space, values, strict=True))


def tune(verbose: bool = True) -> Hyperparameters:
    """Grid-search each component, then fit the blend; returns the chosen hyperparameters."""
    training, validation = validation_split(ua_split(load_ratings())[0])
    hp = DEFAULT_HYPERPARAMETERS
    for component, space in GRIDS.items():
        column = COMPONENT_NAMES.index(component)
        results = []
        for settings in _grid(space):
            candidate = dataclasses.replace(hp, **settings)  # type: ignore[arg-type]
            predicted = component_predictions(candidate, training, validation)[:, column]
            results.append((_mse(predicted, validation), settings))
            if verbose:
                print(f"{component} {settings} validation MSE {results[-1][0]:.4f}")
        hp = dataclasses.replace(hp, **min(results, key=lambda pair: pair[0])[1])  # type: ignore[arg-type]
    columns = component_predictions(hp, training, validation)
    design = np.hstack([np.ones((len(columns), 1)), columns])
    weights, *_ = np.linalg.lstsq(design, validation.ratings.astype(np.float64), rcond=None)
    blend = tuple(round(float(weight), 4) for weight in weights)
    hp = dataclasses.replace(hp, blend=blend)  # type: ignore[arg-type]
    if verbose:
        print(f"blend validation MSE {_mse(design @ weights, validation):.4f}")
        print(hp)
    return hp


if __name__ == "__main__":
    tune()
