import io
import re

import pytest

from sagegate.gateway.trace import Tracer

HEADER = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$")


def test_new_root_uses_the_epoch() -> None:
    ids = Tracer(clock=lambda: 0x67000000).ids(None)
    assert ids.root.startswith("1-67000000-")
    assert HEADER.match(ids.header)


def test_client_root_is_kept() -> None:
    sent = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
    ids = Tracer().ids(sent)
    assert ids.root == "1-5759e988-bd862e3fe1be46a994272793"
    assert ids.parent != "53995c3f42cd8ad8"
    assert ids.sampled is False


def test_garbage_header_gets_a_fresh_root() -> None:
    ids = Tracer().ids("nonsense")
    assert HEADER.match(ids.header)


def test_console_exporter_records_spans() -> None:
    stream = io.StringIO()
    tracer = Tracer(exporter="console", stream=stream)
    ids = tracer.ids(None)
    with tracer.span("API Gateway", ids):
        pass
    out = stream.getvalue()
    hex_root = ids.root.replace("-", "")[1:]
    assert '"name": "API Gateway"' in out
    assert hex_root in out


RANDOM_HEX = "0123456789abcdef01234567" + "89abcdef01234567"


def test_given_randomness_and_time_make_the_ids() -> None:
    tracer = Tracer(clock=lambda: 1.0)
    for incoming in (None, "", "nonsense", "Sampled=0"):
        ids = tracer.ids(incoming, RANDOM_HEX, 0x67000000 + 0.9)
        assert ids.root == "1-67000000-0123456789abcdef01234567"
        assert ids.parent == "89abcdef01234567"
        assert ids.sampled is (incoming != "Sampled=0")
    kept = tracer.ids("Root=1-5759E988-BD862E3FE1BE46A994272793", RANDOM_HEX, 0.0)
    assert (kept.root, kept.parent) == ("1-5759e988-bd862e3fe1be46a994272793", "89abcdef01234567")


class _CannedTarget:
    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def invoke(self, name: str, body: bytes, headers: dict[str, str]) -> object:
        from sagegate.endpoint.response import InvocationResponse

        return InvocationResponse(200, [("Content-Type", "application/json")], b"{}")


def test_a_gateway_exporting_spans_records_both(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sagegate.testing import GatewayTestClient

    monkeypatch.setenv("SAGEGATE_TRACES", "console")
    with GatewayTestClient(target=_CannedTarget()) as client:  # type: ignore[arg-type]
        assert client.gateway.tracer.exporting
        assert client.get("/prod/predicted-ratings/1", query="items=2").status == 200
        assert client.get("/prod/nowhere").status == 403
    spans = capsys.readouterr().err
    assert spans.count('"name": "API Gateway"') == 2
    assert spans.count('"name": "SageMaker Runtime"') == 1
