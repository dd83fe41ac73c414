"""The default movie-ratings model through boto3, with the blog's request body."""

from __future__ import annotations

import json
from typing import Any

from sagegate.models.movielens import default_model_dir


def test_the_blog_request_gets_three_ratings(serve_models: Any, client_for: Any) -> None:
    body = {"instances": [{"in0": ["321"], "in1": [item]} for item in ("101", "131", "162")]}
    # The first start trains the model (a few seconds) unless it is cached.
    with serve_models({"movie-ratings": default_model_dir()}, wait_seconds=60) as (url, _):
        response = client_for(url).invoke_endpoint(
            EndpointName="movie-ratings",
            Body=json.dumps(body),
            ContentType="application/json",
            Accept="application/json",
        )
        answer = json.loads(response["Body"].read())
    ratings = [prediction["scores"][0] for prediction in answer["predictions"]]
    assert len(ratings) == 3
    assert all(1.0 <= rating <= 5.0 for rating in ratings)
