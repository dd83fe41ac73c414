"""What the example tests share: where the examples are, and running a command to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `command` to its end, output captured as text; a non-zero exit fails the test and
    shows the end of both outputs."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def run_pytest(target: Path | str, *, cwd: Path) -> str:
    """pytest on `target` as a user runs it from `cwd`; its report."""
    return run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target)], cwd=cwd
    ).stdout
