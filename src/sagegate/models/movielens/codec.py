"""Object2Vec's request and response formats, as the movie-ratings endpoint speaks them.

Request ``application/json``: ``{"instances": [{"in0": [user], "in1": [movie]}, ...]}``;
``application/jsonlines``: one ``{"in0": [user], "in1": [movie]}`` per line. Response
``{"predictions": [{"scores": [rating]}, ...]}`` or one ``{"scores": [rating]}`` per line.
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html
Ids are MovieLens ids, given as integers or numeric strings (the blog's mapping template emits
``[321]``; a client may send ``["321"]``).

Errors carry ``status_code`` so that the endpoint reports them as the model's own 4xx, the way
SageMaker's inference toolkit does, never as a 500: a malformed request is 400, a content type
or Accept we cannot speak is 415.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt
import orjson

JSON = "application/json"
JSONLINES = "application/jsonlines"
SUPPORTED = (JSON, JSONLINES)
# A request may ask for at most this many ratings; SageMaker's 6 MiB body limit allows ~200,000
# instances, far more than a REST call needs, and a bounded batch keeps latency bounded.
MAX_INSTANCES = 50_000
# Ids beyond int64's comfortable range cannot be MovieLens ids. The bound is 2**62 - 1, the
# largest int the compiled build keeps unboxed: comparing with it is a machine comparison
# (2**62 itself would be an object, and each -2**62 a new one).
_MAX_ID: Final = 2**62 - 1

_SIDES = {"in0": "user id", "in1": "movie id"}


class InvalidInputError(ValueError):
    """The request body is not a valid batch of (user, movie) instances."""

    status_code: ClassVar[int] = 400


class UnsupportedMediaTypeError(ValueError):
    """The request's content type, or the Accept it asks for, is not one we speak."""

    status_code: ClassVar[int] = 415


# Its own __init__ (init=False): mypyc compiles it, the generated one would run interpreted.
@dataclass(frozen=True, init=False)
class Batch:
    """Decoded instances: parallel lists of MovieLens user and movie ids.

    Lists rather than arrays: a REST request's few pairs are scored by dict lookups, and
    `RatingModel.predict` makes the arrays a large batch needs (each `np.array` of a short
    list costs ~0.5 µs, as much as scoring three known pairs).
    """

    users: list[int]
    items: list[int]
    content_type: str

    def __init__(self, users: list[int], items: list[int], content_type: str) -> None:
        # Frozen: set as the generated __init__ does.
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "content_type", content_type)


# Its own __init__ (init=False): mypyc compiles it, the generated one would run interpreted.
@dataclass(frozen=True, init=False)
class Scored:
    """Predicted ratings for a batch, and the content type the batch came in."""

    ratings: npt.NDArray[np.float32]
    content_type: str

    def __init__(self, ratings: npt.NDArray[np.float32], content_type: str) -> None:
        # Frozen: set as the generated __init__ does.
        object.__setattr__(self, "ratings", ratings)
        object.__setattr__(self, "content_type", content_type)


def media_type(header: str | None) -> str:
    """The bare media type of a Content-Type header (no parameters; missing = JSON)."""
    if not header:
        return JSON
    return header.split(";", 1)[0].strip().lower() or JSON


def _id(instance: object, side: str, label: str, index: int) -> int:
    if not isinstance(instance, dict):
        raise InvalidInputError(f"{label}[{index}] must be an object with in0 and in1")
    value = instance.get(side)
    if type(value) is list and len(value) == 1:
        item = value[0]
        if type(item) is int:
            return item if -_MAX_ID <= item <= _MAX_ID else -1
        if type(item) is str and item.isascii() and item.isdigit():
            number = int(item)
            return number if number <= _MAX_ID else -1
    if value is None:
        raise InvalidInputError(f"{label}[{index}].{side} is missing")
    raise InvalidInputError(
        f"{label}[{index}].{side} must be a list with one {_SIDES[side]} "
        "(an integer or a numeric string)"
    )


def _decode_instances(instances: list[object], label: str) -> tuple[list[int], list[int]]:
    if not instances:
        raise InvalidInputError(f"{label} must not be empty")
    if len(instances) > MAX_INSTANCES:
        raise InvalidInputError(
            f"{len(instances)} instances in one request; at most {MAX_INSTANCES} are accepted"
        )
    users = []
    items = []
    # The instance's name ("instances[2]") is only formatted for an error message.
    for index, instance in enumerate(instances):
        users.append(_id(instance, "in0", label, index))
        items.append(_id(instance, "in1", label, index))
    return users, items


def _parse(text: bytes | str, what: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InvalidInputError(f"{what} is not valid JSON: {error}") from None


def decode(body: bytes | str, content_type: str | None) -> Batch:
    """Parse a request body into a Batch; raises InvalidInputError / UnsupportedMediaTypeError."""
    kind = media_type(content_type)
    if kind == JSON:
        document = _parse(body, "the body")
        instances = document.get("instances") if isinstance(document, dict) else None
        if not isinstance(instances, list):
            raise InvalidInputError('the body must be a JSON object with an "instances" list')
        users, items = _decode_instances(instances, "instances")
    elif kind == JSONLINES:
        raw = body.encode() if isinstance(body, str) else body
        lines = [line for line in raw.splitlines() if line.strip()]
        parsed = [_parse(line, f"line {number + 1}") for number, line in enumerate(lines)]
        users, items = _decode_instances(parsed, "lines")
    else:
        raise UnsupportedMediaTypeError(
            f"content type {content_type!r} is not supported; use {JSON} or {JSONLINES}"
        )
    return Batch(users, items, kind)


def response_type(accept: str | None, request_type: str) -> str:
    """The media type to answer in: the first supported one in Accept; ``*/*`` or no Accept
    means the request's own type."""
    if not accept:
        return request_type
    for candidate in accept.split(","):
        kind = media_type(candidate)
        if kind in SUPPORTED:
            return kind
        if kind in ("*/*", "application/*"):
            return request_type
    raise UnsupportedMediaTypeError(
        f"Accept {accept!r} is not supported; use {JSON} or {JSONLINES}"
    )


def encode(scored: Scored, accept: str | None) -> tuple[bytes, str]:
    """Serialise ratings as Object2Vec does; returns (body, content type)."""
    kind = response_type(accept, scored.content_type)
    # One orjson call writes every rating in its shortest float32 form (3.52, not
    # 3.5199999809265137); each becomes one {"scores": [r]} of the answer. Measured for 3
    # ratings: 2.0 -> 0.9 µs against serialising one dict per rating.
    ratings = scored.ratings
    if not ratings.flags.c_contiguous:  # orjson serialises contiguous arrays only
        ratings = np.ascontiguousarray(ratings)
    written = orjson.dumps(ratings, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1]
    scores = [b'{"scores":[' + rating + b"]}" for rating in written.split(b",")] if written else []
    if kind == JSON:
        return b'{"predictions":[' + b",".join(scores) + b"]}", kind
    return b"".join([score + b"\n" for score in scores]), kind
