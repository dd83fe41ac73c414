"""MovieLens loading and the official ua split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sagegate.models.movielens.data import (
    DatasetNotInstalledError,
    find_data_file,
    first_per_user,
    load_ratings,
    ua_split,
)


def test_data_file_is_read_from_the_recbole_wheel() -> None:
    path = find_data_file()
    assert path.name == "ml-100k.inter"
    assert "recbole" in path.parts
    ratings = load_ratings(path)
    assert len(ratings) == 100_000
    assert len(np.unique(ratings.users)) == 943
    assert len(np.unique(ratings.items)) == 1682
    # u.data's first row: the .inter file keeps u.data's order.
    assert (ratings.users[0], ratings.items[0], ratings.ratings[0]) == (196, 242, 3.0)


def test_missing_recbole_says_how_to_install_it() -> None:
    with pytest.raises(DatasetNotInstalledError, match=r"pip install --no-deps recbole==1\.2\.1"):
        find_data_file("sagegate_no_such_package")


def test_ua_split_is_each_users_first_ten_ratings_in_file_order() -> None:
    ratings = load_ratings()
    base, test = ua_split(ratings)
    assert len(test) == 9_430
    assert len(base) + len(test) == 100_000
    # An independent, row-by-row replay of allbut.pl's rule.
    seen: Counter[int] = Counter()
    expected_test = []
    for user, item, rating in zip(ratings.users, ratings.items, ratings.ratings, strict=True):
        seen[int(user)] += 1
        if seen[int(user)] <= 10:
            expected_test.append((int(user), int(item), float(rating)))
    actual = list(zip(test.users.tolist(), test.items.tolist(), test.ratings.tolist(), strict=True))
    assert actual == expected_test
    assert set(Counter(test.users.tolist()).values()) == {10}


def test_first_per_user_keeps_file_order_per_user() -> None:
    users = np.array([3, 1, 3, 3, 1, 2], dtype=np.int64)
    assert first_per_user(users, 2).tolist() == [True, True, True, False, True, True]


def test_loader_rejects_a_file_without_rating_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.inter"
    bad.write_text("user_id:token\titem_id:token\n1\t2\n")
    with pytest.raises(ValueError, match="rating"):
        load_ratings(bad)
