"""The REST API end to end: a real server on 127.0.0.1, real clients (botocore, curl)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sagegate.gateway.assemble import build_gateway
from sagegate.sigv4 import Identity, SigV4Signer, StaticIdentityStore
from sagegate.spec import Spec
from tests.servers import serve_in_thread

IDENTITY = Identity(
    access_key="AKIAE2ETESTKEY000001",
    secret_key="e2e/secret/key/0123456789abcdefghijklmn",
    account_id="111122223333",
    arn="arn:aws:iam::111122223333:user/e2e",
    user_id="AIDAE2ETESTUSER00001",
)
REGION = "us-east-1"
RATINGS_PATH = "/prod/predicted-ratings/321"
# Commas percent-encoded, as botocore's serialisers and the banner's example write them: API
# Gateway signs the query re-encoded, so a signature over raw commas (what botocore signs for
# a URL given with them) is refused there (e.g. okigan/awscurl#138).
QUERY = "items=101%2C131%2C162"


def signed_get(url: str, identity: Identity = IDENTITY, **headers: str) -> requests.Response:
    """A GET signed by botocore's own SigV4 implementation."""
    request = AWSRequest(method="GET", url=url, headers=headers)
    SigV4Auth(
        Credentials(identity.access_key, identity.secret_key, identity.session_token),
        "execute-api",
        REGION,
    ).add_auth(request)
    return requests.get(url, headers=dict(request.headers.items()), timeout=30)


@pytest.fixture(scope="module")
def default_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The default movie-ratings API, served for real, with its access log in a file."""
    log_path = tmp_path_factory.mktemp("logs") / "access.log"
    with log_path.open("a", encoding="utf-8") as sink:
        gateway = build_gateway(
            Spec.default(),
            identities=StaticIdentityStore([IDENTITY]),
            access_log=sink,
            region=REGION,
        )
        with serve_in_thread(gateway) as url:
            yield url, log_path


def test_botocore_signed_get_answers_three_ratings(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    response = signed_get(f"{url}{RATINGS_PATH}?{QUERY}")
    assert response.status_code == 200, response.text
    ratings = response.json()["ratings"]
    assert len(ratings) == 3
    assert all(isinstance(r, float) and 1.0 <= r <= 5.0 for r in ratings)
    assert response.headers["x-amzn-RequestId"]
    assert response.headers["x-amz-apigw-id"]
    assert response.headers["X-Amzn-Trace-Id"].startswith("Root=1-")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_aws_sigv4_get(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    result = subprocess.run(
        [
            "curl",
            "-sS",
            "--max-time",
            "30",
            "--aws-sigv4",
            f"aws:amz:{REGION}:execute-api",
            "--user",
            f"{IDENTITY.access_key}:{IDENTITY.secret_key}",
            f"{url}{RATINGS_PATH}?{QUERY}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    ratings = json.loads(result.stdout)["ratings"]
    assert len(ratings) == 3 and all(1.0 <= r <= 5.0 for r in ratings)


def test_unsigned_is_missing_authentication_token(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    response = requests.get(f"{url}{RATINGS_PATH}?{QUERY}", timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_tampered_query_gets_signature_mismatch(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    request = AWSRequest(method="GET", url=f"{url}{RATINGS_PATH}?{QUERY}")
    SigV4Auth(
        Credentials(IDENTITY.access_key, IDENTITY.secret_key), "execute-api", REGION
    ).add_auth(request)
    response = requests.get(
        f"{url}{RATINGS_PATH}?items=1", headers=dict(request.headers.items()), timeout=30
    )
    assert response.status_code == 403
    message = response.json()["message"]
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert "The Canonical String for this request should have been" in message
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_expired_signature(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    signer = SigV4Signer(
        IDENTITY, service="execute-api", region=REGION, clock=lambda: time.time() - 600
    )
    target = f"{url}{RATINGS_PATH}?{QUERY}"
    headers = signer.sign("GET", target, {}, b"")
    response = requests.get(target, headers=headers, timeout=30)
    assert response.status_code == 403
    assert response.json()["message"].startswith("Signature expired: ")
    assert "- 5 min.)" in response.json()["message"]


def test_unknown_key(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    stranger = Identity(access_key="AKIASTRANGER00000000", secret_key="x" * 40)
    response = signed_get(f"{url}{RATINGS_PATH}?{QUERY}", stranger)
    assert response.status_code == 403
    assert response.json() == {"message": "The security token included in the request is invalid."}


def test_wrong_path_is_missing_authentication_token_even_signed(
    default_api: tuple[str, Path],
) -> None:
    url, _ = default_api
    response = signed_get(f"{url}/prod/predicted-rating/321?{QUERY}")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_missing_required_parameter(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    response = signed_get(f"{url}{RATINGS_PATH}")
    assert response.status_code == 400
    assert response.json() == {"message": "Missing required request parameters: [items]"}


def test_client_trace_root_is_propagated(default_api: tuple[str, Path]) -> None:
    url, _ = default_api
    root = "1-5759e988-bd862e3fe1be46a994272793"
    response = signed_get(
        f"{url}{RATINGS_PATH}?{QUERY}", **{"X-Amzn-Trace-Id": f"Root={root};Sampled=1"}
    )
    assert response.headers["X-Amzn-Trace-Id"].startswith(f"Root={root};Parent=")


def test_every_request_writes_one_access_log_line(default_api: tuple[str, Path]) -> None:
    url, log_path = default_api
    before = log_path.read_text().count("\n")
    statuses = [
        signed_get(f"{url}{RATINGS_PATH}?{QUERY}").status_code,
        requests.get(f"{url}/nowhere", timeout=30).status_code,
        signed_get(f"{url}{RATINGS_PATH}").status_code,
    ]
    lines = log_path.read_text().splitlines()[before:]
    assert [json.loads(line)["status"] for line in lines] == [str(s) for s in statuses]
    assert statuses == [200, 403, 400]


SLOW_SCRIPT = """
import json
import time

