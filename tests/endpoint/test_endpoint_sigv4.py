"""SigV4 (service sagemaker): verified when the server has identities, ignored without."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from sagegate.sigv4 import Identity, SigV4Verifier, StaticIdentityStore

ECHO = """
    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        return body
"""
KEY, SECRET = "AKIDLOCALTEST", "local-secret-key"


def _verifier() -> SigV4Verifier:
    store = StaticIdentityStore([Identity(access_key=KEY, secret_key=SECRET)])
    return SigV4Verifier(store, service="sagemaker", region="us-east-1")


def test_a_botocore_signed_request_passes_and_bad_ones_fail(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    model = write_model("echo", ECHO)
    with serve_models({"echo": model}, verifier=_verifier()) as (url, _):
        good = client_for(url, access_key=KEY, secret_key=SECRET)
        body = good.invoke_endpoint(EndpointName="echo", Body=b"signed")["Body"].read()
        assert body == b"signed"

        wrong_secret = client_for(url, access_key=KEY, secret_key="not-the-secret")
        with pytest.raises(ClientError) as caught:
            wrong_secret.invoke_endpoint(EndpointName="echo", Body=b"x")
        error = caught.value.response
        assert error["Error"]["Code"] == "InvalidSignatureException"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["Error"]["Message"].startswith(
            "The request signature we calculated does not match"
        )

        unknown = client_for(url, access_key="AKIDSOMEONEELSE", secret_key=SECRET)
        with pytest.raises(ClientError) as caught:
            unknown.invoke_endpoint(EndpointName="echo", Body=b"x")
        assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"

        unsigned = requests.post(f"{url}/endpoints/echo/invocations", data=b"x", timeout=5)
        assert unsigned.status_code == 403
        assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        # The container contract is not signed, as on SageMaker.
        assert requests.get(f"{url}/ping", timeout=5).status_code == 200
        assert good.invoke_endpoint(EndpointName="echo", Body=b"again")["Body"].read() == b"again"


def test_without_a_verifier_signatures_are_ignored(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"echo": write_model("echo", ECHO)}) as (url, _):
        anyone = client_for(url, access_key="AKIDANYONE", secret_key="whatever")
        assert anyone.invoke_endpoint(EndpointName="echo", Body=b"hi")["Body"].read() == b"hi"
        unsigned = requests.post(f"{url}/endpoints/echo/invocations", data=b"raw", timeout=5)
        assert unsigned.status_code == 200
        assert unsigned.content == b"raw"
