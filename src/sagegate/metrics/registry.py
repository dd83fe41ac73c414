"""The series of one process, and snapshots of them that add up across processes.

A snapshot is plain data (JSON-able): per family, each series' labels joined by
`LABEL_SEPARATOR` to the flat list of its figures (`Series.values`). Snapshots of several
workers merge by adding figures series by series, so a series only one worker has served
still shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from sagegate.metrics.series import MICROSECOND_BOUNDS, MILLISECOND_BOUNDS, Series

#: Joins a series' label values into its key (a character no label value holds).
LABEL_SEPARATOR = "\x1f"
API = "apigateway"
SAGEMAKER = "sagemaker"

Snapshot = dict[str, dict[str, list[float]]]


def api_name(name: str, api_id: str) -> str:
    """The ApiName dimension: API Gateway drops non-ASCII characters, and uses the API id
    when none is left (api-gateway-metrics-and-dimensions.html)."""
    ascii_name = name.encode("ascii", "ignore").decode("ascii")
    return ascii_name or api_id


class Metrics:
    """Every series this process records into, made once and found by labels.

    `samples`: the series also keep each period's first observations as they are, for
    `--metrics-emf` (see `series.SAMPLES_PER_PERIOD`).
    """

    def __init__(self, *, samples: bool = False) -> None:
        self.api: dict[tuple[str, str, str, str], Series] = {}
        self.variants: dict[tuple[str, str], Series] = {}
        self.samples = samples

    def api_series(self, api: str, stage: str, method: str, resource: str) -> Series:
        """The series of a method (`method` and `resource` empty: requests that matched no
        method, which CloudWatch reports only under ApiName and Stage)."""
        key = (api, stage, method, resource)
        found = self.api.get(key)
        if found is None:
            found = self.api[key] = Series(MILLISECOND_BOUNDS, samples=self.samples)
        return found

    def variant_series(self, endpoint_name: str, variant_name: str) -> Series:
        """The series of an endpoint's production variant."""
        key = (endpoint_name, variant_name)
        found = self.variants.get(key)
        if found is None:
            found = self.variants[key] = Series(MICROSECOND_BOUNDS, samples=self.samples)
        return found

    def snapshot(self) -> Snapshot:
        """Every series' figures now."""
        return {
            API: {LABEL_SEPARATOR.join(k): s.values() for k, s in self.api.items()},
            SAGEMAKER: {LABEL_SEPARATOR.join(k): s.values() for k, s in self.variants.items()},
        }


def merge(snapshots: Iterable[Snapshot]) -> Snapshot:
    """The sum of several processes' snapshots, series by series."""
    total: Snapshot = {API: {}, SAGEMAKER: {}}
    for snapshot in snapshots:
        for family, series in snapshot.items():
            into = total.setdefault(family, {})
            for key, values in series.items():
                known = into.get(key)
                if known is None or len(known) != len(values):
                    into[key] = list(values)
                else:
                    into[key] = [a + b for a, b in zip(known, values, strict=True)]
    return total


def totals(snapshot: Snapshot) -> dict[str, float]:
    """The figures of every series added up: what the console charts over time.

    A series' values are 4xx, 5xx, then two histograms of (buckets..., sum) each.
    """
    out = dict.fromkeys(
        (
            "requests",
            "errors_4xx",
            "errors_5xx",
            "latency_ms",
            "integrations",
            "integration_latency_ms",
            "invocations",
            "invocation_4xx",
            "invocation_5xx",
            "model_latency_us",
            "overhead_latency_us",
        ),
        0.0,
    )
    width = len(MILLISECOND_BOUNDS) + 1
    for values in snapshot.get(API, {}).values():
        out["errors_4xx"] += values[0]
        out["errors_5xx"] += values[1]
        out["requests"] += sum(values[2 : 2 + width])
        out["latency_ms"] += values[2 + width]
        out["integrations"] += sum(values[3 + width : 3 + 2 * width])
        out["integration_latency_ms"] += values[3 + 2 * width]
    width = len(MICROSECOND_BOUNDS) + 1
    for values in snapshot.get(SAGEMAKER, {}).values():
        out["invocation_4xx"] += values[0]
        out["invocation_5xx"] += values[1]
        out["invocations"] += sum(values[2 : 2 + width])
        out["model_latency_us"] += values[2 + width]
        out["overhead_latency_us"] += values[3 + 2 * width]
    return out
