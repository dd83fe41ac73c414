"""SageMaker inference script of the default ``movie-ratings`` endpoint.

A rating predictor trained on MovieLens 100K (F. Maxwell Harper and Joseph A. Konstan. 2015.
The MovieLens Datasets: History and Context. ACM TiiS 5, 4), speaking Object2Vec's formats:
``{"instances": [{"in0": [user], "in1": [movie]}]}`` -> ``{"predictions": [{"scores": [r]}]}``.
The hooks are implemented in ``sagegate.models.movielens.serving``.
"""

from sagegate.models.movielens.serving import input_fn, model_fn, output_fn, predict_fn

__all__ = ["SAGEGATE_INLINE_MAX_BYTES", "input_fn", "model_fn", "output_fn", "predict_fn"]

# sagegate predicts bodies up to this size on the event loop rather than a prediction thread
# (SageMaker ignores it). Measured here: the hooks answer a 3-item request in ~7 µs and a
# 13 KiB one (400 pairs) in ~0.3 ms; on a prediction thread such a request would hold the
# GIL, and with it the event loop, just as long.
SAGEGATE_INLINE_MAX_BYTES = 16 * 1024
