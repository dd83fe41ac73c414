"""The serving model, trained once on the full data and cached under the user's cache directory.

The cache file is keyed by a hash of the data file's bytes, the hyperparameters and a format
version, so a new recbole file or a retuned model never serves stale scores. It is written with
``np.savez`` (no pickle, loaded with ``allow_pickle=False``) to a temporary file that is then
renamed over the final name: rename is atomic, so two processes starting at once each write
their own temporary file and a reader never sees half a file. A cache file that cannot be read
is trained over.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from sagegate.models.movielens.data import Ratings, find_data_file, load_ratings
from sagegate.models.movielens.hyperparameters import DEFAULT_HYPERPARAMETERS, Hyperparameters
from sagegate.models.movielens.predictor import RatingModel
from sagegate.models.movielens.training import StepCallback, train

CACHE_DIR_ENV = "SAGEGATE_CACHE_DIR"
# Bump when the saved arrays or their meaning change.
FORMAT_VERSION = 1
_ARRAYS = ("user_ids", "item_ids", "scores", "global_mean", "user_bias", "item_bias")

Trainer = Callable[[Ratings, Hyperparameters, StepCallback | None], RatingModel]


def cache_dir() -> Path:
    """``$SAGEGATE_CACHE_DIR`` if set, else the platform's user cache directory for sagegate."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else platformdirs.user_cache_path("sagegate")


def cache_key(data: bytes, hp: Hyperparameters) -> str:
    """Hash of the data, the hyperparameters and the format version."""
    digest = hashlib.sha256()
    digest.update(f"movielens-format-{FORMAT_VERSION}\0".encode())
    digest.update(hp.fingerprint())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()[:32]


def save_model(model: RatingModel, path: Path) -> None:
    """Write `model` to `path` atomically (temporary file in the same directory, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(
                stream,
                user_ids=model.user_ids,
                item_ids=model.item_ids,
                scores=model.scores,
                global_mean=np.float64(model.global_mean),
                user_bias=model.user_bias,
                item_bias=model.item_bias,
            )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_model(path: Path) -> RatingModel:
    """Read a model written by `save_model`; raises `CorruptCacheError` if it is unreadable."""
    try:
        # Opened here, not by np.load, so that the file is closed even when the zip is bad.
        with path.open("rb") as stream:
            archive = np.load(stream, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            with archive:
                arrays = {name: archive[name] for name in _ARRAYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise CorruptCacheError(f"{path}: {error}") from error
    model = RatingModel(
        user_ids=arrays["user_ids"].astype(np.int64),
        item_ids=arrays["item_ids"].astype(np.int64),
        scores=arrays["scores"].astype(np.float32),
        global_mean=float(arrays["global_mean"]),
        user_bias=arrays["user_bias"].astype(np.float32),
        item_bias=arrays["item_bias"].astype(np.float32),
    )
    shape = (len(model.user_ids), len(model.item_ids))
    if (
        model.scores.shape != shape
        or model.user_bias.shape != shape[:1]
        or (model.item_bias.shape != shape[1:])
    ):
        raise CorruptCacheError(f"{path}: arrays of inconsistent shapes")
    return model


class CorruptCacheError(ValueError):
    """A cache file exists but is not a readable model."""


def _train(ratings: Ratings, hp: Hyperparameters, on_step: StepCallback | None) -> RatingModel:
    return train(ratings, hp, on_step)


@dataclass(frozen=True)
class LoadResult:
    """The model, where it is cached, and whether this call trained it."""

    model: RatingModel
    path: Path
    trained: bool


def load_or_train(
    *,
    data_file: Path | None = None,
    hp: Hyperparameters = DEFAULT_HYPERPARAMETERS,
    directory: Path | None = None,
    trainer: Trainer = _train,
    on_step: StepCallback | None = None,
) -> LoadResult:
    """The serving model (trained on all ratings): from the cache, else trained and cached."""
    source = data_file if data_file is not None else find_data_file()
    data = source.read_bytes()
    path = (directory or cache_dir()) / f"movielens-100k-{cache_key(data, hp)}.npz"
    if path.is_file():
        try:
            return LoadResult(load_model(path), path, trained=False)
        except CorruptCacheError:
            pass  # trained over below, as the module docstring promises
    model = trainer(load_ratings(source), hp, on_step)
    save_model(model, path)
    return LoadResult(model, path, trained=True)
