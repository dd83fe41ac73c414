"""InvokeEndpointWithResponseStream through a real server, consumed by stock boto3."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError

from sagegate.endpoint import EndpointHost, InvocationStream
from sagegate.sigv4 import DEFAULT_ACCOUNT_ID

# Yields `parts` words, sleeping `pace` seconds before each: the model's own pacing.
PACED = """
    import json
    import time

    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        request = json.loads(body)

        def words():
            for i in range(request["parts"]):
                time.sleep(request.get("pace", 0))
                yield f"word{i} "
            if request.get("fail"):
                raise ValueError("the model lost its place")

        return words()
"""

# Yields one part, then waits (at most 10 s) for the caller to create `release`: a runtime
# that held parts back could never see the file.
HANDSHAKE = """
    import pathlib
    import time

    def model_fn(model_dir):
        return pathlib.Path(model_dir)

    def transform_fn(model, body, content_type, accept):
        release = model / "release"

        def parts():
            yield b"first"
            deadline = time.monotonic() + 10
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.005)
            yield b"released" if release.exists() else b"never released"
            time.sleep(float(body or 0))
            yield b"last"

        return parts()
"""

# A part every 20 ms for up to 10 s, counting them in a file; notes when it is closed.
ENDLESS = """
    import pathlib
    import time

    def model_fn(model_dir):
        return pathlib.Path(model_dir)

    def transform_fn(model, body, content_type, accept):
        def parts():
            try:
                for i in range(500):
                    (model / "made").write_text(str(i + 1))
                    yield b"part"
                    time.sleep(0.02)
            finally:
                (model / "closed").write_text("generator closed")

        return parts()
"""

# Not streaming: the toolkit's JSON round trip, with a custom attribute.
PLAIN = """
    def model_fn(model_dir):
        return None

    def predict_fn(data, model, context):
        context.set_response_header(0, "X-Amzn-SageMaker-Custom-Attributes", "trace=7")
        return {"echo": data.tolist(), "note": "héllo"}
"""

# predict_fn streams: the default output_fn leaves text alone, a custom one formats each item.
PREDICT_STREAMS = """
    def model_fn(model_dir):
        return None

    def predict_fn(data, model):
        return (token for token in ["alpha", " beta", "", " gamma"])
"""
PREDICT_STREAMS_WITH_OUTPUT = """
    import json

    def model_fn(model_dir):
        return None

    def predict_fn(data, model):
        return iter(range(3))

    def output_fn(prediction, accept):
        return json.dumps({"n": prediction}) + "\\n", "application/jsonlines"
"""

# Fails before its first part: an ordinary InvokeEndpoint error.
FAILS_FIRST = """
    class BadRequest(ValueError):
        status_code = 400

    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        def parts():
            raise BadRequest("no prompt given")
            yield b"never"

        return parts()
"""

ACCEPT_ECHO = """
    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        return iter([accept, content_type]), accept
"""


def stream(client: Any, name: str, body: bytes, **extra: Any) -> tuple[dict[str, Any], Any]:
    response = client.invoke_endpoint_with_response_stream(EndpointName=name, Body=body, **extra)
    return response, response["Body"]


def parts_of(events: Any) -> list[bytes]:
    return [event["PayloadPart"]["Bytes"] for event in events]


def read_all(events: Any) -> tuple[list[bytes], dict[str, str]]:
    """The parts boto3 yields, then the error it raises (the stream must end with one)."""
    parts = []
    try:
        for event in events:
            parts.append(event["PayloadPart"]["Bytes"])
    except EventStreamError as exc:
        return parts, exc.response["Error"]
    finally:
        events.close()  # boto3 leaves the connection open after an error event
    raise AssertionError(f"the stream ended without an error, after {parts}")


def raw_events(url: str, name: str, body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """The eventstream messages as sent, decoded by botocore's buffer (nothing hidden)."""
    buffer = EventStreamBuffer()
    with requests.post(
        f"{url}/endpoints/{name}/invocations-response-stream", data=body, stream=True, timeout=30
    ) as response:
        assert response.headers["Content-Type"] == "application/vnd.amazon.eventstream"
        for chunk in response.iter_content(chunk_size=None):
            buffer.add_data(chunk)
    return [(message.headers, message.payload) for message in buffer]


