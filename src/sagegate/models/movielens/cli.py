"""``sagegate model``: evaluate and train the default movie-ratings model."""

from __future__ import annotations

import time

import click
import orjson

from sagegate.models.movielens import GROUPLENS_CREDIT
from sagegate.models.movielens.cache import load_or_train
from sagegate.models.movielens.evaluate import evaluate
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS
from sagegate.models.movielens.progress import training_progress


@click.group(name="model")
def model() -> None:
    """The default movie-ratings model (MovieLens 100K)."""


@model.command(name="evaluate")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def evaluate_command(as_json: bool) -> None:
    """Train on MovieLens' ua.base and report MSE and RMSE on ua.test (Object2Vec: 0.91)."""
    with training_progress(DEFAULT_HYPERPARAMETERS, "Training on ua.base") as progress:
        result = evaluate(on_step=progress.step)
    if as_json:
        click.echo(
            orjson.dumps(
                {
                    "split": "ua",
                    "mse": result.mse,
                    "rmse": result.rmse,
                    "object2vec_mse": result.object2vec_mse,
                    "train_seconds": result.train_seconds,
                    "train_rows": result.train_rows,
                    "test_rows": result.test_rows,
                    "credit": GROUPLENS_CREDIT,
                }
            ).decode()
        )
        return
    click.echo(
        f"MovieLens 100K, official ua split: trained on ua.base ({result.train_rows:,} ratings) "
        f"in {result.train_seconds:.2f} s, tested on ua.test ({result.test_rows:,} ratings)"
    )
    click.echo(f"MSE  {result.mse:.4f}   (AWS Object2Vec sample: {result.object2vec_mse:.2f})")
    click.echo(f"RMSE {result.rmse:.4f}")
    click.echo(GROUPLENS_CREDIT)


@model.command(name="train")
def train_command() -> None:
    """Train the serving model on all of MovieLens 100K (or load it) and cache it."""
    started = time.perf_counter()
    with training_progress(DEFAULT_HYPERPARAMETERS, "Training movie-ratings") as progress:
        loaded = load_or_train(on_step=progress.step)
    seconds = time.perf_counter() - started
    verb = "Trained" if loaded.trained else "Loaded from cache"
    click.echo(f"{verb} in {seconds:.2f} s: {loaded.path}")
    click.echo(GROUPLENS_CREDIT)
