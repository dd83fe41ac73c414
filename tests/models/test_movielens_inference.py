"""The packaged inference script: Object2Vec formats, Accept, fallback and errors."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import orjson
import pytest

from sagegate.models.movielens import default_model_dir
from sagegate.models.movielens.codec import MAX_INSTANCES
from sagegate.models.movielens.predictor import RatingModel
from sagegate.models.movielens.serving import input_fn, output_fn, predict_fn

BLOG_BODY = b"""{
    "instances": [
    {"in0": [321], "in1": [101]},
    {"in0": [321], "in1": [131]},
    {"in0": [321], "in1": [162]}
    ]
}"""


def load_script() -> ModuleType:
    """Import code/inference.py as the endpoint does: by file path, not as a package module."""
    path = default_model_dir() / "code" / "inference.py"
    spec = importlib.util.spec_from_file_location("movie_ratings_inference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invoke(
    model: RatingModel, body: bytes | str, content_type: str | None, accept: str | None = None
) -> tuple[bytes, str]:
    return output_fn(predict_fn(input_fn(body, content_type), model), accept)


def tiny_model() -> RatingModel:
    return RatingModel(
        user_ids=np.array([1, 2], dtype=np.int64),
        item_ids=np.array([10, 20], dtype=np.int64),
        scores=np.array([[4.5, 2.0], [3.25, 5.0]], dtype=np.float32),
        global_mean=3.5,
        user_bias=np.array([0.5, -0.25], dtype=np.float32),
        item_bias=np.array([1.25, -3.0], dtype=np.float32),
    )


def test_default_model_dir_is_a_sagemaker_model_dir() -> None:
    directory = default_model_dir()
    assert (directory / "code" / "inference.py").is_file()
    script = load_script()
    for hook in ("model_fn", "input_fn", "predict_fn", "output_fn"):
        assert callable(getattr(script, hook))


def test_model_fn_trains_then_serves_the_blog_request(cache_dir: Path) -> None:
    script = load_script()
    model = script.model_fn(str(default_model_dir()))
    assert any(cache_dir.glob("movielens-100k-*.npz"))
    body, content_type = script.output_fn(
        script.predict_fn(script.input_fn(BLOG_BODY, "application/json"), model),
        "application/json",
    )
    assert content_type == "application/json"
    ratings = [p["scores"][0] for p in orjson.loads(body)["predictions"]]
    assert len(ratings) == 3
    assert all(1.0 <= rating <= 5.0 for rating in ratings)
    assert ratings == pytest.approx(model.predict([321] * 3, [101, 131, 162]).tolist(), abs=1e-6)


def test_json_in_json_out_with_numeric_strings() -> None:
    body = orjson.dumps({"instances": [{"in0": [1], "in1": [20]}, {"in0": ["2"], "in1": ["10"]}]})
    answer, content_type = invoke(tiny_model(), body, "application/json; charset=utf-8")
    assert content_type == "application/json"
    assert orjson.loads(answer) == {"predictions": [{"scores": [2.0]}, {"scores": [3.25]}]}


def test_jsonlines_in_jsonlines_out() -> None:
    body = '{"in0": [1], "in1": [10]}\n\n{"in0": [2], "in1": [20]}\n'
    answer, content_type = invoke(tiny_model(), body, "application/jsonlines")
    assert content_type == "application/jsonlines"
    assert [orjson.loads(line) for line in answer.splitlines()] == [
        {"scores": [4.5]},
        {"scores": [5.0]},
    ]


@pytest.mark.parametrize(
    ("request_type", "accept", "expected"),
    [
        ("application/json", "application/jsonlines", "application/jsonlines"),
        ("application/jsonlines", "application/json", "application/json"),
        ("application/jsonlines", "*/*", "application/jsonlines"),
        ("application/jsonlines", None, "application/jsonlines"),
        ("application/json", "", "application/json"),
        ("application/json", "text/html, application/jsonlines;q=0.5", "application/jsonlines"),
    ],
)
def test_accept_is_honoured(request_type: str, accept: str | None, expected: str) -> None:
    instance = {"in0": [1], "in1": [10]}
    body = (
        orjson.dumps({"instances": [instance]})
        if request_type == "application/json"
        else orjson.dumps(instance)
    )
    answer, content_type = invoke(tiny_model(), body, request_type, accept)
    assert content_type == expected
    if expected == "application/json":
        assert orjson.loads(answer) == {"predictions": [{"scores": [4.5]}]}
    else:
        assert answer == b'{"scores":[4.5]}\n'


def test_missing_content_type_means_json() -> None:
    answer, content_type = invoke(tiny_model(), b'{"instances": [{"in0": [2], "in1": [20]}]}', None)
    assert (orjson.loads(answer), content_type) == (
        {"predictions": [{"scores": [5.0]}]},
        "application/json",
    )


def test_unknown_ids_get_the_bias_only_fallback_in_range(full_model: RatingModel) -> None:
    body = orjson.dumps(
        {
            "instances": [
                {"in0": [99999], "in1": [50]},
                {"in0": [1], "in1": [99999]},
                {"in0": [0], "in1": [0]},
                {"in0": [-3], "in1": [1]},
            ]
        }
    )
    answer, _ = invoke(full_model, body, "application/json")
    ratings = [p["scores"][0] for p in orjson.loads(answer)["predictions"]]
    movie_50 = int(np.searchsorted(full_model.item_ids, 50))
    expected_first = full_model.global_mean + float(full_model.item_bias[movie_50])
    assert ratings[0] == pytest.approx(min(5.0, expected_first), abs=1e-5)
    assert ratings[1] == pytest.approx(
        full_model.global_mean + float(full_model.user_bias[0]), abs=1e-5
    )
    assert ratings[2] == pytest.approx(full_model.global_mean, abs=1e-5)
    assert all(1.0 <= rating <= 5.0 for rating in ratings)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "the body is not valid JSON"),
        (b"[1, 2]", '"instances" list'),
        (b'{"instances": {}}', '"instances" list'),
        (b'{"instances": []}', "instances must not be empty"),
        (b'{"instances": [{"in0": [1]}]}', r"instances\[0\]\.in1 is missing"),
        (b'{"instances": [{"in0": [1], "in1": [2]}, 7]}', r"instances\[1\] must be an object"),
        (
            b'{"instances": [{"in0": [1], "in1": [2]}, {"in0": [1], "in1": [2]}, '
            b'{"in0": [1], "in1": 3}]}',
            r"instances\[2\]\.in1 must be a list with one movie id",
        ),
        (b'{"instances": [{"in0": [], "in1": [2]}]}', r"instances\[0\]\.in0 must be a list"),
        (b'{"instances": [{"in0": [1, 2], "in1": [2]}]}', r"in0 must be a list with one user"),
        (b'{"instances": [{"in0": ["abc"], "in1": [2]}]}', "in0 must be a list with one user"),
        (b'{"instances": [{"in0": [1.5], "in1": [2]}]}', "in0 must be a list with one user"),
        (b'{"instances": [{"in0": [true], "in1": [2]}]}', "in0 must be a list with one user"),
        (b'{"instances": [{"in0": [null], "in1": [2]}]}', "in0 must be a list with one user"),
    ],
)
def test_malformed_json_is_a_400_naming_the_problem(body: bytes, message: str) -> None:
    with pytest.raises(Exception, match=message) as caught:
        input_fn(body, "application/json")
    assert getattr(caught.value, "status_code", None) == 400


def test_malformed_jsonlines_names_the_line() -> None:
    with pytest.raises(Exception, match="line 2 is not valid JSON") as caught:
        input_fn(b'{"in0": [1], "in1": [2]}\n{oops\n', "application/jsonlines")
    assert getattr(caught.value, "status_code", None) == 400
    with pytest.raises(Exception, match="lines must not be empty") as caught:
        input_fn(b"\n\n", "application/jsonlines")
    assert getattr(caught.value, "status_code", None) == 400


def test_too_many_instances_is_a_400() -> None:
    instances = [{"in0": [1], "in1": [10]}] * (MAX_INSTANCES + 1)
    with pytest.raises(Exception, match=f"at most {MAX_INSTANCES}") as caught:
        input_fn(orjson.dumps({"instances": instances}), "application/json")
    assert getattr(caught.value, "status_code", None) == 400


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-npy", "text/plain"])
def test_unsupported_content_type_is_a_415(content_type: str) -> None:
    with pytest.raises(Exception, match="not supported") as caught:
        input_fn(b"1,2", content_type)
    assert getattr(caught.value, "status_code", None) == 415


def test_unsupported_accept_is_a_415() -> None:
    scored = predict_fn(input_fn(BLOG_BODY, "application/json"), tiny_model())
    with pytest.raises(Exception, match="Accept 'text/csv' is not supported") as caught:
        output_fn(scored, "text/csv")
    assert getattr(caught.value, "status_code", None) == 415


def best_of(repeats: int, run: object) -> float:
    assert callable(run)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def test_batch_scoring_exceeds_a_million_pairs_per_second(full_model: RatingModel) -> None:
    rng = np.random.default_rng(0)
    users = rng.integers(1, 944, 1_000_000)
    items = rng.integers(1, 1683, 1_000_000)
    seconds = best_of(5, lambda: full_model.predict(users, items))
    assert 1_000_000 / seconds > 1_000_000


def test_a_three_item_request_costs_under_100_microseconds(full_model: RatingModel) -> None:
    def request() -> None:
        for _ in range(100):
            output_fn(predict_fn(input_fn(BLOG_BODY, "application/json"), full_model), None)

    assert best_of(5, request) / 100 < 100e-6