def test_each_part_arrives_when_the_model_makes_it(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    pace, count = 0.3, 4
    with serve_models({"paced": write_model("paced", PACED)}) as (url, _):
        client = client_for(url)
        started = time.monotonic()
        response, events = stream(client, "paced", json.dumps({"parts": count, "pace": pace}))
        arrivals, parts = [], []
        for event in events:
            arrivals.append(time.monotonic() - started)
            parts.append(event["PayloadPart"]["Bytes"])
    assert parts == [f"word{i} ".encode() for i in range(count)]
    # The model makes part i after (i + 1) * pace: each part is seen before the next is made,
    # so the first long before the model is done.
    for i, arrived in enumerate(arrivals):
        assert (i + 1) * pace <= arrived < (i + 2) * pace, arrivals
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_part_is_sent_before_the_model_goes_on(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model_dir = write_model("handshake", HANDSHAKE)
    with serve_models({"handshake": model_dir}) as (url, _):
        _, events = stream(client_for(url), "handshake", b"0")
        events = iter(events)
        assert next(events) == {"PayloadPart": {"Bytes": b"first"}}
        (model_dir / "release").touch()  # only possible once the first part arrived
        assert parts_of(events) == [b"released", b"last"]


def test_a_failure_mid_stream_ends_it_with_model_stream_error_after_the_parts(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"paced": write_model("paced", PACED)}) as (url, _):
        _, events = stream(client_for(url), "paced", b'{"parts": 2, "fail": true}')
        received, error = read_all(events)
        assert received == [b"word0 ", b"word1 "]
        assert error["Code"] == "ModelStreamError"
        assert '"the model lost its place"' in error["Message"]
        # The members boto3 does not surface, as they are on the wire.
        *parts, (headers, payload) = raw_events(url, "paced", b'{"parts": 2, "fail": true}')
        assert [p for _, p in parts] == [b"word0 ", b"word1 "]
        assert headers[":exception-type"] == "ModelStreamError"
        assert json.loads(payload)["ErrorCode"] == "StreamBroken"


def test_a_model_that_does_not_stream_answers_one_part_equal_to_invoke_endpoint(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"plain": write_model("plain", PLAIN)}) as (url, _):
        client = client_for(url)
        body = b"[1, 2.5]"
        whole = client.invoke_endpoint(EndpointName="plain", Body=body)
        response, events = stream(client, "plain", body)
        streamed = parts_of(events)
    assert streamed == [whole["Body"].read()]
    assert response["ContentType"] == whole["ContentType"] == "application/json"
    assert response["CustomAttributes"] == whole["CustomAttributes"] == "trace=7"
    assert response["InvokedProductionVariant"] == "AllTraffic"
    assert response["ResponseMetadata"]["RequestId"]


def test_invoke_endpoint_on_a_streaming_model_answers_the_parts_joined(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"paced": write_model("paced", PACED)}) as (url, _):
        client = client_for(url)
        answer = client.invoke_endpoint(EndpointName="paced", Body=b'{"parts": 3}')
        assert answer["Body"].read() == b"word0 word1 word2 "
        _, events = stream(client, "paced", b'{"parts": 3}')
        assert b"".join(parts_of(events)) == b"word0 word1 word2 "
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint(EndpointName="paced", Body=b'{"parts": 1, "fail": true}')
        assert caught.value.response["Error"]["Code"] == "ModelError"
        assert caught.value.response["OriginalMessage"] == "the model lost its place"


def test_predict_fn_streams_through_output_fn(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    models = {
        "tokens": write_model("tokens", PREDICT_STREAMS),
        "lines": write_model("lines", PREDICT_STREAMS_WITH_OUTPUT),
    }
    with serve_models(models) as (url, _):
        client = client_for(url)
        response, events = stream(client, "tokens", b"[0]")
        # Text items go out as they are; the empty one is no part (it would end the body).
        assert parts_of(events) == [b"alpha", b" beta", b" gamma"]
        assert response["ContentType"] == "application/json"
        response, events = stream(client, "lines", b"[0]")
        assert parts_of(events) == [b'{"n": 0}\n', b'{"n": 1}\n', b'{"n": 2}\n']
        assert response["ContentType"] == "application/jsonlines"


def test_accept_comes_from_x_amzn_sagemaker_accept(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"accept": write_model("accept", ACCEPT_ECHO)}) as (url, _):
        response, events = stream(
            client_for(url), "accept", b"x", Accept="text/plain", ContentType="text/csv"
        )
        assert parts_of(events) == [b"text/plain", b"text/csv"]
        assert response["ContentType"] == "text/plain"


