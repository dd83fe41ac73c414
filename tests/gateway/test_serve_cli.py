"""`sagegate serve` as a user runs it: a real process, its banner, its curl, its signals."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.servers import free_port, wait_until_up


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEGATE_CONFIG"))}
    environ["SAGEGATE_CONFIG_DIR"] = str(tmp_path / "config")
    environ["HOME"] = str(tmp_path)  # no ~/.aws/credentials: the local key pair is made
    return environ


def test_serve_prints_a_curl_that_works_and_stops_cleanly_on_sigterm(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "access.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "sagegate", "serve", "--port", str(port), "--access-log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        # The banner went to stderr before the server started listening.
        os.set_blocking(process.stderr.fileno(), False)  # type: ignore[union-attr]
        banner = process.stderr.read() or ""  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/prod/predicted-ratings/{{user_id}}" in banner
        key_file = tmp_path / "config" / "local-credentials.json"
        assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
        curl_line = next(line for line in banner.splitlines() if "curl --aws-sigv4" in line)
        command = shlex.split(curl_line.split("try:", 1)[1])
        result = subprocess.run(
            [command[0], "-sS", "--max-time", "30", *command[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        ratings = json.loads(result.stdout)["ratings"]
        assert len(ratings) == 3 and all(1 <= r <= 5 for r in ratings)
        unsigned = requests.get(
            f"http://127.0.0.1:{port}/prod/predicted-ratings/1?items=1",
            headers={"X-Forwarded-For": "203.0.113.9"},
            timeout=10,
        )
        assert unsigned.status_code == 403
        # As from API Gateway: a Date, no Server header.
        assert "server" not in unsigned.headers and "date" in unsigned.headers
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
    assert code == 0
    lines = log.read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines[-2:]] == ["200", "403"]
    # The source IP is the connection's; a client's X-Forwarded-For does not change it.
    assert json.loads(lines[-1])["ip"] == "127.0.0.1"


def test_serve_refuses_a_bad_spec_naming_the_key(env: dict[str, str], tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("endpoint_name: bad_name\nresource_path: x\nrequest_mapping_template: '{}'\n")
    result = subprocess.run(
        [sys.executable, "-m", "sagegate", "serve", str(spec)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    assert re.search(r"endpoint_name: 'bad_name' is not a SageMaker endpoint name", result.stderr)


def wait_for_line(
    process: subprocess.Popen[str], prefix: str, deadline_s: float = 120
) -> list[str]:
    """The process's stderr lines up to the first that starts with `prefix` (bounded)."""
    import threading
    import time

    seen: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line.rstrip("\n"))
            if line.startswith(prefix):
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + deadline_s
    while not found.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no {prefix!r} line: {seen}")
    return seen


def test_two_workers_serve_and_stop_on_sigterm(env: dict[str, str], tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "endpoint_name: movie-ratings\n"
        "resource_name: predicted-ratings\n"
        'resource_path: "{user_id}"\n'
        "request_mapping_template: |\n"
        '  {"instances": [{"in0": [$input.params("user_id")], "in1": [1]}]}\n'
        "api:\n"
        "  authorization_type: NONE\n"
    )
    port = free_port()
    log = tmp_path / "access.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sagegate",
            "serve",
            str(spec),
            "--workers",
            "2",
            "--port",
            str(port),
            "--access-log",
            str(log),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # Scripts wait for the ready line: it comes once both workers serve.
        lines = wait_for_line(process, "sagegate: ready at ")
        assert lines[-1] == f"sagegate: ready at http://127.0.0.1:{port}"
        assert requests.get(f"http://127.0.0.1:{port}/prod/predicted-ratings/1", timeout=30).ok

        def get(user: int) -> int:
            url = f"http://127.0.0.1:{port}/prod/predicted-ratings/{user}"
            return requests.get(url, timeout=30).status_code

        # Concurrent, so that both workers write batches of log lines to the file at once.
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(get, range(1, 201)))
        assert statuses == [200] * 200
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
    assert code == 0
    # Every line whole: two workers appending to one file never cut each other's lines.
    statuses_logged = [json.loads(line)["status"] for line in log.read_text().splitlines()]
    assert statuses_logged.count("200") == 201


def test_serve_refuses_a_bad_policy_before_starting(env: dict[str, str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}}')
    result = subprocess.run(
        [sys.executable, "-m", "sagegate", "serve", "--policy", str(policy)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--policy" in result.stderr and "Effect" in result.stderr


def test_serve_a_template_lists_every_route_served_and_not(
    env: dict[str, str], tmp_path: Path
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        textwrap.dedent(
            """\
            Resources:
              Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: mixed}}
              Ping:
                Type: AWS::ApiGateway::Resource
                Properties:
                  RestApiId: !Ref Api
                  ParentId: !GetAtt Api.RootResourceId
                  PathPart: ping
              PingGet:
                Type: AWS::ApiGateway::Method
                Properties:
                  RestApiId: !Ref Api
                  ResourceId: !Ref Ping
                  HttpMethod: GET
                  AuthorizationType: NONE
                  Integration:
                    Type: MOCK
                    RequestTemplates: {application/json: '{"statusCode": 200}'}
                    IntegrationResponses:
                      - {StatusCode: '200', ResponseTemplates: {application/json: pong}}
              PingPost:
                Type: AWS::ApiGateway::Method
                Properties:
                  RestApiId: !Ref Api
                  ResourceId: !Ref Ping
                  HttpMethod: POST
                  AuthorizationType: COGNITO_USER_POOLS
                  Integration: {Type: MOCK}
              Stage:
                Type: AWS::ApiGateway::Stage
                Properties: {RestApiId: !Ref Api, StageName: dev}
            """
        )
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sagegate", "serve", str(template), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = wait_for_line(process, "sagegate: ready at ")
        banner = "\n".join(lines)
        base = f"http://127.0.0.1:{port}/dev"
        assert f"route:     GET  {base}/ping  NONE  MOCK" in banner
        assert (
            f"not served: POST {base}/ping: a COGNITO_USER_POOLS authorizer is not emulated"
            in banner
        )
        assert f"try:       curl {base}/ping" in banner
        assert requests.get(f"{base}/ping", timeout=30).text == "pong"
        refused = requests.post(f"{base}/ping", timeout=30)
        assert (refused.status_code, refused.json()) == (500, {"message": "Internal server error"})
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert process.stderr is not None
        process.stderr.close()


@pytest.mark.parametrize("literal", [False, True])
def test_sigv4_literal_form_is_an_explicit_option(
    env: dict[str, str], tmp_path: Path, literal: bool
) -> None:
    port = free_port()
    args = [sys.executable, "-m", "sagegate", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*args, "--sigv4-literal-form"] if literal else args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = wait_for_line(process, "sagegate: ready at ")
        banner = "\n".join(lines)
        assert ("also accepting signatures over the URL as sent" in banner) is literal
        curl_line = next(line for line in lines if "curl --aws-sigv4" in line)
        command = shlex.split(curl_line.split("try:", 1)[1])
        # Raw commas: curl 7.x signs the query as written, which AWS's canonical form
        # (commas percent-encoded) does not match.
        raw = [part.replace("%2C", ",") for part in command]
        result = subprocess.run(
            [raw[0], "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}", *raw[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert result.stdout == ("200" if literal else "403")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert process.stderr is not None
        process.stderr.close()
