import io
import re

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
