"""The ``application/vnd.amazon.eventstream`` encoding of InvokeEndpointWithResponseStream.

A message is a prelude (total length, headers length, CRC32 of those 8 bytes; big-endian
unsigned 32-bit each), the headers, the payload, and a CRC32 of everything before it. A header
is its name's length (one byte), the name, a value type (7 = string) and, for a string, the
value's length (two bytes) and the value, all UTF-8.
https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
describes the framing; botocore's ``eventstream.EventStreamBuffer`` is the decoder boto3 uses,
and the tests hold this encoder to it.

What SageMaker sends (the ``ResponseStream`` shape of the service model): a ``PayloadPart``
event whose payload is the part's raw bytes, and, when the stream fails, a ``ModelStreamError``
exception whose payload is JSON with ``ErrorCode`` and ``Message``.
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_ResponseStream.html
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import orjson

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7
_PRELUDE = struct.Struct("!II")
_CRC = struct.Struct("!I")
# Prelude (8 bytes and its CRC) and the message CRC.
_OVERHEAD = _PRELUDE.size + 2 * _CRC.size


def encode_headers(headers: Sequence[tuple[str, str]]) -> bytes:
    """The header block: each name and value as an eventstream string header."""
    out = bytearray()
    for name, value in headers:
        raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
        if len(raw_name) > 0xFF or len(raw_value) > 0xFFFF:
            raise ValueError(f"eventstream header {name!r} is too long")
        out += bytes((len(raw_name),)) + raw_name + bytes((_STRING,))
        out += struct.pack("!H", len(raw_value)) + raw_value
    return bytes(out)


def encode_message(header_block: bytes, payload: bytes) -> bytes:
    """One message from an encoded header block (see `encode_headers`) and a payload."""
    prelude = _PRELUDE.pack(_OVERHEAD + len(header_block) + len(payload), len(header_block))
    crc = zlib.crc32(prelude)
    head = prelude + _CRC.pack(crc)
    # The message CRC covers the prelude and its CRC too; zlib.crc32 continues from `crc`'s
    # state over the rest, so each byte is read once.
    crc = zlib.crc32(_CRC.pack(crc), crc)
    crc = zlib.crc32(header_block, crc)
    crc = zlib.crc32(payload, crc)
    return b"".join((head, header_block, payload, _CRC.pack(crc)))


# Made once: every part of every stream carries the same headers.
_PAYLOAD_PART = encode_headers(
    [
        (":event-type", "PayloadPart"),
        (":content-type", "application/octet-stream"),
        (":message-type", "event"),
    ]
)
_MODEL_STREAM_ERROR = encode_headers(
    [
        (":exception-type", "ModelStreamError"),
        (":content-type", "application/json"),
        (":message-type", "exception"),
    ]
)


def payload_part(data: bytes) -> bytes:
    """A ``PayloadPart`` event: boto3 yields ``{"PayloadPart": {"Bytes": data}}``."""
    return encode_message(_PAYLOAD_PART, data)


def model_stream_error(error_code: str, message: str) -> bytes:
    """A ``ModelStreamError`` exception: boto3 raises ``EventStreamError`` with that code."""
    return encode_message(
        _MODEL_STREAM_ERROR, orjson.dumps({"ErrorCode": error_code, "Message": message})
    )
