"""Fixtures shared by the whole suite: real servers on 127.0.0.1, in a background thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.servers import serve_in_thread


@pytest.fixture
def run_server() -> Callable[..., Any]:
    """`with run_server(app) as url:` — a real uvicorn server for one test."""
    return serve_in_thread


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the suite out of the user's cache and config directories.

    The default model trains once per session into this cache and is reused by every test.
    """
    import os

    os.environ.setdefault("SAGEGATE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    os.environ.setdefault("SAGEGATE_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `slow` tests first, in their collected order, then the rest.

    pytest-xdist hands tests out in this order; a test of half a minute handed out last keeps
    one worker busy while the others have finished (longest first is the usual remedy).
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
