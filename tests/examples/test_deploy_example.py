"""examples/deploy: the README's "Deploying to AWS" app synthesizes the template that
`sagegate synth` prints, through the CDK CLI when it can be run, quietly."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagegate.cdk.synth import synth_spec
from sagegate.spec import Spec
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


# What `sagegate synth` prints (tests/test_cli.py holds the command to this).
EXPECTED = synth_spec(Spec.default())
NPX = shutil.which("npx")


@pytest.mark.skipif(NPX is None, reason="npx (Node.js with npm) is not installed: no CDK CLI")
def test_cdk_synth_prints_the_template_sagegate_synth_prints_and_no_flags_notice(
    tmp_path: Path,
) -> None:
    # The CLI's own package from the npm registry (cached by npm after the first run), without
    # the metadata it adds to any app's template (construct paths, a CDKMetadata resource).
    command = [
        "npx", "--yes", "aws-cdk@2", "synth", "--no-notices", "--no-path-metadata",
        "--no-version-reporting", "--output", str(tmp_path),
    ]  # fmt: skip
    env = _env() | {"CDK_DISABLE_CLI_TELEMETRY": "true"}
    result = run(command, cwd=DEPLOY, env=env, timeout=240)

    template = json.loads((tmp_path / "MovieRatings.template.json").read_text(encoding="utf-8"))
    assert template == EXPECTED
    assert "feature flags are not configured" not in result.stderr
    # On standard output: the app's own output first (the construct's warning lines, as
    # upstream prints them), then the template as YAML, without the bootstrap-version rule.
    lines = result.stdout.splitlines()
    warnings = [line for line in lines if "AWS_SOLUTIONS_CONSTRUCTS_WARNING:" in line]
    assert lines[: len(warnings)] == warnings
    assert yaml.safe_load("\n".join(lines[len(warnings) :]))["Resources"] == EXPECTED["Resources"]


@pytest.mark.skipif(NPX is not None, reason="the CDK CLI test above runs app.py itself")
def test_without_the_cdk_cli_app_py_synthesizes_it_as_the_cli_would_run_it(
    tmp_path: Path,
) -> None:
    context = json.loads((DEPLOY / "cdk.json").read_text(encoding="utf-8"))["context"]
    # What the CDK CLI hands the app: the output directory and cdk.json's context.
    env = _env() | {"CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps(context)}
    run([sys.executable, "app.py"], cwd=DEPLOY, env=env)

    template = json.loads((tmp_path / "MovieRatings.template.json").read_text(encoding="utf-8"))
    assert template == EXPECTED
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert _flags_not_configured(manifest) == []
