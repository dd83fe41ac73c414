"""Load and soak: nothing lost under concurrency, one access-log line per request, flat memory.

Figures are printed (run with `-s` to see them): requests sent, answered, lost, log lines,
requests/s, and the server's RSS before and after the soak.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil
import pytest
import requests
import yaml

from sagegate.gateway.assemble import build_gateway
from tests.gateway.hardening.support import echo_spec, echo_spec_data
from tests.servers import free_port, serve_in_thread

pytestmark = pytest.mark.slow

N = 2000
CONCURRENCY = 64
SOAK_SECONDS = 8.0
SOAK_MAX_REQUESTS = 20_000
RSS_GROWTH_LIMIT = 64 * 1024 * 1024


@dataclass
class Tally:
    """What the clients saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())


async def _drive(url: str, *, count: int, concurrency: int, seconds: float) -> Tally:
    """Send up to `count` GETs with `concurrency` workers, for at most `seconds`."""
    tally = Tally()
    next_index = iter(range(count))
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for index in next_index:
                if time.monotonic() > deadline:
                    return
                try:
                    async with session.get(f"{url}/v1/echo/w{index}") as response:
                        await response.read()
                        tally.statuses[response.status] += 1
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally


def test_2000_requests_at_concurrency_64_lose_nothing(tmp_path: Path) -> None:
    log_path = tmp_path / "access.log"
    with log_path.open("a", encoding="utf-8") as sink:
        gateway = build_gateway(echo_spec(tmp_path), identities=None, access_log=sink)
        with serve_in_thread(gateway) as url:
            started = time.perf_counter()
            tally = asyncio.run(_drive(url, count=N, concurrency=CONCURRENCY, seconds=45))
            elapsed = time.perf_counter() - started
    lines = log_path.read_text().splitlines()
    print(
        f"\nload: sent {N}, answered {tally.answered}, lost {N - tally.answered}, "
        f"connection errors {len(tally.errors)}, log lines {len(lines)}, "
        f"{tally.answered / elapsed:.0f} req/s, statuses {dict(tally.statuses)}"
    )
    assert tally.errors == []
    assert tally.statuses == Counter({200: N})
    assert len(lines) == N
    ids = {json.loads(line)["requestId"] for line in lines}
    assert len(ids) == N  # every line a different request


def _rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def test_soak_keeps_memory_flat(tmp_path: Path) -> None:
    spec_path = tmp_path / "api.yaml"
    spec_path.write_text(yaml.safe_dump(echo_spec_data(tmp_path)))
    log_path = tmp_path / "access.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagegate",
            "serve",
            str(spec_path),
            "--port",
            str(port),
            "--access-log",
            str(log_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "serve exited early"
            assert time.monotonic() < deadline, "serve did not come up"
            try:
                requests.get(f"{url}/v1/echo/up", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        warm = asyncio.run(_drive(url, count=1000, concurrency=32, seconds=30))
        before = _rss(process.pid)
        started = time.perf_counter()
        soak = asyncio.run(
            _drive(url, count=SOAK_MAX_REQUESTS, concurrency=32, seconds=SOAK_SECONDS)
        )
        elapsed = time.perf_counter() - started
        after = _rss(process.pid)
    finally:
        process.terminate()
        code = process.wait(timeout=30)
    lines = log_path.read_text().count("\n")
    print(
        f"\nsoak: {soak.answered} requests in {elapsed:.1f} s ({soak.answered / elapsed:.0f} "
        f"req/s), errors {len(soak.errors)}; RSS before {before / 2**20:.1f} MiB, after "
        f"{after / 2**20:.1f} MiB, growth {(after - before) / 2**20:+.1f} MiB; "
        f"log lines {lines}"
    )
    assert code == 0
    assert warm.errors == [] and soak.errors == []
    assert set(soak.statuses) == {200}
    assert soak.answered >= 1000  # enough traffic for the figure to mean something
    assert lines == 1 + warm.answered + soak.answered
    assert after - before < RSS_GROWTH_LIMIT