def test_errors_before_the_first_part_are_invoke_endpoint_errors(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"fails": write_model("fails", FAILS_FIRST)}) as (url, _):
        client = client_for(url)
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint_with_response_stream(EndpointName="fails", Body=b"{}")
        response = caught.value.response
        assert response["Error"]["Code"] == "ModelError"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
        assert response["OriginalStatusCode"] == 400
        assert response["OriginalMessage"] == "no prompt given"
        with pytest.raises(ClientError) as caught:
            client.invoke_endpoint_with_response_stream(EndpointName="nope", Body=b"{}")
        assert caught.value.response["Error"] == {
            "Code": "ValidationError",
            "Message": f"Endpoint nope of account {DEFAULT_ACCOUNT_ID} not found.",
        }


def test_a_stream_not_over_in_time_ends_with_model_invocation_time_exceeded(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model_dir = write_model("handshake", HANDSHAKE)
    (model_dir / "release").touch()
    with serve_models({"slow": model_dir}, stream_timeout=1.0) as (url, _):
        started = time.monotonic()
        _, events = stream(client_for(url), "slow", b"5")  # "last" would come after 5 s
        received, error = read_all(events)
        assert received == [b"first", b"released"]
        assert 1.0 <= time.monotonic() - started < 4.0
        assert error == {
            "Code": "ModelStreamError",
            "Message": "Your model primary did not complete sending the inference response "
            "in the allotted time.",
        }
        (_, payload) = raw_events(url, "slow", b"5")[-1]
        assert json.loads(payload)["ErrorCode"] == "ModelInvocationTimeExceeded"


def test_a_first_part_later_than_the_invocation_timeout_is_model_error(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"paced": write_model("paced", PACED)}, invocation_timeout=0.5) as (url, _):
        with pytest.raises(ClientError) as caught:
            stream(client_for(url), "paced", b'{"parts": 1, "pace": 2}')
        assert caught.value.response["Error"]["Code"] == "ModelError"
        assert caught.value.response["OriginalStatusCode"] == 0


def test_a_caller_that_leaves_stops_the_model(
    write_model: Any, serve_models: Any, client_for: Any, wait_until: Any
) -> None:
    model_dir = write_model("endless", ENDLESS)
    with serve_models({"endless": model_dir}) as (url, _):
        _, events = stream(client_for(url), "endless", b"")
        assert next(iter(events)) == {"PayloadPart": {"Bytes": b"part"}}
        events.close()
        # The generator is closed (its finally block runs) rather than run to its end.
        wait_until(lambda: (model_dir / "closed").exists(), what="the model's generator closed")
        assert int((model_dir / "made").read_text()) < 100


def test_in_process_the_host_streams_the_same_parts(write_model: Any) -> None:
    import asyncio

    async def main() -> tuple[list[Any], Any]:
        host = EndpointHost({"paced": write_model("paced", PACED)})
        try:
            await host.load_all()
            answer = await host.invoke_stream("paced", b'{"parts": 3, "fail": true}', {})
            assert isinstance(answer, InvocationStream)
            items = [item async for item in answer]
            refused = await host.invoke_stream("paced", b"{}", {"X-Amzn-SageMaker-Accept": "x"})
            return items, refused
        finally:
            host.close()

    items, refused = asyncio.run(main())
    assert items[:3] == [b"word0 ", b"word1 ", b"word2 "]
    assert items[3].error_code == "StreamBroken"
    assert len(items) == 4
    # A KeyError ("parts") before the first part: the ordinary ModelError response.
    assert refused.status == 424 and refused.header("x-amzn-ErrorType") == "ModelError"


def test_the_stream_route_verifies_sigv4(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    from sagegate.sigv4 import Identity, SigV4Verifier, StaticIdentityStore

    identity = Identity(access_key="AKIDSTREAM", secret_key="stream-secret")
    verifier = SigV4Verifier(
        StaticIdentityStore([identity]), service="sagemaker", region="us-east-1"
    )
    with serve_models({"paced": write_model("paced", PACED)}, verifier=verifier) as (url, _):
        good = client_for(url, access_key="AKIDSTREAM", secret_key="stream-secret")
        _, events = stream(good, "paced", b'{"parts": 2}')
        assert parts_of(events) == [b"word0 ", b"word1 "]
        with pytest.raises(ClientError) as caught:
            stream(client_for(url), "paced", b'{"parts": 2}')
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_routes_and_methods(write_model: Any, serve_models: Any) -> None:
    with serve_models({"paced": write_model("paced", PACED)}) as (url, _):
        response = requests.get(f"{url}/endpoints/paced/invocations-response-stream", timeout=10)
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"
