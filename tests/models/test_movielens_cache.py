"""The serving model's cache: keyed, atomic, and trained over when corrupt."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest

from sagegate.models.movielens.cache import (
    CorruptCacheError,
    cache_dir,
    cache_key,
    load_model,
    load_or_train,
    save_model,
)
from sagegate.models.movielens.data import Ratings
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS, Hyperparameters
from sagegate.models.movielens.predictor import RatingModel
from sagegate.models.movielens.training import StepCallback, train


class CountingTrainer:
    """The real trainer, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, ratings: Ratings, hp: Hyperparameters, on_step: StepCallback | None
    ) -> RatingModel:
        self.calls += 1
        return train(ratings, hp, on_step)


def test_cache_dir_follows_the_environment(cache_dir: Path) -> None:
    from sagegate.models.movielens import cache

    assert cache.cache_dir() == cache_dir


def test_second_load_comes_from_the_cache_and_predicts_identically(
    cache_dir: Path, small_inter_file: Path
) -> None:
    trainer = CountingTrainer()
    first = load_or_train(data_file=small_inter_file, trainer=trainer)
    second = load_or_train(data_file=small_inter_file, trainer=trainer)
    assert trainer.calls == 1
    assert (first.trained, second.trained) == (True, False)
    assert first.path == second.path
    assert first.path.parent == cache_dir
    users = np.repeat(np.arange(0, 45), 65)
    items = np.tile(np.arange(0, 65), 45)
    assert np.array_equal(first.model.predict(users, items), second.model.predict(users, items))
    assert list(cache_dir.iterdir()) == [first.path]  # no temporary file left behind


def test_the_real_model_round_trips_through_the_cache(
    cache_dir: Path, full_model: RatingModel
) -> None:
    path = cache_dir / "model.npz"
    save_model(full_model, path)
    loaded = load_model(path)
    assert np.array_equal(loaded.scores, full_model.scores)
    assert loaded.global_mean == full_model.global_mean
    assert np.array_equal(
        loaded.predict([1, 943, 5000], [1, 1682, 3]),
        full_model.predict([1, 943, 5000], [1, 1682, 3]),
    )


def _npy_bytes() -> bytes:
    stream = io.BytesIO()
    np.save(stream, np.arange(3))
    return stream.getvalue()


@pytest.mark.parametrize(
    "garbage", [b"", b"not a zip file at all", b"PK\x03\x04truncated", _npy_bytes()]
)
def test_a_corrupt_cache_file_is_trained_over(
    cache_dir: Path, small_inter_file: Path, garbage: bytes
) -> None:
    trainer = CountingTrainer()
    path = load_or_train(data_file=small_inter_file, trainer=trainer).path
    path.write_bytes(garbage)
    with pytest.raises(CorruptCacheError):
        load_model(path)
    again = load_or_train(data_file=small_inter_file, trainer=trainer)
    assert again.trained and trainer.calls == 2
    assert load_model(path).scores.shape == again.model.scores.shape


def test_key_changes_with_data_and_hyperparameters() -> None:
    base = cache_key(b"data", DEFAULT_HYPERPARAMETERS)
    assert base == cache_key(b"data", DEFAULT_HYPERPARAMETERS)
    assert base != cache_key(b"datb", DEFAULT_HYPERPARAMETERS)
    assert base != cache_key(b"data", Hyperparameters(factors=DEFAULT_HYPERPARAMETERS.factors + 1))


def test_concurrent_writers_leave_a_whole_file(cache_dir: Path, full_model: RatingModel) -> None:
    path = cache_dir / "model.npz"
    errors: list[BaseException] = []

    def write() -> None:
        try:
            save_model(full_model, path)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert np.array_equal(load_model(path).scores, full_model.scores)
    assert [p.name for p in cache_dir.iterdir()] == ["model.npz"]


def test_default_cache_dir_is_the_platform_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGEGATE_CACHE_DIR", raising=False)
    assert cache_dir().name == "sagegate"
