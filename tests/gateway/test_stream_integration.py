"""An AWS integration to InvokeEndpointWithResponseStream (`.../invocations-response-stream`).

API Gateway's AWS integrations do not stream to the client: the endpoint's eventstream answer
(application/vnd.amazon.eventstream) is read whole and passed on. `sagegate invoke` and the
test client still see each part as the endpoint produces it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.eventstream import EventStreamBuffer

from sagegate.testing import GatewayTestClient

STREAM_URI = (
    "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/words/"
    "invocations-response-stream"
)
PACE_S = 0.3

MODEL = """\
import time

def model_fn(model_dir):
    return None

def input_fn(body, content_type):
    return body

def predict_fn(data, model):
    for word in ("one", "two", "three"):
        yield word
        time.sleep(PACE)
"""


@pytest.fixture
def api(tmp_path: Path) -> tuple[Path, Path]:
    model = tmp_path / "model"
    (model / "code").mkdir(parents=True)
    (model / "code" / "inference.py").write_text(MODEL.replace("PACE", str(PACE_S)))
    document = {
        "openapi": "3.0.1",
        "info": {"title": "words", "version": "1"},
        "paths": {
            "/words": {
                "post": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws",
                        "httpMethod": "POST",
                        "uri": STREAM_URI,
                        "passthroughBehavior": "when_no_match",
                        "responses": {
                            "default": {
                                "statusCode": "200",
                                "responseParameters": {
                                    "method.response.header.Content-Type": (
                                        "integration.response.header.Content-Type"
                                    )
                                },
                            }
                        },
                    },
                }
            }
        },
    }
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path, model


def messages(body: bytes) -> list[tuple[str, bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(body)
    return [(m.headers[":event-type"], m.payload) for m in buffer]


def test_parts_arrive_as_made_and_the_answer_is_the_eventstream(api: tuple[Path, Path]) -> None:
    path, model = api
    arrived: list[tuple[float, bytes]] = []
    with GatewayTestClient(path, endpoints={"words": str(model)}) as client:
        started = time.monotonic()
        response = client.post(
            "/prod/words",
            body="{}",
            sign=False,
            on_part=lambda p: arrived.append((time.monotonic(), p)),
        )
        finished = time.monotonic()
    assert response.status == 200
    assert [part for _, part in arrived] == [b"one", b"two", b"three"]
    # The first part came before the model had finished (it pauses after every word).
    assert arrived[0][0] - started < finished - started - PACE_S
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    assert messages(response.body) == [
        ("PayloadPart", b"one"),
        ("PayloadPart", b"two"),
        ("PayloadPart", b"three"),
    ]


def test_invoke_prints_the_parts_then_the_stages(api: tuple[Path, Path]) -> None:
    path, model = api
    command = [sys.executable, "-m", "sagegate", "invoke", str(path), "/prod/words"]
    result = subprocess.run(
        [*command, "-X", "POST", "-d", "{}", "--endpoint", f"words={model}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("part 1: one") < out.index("part 3: three") < out.index("Method request")
    # The endpoint response stage decodes the eventstream it carried.
    assert "PayloadPart 2: two" in out
