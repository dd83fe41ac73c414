"""MovieLens 100K, read from the file the ``recbole`` wheel ships, and MovieLens' official split.

The data is GroupLens': F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets:
History and Context. ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19.
https://doi.org/10.1145/2827872. MovieLens may not be redistributed, so it is never copied into
the repository: it is read in place from the installed ``recbole`` package.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

RECBOLE_REQUIREMENT = "recbole==1.2.1"
_INTER_FILE = Path("dataset_example", "ml-100k", "ml-100k.inter")

# allbut.pl's rule for ua/ub: each user's first N ratings, in u.data's file order, are the test set.
UA_TEST_PER_USER = 10

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


class DatasetNotInstalledError(RuntimeError):
    """The MovieLens file is not on this machine (recbole, which ships it, is not installed)."""


@dataclass(frozen=True)
class Ratings:
    """(user, movie, rating) triples with MovieLens' own ids, in the file's order."""

    users: IntArray
    items: IntArray
    ratings: FloatArray

    def __len__(self) -> int:
        return len(self.ratings)

    def select(self, mask: BoolArray) -> Ratings:
        """The rows where `mask` is true, order kept."""
        return Ratings(self.users[mask], self.items[mask], self.ratings[mask])


def find_data_file(package: str = "recbole") -> Path:
    """The path of ``ml-100k.inter`` inside the installed recbole package.

    recbole is located without being imported: importing it needs torch, which we do not install.
    """
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / _INTER_FILE
        if candidate.is_file():
            return candidate
    raise DatasetNotInstalledError(
        "MovieLens 100K comes from the recbole wheel, which is not installed (or lacks "
        f"{_INTER_FILE.as_posix()}); install it without its dependencies, in the sagegate "
        f"clone: .venv/bin/pip install --no-deps {RECBOLE_REQUIREMENT}"
    )


def load_ratings(path: Path | None = None) -> Ratings:
    """Read a recbole ``.inter`` file (user, item, rating, timestamp; one header line)."""
    source = path if path is not None else find_data_file()
    table = np.loadtxt(source, skiprows=1, dtype=np.float64, ndmin=2)
    if table.shape[1] < 3:
        raise ValueError(f"{source}: expected user, item and rating columns")
    return Ratings(
        users=table[:, 0].astype(np.int64),
        items=table[:, 1].astype(np.int64),
        ratings=table[:, 2].astype(np.float32),
    )


def first_per_user(users: IntArray, count: int) -> BoolArray:
    """True for each user's first `count` rows in file order (allbut.pl's selection rule)."""
    order = np.argsort(users, kind="stable")
    grouped = users[order]
    rank = np.empty(len(users), dtype=np.int64)
    rank[order] = np.arange(len(users)) - np.searchsorted(grouped, grouped, side="left")
    return rank < count


def ua_split(ratings: Ratings) -> tuple[Ratings, Ratings]:
    """MovieLens' official ``ua.base`` / ``ua.test`` split, as ``allbut.pl`` makes it.

    ``ua.test`` holds each user's first 10 ratings in ``u.data``'s file order (not the most
    recent ones); recbole's ``.inter`` file keeps that order, so this reproduces ``ua.test``
    exactly: 943 users x 10 = 9,430 rows.
    """
    test = first_per_user(ratings.users, UA_TEST_PER_USER)
    return ratings.select(~test), ratings.select(test)