def model_fn(model_dir):
    return None

def input_fn(body, content_type):
    return json.loads(body)

def predict_fn(data, model):
    time.sleep(float(data.get("sleep") or 0))
    return {"echo": data}
"""


def _model_dir(root: Path, script: str) -> Path:
    code = root / "model" / "code"
    code.mkdir(parents=True)
    (code / "inference.py").write_text(script)
    return root / "model"


def _user_spec(tmp_path: Path, **overrides: Any) -> Spec:
    model_dir = _model_dir(tmp_path, SLOW_SCRIPT)
    spec_file = tmp_path / "api.yaml"
    spec_file.write_text(
        "\n".join(
            [
                "endpoint_name: echo-model",
                "resource_name: echo",
                'resource_path: "{word}"',
                "request_mapping_template: |",
                '  {"word": "$input.params(\'word\')", "sleep": "$input.params(\'sleep\')"}',
                "response_mapping_template: |",
                '  #set($e = $input.path("$.echo"))',
                '  {"said": "$e.word", "stage": "$context.stage"}',
                "api:",
                "  authorization_type: NONE",
                "  stage_name: v1",
                f"  integration_timeout_ms: {overrides.get('timeout', 29000)}",
                "endpoint:",
                f"  model_dir: {model_dir.name}",
            ]
        )
        + "\n"
    )
    return Spec.from_file(spec_file)


def test_user_spec_with_its_own_model_and_templates(tmp_path: Path) -> None:
    spec = _user_spec(tmp_path)
    gateway = build_gateway(spec, identities=None, access_log=None, region=REGION)
    with serve_in_thread(gateway) as url:
        response = requests.get(f"{url}/v1/echo/hello", timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"said": "hello", "stage": "v1"}


def test_slow_endpoint_gets_504_and_the_server_keeps_serving(tmp_path: Path) -> None:
    spec = _user_spec(tmp_path, timeout=300)
    gateway = build_gateway(spec, identities=None, access_log=None, region=REGION)
    with serve_in_thread(gateway) as url:
        slow = requests.get(f"{url}/v1/echo/hi?sleep=2", timeout=30)
        fast = requests.get(f"{url}/v1/echo/hi", timeout=30)
    assert slow.status_code == 504
    assert slow.json() == {"message": "Endpoint request timed out"}
    assert fast.status_code == 200
