"""Each inference-script variant, through a real server and a stock boto3 client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

DEFAULTS_ONLY = """
    import numpy as np

    def model_fn(model_dir):
        return np.array([[1.0, 0.0], [0.0, 2.0]])

    def predict_fn(data, model):
        return data @ model
"""

THREE_HOOKS = """
    def model_fn(model_dir):
        with open(model_dir + "/greeting.txt") as f:
            return f.read().strip()

    def input_fn(body, content_type):
        assert content_type == "text/plain", content_type
        return body.decode("utf-8")

    def predict_fn(data, model):
        return f"{model}, {data}"

    def output_fn(prediction, accept):
        return prediction.upper(), "text/x-shout"
"""

TRANSFORM = """
    import json

    def model_fn(model_dir):
        return {"scale": 3}

    def transform_fn(model, body, content_type, accept):
        values = json.loads(body)
        return json.dumps({"scaled": [v * model["scale"] for v in values], "accept": accept})
"""

CUSTOM_ATTRIBUTES = """
    import json

    def model_fn(model_dir, context):
        return context.system_properties["model_dir"]

    def input_fn(body, content_type, context):
        attributes = context.get_request_header(0, "X-Amzn-SageMaker-Custom-Attributes")
        return {"body": json.loads(body), "attributes": attributes}

    def predict_fn(data, model):
        return data

    def output_fn(prediction, accept, context):
        context.set_response_header(
            0, "X-Amzn-SageMaker-Custom-Attributes", "echo=" + prediction["attributes"]
        )
        return json.dumps(prediction["body"])
"""


def _invoke(client: Any, **kwargs: Any) -> tuple[dict[str, Any], bytes]:
    response = client.invoke_endpoint(**kwargs)
    return response, response["Body"].read()


def test_model_fn_and_predict_fn_use_the_toolkit_json_defaults(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("defaults", DEFAULTS_ONLY)
    with serve_models({"defaults": model}) as (url, _):
        client = client_for(url)
        response, body = _invoke(
            client,
            EndpointName="defaults",
            Body=b"[[1, 2], [3, 4]]",
            ContentType="application/json",
        )
        assert json.loads(body) == [[1.0, 4.0], [3.0, 8.0]]
        assert response["ContentType"] == "application/json"
        assert response["InvokedProductionVariant"] == "AllTraffic"
        assert "CustomAttributes" not in response
        # CSV in, CSV out, from the same two functions.
        response, body = _invoke(
            client,
            EndpointName="defaults",
            Body=b"1,2\n3,4\n",
            ContentType="text/csv",
            Accept="text/csv",
        )
        assert response["ContentType"] == "text/csv"
        assert body.decode().split() == ["1.0,4.0", "3.0,8.0"]


def test_unsupported_content_type_is_the_toolkits_415(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("defaults", DEFAULTS_ONLY)
    with serve_models({"defaults": model}) as (url, _):
        with pytest.raises(ClientError) as caught:
            client_for(url).invoke_endpoint(
                EndpointName="defaults", Body=b"x", ContentType="image/png"
            )
        error = caught.value.response
        assert error["Error"]["Code"] == "ModelError"
        assert error["OriginalStatusCode"] == 415
        assert error["OriginalMessage"].startswith("Content type image/png is not supported")
        assert error["Error"]["Message"].startswith("Received client error (415) from primary")


def test_input_predict_output_with_a_chosen_response_type(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("three-hooks", THREE_HOOKS, **{"greeting.txt": "hello\n"})
    with serve_models({"three-hooks": model}) as (url, _):
        response, body = _invoke(
            client_for(url), EndpointName="three-hooks", Body=b"world", ContentType="text/plain"
        )
        assert body == b"HELLO, WORLD"
        assert response["ContentType"] == "text/x-shout"


def test_transform_fn_gets_body_and_accept(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("transform", TRANSFORM)
    with serve_models({"transform": model}) as (url, _):
        response, body = _invoke(
            client_for(url),
            EndpointName="transform",
            Body=b"[1, 2]",
            ContentType="application/json",
            Accept="application/json",
        )
        assert json.loads(body) == {"scaled": [3, 6], "accept": "application/json"}
        assert response["ContentType"] == "application/json"


def test_custom_attributes_round_trip_through_the_context(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("attributes", CUSTOM_ATTRIBUTES)
    with serve_models({"attributes": model}) as (url, _):
        response, body = _invoke(
            client_for(url),
            EndpointName="attributes",
            Body=b'{"a": 1}',
            ContentType="application/json",
            CustomAttributes="trace=abc-123",
            InferenceId="inference-1",
        )
        assert json.loads(body) == {"a": 1}
        assert response["CustomAttributes"] == "echo=trace=abc-123"


def test_target_model_is_refused_on_a_single_model_endpoint(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("transform", TRANSFORM)
    with serve_models({"transform": model}) as (url, _):
        with pytest.raises(ClientError) as caught:
            client_for(url).invoke_endpoint(
                EndpointName="transform", Body=b"[1]", TargetModel="model.tar.gz"
            )
        assert caught.value.response["Error"]["Code"] == "ValidationError"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
