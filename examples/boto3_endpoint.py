"""Call sagegate's local SageMaker Runtime with boto3, as you would call a real endpoint.

In one terminal, from the repository root (the default movie-ratings model on port 8081):

    .venv/bin/sagegate endpoint serve

In another (boto3 is not part of `make serve`: `.venv/bin/pip install boto3` adds it):

    AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\
        .venv/bin/python examples/boto3_endpoint.py

boto3 signs every request, so it needs credentials of some kind; the local runtime ignores
signatures (any values work) unless it runs with `--verify-sigv4` or `--access-key`. boto3
reads the region from AWS_DEFAULT_REGION (not AWS_REGION). The code below is what runs
against AWS; only `endpoint_url` points it here (AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, botocore's
own setting for it, moves it to another port).
"""

import json
import os

import boto3

ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "http://127.0.0.1:8081")

runtime = boto3.client("sagemaker-runtime", endpoint_url=ENDPOINT_URL)
# Object2Vec's request format: user 321's predicted rating of movies 101, 131 and 162.
request = {"instances": [{"in0": [321], "in1": [movie]} for movie in (101, 131, 162)]}
response = runtime.invoke_endpoint(
    EndpointName="movie-ratings",
    ContentType="application/json",
    Accept="application/json",
    Body=json.dumps(request),
)
print(json.dumps(json.loads(response["Body"].read())))
