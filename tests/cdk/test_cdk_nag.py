"""cdk-nag's AwsSolutions pack on the default spec: its findings are the documented ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aws_cdk as cdk
import cdk_nag
import pytest

from sagegate.cdk import ApiGatewayToSageMakerEndpoint
from sagegate.spec import Spec

DOC = Path(__file__).resolve().parents[2] / "docs" / "cdk-nag.md"
_ROW = re.compile(r"^\| (AwsSolutions-\S+) \| (error|warning) \| (\S+) \|")


def _documented() -> set[tuple[str, str, str]]:
    rows = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rule, severity, path = match.groups()
            rows.add((rule.replace("\\<", "<").replace("\\>", ">"), severity, path))
    return rows


def test_findings_are_the_documented_ones(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "SageGate")
    ApiGatewayToSageMakerEndpoint.from_spec(stack, "Api", Spec.default())
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app))
    # The pack reports errors, so synthesis fails after writing its report.
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "policy-validation-report.json").read_text())
    found = {
        (violation["ruleName"], violation["severity"], resource["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for resource in violation["violatingResources"]
    }
    assert found
    assert found == _documented()
