"""Tests of the API in api.yaml, run in-process by sagegate's test client: no server, no
socket, requests signed with a throwaway identity. Run them with pytest from any directory."""

from pathlib import Path

from sagegate.testing import GatewayTestClient

SPEC = Path(__file__).with_name("api.yaml")


def test_a_score_for_x() -> None:
    with GatewayTestClient(SPEC) as client:
        response = client.get("/prod/predictions/7", query={"x": "0.5"})
        assert response.status == 200
        assert response.json() == {"score": 0.5}
        # every stage is inspectable: here, what the request template sent to the model
        sent = response.invocation.integration
        assert sent is not None and sent.body == b'{"instances": [{"features": [0.5]}]}\n'


def test_missing_parameter_is_refused_like_aws() -> None:
    with GatewayTestClient(SPEC) as client:
        response = client.get("/prod/predictions/7")
        assert response.status == 400
        assert response.json() == {"message": "Missing required request parameters: [x]"}


def test_a_model_error_reaches_the_client_as_api_gateway_maps_it() -> None:
    # x=abc renders as `[abc]`, which is not JSON: the script's input_fn raises (the server
    # logs the traceback), SageMaker answers ModelError (424), and the construct's integration
    # response maps any 4xx to 400, passing SageMaker's body through.
    with GatewayTestClient(SPEC) as client:
        response = client.get("/prod/predictions/7", query={"x": "abc"})
        assert response.status == 400
        assert response.json()["OriginalStatusCode"] == 500
        assert response.json()["OriginalMessage"].startswith("Expecting value")
