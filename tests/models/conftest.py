"""Fixtures of the movie-ratings model tests: a private cache directory and small data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sagegate.models.movielens.cache import CACHE_DIR_ENV
from sagegate.models.movielens.data import load_ratings
from sagegate.models.movielens.predictor import RatingModel
from sagegate.models.movielens.training import train


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory, selected the way users select one: SAGEGATE_CACHE_DIR."""
    directory = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(directory))
    return directory


@pytest.fixture
def small_inter_file(tmp_path: Path) -> Path:
    """A synthetic .inter file (40 users x 60 movies, ~40% rated) from a rank-2 taste model."""
    rng = np.random.default_rng(7)
    taste = rng.normal(size=(40, 2)) @ rng.normal(size=(2, 60))
    lines = ["user_id:token\titem_id:token\trating:float\ttimestamp:float"]
    for user in range(40):
        for item in range(60):
            if rng.random() < 0.4:
                rating = int(np.clip(np.rint(3 + taste[user, item]), 1, 5))
                lines.append(f"{user + 1}\t{item + 1}\t{rating}\t{880000000 + user}")
    path = tmp_path / "small.inter"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def full_model() -> RatingModel:
    """The serving model trained on all of MovieLens 100K (about a second), shared."""
    return train(load_ratings())
