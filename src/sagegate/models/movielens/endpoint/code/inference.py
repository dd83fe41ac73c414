"""SageMaker inference script of the default ``movie-ratings`` endpoint.

A rating predictor trained on MovieLens 100K (F. Maxwell Harper and Joseph A. Konstan. 2015.
The MovieLens Datasets: History and Context. ACM TiiS 5, 4), speaking Object2Vec's formats:
``{"instances": [{"in0": [user], "in1": [movie]}]}`` -> ``{"predictions": [{"scores": [r]}]}``.
The hooks are implemented in ``sagegate.models.movielens.serving``.
"""

from sagegate.models.movielens.serving import input_fn, model_fn, output_fn, predict_fn

__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]
