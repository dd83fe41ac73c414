"""Baseline-corrected neighbourhood models, item-item and user-user.

r_ui = b_ui + sum_j s_ij (r_uj - b_uj) / (sum_j |s_ij| + lambda), over the neighbours j of i that
u rated (Koren, "Factor in the Neighbors", TKDD 2010, section 2.2). s_ij is the Pearson
correlation of the baseline residuals, shrunk by n_ij / (n_ij + shrinkage) for n_ij co-raters.
Each item keeps a fixed set of its `neighbours` most similar items, so scoring all pairs is two
matrix products; the lambda in the denominator damps predictions resting on few neighbours.
"""

from __future__ import annotations

import numpy as np

from sagegate.models.movielens.matrix import Matrix


def shrunk_similarity(residual: Matrix, mask: Matrix, shrinkage: float, neighbours: int) -> Matrix:
    """Column-column similarity of `residual` (rows = raters), pruned to each column's top
    `neighbours` entries; the diagonal is zero."""
    products = residual.T @ residual
    # Pearson on co-rated rows only: each side's sum of squares is restricted to common raters.
    squares = (residual * residual).T @ mask
    norm = np.sqrt(squares * squares.T) + np.float32(1e-9)
    corated = np.maximum(mask.T @ mask - 1.0, 0.0)
    similarity = (products / norm) * (corated / (corated + np.float32(shrinkage)))
    np.fill_diagonal(similarity, 0.0)
    if 0 < neighbours < similarity.shape[1]:
        threshold = -np.partition(-similarity, neighbours, axis=1)[:, neighbours]
        similarity = np.where(similarity > threshold[:, None], similarity, 0.0)
    out: Matrix = similarity.astype(np.float32)
    return out


def predict_item_based(
    baseline: Matrix,
    residual: Matrix,
    mask: Matrix,
    *,
    shrinkage: float,
    neighbours: int,
    denominator_reg: float,
) -> Matrix:
    """Item-item prediction for every (user, movie); `residual` is zero where unrated."""
    similarity = shrunk_similarity(residual, mask, shrinkage, neighbours)
    weight = mask @ np.abs(similarity).T + np.float32(denominator_reg)
    out: Matrix = (baseline + (residual @ similarity.T) / weight).astype(np.float32)
    return out


def predict_user_based(
    baseline: Matrix,
    residual: Matrix,
    mask: Matrix,
    *,
    shrinkage: float,
    neighbours: int,
    denominator_reg: float,
) -> Matrix:
    """User-user prediction for every (user, movie): the item-based model on the transpose."""
    transposed = predict_item_based(
        np.ascontiguousarray(baseline.T),
        np.ascontiguousarray(residual.T),
        np.ascontiguousarray(mask.T),
        shrinkage=shrinkage,
        neighbours=neighbours,
        denominator_reg=denominator_reg,
    )
    return np.ascontiguousarray(transposed.T)
