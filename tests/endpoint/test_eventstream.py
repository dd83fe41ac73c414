"""The eventstream encoder, held to botocore's decoder and to boto3's parse of the service model."""

from __future__ import annotations

import zlib

import botocore.session
import pytest
from botocore.eventstream import ChecksumMismatch, EventStream, EventStreamBuffer
from botocore.exceptions import EventStreamError
from botocore.parsers import EventStreamJSONParser
from hypothesis import given, settings
from hypothesis import strategies as st

from sagegate.endpoint import eventstream


def decode(data: bytes) -> list[tuple[dict[str, object], bytes]]:
    """Every message in `data`, as botocore's buffer reads them (checksums verified)."""
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(message.headers, message.payload) for message in buffer]


class _Raw:
    """A body botocore's EventStream can read: `stream()` gives the bytes in pieces."""

    def __init__(self, data: bytes, piece: int) -> None:
        self.pieces = [data[i : i + piece] for i in range(0, len(data), piece)]

    def stream(self) -> list[bytes]:
        return self.pieces


def parsed(data: bytes, piece: int = 7) -> EventStream:
    """`data` as boto3 hands InvokeEndpointWithResponseStream's Body to its caller."""
    client = botocore.session.get_session().create_client(
        "sagemaker-runtime",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    model = client.meta.service_model.operation_model("InvokeEndpointWithResponseStream")
    body = model.output_shape.members["Body"]
    return EventStream(_Raw(data, piece), body, EventStreamJSONParser(), model.name)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_any_payload_part_round_trips_through_botocore(data: bytes) -> None:
    [(headers, payload)] = decode(eventstream.payload_part(data))
    assert headers == {
        ":event-type": "PayloadPart",
        ":content-type": "application/octet-stream",
        ":message-type": "event",
    }
    assert payload == data


def test_boto3_iterates_payload_parts_unchanged_whatever_the_piece_size() -> None:
    parts = [b"Hello", b", ", "wörld".encode(), b"\x00\xff" * 300]
    wire = b"".join(eventstream.payload_part(part) for part in parts)
    for piece in (1, 13, len(wire)):
        assert list(parsed(wire, piece)) == [{"PayloadPart": {"Bytes": part}} for part in parts]


def test_a_model_stream_error_is_what_boto3_raises_after_the_parts() -> None:
    wire = eventstream.payload_part(b"one") + eventstream.model_stream_error(
        "ModelInvocationTimeExceeded", "too slow"
    )
    events = iter(parsed(wire))
    assert next(events) == {"PayloadPart": {"Bytes": b"one"}}
    with pytest.raises(EventStreamError) as caught:
        next(events)
    assert caught.value.response["Error"] == {"Code": "ModelStreamError", "Message": "too slow"}
    [(headers, payload)] = decode(wire[len(eventstream.payload_part(b"one")) :])
    assert headers[":message-type"] == "exception"
    assert headers[":exception-type"] == "ModelStreamError"
    assert payload == b'{"ErrorCode":"ModelInvocationTimeExceeded","Message":"too slow"}'


def test_the_checksums_are_the_ones_botocore_verifies() -> None:
    message = bytearray(eventstream.payload_part(b"payload"))
    # The prelude CRC covers the first 8 bytes; the message CRC everything before it.
    assert int.from_bytes(message[8:12], "big") == zlib.crc32(message[:8])
    assert int.from_bytes(message[-4:], "big") == zlib.crc32(message[:-4])
    message[-5] ^= 1  # one bit of the payload
    with pytest.raises(ChecksumMismatch):
        decode(bytes(message))


def test_headers_too_long_for_the_format_are_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        eventstream.encode_headers([("x" * 256, "v")])
    with pytest.raises(ValueError, match="too long"):
        eventstream.encode_headers([("x", "v" * 65536)])
