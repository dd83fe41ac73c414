"""Training quality on the official split, and the predictor's fallback."""

from __future__ import annotations

import numpy as np

from sagegate.models.movielens.evaluate import OBJECT2VEC_MSE, evaluate
from sagegate.models.movielens.predictor import RatingModel


class StepClock:
    """A fake clock: each reading advances by one second, so the measured span is exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_evaluate_beats_object2vec_on_ua_test() -> None:
    steps: list[str] = []
    result = evaluate(on_step=steps.append, clock=StepClock())
    assert result.test_rows == 9_430
    assert result.train_rows == 90_570
    assert result.mse <= 0.87 < OBJECT2VEC_MSE
    assert abs(result.rmse**2 - result.mse) < 1e-12
    assert result.train_seconds == 1.0  # read from the injected clock
    assert steps[0] == "baseline" and steps[-1] == "blend"


def test_full_model_scores_every_pair_in_range(full_model: RatingModel) -> None:
    assert full_model.scores.shape == (943, 1682)
    assert float(full_model.scores.min()) >= 1.0
    assert float(full_model.scores.max()) <= 5.0


def tiny_model() -> RatingModel:
    return RatingModel(
        user_ids=np.array([1, 2], dtype=np.int64),
        item_ids=np.array([10, 20], dtype=np.int64),
        scores=np.array([[4.0, 2.0], [3.0, 5.0]], dtype=np.float32),
        global_mean=3.5,
        user_bias=np.array([0.5, -0.25], dtype=np.float32),
        item_bias=np.array([1.25, -3.0], dtype=np.float32),
    )


def test_known_pairs_read_the_score_table() -> None:
    model = tiny_model()
    assert model.predict([1, 2, 2], [20, 10, 20]).tolist() == [2.0, 3.0, 5.0]


def test_unknown_ids_fall_back_to_the_known_biases_clipped() -> None:
    model = tiny_model()
    predicted = model.predict([1, 99, 99, -5, 2, 2**40], [99, 10, 20, 99, 10, 20])
    expected = [
        3.5 + 0.5,  # known user, unknown movie
        4.75,  # unknown user, known movie
        1.0,  # 3.5 - 3.0 = 0.5, clipped to 1
        3.5,  # neither known: the global mean
        3.0,  # both known: the table
        1.0,  # huge id is unknown: 3.5 - 3.0 clipped
    ]
    assert np.allclose(predicted, expected)
