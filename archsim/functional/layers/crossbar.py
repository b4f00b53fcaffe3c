"""Crossbar tiling: a weight matrix larger than one array is split over arrays of `array_rows` ×
`array_cols`; each array computes a partial MVM and the digital unit accumulates the partial sums."""

from __future__ import annotations

import numpy as np

from archsim.config.tiling import TileGrid


def crossbar_mvm(x: np.ndarray, matrix: np.ndarray, has_bias: bool, array_rows: int | None = None) -> np.ndarray:
    """y = [x, 1]·matrix (bias row last when `has_bias`), computed per row tile and accumulated.

    `x` is (batch, fan_in); `matrix` is (fan_in + has_bias, cols). With `array_rows=None` the whole
    matrix is one array. Column tiles need no accumulation (they produce disjoint outputs).
    """
    fan_in = matrix.shape[0] - int(has_bias)
    if array_rows is None or matrix.shape[0] <= array_rows:
        y = x @ matrix[:fan_in]
        return y + matrix[fan_in] if has_bias else y
    y = None
    for rows in TileGrid(matrix.shape[0], matrix.shape[1], array_rows, 1).row_slices():
        stop = min(rows.stop, fan_in)
        part = x[:, rows.start:stop] @ matrix[rows.start:stop] if stop > rows.start else 0.0
        if rows.stop > fan_in:  # this tile holds the bias row (input fixed at 1)
            part = part + matrix[fan_in]
        y = part if y is None else y + part
    return y
