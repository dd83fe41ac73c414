"""SAGEGATE_INLINE_MAX_BYTES: small bodies predicted on the event loop, the rest as before."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from sagegate.endpoint.handler import InferenceHandler, ModelLoadError
from sagegate.endpoint.host import INLINE_BUDGET_S
from sagegate.models.movielens import default_model_dir

# Answers with the name of the thread that ran predict_fn; "slow" sleeps past the budget,
# "fail" raises with the status the script picks.
SCRIPT = """
    import json, threading, time

    {setting}

    class Refused(Exception):
        status_code = 422

    def model_fn(model_dir):
        return None

    def input_fn(body, content_type):
        return body.decode("utf-8")

    def predict_fn(data, model):
        if data.startswith("slow"):
            time.sleep({sleep})
        if data.startswith("fail"):
            raise Refused("refused: " + data)
        return threading.current_thread().name

    def output_fn(prediction, accept):
        return json.dumps({{"thread": prediction}})
"""


def _script(setting: str = "") -> str:
    return SCRIPT.format(setting=setting, sleep=INLINE_BUDGET_S * 1.5)


def _thread(client: Any, body: bytes) -> str:
    response = client.invoke_endpoint(EndpointName="m", Body=body, ContentType="text/plain")
    return str(json.loads(response["Body"].read())["thread"])


def test_bodies_up_to_the_setting_run_on_the_event_loop_and_larger_ones_on_threads(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("m", _script("SAGEGATE_INLINE_MAX_BYTES = 16"))
    with serve_models({"m": model}) as (url, _):
        client = client_for(url)
        small = _thread(client, b"x" * 16)
        large = _thread(client, b"x" * 17)

    assert small.startswith("uvicorn-")  # the server's event-loop thread (tests/servers.py)
    assert large.startswith("sagegate-model-")


def test_without_the_setting_every_prediction_runs_on_a_prediction_thread(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("m", _script())
    with serve_models({"m": model}) as (url, _):
        client = client_for(url)
        threads = {_thread(client, b"x") for _ in range(5)}

    assert all(name.startswith("sagegate-model-") for name in threads), threads


def test_an_inline_prediction_over_the_budget_sends_the_endpoint_back_to_threads(
    write_model: Any, serve_models: Any, client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    model = write_model("m", _script("SAGEGATE_INLINE_MAX_BYTES = 1024"))
    with (
        caplog.at_level(logging.WARNING, logger="sagegate.endpoint"),
        serve_models({"m": model}) as (url, _),
    ):
        client = client_for(url)
        assert _thread(client, b"x").startswith("uvicorn-")
        assert _thread(client, b"slow").startswith("uvicorn-")  # answered all the same
        after = [_thread(client, b"x") for _ in range(3)]

    assert all(name.startswith("sagegate-model-") for name in after), after
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "endpoint m: a prediction on the event loop" in warnings[0]
    assert "predictions run on prediction threads from now on" in warnings[0]


@pytest.mark.parametrize("setting", ["", "SAGEGATE_INLINE_MAX_BYTES = 1024"])
def test_a_failing_inline_prediction_is_the_same_model_error(
    write_model: Any, serve_models: Any, client_for: Any, setting: str
) -> None:
    model = write_model("m", _script(setting))
    with serve_models({"m": model}) as (url, _):
        with pytest.raises(ClientError) as caught:
            client_for(url).invoke_endpoint(
                EndpointName="m", Body=b"fail!", ContentType="text/plain"
            )
        # The container contract answers with the script's own status and message.
        container = requests.post(
            f"{url}/invocations", data=b"fail?", headers={"Content-Type": "text/plain"}, timeout=10
        )
        ok = requests.post(
            f"{url}/invocations", data=b"x", headers={"Content-Type": "text/plain"}, timeout=10
        )

    error = caught.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["OriginalStatusCode"] == 422
    assert "refused: fail!" in error["OriginalMessage"]
    assert (container.status_code, container.text) == (422, "refused: fail?")
    expected_thread = "uvicorn-" if setting else "sagegate-model-"
    assert ok.status_code == 200 and ok.json()["thread"].startswith(expected_thread)


@pytest.mark.parametrize("value", ["-1", "True", "'16k'", "1.5"])
def test_a_setting_that_is_not_a_byte_count_refuses_the_model_naming_it(
    write_model: Any, value: str
) -> None:
    model = write_model("m", _script(f"SAGEGATE_INLINE_MAX_BYTES = {value}"))

    with pytest.raises(ModelLoadError) as caught:
        InferenceHandler("m", model)

    assert str(caught.value) == (
        f"{model / 'code' / 'inference.py'}: SAGEGATE_INLINE_MAX_BYTES must be a whole number "
        f"of bytes (0 or more), not {value}"  # the value's repr is its source here
    )


def test_the_default_model_declares_its_requests_fast() -> None:
    handler = InferenceHandler("movie-ratings", default_model_dir())

    assert handler.inline_max_bytes == 16 * 1024
