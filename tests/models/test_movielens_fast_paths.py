"""The fast paths: small batches score (and encode) exactly as the vectorised path; decoding
names the first bad instance."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagegate.models.movielens import predictor
from sagegate.models.movielens.codec import InvalidInputError, Scored, decode, encode
from sagegate.models.movielens.predictor import SMALL_BATCH, RatingModel

# Known MovieLens ids, unknown ones (0, gaps past the end), negative and huge ones.
_IDS = st.one_of(
    st.integers(1, 943),
    st.integers(1, 1682),
    st.integers(-5, 2000),
    st.sampled_from([0, -1, 1683, 2**31, 2**62 - 1, -(2**62) + 1]),
)
_PAIRS = st.lists(st.tuples(_IDS, _IDS), max_size=SMALL_BATCH)


def vectorised(
    model: RatingModel, users: list[int], items: list[int], monkeypatch: pytest.MonkeyPatch
) -> np.ndarray:
    with monkeypatch.context() as patch:
        patch.setattr(predictor, "SMALL_BATCH", -1)
        return model.predict(users, items)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=_PAIRS)
def test_small_batches_score_and_encode_exactly_as_the_vectorised_path(
    full_model: RatingModel, monkeypatch: pytest.MonkeyPatch, pairs: list[tuple[int, int]]
) -> None:
    users = [user for user, _ in pairs]
    items = [item for _, item in pairs]
    small = full_model.predict(users, items)
    general = vectorised(full_model, users, items, monkeypatch)
    assert small.dtype == general.dtype == np.float32
    assert small.shape == general.shape == (len(pairs),)
    assert small.tobytes() == general.tobytes()
    for accept in ("application/json", "application/jsonlines"):
        assert encode(Scored(small, "application/json"), accept) == encode(
            Scored(general, "application/json"), accept
        )


def test_known_small_batches_take_the_small_path(full_model: RatingModel) -> None:
    ratings = full_model._predict_known([321, 321, 321], [101, 131, 162])
    assert ratings is not None
    assert (
        ratings.tolist()
        == full_model.scores[
            np.searchsorted(full_model.user_ids, 321),
            np.searchsorted(full_model.item_ids, [101, 131, 162]),
        ].tolist()
    )
    assert orjson.loads(encode(Scored(ratings, "application/json"), None)[0])["predictions"]


def test_an_unknown_id_sends_the_batch_to_the_fallback(full_model: RatingModel) -> None:
    assert full_model._predict_known([321, 99999], [101, 101]) is None
    assert full_model._predict_known([321], [0]) is None
    assert full_model.predict([321, 99999], [101, 101])[1] == full_model.predict([99999], [101])[0]


@pytest.mark.parametrize(
    ("users", "items"),
    [
        ([], []),  # empty
        (321, 101),  # scalars
        ([321, 322, 323], [101]),  # broadcasting
        ([[321, 322]], [[101, 131]]),  # two-dimensional
        (np.array([321, 322], dtype=np.int32), np.array([101, 131], dtype=np.uint16)),
        (["321", "322"], ["101", "131"]),  # numeric strings, as numpy converts them
    ],
)
def test_other_shapes_and_dtypes_answer_as_the_vectorised_path(
    full_model: RatingModel, monkeypatch: pytest.MonkeyPatch, users: object, items: object
) -> None:
    small = full_model.predict(users, items)  # type: ignore[arg-type]
    general = vectorised(full_model, users, items, monkeypatch)  # type: ignore[arg-type]
    assert small.dtype == general.dtype
    assert small.shape == general.shape
    assert small.tobytes() == general.tobytes()


def test_tiny_model_small_and_vectorised_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    model = RatingModel(
        user_ids=np.array([1, 2], dtype=np.int64),
        item_ids=np.array([10, 20], dtype=np.int64),
        scores=np.array([[4.5, 2.0], [3.25, 5.0]], dtype=np.float32),
        global_mean=3.5,
        user_bias=np.array([0.5, -0.25], dtype=np.float32),
        item_bias=np.array([1.25, -3.0], dtype=np.float32),
    )
    users, items = [1, 2, 2, 1, 3], [10, 20, 10, 21, 10]
    assert (
        model.predict(users, items).tobytes()
        == vectorised(model, users, items, monkeypatch).tobytes()
    )
    # Movie 21 is unknown: global mean + user 1's bias.
    assert model.predict(users[:4], items[:4]).tolist() == [4.5, 5.0, 3.25, 4.0]


@pytest.mark.parametrize(
    ("instances", "message"),
    [
        ([{"in0": [1], "in1": "x"}, {"in0": "y", "in1": [2]}], r"^instances\[0\]\.in1 must be"),
        ([{"in0": [1], "in1": [2]}, 5, {"in0": "y"}], r"^instances\[1\] must be an object"),
        ([{"in0": [1], "in1": [2]}, {"in1": [2]}], r"^instances\[1\]\.in0 is missing$"),
    ],
)
def test_decode_reports_the_first_bad_instance_by_name(
    instances: list[object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        decode(orjson.dumps({"instances": instances}), "application/json")


def _encode_one_dict_per_rating(ratings: np.ndarray, accept: str) -> bytes:
    """The reference: one {"scores": [r]} serialised per numpy scalar."""
    options = orjson.OPT_SERIALIZE_NUMPY
    if accept == "application/json":
        return orjson.dumps({"predictions": [{"scores": [r]} for r in ratings]}, option=options)
    return b"".join(orjson.dumps({"scores": [r]}, option=options) + b"\n" for r in ratings)


@settings(max_examples=300)
@given(
    ratings=st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), max_size=40),
    strided=st.booleans(),
)
def test_encode_writes_each_rating_as_serialising_it_alone_would(
    ratings: list[float], strided: bool
) -> None:
    array = np.array(ratings, dtype=np.float32)
    if strided:  # a non-contiguous view, as fancy slicing can hand over
        array = np.repeat(array, 2)[::2]
    for accept in ("application/json", "application/jsonlines"):
        body, kind = encode(Scored(array, "application/json"), accept)
        assert kind == accept
        assert body == _encode_one_dict_per_rating(array, accept)


def test_decoded_batches_are_scored_by_the_small_path(full_model: RatingModel) -> None:
    batch = decode(b'{"instances": [{"in0": ["321"], "in1": [101]}]}', "application/json")
    assert (batch.users, batch.items) == ([321], [101])
    assert full_model.predict(batch.users, batch.items).tobytes() == (
        full_model._predict_known([321], [101]).tobytes()  # type: ignore[union-attr]
    )
