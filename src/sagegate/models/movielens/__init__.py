"""The default ``movie-ratings`` model: a rating predictor trained on MovieLens 100K.

Data: F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and
Context. ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19.
https://doi.org/10.1145/2827872 — courtesy of GroupLens, University of Minnesota. The data is
read from the ``recbole`` wheel and never redistributed; the model is trained at first use and
cached under the user's cache directory.

It answers in the formats of Amazon SageMaker's Object2Vec, which the AWS blog post "Creating a
machine learning-powered REST API with Amazon API Gateway mapping templates and Amazon
SageMaker" puts behind API Gateway:
https://docs.aws.amazon.com/sagemaker/latest/dg/object2vec-inference-formats.html
"""

from __future__ import annotations

from pathlib import Path

GROUPLENS_CREDIT = (
    "MovieLens 100K courtesy of GroupLens: F. Maxwell Harper and Joseph A. Konstan. 2015. "
    "The MovieLens Datasets: History and Context. ACM TiiS 5, 4. "
    "https://doi.org/10.1145/2827872"
)


def default_model_dir() -> Path:
    """The SageMaker model directory of the default model (``code/inference.py`` inside)."""
    return Path(__file__).resolve().parent / "endpoint"
