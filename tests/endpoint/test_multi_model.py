"""Multi-model endpoints: TargetModel selects DIR/NAME/, loaded on first use, LRU-bounded."""

from __future__ import annotations

import asyncio
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from sagegate.cli import cli
from sagegate.endpoint import EndpointHost, MultiModel
from sagegate.endpoint.targets import LocalTarget
from sagegate.spec import Spec, SpecError
from tests.gateway.factories import spec_target

# Each model answers its own name; model_fn notes every load in DIR/loads.log and takes
# LOAD_SECONDS (a file beside the model) to load.
NAMED = """
    import json
    import pathlib
    import time

    def model_fn(model_dir):
        here = pathlib.Path(model_dir)
        seconds = here / "LOAD_SECONDS"
        time.sleep(float(seconds.read_text()) if seconds.exists() else 0)
        with open(here.parent / "loads.log", "a") as log:
            log.write(here.name + "\\n")
        return here.name

    def transform_fn(model, body, content_type, accept):
        return json.dumps({"model": model})
"""


def write_models(root: Path, *names: str, load_seconds: float = 0.0) -> Path:
    """DIR/NAME/code/inference.py for every name."""
    for name in names:
        code = root / name / "code"
        code.mkdir(parents=True)
        (code / "inference.py").write_text(textwrap.dedent(NAMED))
        if load_seconds:
            (root / name / "LOAD_SECONDS").write_text(str(load_seconds))
    return root


def loads(root: Path) -> list[str]:
    log = root / "loads.log"
    return log.read_text().split() if log.exists() else []


def call(client: Any, target: str, name: str = "many") -> bytes:
    body: bytes = client.invoke_endpoint(EndpointName=name, Body=b"{}", TargetModel=target)[
        "Body"
    ].read()
    return body


def error_of(client: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        client.invoke_endpoint(EndpointName="many", Body=b"{}", **kwargs)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_a_model_loads_on_first_use_which_is_slower(
    tmp_path: Path, serve_models: Any, client_for: Any
) -> None:
    root = write_models(tmp_path / "models", "alpha", "beta", load_seconds=0.4)
    with serve_models({"many": MultiModel(root)}) as (url, host):
        assert host.loaded_models("many") == [] and loads(root) == []
        client = client_for(url)
        started = time.monotonic()
        assert call(client, "alpha.tar.gz") == b'{"model": "alpha"}'
        first = time.monotonic() - started
        started = time.monotonic()
        assert call(client, "alpha") == b'{"model": "alpha"}'  # NAME alone works too
        second = time.monotonic() - started
        assert first >= 0.4 > second
        assert host.loaded_models("many") == ["alpha"] and loads(root) == ["alpha"]


def test_beyond_max_loaded_models_the_least_recently_used_is_unloaded(
    tmp_path: Path, serve_models: Any, client_for: Any
) -> None:
    root = write_models(tmp_path / "models", "a", "b", "c")
    with serve_models({"many": MultiModel(root, max_loaded_models=2)}) as (url, host):
        client = client_for(url)
        for target in ("a", "b", "a", "c"):  # b is now the least recently used
            assert call(client, f"{target}.tar.gz") == f'{{"model": "{target}"}}'.encode()
        assert host.loaded_models("many") == ["a", "c"]
        assert call(client, "b.tar.gz") == b'{"model": "b"}'  # loaded again; a goes
        assert host.loaded_models("many") == ["c", "b"]
        assert loads(root) == ["a", "b", "c", "b"]


def test_multi_model_errors_are_aws_errors(
    tmp_path: Path, serve_models: Any, client_for: Any
) -> None:
    root = write_models(tmp_path / "models", "alpha")
    (tmp_path / "secret" / "code").mkdir(parents=True)
    with serve_models({"many": MultiModel(root)}) as (url, _):
        client = client_for(url)
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="many", Body=b"{}")
        request_id = caught.value.response["ResponseMetadata"]["RequestId"]
        assert caught.value.response["Error"] == {
            "Code": "ValidationError",
            "Message": f"Request {request_id} is missing a target model header.",
        }
        code, status, message = error_of(client, TargetModel="gamma.tar.gz")
        assert (code, status) == ("ValidationError", 400)
        assert message.startswith('Failed to download model data for target model "gamma.tar.gz"')
        assert str(root / "gamma") in message
        # Only a directory of DIR: never a path that leads out of it.
        assert error_of(client, TargetModel="../secret")[0] == "ValidationError"
        assert error_of(client, TargetModel="x" * 1025)[2].startswith(
            "1 validation error detected: Value 'xxxx"
        )


