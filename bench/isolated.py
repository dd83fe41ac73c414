"""Run one part of the bench in a fresh interpreter, on the compiled build or on pure Python.

Which build a process runs is decided once, when it first imports `sagegate` (see
`sagegate.native`), so comparing the two, or profiling with timers that wrap methods on
instances (which compiled classes refuse), takes a process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sagegate.native import PURE_VARIABLE

ROOT = Path(__file__).resolve().parent.parent


def run_isolated(module: str, args: list[str], *, pure: bool) -> dict[str, Any]:
    """`python -m module args` in a child; its stdout is one JSON document, returned."""
    env = {k: v for k, v in os.environ.items() if k != PURE_VARIABLE}
    if pure:
        env[PURE_VARIABLE] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m {module} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    document = json.loads(done.stdout)
    if not isinstance(document, dict):
        raise RuntimeError(f"python -m {module} printed {type(document).__name__}, not an object")
    return document
