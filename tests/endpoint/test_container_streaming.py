"""A container's chunked ``/invocations`` answer streams through ContainerTarget part by part,
and ``sagegate endpoint invoke --stream`` prints each part the moment it arrives."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sagegate.endpoint import EndpointHost
from sagegate.endpoint.errors import ModelStreamError
from sagegate.endpoint.server import create_app
from sagegate.endpoint.targets import ContainerTarget
from tests.endpoint.test_endpoint_streaming import HANDSHAKE, PACED
from tests.servers import serve_in_thread


def test_a_chunked_container_answer_streams_through_part_by_part(
    write_model: Any, wait_until: Any
) -> None:
    model_dir = write_model("handshake", HANDSHAKE)
    host = EndpointHost({"handshake": model_dir})

    async def main(url: str) -> list[Any]:
        target = ContainerTarget(url)
        try:
            answer = await target.invoke_stream("ignored", b"0", {})
            assert answer.status == 200
            items = aiter(answer)
            first = await anext(items)
            (model_dir / "release").touch()  # only possible once the first part arrived
            return [first] + [item async for item in items]
        finally:
            await target.close()

    with serve_in_thread(create_app(host)) as url:
        wait_until(lambda: host.ready, what="model loaded")
        assert asyncio.run(main(url)) == [b"first", b"released", b"last"]


def test_a_container_that_cuts_its_stream_ends_it_with_stream_broken(
    write_model: Any, wait_until: Any
) -> None:
    host = EndpointHost({"paced": write_model("paced", PACED)})

    async def main(url: str) -> tuple[list[Any], int, bytes]:
        target = ContainerTarget(url)
        try:
            answer = await target.invoke_stream("x", b'{"parts": 2, "fail": true}', {})
            assert answer.status == 200
            items = [item async for item in answer]
            refused = await target.invoke_stream("x", b"{}", {})  # KeyError: the script's 500
            return items, refused.status, getattr(refused, "body", b"")
        finally:
            await target.close()

    with serve_in_thread(create_app(host)) as url:
        wait_until(lambda: host.ready, what="model loaded")
        items, status, body = asyncio.run(main(url))
    assert items[:2] == [b"word0 ", b"word1 "]
    assert isinstance(items[2], ModelStreamError) and items[2].error_code == "StreamBroken"
    assert (status, body) == (500, b"'parts'")


def test_endpoint_invoke_prints_each_part_as_it_arrives(write_model: Any) -> None:
    model_dir = write_model("handshake", HANDSHAKE)
    sagegate = Path(sys.executable).parent / "sagegate"
    command = [str(sagegate), "endpoint", "invoke", "hs"]
    with subprocess.Popen(
        [*command, "--model-dir", str(model_dir), "--stream", "-d", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, f"the command ended early: {lines}"
            lines.append(line)
            if "part 1 " in line:
                break
        # The model is still waiting for this file: the part was printed as it arrived.
        assert "'first'" in lines[-1]
        (model_dir / "release").touch()
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "part 2 (8 bytes): 'released'" in rest
    assert "end of stream: 3 parts, 17 bytes" in rest
