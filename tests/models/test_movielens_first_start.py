"""The default model's first start, as `make serve` shows it: training is announced, then
cached, and the next start is silent about it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.servers import free_port, run_sagegate


def _stderr_until_ready(cache: Path, home: Path) -> list[str]:
    """Start `sagegate serve` (the default API); its stderr lines up to the ready one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(SAGEGATE_CACHE_DIR=str(cache), SAGEGATE_CONFIG_DIR=str(home / "config"))
    env["HOME"] = str(home)
    with run_sagegate("serve", "--port", str(free_port()), env=env) as server:
        return server.stderr.until(lambda line: line.startswith("sagegate: ready"))


def test_the_first_start_says_it_trains_and_the_second_loads_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    first = _stderr_until_ready(cache, tmp_path)

    announced = [line for line in first if "training the movie-ratings model" in line]
    assert announced == [
        "sagegate: training the movie-ratings model on MovieLens 100K "
        "(first start only; cached afterwards) ..."
    ]
    trained = [line for line in first if line.startswith("sagegate: trained in ")]
    assert len(trained) == 1 and str(cache) in trained[0]
    assert first.index(announced[0]) < first.index(trained[0]) < len(first) - 1

    second = _stderr_until_ready(cache, tmp_path)

    assert not [line for line in second if "train" in line]
