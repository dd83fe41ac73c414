"""examples/deploy: the README's "Deploying to AWS" app synthesizes the template that
`sagegate synth` prints, with `python app.py` and with the CDK CLI, quietly."""

from __future__ import annotations

import json
import os
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples.support import EXAMPLES, run

DEPLOY = EXAMPLES / "deploy"
# The feature flags the CDK CLI counts as "not configured" (aws-cdk-cli's displayFlagsMessage):
# unset, and with a default other than the recommended value. These it never counts.
OBSOLETE_FLAGS = (
    "@aws-cdk/core:enableStackNameDuplicates",
    "@aws-cdk/aws-s3:grantWriteWithoutAcl",
    "@aws-cdk/aws-kms:defaultKeyPolicies",
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "JSII_"))}
    # In CI mode the CDK CLI leaves out the flags notice this file checks for.
    env.pop("CI", None)
    return env


@cache
def _sagegate_synth() -> dict[str, Any]:
    result = run([sys.executable, "-m", "sagegate", "synth"], env=_env())
    # sagegate silences jsii's end-of-life banner for the Node.js it is tested on.
    assert "Node 20 is end-of-life" not in result.stderr
    template: dict[str, Any] = json.loads(result.stdout)
    return template


def _flags_not_configured(manifest: dict[str, Any]) -> list[str]:
    """The flags `cdk synth` would call "not configured", from the app's flag report."""
    (report,) = [
        a for a in manifest["artifacts"].values() if a["type"] == "cdk:feature-flag-report"
    ]
    return sorted(
        name
        for name, flag in report["properties"]["flags"].items()
        if name not in OBSOLETE_FLAGS
        and "userValue" not in flag
        and flag.get("unconfiguredBehavesLike", {}).get("v2", False) != flag["recommendedValue"]
    )


def test_app_py_with_cdk_json_synthesizes_what_sagegate_synth_prints(tmp_path: Path) -> None:
    context = json.loads((DEPLOY / "cdk.json").read_text(encoding="utf-8"))["context"]
    # What the CDK CLI hands the app: the output directory and cdk.json's context.
    env = _env() | {"CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps(context)}
    run([sys.executable, "app.py"], cwd=DEPLOY, env=env)
    template = json.loads((tmp_path / "MovieRatings.template.json").read_text(encoding="utf-8"))
    assert template == _sagegate_synth()
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert _flags_not_configured(manifest) == []


def test_cdk_synth_with_the_cdk_cli_prints_the_template_and_no_flags_notice(
    tmp_path: Path,
) -> None:
    if shutil.which("npx") is None:
        pytest.skip("the CDK CLI check needs npx (Node.js with npm), which is not installed")
    env = _env() | {"CDK_DISABLE_CLI_TELEMETRY": "true"}
    # The CLI's own package from the npm registry (cached by npm after the first run). Without
    # the metadata the CLI adds to any app's template (construct paths, a CDKMetadata resource).
    command = [
        "npx", "--yes", "aws-cdk@2", "synth", "--no-notices", "--no-path-metadata",
        "--no-version-reporting", "--output", str(tmp_path),
    ]  # fmt: skip
    result = run(command, cwd=DEPLOY, env=env, timeout=240)

    template = json.loads((tmp_path / "MovieRatings.template.json").read_text(encoding="utf-8"))
    assert template == _sagegate_synth()
    # On standard output: the app's own output first (the construct's warning lines, as
    # upstream prints them), then the template as YAML, which the CLI prints without the
    # bootstrap-version rule.
    lines = result.stdout.splitlines()
    warnings = [line for line in lines if "AWS_SOLUTIONS_CONSTRUCTS_WARNING:" in line]
    assert lines[: len(warnings)] == warnings
    printed = yaml.safe_load("\n".join(lines[len(warnings) :]))
    assert printed["Resources"] == template["Resources"]
    assert "feature flags are not configured" not in result.stderr
