"""The newest end of the supported aws-cdk-lib range (`tests/cdk/latest_cdk.py`).

The default spec, synthesized with it from these sources, is still a cfn-lint clean template
with the same resources and logical IDs as with the main venv's aws-cdk-lib.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sagegate.cdk.synth import synth_spec
from sagegate.spec import Spec
from tests.cdk.latest_cdk import LATEST_CDK, REPO, ensure_latest_venv
from tests.cdk.support import lint_errors

_SYNTH = """
import json, sys
from importlib.metadata import version
from sagegate.cdk.synth import synth_spec
from sagegate.spec import Spec
template = synth_spec(Spec.default())
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"cdk": version("aws-cdk-lib"), "template": template}, out)
"""


def _resources(template: dict[str, Any]) -> dict[str, str]:
    return {logical_id: r["Type"] for logical_id, r in template["Resources"].items()}


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_default_spec_on_the_newest_aws_cdk_lib(tmp_path: Path) -> None:
    python = ensure_latest_venv()
    out = tmp_path / "latest.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [str(python), "-c", _SYNTH, str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    latest = json.loads(out.read_text(encoding="utf-8"))
    assert latest["cdk"] == LATEST_CDK
    assert lint_errors(latest["template"]) == []
    assert _resources(latest["template"]) == _resources(synth_spec(Spec.default()))
