"""Predictions run off the event loop: slow ones do not stall fast ones."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SLEEPY = """
    import json
    import time

    def model_fn(model_dir):
        return None

    def transform_fn(model, body, content_type, accept):
        request = json.loads(body)
        time.sleep(request.get("sleep", 0))
        return json.dumps({"n": request["n"]})
"""


def test_a_slow_prediction_does_not_block_a_fast_one(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"sleepy": write_model("sleepy", SLEEPY)}) as (url, _):
        slow_client, fast_client = client_for(url), client_for(url)
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(
                slow_client.invoke_endpoint,
                EndpointName="sleepy",
                Body=json.dumps({"n": 1, "sleep": 1.5}),
            )
            time.sleep(0.2)  # the slow request is now inside the model
            started = time.monotonic()
            fast = fast_client.invoke_endpoint(EndpointName="sleepy", Body=b'{"n": 2}')
            fast_seconds = time.monotonic() - started
            assert json.loads(fast["Body"].read()) == {"n": 2}
            assert not slow.done()
            assert fast_seconds < 0.75
            assert json.loads(slow.result(timeout=10)["Body"].read()) == {"n": 1}


def test_fifty_concurrent_invocations_all_succeed(
    write_model: Any, serve_models: Any, client_for: Any
) -> None:
    with serve_models({"sleepy": write_model("sleepy", SLEEPY)}) as (url, _):
        clients = [client_for(url) for _ in range(10)]

        def call(n: int) -> int:
            body = json.dumps({"n": n, "sleep": 0.05})
            response = clients[n % 10].invoke_endpoint(EndpointName="sleepy", Body=body)
            return int(json.loads(response["Body"].read())["n"])

        with ThreadPoolExecutor(50) as pool:
            results = list(pool.map(call, range(50), timeout=60))
        assert results == list(range(50))
