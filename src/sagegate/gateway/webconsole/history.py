"""The console's charts: the API's totals sampled every few seconds, over the last minutes.

Each sample is the totals of every series of every worker (`metrics.registry.totals`) at
one time; the page charts the differences between consecutive samples (requests per
second, average latencies), so a sample taken by any worker is as good as another's.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sagegate.metrics.registry import Snapshot, totals

SAMPLE_SECONDS = 2.0
KEEP_SECONDS = 15 * 60


class History:
    """The latest KEEP_SECONDS of samples."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.samples: deque[dict[str, Any]] = deque(maxlen=int(KEEP_SECONDS / SAMPLE_SECONDS))

    def sample(self, snapshot: Snapshot) -> dict[str, Any]:
        """Add the totals of `snapshot`, taken now; returns the sample."""
        point: dict[str, Any] = {"t": round(self._clock(), 3), **totals(snapshot)}
        self.samples.append(point)
        return point
