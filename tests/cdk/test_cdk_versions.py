"""The newest end of the supported aws-cdk-lib range, in a venv of its own.

The main venv pins 2.273.0 (the lower bound, which the upstream construct needs for the
parity tests). This builds `.venv-cdk-latest` once, with the newest aws-cdk-lib, and checks
that the default spec still synthesizes to a cfn-lint clean template with the same resources
and logical IDs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagegate.cdk.synth import synth_spec
from sagegate.spec import Spec
from tests.cdk.support import lint_errors

REPO = Path(__file__).resolve().parents[2]
LATEST_VENV = REPO / ".venv-cdk-latest"
LATEST_CDK = "2.275.0"
# Our runtime dependencies that sagegate.spec needs, at the versions pyproject pins.
SPEC_DEPENDENCIES = ("pydantic==2.14.4", "pyyaml==6.0.4")

_SYNTH = """
import json, sys
from importlib.metadata import version
from sagegate.cdk.synth import synth_spec
from sagegate.spec import Spec
template = synth_spec(Spec.default())
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"cdk": version("aws-cdk-lib"), "template": template}, out)
"""


def _run(args: list[str], timeout: float) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def _ensure_latest_venv() -> Path:
    python = LATEST_VENV / "bin" / "python"
    marker = LATEST_VENV / f".installed-aws-cdk-lib-{LATEST_CDK}"
    if not marker.exists():
        _run([sys.executable, "-m", "venv", str(LATEST_VENV)], timeout=120)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, f"aws-cdk-lib=={LATEST_CDK}", "constructs>=10,<11", *SPEC_DEPENDENCIES], 900)
        _run([*pip, "--no-deps", "-e", str(REPO)], timeout=300)
        marker.touch()
    return python


def _resources(template: dict[str, Any]) -> dict[str, str]:
    return {logical_id: r["Type"] for logical_id, r in template["Resources"].items()}


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_default_spec_on_the_newest_aws_cdk_lib(tmp_path: Path) -> None:
    python = _ensure_latest_venv()
    out = tmp_path / "latest.json"
    _run([str(python), "-c", _SYNTH, str(out)], timeout=300)
    latest = json.loads(out.read_text(encoding="utf-8"))
    assert latest["cdk"] == LATEST_CDK
    assert lint_errors(latest["template"]) == []
    assert _resources(latest["template"]) == _resources(synth_spec(Spec.default()))
