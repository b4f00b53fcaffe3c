"""Drift compensation: global (one output scale per layer from a calibration read) and batch-norm
statistics re-estimation on a small calibration set."""

from __future__ import annotations

import numpy as np

from archsim.functional.layers.crossbar import crossbar_mvm


def calibration_readout(matrix: np.ndarray, has_bias: bool, array_rows: int | None = None) -> float:
    """Mean |column current| for an all-ones input on every row (bias row included)."""
    ones = np.ones((1, matrix.shape[0] - int(has_bias)), dtype=matrix.dtype)
    return float(np.abs(crossbar_mvm(ones, matrix, has_bias, array_rows)).mean())


def global_drift_scale(reference_readout: float, matrix_now: np.ndarray, has_bias: bool,
                       array_rows: int | None = None) -> float:
    """Scale restoring the layer's summed column current to its value at t0."""
    now = calibration_readout(matrix_now, has_bias, array_rows)
    return reference_readout / max(now, 1e-12)


def reestimate_batchnorm(model, x_calibration: np.ndarray, batch_size: int = 500) -> None:
    """Replace every BN layer's running statistics by those measured on `x_calibration` with the
    network as it is now (e.g. drifted weights)."""
    bns = model.batchnorms
    for bn in bns:
        bn.start_reestimation()
    for i in range(0, len(x_calibration), batch_size):
        model.forward(x_calibration[i:i + batch_size])
    for bn in bns:
        bn.finish_reestimation()


def batchnorm_state(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """Copies of every BN layer's running statistics (to restore after re-estimation)."""
    return [(bn.running_mean.copy(), bn.running_var.copy()) for bn in model.batchnorms]


def restore_batchnorm(model, state) -> None:
    for bn, (mean, var) in zip(model.batchnorms, state):
        bn.running_mean[:] = mean
        bn.running_var[:] = var