def test_target_model_on_a_single_model_endpoint_is_refused_as_on_aws(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    single = write_model("single", NAMED)
    with serve_models({"single": single}) as (url, _), pytest.raises(ClientError) as caught:
        client_for(url).invoke_endpoint(EndpointName="single", Body=b"{}", TargetModel="a.tar.gz")
    assert caught.value.response["Error"] == {
        "Code": "ValidationError",
        "Message": "Endpoint single is not a multi-model endpoint and does not support target "
        "model header.",
    }


def test_a_model_that_fails_to_load_is_model_error_and_is_tried_again(
    tmp_path: Path, serve_models: Any, client_for: Any
) -> None:
    root = write_models(tmp_path / "models", "alpha")
    script = root / "alpha" / "code" / "inference.py"
    good = script.read_text()
    script.write_text("def model_fn(model_dir):\n    raise OSError('weights missing')\n")
    with serve_models({"many": MultiModel(root)}) as (url, host):
        client = client_for(url)
        code, status, message = error_of(client, TargetModel="alpha.tar.gz")
        assert (code, status) == ("ModelError", 424)
        assert "weights missing" in message
        script.write_text(good)
        assert call(client, "alpha.tar.gz") == b'{"model": "alpha"}'
        assert host.loaded_models("many") == ["alpha"]


def test_a_load_longer_than_the_invocation_timeout_is_model_not_ready(
    tmp_path: Path, serve_models: Any, client_for: Any, wait_until: Any
) -> None:
    root = write_models(tmp_path / "models", "slow", load_seconds=1.0)
    with serve_models({"many": MultiModel(root)}, invocation_timeout=0.3) as (url, host):
        client = client_for(url)
        code, status, _ = error_of(client, TargetModel="slow.tar.gz")
        assert (code, status) == ("ModelNotReadyException", 429)
        # The load goes on; once it is done the model answers.
        wait_until(lambda: host.loaded_models("many") == ["slow"], what="the model loaded")
        assert call(client, "slow.tar.gz") == b'{"model": "slow"}'
        assert loads(root) == ["slow"]


def test_in_process_the_target_model_header_is_matched_case_insensitively(
    tmp_path: Path,
) -> None:
    root = write_models(tmp_path / "models", "alpha", "beta")

    async def main() -> list[bytes]:
        target = LocalTarget(EndpointHost({"many": MultiModel(root)}))
        await target.start()
        try:
            # The gateway's in-process path: no answer "now" for a model that must load.
            assert target.invoke_now("many", b"{}", {"x-amzn-sagemaker-target-model": "a"}) is None
            answers = []
            for header in ("X-Amzn-SageMaker-Target-Model", "x-AMZN-sagemaker-TARGET-model"):
                answer = await target.invoke("many", b"{}", {header: "beta.tar.gz"})
                answers.append(answer.body)
            return answers
        finally:
            await target.close()

    assert asyncio.run(main()) == [b'{"model": "beta"}'] * 2


def test_the_stream_operation_carries_no_target_model(
    tmp_path: Path, serve_models: Any, client_for: Any
) -> None:
    root = write_models(tmp_path / "models", "alpha")
    with serve_models({"many": MultiModel(root)}) as (url, _):
        # boto3 cannot even send TargetModel with it (not a member of the operation).
        with pytest.raises(ClientError) as caught:
            client_for(url).invoke_endpoint_with_response_stream(EndpointName="many", Body=b"{}")
        assert caught.value.response["Error"]["Code"] == "ValidationError"
        assert "is missing a target model header" in caught.value.response["Error"]["Message"]


def test_the_spec_and_the_commands_name_multi_model_endpoints(tmp_path: Path) -> None:
    root = write_models(tmp_path / "models", "alpha")
    spec = Spec.model_validate(
        {
            **Spec.default().model_dump(exclude={"endpoint"}),
            "endpoint": {"model_dir": str(root), "multi_model": True, "max_loaded_models": 3},
        }
    )
    target = spec_target(spec)
    assert isinstance(target, LocalTarget)
    assert target.host.is_multi_model(spec.endpoint_name)
    assert "(multi-model)" in target.describe()
    for bad, reason in (
        ({"url": "http://127.0.0.1:1", "multi_model": True}, "multi_model needs model_dir"),
        ({"model_dir": str(root), "max_loaded_models": 2}, "multi_model endpoints only"),
    ):
        with pytest.raises((SpecError, ValueError), match=reason):
            Spec.model_validate(
                {**Spec.default().model_dump(exclude={"endpoint"}), "endpoint": bad}
            )

    runner = CliRunner()
    refused = runner.invoke(cli, ["endpoint", "serve", "--max-loaded-models", "2"])
    assert refused.exit_code == 2 and "needs --multi-model" in refused.output
    args = ["endpoint", "invoke", "many", "--model-dir", str(root), "--multi-model"]
    answered = runner.invoke(cli, [*args, "--target-model", "alpha.tar.gz"])
    assert answered.exit_code == 0, answered.output
    assert """body (18 bytes): '{"model": "alpha"}'""" in answered.output


def test_endpoint_serve_multi_model_answers_boto3(tmp_path: Path, client_for: Any) -> None:
    import subprocess
    import sys

    import requests

    from tests.servers import free_port, wait_until_up

    root = write_models(tmp_path / "models", "alpha", "beta")
    port = free_port()
    sagegate = Path(sys.executable).parent / "sagegate"
    argv = [str(sagegate), "endpoint", "serve", "--model-dir", str(root), "--name", "many"]
    with subprocess.Popen(
        [*argv, "--multi-model", "--max-loaded-models", "1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{url}/ping", process, deadline_s=60)
            assert requests.get(f"{url}/ping", timeout=5).status_code == 200
            client = client_for(url)
            assert call(client, "alpha.tar.gz") == b'{"model": "alpha"}'
            assert call(client, "beta.tar.gz") == b'{"model": "beta"}'
            assert call(client, "alpha.tar.gz") == b'{"model": "alpha"}'
            assert loads(root) == ["alpha", "beta", "alpha"]  # one loaded at a time
        finally:
            process.terminate()
            banner, _ = process.communicate(timeout=20)
    assert "multi-model: 2 model directories, at most 1 loaded" in banner
    assert "TargetModel alpha.tar.gz, beta.tar.gz" in banner
