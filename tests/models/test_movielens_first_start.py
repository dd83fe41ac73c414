"""The default model's first start, as `make serve` shows it: training is announced, then
cached, and the next start is silent about it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.servers import free_port

READY = "sagegate: ready"


def _stderr_until_ready(cache: Path, home: Path, deadline_s: float = 90) -> list[str]:
    """Start `sagegate serve` (default API) and return its stderr lines up to the ready one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(SAGEGATE_CACHE_DIR=str(cache), SAGEGATE_CONFIG_DIR=str(home / "config"))
    env["HOME"] = str(home)
    command = [sys.executable, "-m", "sagegate", "serve", "--port", str(free_port())]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    stream = process.stderr
    assert stream is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + deadline_s
    try:
        while not seen or not seen[-1].startswith(READY):
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"serve exited before it was ready: {seen}"
            seen.append(line)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        reader.join(timeout=10)
        stream.close()
    return seen


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
