"""Driving `serve --workers 2` until both workers have served.

Both workers accept from one listening socket, so the kernel hands each new connection to
whichever accepts first: on a loaded machine one worker may take a whole round. A test of
what the workers share sends rounds (bounded in count and time) until the console's request
list shows both, since figures from one worker would prove nothing shared.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests


def workers_served(base: str) -> set[int]:
    """The workers (pids) among the latest requests the console lists."""
    listed = requests.get(f"{base}/_sagegate/api/requests", timeout=10).json()
    return {item["worker"] for item in listed}


def send_until_both_served(
    base: str,
    send: Callable[[range], list[int]],
    *,
    round_size: int,
    at_least: int,
    at_most: int,
    deadline_s: float = 60,
) -> list[int]:
    """The statuses of rounds `send(numbers)` made: at least `at_least`, as many more rounds as
    it took both workers to serve, at most `at_most`. Fails when they never both served."""
    statuses: list[int] = []
    deadline = time.monotonic() + deadline_s
    while len(statuses) < at_most and time.monotonic() < deadline:
        statuses += send(range(len(statuses), len(statuses) + round_size))
        if len(statuses) < at_least:
            continue
        # Other workers publish their requests on a short timer.
        settle = time.monotonic() + 1
        while len(workers_served(base)) < 2:
            if time.monotonic() > settle:
                break
            time.sleep(0.1)
        else:
            return statuses
    raise AssertionError(f"both workers served requests (sent {len(statuses)})")
