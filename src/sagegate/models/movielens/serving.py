"""The movie-ratings model behind SageMaker's inference-script hooks.

``endpoint/code/inference.py`` re-exports these functions; they live here so that they are
type-checked and tested with the package. Contract:
https://docs.aws.amazon.com/sagemaker/latest/dg/adapt-inference-container.html
"""

from __future__ import annotations

import sys

from sagegate.models.movielens.cache import load_or_train
from sagegate.models.movielens.codec import Batch, Scored, decode, encode
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS
from sagegate.models.movielens.predictor import RatingModel
from sagegate.models.movielens.progress import training_progress


def model_fn(model_dir: str) -> RatingModel:
    """Load the cached model, training it first (with a progress bar) if it is not cached.

    `model_dir` is unused: the model is trained from MovieLens on this machine rather than
    shipped, because MovieLens may not be redistributed.
    """
    description = (
        "sagegate: training the movie-ratings model on MovieLens 100K "
        "(first start only; cached afterwards)"
    )
    with training_progress(DEFAULT_HYPERPARAMETERS, description) as progress:
        loaded = load_or_train(on_step=progress.step)
    if progress.seconds is not None:
        print(
            f"sagegate: trained in {progress.seconds:.1f} s; cached as {loaded.path}",
            file=sys.stderr,
        )
    return loaded.model


def input_fn(body: bytes | str, content_type: str | None) -> Batch:
    """Decode an Object2Vec request (application/json or application/jsonlines)."""
    return decode(body, content_type)


def predict_fn(batch: Batch, model: RatingModel) -> Scored:
    """Predict a rating for each (user, movie) instance."""
    return Scored(model.predict(batch.users, batch.items), batch.content_type)


def output_fn(prediction: Scored, accept: str | None) -> tuple[bytes, str]:
    """Encode the ratings in the Accept type (the request's type for ``*/*`` or no Accept)."""
    return encode(prediction, accept)
