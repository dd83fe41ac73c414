"""Shared pieces of the hardening tests: identities, a fast echo model, spec builders, signing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sagegate.sigv4 import Identity
from sagegate.spec import Spec

REGION = "us-east-1"
ALICE = Identity(
    access_key="AKIAHARDENALICE00001",
    secret_key="harden/alice/secret/0123456789abcdefghij",
    account_id="111122223333",
    arn="arn:aws:iam::111122223333:user/alice",
)
BOB = Identity(
    access_key="AKIAHARDENBOB0000001",
    secret_key="harden/bob/secret/0123456789abcdefghijkl",
    account_id="111122223333",
    arn="arn:aws:iam::111122223333:user/bob",
)
# A temporary identity, as STS hands out: it is only valid with its session token.
TEMP = Identity(
    access_key="ASIAHARDENTEMP000001",
    secret_key="harden/temp/secret/0123456789abcdefghijk",
    session_token="FwoGZXIvYXdzEHardenSessionToken//0123456789+abc=",
    account_id="111122223333",
    arn="arn:aws:sts::111122223333:assumed-role/ml-caller/session-1",
)

# A model that echoes its input and can be asked to sleep or to fail (fast to load).
ECHO_SCRIPT = """
import json
import time

def model_fn(model_dir):
    return None

def input_fn(body, content_type):
    return json.loads(body)

def predict_fn(data, model):
    time.sleep(float(data.get("sleep") or 0))
    if data.get("word") == "boom":
        raise RuntimeError("the model failed on purpose")
    return {"echo": data}
"""
ECHO_REQUEST_TEMPLATE = (
    '{"word": "$input.params(\'word\')", "sleep": "$input.params(\'sleep\')", '
    '"size": $input.body.length()}'
)
ECHO_RESPONSE_TEMPLATE = '#set($e = $input.path("$.echo"))\n{"said": "$e.word"}'


def write_model(root: Path, script: str = ECHO_SCRIPT) -> Path:
    """A SageMaker model directory with `script` as code/inference.py."""
    code = root / "model" / "code"
    code.mkdir(parents=True, exist_ok=True)
    (code / "inference.py").write_text(script)
    return root / "model"


def echo_spec_data(
    root: Path,
    *,
    api: Mapping[str, Any] | None = None,
    endpoint: Mapping[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """The mapping of a small spec: GET /v1/echo/{word} in front of the echo model."""
    data: dict[str, Any] = {
        "endpoint_name": "echo-model",
        "resource_name": "echo",
        "resource_path": "{word}",
        "request_mapping_template": ECHO_REQUEST_TEMPLATE,
        "response_mapping_template": ECHO_RESPONSE_TEMPLATE,
        "api": {"authorization_type": "NONE", "stage_name": "v1", **(api or {})},
        "endpoint": dict(endpoint)
        if endpoint is not None
        else {"model_dir": str(write_model(root))},
    }
    data.update(top)
    return data


def echo_spec(root: Path, **options: Any) -> Spec:
    """`echo_spec_data` validated into a Spec."""
    return Spec.from_mapping(echo_spec_data(root, **options))


def botocore_headers(
    method: str,
    url: str,
    identity: Identity,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    service: str = "execute-api",
    region: str = REGION,
) -> dict[str, str]:
    """The headers botocore's SigV4Auth sends for this request (Host included)."""
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
    credentials = Credentials(identity.access_key, identity.secret_key, identity.session_token)
    SigV4Auth(credentials, service, region).add_auth(request)
    return dict(request.headers.items())


def signed_get(
    url: str, identity: Identity, *, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> requests.Response:
    """A GET signed by botocore and sent with requests."""
    sent = botocore_headers("GET", url, identity, headers=headers, body=body)
    return requests.get(url, headers=sent, data=body or None, timeout=30)


def assert_aws_error(
    response: requests.Response, status: int, error_type: str, message: str | None = None
) -> dict[str, Any]:
    """The response is API Gateway's error: status, JSON body, x-amzn-ErrorType, request id."""
    assert response.status_code == status, response.text
    assert response.headers["x-amzn-ErrorType"] == error_type
    assert response.headers["x-amzn-RequestId"]
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    if message is not None:
        assert body == {"message": message}
    return body
