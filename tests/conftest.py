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
