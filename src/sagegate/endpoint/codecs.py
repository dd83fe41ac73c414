"""The SageMaker inference toolkit's default input_fn / output_fn: JSON, CSV and NPY.

A script that leaves out ``input_fn`` or ``output_fn`` gets these, as in the toolkit's
``DefaultInferenceHandler`` (decoder.py / encoder.py): request bodies become numpy arrays,
predictions are serialised by the first supported type in ``Accept``, and any other
content type fails with ``UnsupportedFormatError`` (HTTP 415).
See https://github.com/aws/sagemaker-inference-toolkit and
https://sagemaker.readthedocs.io/en/stable/frameworks/pytorch/using_pytorch.html#serve-a-pytorch-model
"""

from __future__ import annotations

import io
from typing import Any, ClassVar

import numpy as np
import orjson

JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
ANY = "*/*"
#: Types the toolkit hands to input_fn / transform_fn as ``str`` rather than ``bytes``.
UTF8_TYPES = frozenset({JSON, CSV})
#: The toolkit's SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT default.
DEFAULT_ACCEPT = JSON


class UnsupportedFormatError(Exception):
    """A content type the default handlers cannot decode or encode (HTTP 415)."""

    status_code: ClassVar[int] = 415

    def __init__(self, content_type: str) -> None:
        super().__init__(
            f"Content type {content_type} is not supported by this framework.\n\n"
            "Please implement input_fn to to deserialize the request data or an output_fn to\n"
            "serialize the response. For more information, see the SageMaker Python SDK README."
        )


def default_input_fn(input_data: str | bytes, content_type: str) -> Any:
    """Decode a request body into a numpy array, by content type."""
    if content_type == JSON:
        return np.array(orjson.loads(input_data))
    if content_type == CSV:
        text = input_data if isinstance(input_data, str) else input_data.decode("utf-8")
        return np.genfromtxt(io.StringIO(text), delimiter=",")
    if content_type == NPY:
        raw = input_data.encode("utf-8") if isinstance(input_data, str) else input_data
        # The toolkit allows pickles here; a local server that anyone on the machine can
        # reach must not unpickle request bodies.
        return np.load(io.BytesIO(raw), allow_pickle=False)
    raise UnsupportedFormatError(content_type)


def _to_list(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def encode_json(value: Any) -> bytes:
    """JSON for predictions, with numpy arrays and scalars as lists and numbers."""
    return orjson.dumps(value, default=_to_list, option=orjson.OPT_SERIALIZE_NUMPY)


def _encode_csv(value: Any) -> bytes:
    stream = io.StringIO()
    np.savetxt(stream, np.atleast_1d(np.asarray(value)), delimiter=",", fmt="%s")
    return stream.getvalue().encode("utf-8")


def _encode_npy(value: Any) -> bytes:
    stream = io.BytesIO()
    np.save(stream, np.asarray(value), allow_pickle=False)
    return stream.getvalue()


_ENCODERS = {JSON: encode_json, CSV: _encode_csv, NPY: _encode_npy}


def parse_accept(accept: str) -> list[str]:
    """The media types of an Accept header, in order, without parameters."""
    return [part.split(";", 1)[0].strip() for part in accept.split(",") if part.strip()]


def default_output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    """Serialise by the first type in `accept` the toolkit supports; else 415."""
    for content_type in parse_accept(accept):
        if content_type == ANY:
            content_type = DEFAULT_ACCEPT
        encoder = _ENCODERS.get(content_type)
        if encoder is not None:
            return encoder(prediction), content_type
    raise UnsupportedFormatError(accept)
