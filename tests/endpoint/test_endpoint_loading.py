"""Model directories refused at start, with messages naming the file and the cause."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sagegate.endpoint import EndpointHost, InferenceHandler, LoadState, ModelLoadError
from sagegate.endpoint.cli import endpoint


def _refusal(model_dir: Path) -> str:
    with pytest.raises(ModelLoadError) as caught:
        InferenceHandler("refused", model_dir)
    return str(caught.value)


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert _refusal(missing) == f"{missing}: model directory does not exist"


def test_a_directory_without_inference_py_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model" / "code").mkdir(parents=True)
    message = _refusal(tmp_path / "model")
    assert message.startswith(f"{tmp_path / 'model' / 'code' / 'inference.py'}: no such file")


def test_a_script_that_fails_to_import_is_refused(write_model: Any) -> None:
    model = write_model("broken", "import no_such_module_anywhere\n")
    message = _refusal(model)
    script = model / "code" / "inference.py"
    assert message == (
        f"{script}: failed to import: ModuleNotFoundError: "
        "No module named 'no_such_module_anywhere'"
    )


def test_a_script_without_model_fn_is_refused(write_model: Any) -> None:
    model = write_model("no-model-fn", "def predict_fn(data, model):\n    return data\n")
    assert _refusal(model) == f"{model / 'code' / 'inference.py'}: defines no model_fn(model_dir)"


def test_a_model_fn_that_raises_is_refused(write_model: Any) -> None:
    source = """
        def model_fn(model_dir):
            raise FileNotFoundError("model.npz is missing")

        def predict_fn(data, model):
            return data
    """
    model = write_model("raising", source)
    assert _refusal(model) == (
        f"{model / 'code' / 'inference.py'}: model_fn raised FileNotFoundError: "
        "model.npz is missing"
    )


def test_transform_fn_with_other_hooks_and_wrong_arity_are_refused(write_model: Any) -> None:
    both = write_model(
        "both",
        """
        def model_fn(model_dir): return 1
        def transform_fn(model, body, content_type, accept): return body
        def predict_fn(data, model): return data
    """,
    )
    assert "cannot use transform_fn implementation in conjunction with" in _refusal(both)
    arity = write_model(
        "arity",
        """
        def model_fn(model_dir): return 1
        def predict_fn(data): return data
    """,
    )
    assert "predict_fn takes 1 arguments" in _refusal(arity)
    nothing = write_model("nothing", "def model_fn(model_dir): return 1\n")
    assert "defines neither predict_fn nor transform_fn" in _refusal(nothing)


def test_two_endpoints_with_the_same_script_and_helper_modules(write_model: Any) -> None:
    def script(factor: int) -> str:
        return f"""
            import json
            from helpers_{factor} import scale

            def model_fn(model_dir):
                return {factor}

            def transform_fn(model, body, content_type, accept):
                return json.dumps(scale(json.loads(body), model))
        """

    helper = "def scale(values, k):\n    return [v * k for v in values]\n"
    first = write_model("first", script(2), **{"helpers_2.py": helper})
    second = write_model("second", script(5), **{"helpers_5.py": helper})

    async def run() -> list[bytes]:
        host = EndpointHost({"first": first, "second": second})
        try:
            await host.load_all()
            answers = [await host.invoke(n, b"[1, 2]", {}) for n in ("first", "second")]
        finally:
            host.close()
        return [answer.body for answer in answers]

    assert [json.loads(body) for body in asyncio.run(run())] == [[2, 4], [5, 10]]


def test_load_all_raises_and_the_endpoint_reports_the_failure(write_model: Any) -> None:
    good = write_model("good", "def model_fn(d): return 1\ndef predict_fn(x, m): return x\n")
    bad = write_model("bad", "def model_fn(d):\n    raise ValueError('corrupt weights')\n")

    async def run() -> tuple[str, int, str]:
        host = EndpointHost({"good": good, "bad": bad})
        try:
            with pytest.raises(ModelLoadError) as caught:
                await host.load_all()
            assert host.state("good") is LoadState.READY
            assert host.state("bad") is LoadState.FAILED
            assert not host.ready
            answer = await host.invoke("bad", b"{}", {})
            return str(caught.value), answer.status, answer.header("x-amzn-ErrorType") or ""
        finally:
            host.close()

    message, status, code = asyncio.run(run())
    assert message.endswith("model_fn raised ValueError: corrupt weights")
    assert (status, code) == (503, "ServiceUnavailable")


def test_serve_exits_non_zero_naming_the_file_and_cause(write_model: Any) -> None:
    bad = write_model("bad", "def model_fn(d):\n    raise ValueError('corrupt weights')\n")
    result = CliRunner().invoke(endpoint, ["serve", "--model-dir", str(bad), "--port", "0"])
    assert result.exit_code == 1, result.output
    assert f"{bad / 'code' / 'inference.py'}: model_fn raised ValueError: corrupt weights" in (
        result.output
    )


def test_serve_refuses_an_invalid_endpoint_name(write_model: Any) -> None:
    model = write_model("m", "def model_fn(d): return 1\ndef predict_fn(x, m): return x\n")
    result = CliRunner().invoke(
        endpoint, ["serve", "--model-dir", str(model), "--name", "not_valid"]
    )
    assert result.exit_code == 2
    assert "regular expression pattern" in result.output


def test_serve_says_whether_sigv4_is_verified(write_model: Any) -> None:
    bad = write_model("bad", "def model_fn(d):\n    raise ValueError('corrupt weights')\n")
    args = ["serve", "--model-dir", str(bad), "--name", "ratings", "--port", "0"]
    ignored = CliRunner().invoke(endpoint, args)
    assert "SigV4: ignored" in ignored.output
    assert "endpoint ratings: " in ignored.output
    verified = CliRunner().invoke(endpoint, [*args, "--access-key", "AKIDX", "--secret-key", "s"])
    assert "SigV4: verified (service sagemaker, region us-east-1); caller: AKIDX" in (
        verified.output
    )
    assert verified.exit_code == 1
