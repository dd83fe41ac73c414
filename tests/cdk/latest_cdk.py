"""The newest aws-cdk-lib of the supported range, in a venv of its own (`.venv-cdk-latest`).

The main venv pins 2.273.0 (the lower bound, which the upstream construct needs for the parity
tests); `test_cdk_versions` synthesizes the default spec with this one. Installing it is most
of that test's time (aws-cdk-lib unpacks to ~400 MB), so `make test` builds it beside the main
venv's install, whose pip leaves the second core idle: `python3 -m tests.cdk.latest_cdk`. The
test builds it itself when it is missing. Standard library only: it runs before any install.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LATEST_VENV = REPO / ".venv-cdk-latest"
LATEST_CDK = "2.275.0"
# What `sagegate.spec` and `sagegate.cdk` import besides the CDK, at the versions pyproject pins;
# sagegate itself comes from the sources (PYTHONPATH), as it is what the test checks.
REQUIREMENTS = (
    f"aws-cdk-lib=={LATEST_CDK}",
    "constructs>=10,<11",
    "pydantic==2.14.4",
    "pyyaml==6.0.4",
)


def _run(args: list[str], timeout: float) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:6])} ... exited {result.returncode}:\n"
            + result.stdout[-2000:]
            + result.stderr[-2000:]
        )


def ensure_latest_venv(python: str = sys.executable) -> Path:
    """The venv's interpreter, after installing the requirements unless already done."""
    interpreter = LATEST_VENV / "bin" / "python"
    marker = LATEST_VENV / f".installed-aws-cdk-lib-{LATEST_CDK}"
    if not marker.exists():
        # No pip inside (ensurepip costs seconds): `python`'s pip installs into it. No bytecode
        # either: a synthesis compiles the few modules it imports.
        _run([python, "-m", "venv", "--without-pip", "--clear", str(LATEST_VENV)], timeout=120)
        _run(
            [
                python,
                *("-m", "pip", "--python", str(interpreter), "install", "--quiet"),
                *("--disable-pip-version-check", "--no-compile", *REQUIREMENTS),
            ],
            timeout=900,
        )
        marker.touch()
    return interpreter


if __name__ == "__main__":
    ensure_latest_venv()
