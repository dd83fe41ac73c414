"""The command line, through click's runner (serve has its own process tests)."""

from __future__ import annotations

from click.testing import CliRunner

from sagegate.cli import cli


def test_every_command_has_help() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for command in ("serve", "invoke", "synth", "endpoint", "model"):
        assert command in top.output
        assert runner.invoke(cli, [command, "--help"]).exit_code == 0
    assert runner.invoke(cli, ["endpoint", "serve", "--help"]).exit_code == 0
    assert runner.invoke(cli, ["model", "evaluate", "--help"]).exit_code == 0


def test_invoke_prints_every_stage() -> None:
    result = CliRunner().invoke(
        cli, ["invoke", "/prod/predicted-ratings/321", "-q", "items=101,131,162"]
    )
    assert result.exit_code == 0, result.output
    for stage in (
        "Method request",
        "Request template",
        "Endpoint request",
        "Endpoint response",
        "Integration response",
        "Method response",
        "Access log",
    ):
        assert stage in result.output
    assert '"in1": [131]' in result.output
    assert '"ratings"' in result.output


def test_invoke_reports_a_refusal_with_exit_code_1() -> None:
    result = CliRunner().invoke(cli, ["invoke", "/prod/predicted-ratings/321"])
    assert result.exit_code == 1
    assert "Missing required request parameters: [items]" in result.output


def test_bad_spec_is_refused_with_the_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "endpoint_name: ok\nresource_path: x\nrequest_mapping_template: '{}'\nbogus: 1\n"
    )
    result = CliRunner().invoke(cli, ["invoke", str(spec), "/prod/x"])
    assert result.exit_code != 0
    assert "bogus: unknown key" in result.output


def test_synth_default_spec_is_the_construct_template(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from sagegate.cdk.synth import synth_spec
    from sagegate.spec import Spec

    out = tmp_path / "template.json"
    result = CliRunner().invoke(cli, ["synth", "-o", str(out)])
    assert result.exit_code == 0, result.output
    template = json.loads(out.read_text())
    assert template == synth_spec(Spec.default())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Method", "AWS::IAM::Role"} <= types
