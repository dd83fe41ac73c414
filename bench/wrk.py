"""The `wrk` load client (C, cheaper per request than any Python client), used when on PATH.

A warm-up run is discarded, then one measured run; p50/p99 come from `--latency`'s
distribution. POSTs and extra headers go through a small Lua script.
https://github.com/wg/wrk
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.loadgen import LoadJob, LoadResult

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def available() -> str | None:
    """The wrk executable, if installed."""
    return shutil.which("wrk")


def lua_script(job: LoadJob) -> str:
    """Sets the method, headers and body of every request."""
    lines = [f"wrk.method = {_lua_string(job.method)}"]
    if job.body:
        lines.append(f"wrk.body = {_lua_string(job.body)}")
    lines.extend(
        f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}"
        for name, value in job.headers.items()
    )
    return "\n".join(lines) + "\n"


def _lua_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def parse_output(text: str, *, concurrency: int, total_before: int = 0) -> LoadResult:
    """Read wrk's summary (run with `--latency`) into a LoadResult."""
    percentiles = {
        int(match[1]): float(match[2]) * _UNITS_MS[match[3]] for match in _PERCENTILE.finditer(text)
    }
    total = _TOTAL.search(text)
    if total is None or 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"cannot read wrk's output:\n{text}")
    requests = int(total[1])
    seconds = float(total[2]) * _UNITS_MS[total[3]] / 1e3
    non_2xx = _NON_2XX.search(text)
    sockets = _SOCKET_ERRORS.search(text)
    return LoadResult(
        client="wrk",
        concurrency=concurrency,
        seconds=seconds,
        requests=requests,
        requests_total=requests + total_before,
        rps=requests / seconds if seconds > 0 else 0.0,
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        errors=int(non_2xx[1]) if non_2xx else 0,
        statuses={},
        connection_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        client_cpu_seconds=0.0,
    )


def run_wrk(job: LoadJob, executable: str) -> LoadResult:
    """A warm-up run, then the measured run; CPU is the children's rusage delta."""
    threads = min(job.concurrency, 2)
    url = f"http://{job.host}:{job.port}{job.target}"
    with tempfile.TemporaryDirectory(prefix="sagegate-wrk-") as tmp:
        script = Path(tmp) / "request.lua"
        script.write_text(lua_script(job), encoding="utf-8")

        def once(seconds: float) -> str:
            argv = [
                executable,
                f"-t{threads}",
                f"-c{job.concurrency}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                str(script),
                url,
            ]
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=seconds + 60, check=True
            )
            return done.stdout

        before = _children_cpu()
        warm = parse_output(once(job.warmup_seconds), concurrency=job.concurrency)
        measured = parse_output(
            once(job.seconds), concurrency=job.concurrency, total_before=warm.requests
        )
        cpu = _children_cpu() - before
    return LoadResult(
        client=measured.client,
        concurrency=measured.concurrency,
        seconds=measured.seconds,
        requests=measured.requests,
        requests_total=measured.requests_total,
        rps=measured.rps,
        p50_ms=measured.p50_ms,
        p99_ms=measured.p99_ms,
        errors=measured.errors,
        statuses=measured.statuses,
        connection_errors=measured.connection_errors,
        client_cpu_seconds=cpu,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
