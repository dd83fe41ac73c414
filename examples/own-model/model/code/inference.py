"""A SageMaker inference script, as SageMaker's framework containers (and sagegate) load it.

JSON in:  {"instances": [{"features": [x]}, ...]}
JSON out: {"predictions": [score, ...]}, one score in (0, 1) per instance.

The model is a logistic curve whose weight and bias are the model artifact, `model.json`,
beside `code/` in the model directory (on SageMaker: inside model.tar.gz).
"""

import json
import math
from pathlib import Path
from typing import Any

Model = dict[str, float]

JSON = "application/json"


class UnsupportedContentType(ValueError):
    """A request that is not JSON: the container answers 415, SageMaker a ModelError."""

    status_code = 415


def model_fn(model_dir: str) -> Model:
    """Load the model once, when the endpoint starts."""
    model: Model = json.loads((Path(model_dir) / "model.json").read_text(encoding="utf-8"))
    return model


def input_fn(body: str | bytes, content_type: str) -> Any:
    """The request as the parsed JSON document.

    Written out on purpose: without it, the toolkit's default input_fn turns a JSON body into
    a numpy array (as SageMaker's own toolkit does), and `data["instances"]` in predict_fn
    then fails with numpy's "only integers, slices ... are valid indices".
    """
    if content_type != JSON:
        raise UnsupportedContentType(f"expected {JSON}, got {content_type}")
    return json.loads(body)


def predict_fn(data: Any, model: Model) -> list[float]:
    """One score per instance."""
    return [_score(instance["features"][0], model) for instance in data["instances"]]


def output_fn(prediction: list[float], accept: str) -> tuple[str, str]:
    """JSON, whatever the Accept header asks for (a script may also honour it)."""
    return json.dumps({"predictions": prediction}), JSON


def _score(x: float, model: Model) -> float:
    return 1 / (1 + math.exp(-(model["weight"] * float(x) + model["bias"])))
