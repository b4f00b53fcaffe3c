"""Forward (rows → columns) and backward (columns → rows) MVM on one differential-pair crossbar.

W = β·(G⁺ − G⁻) with G in µS. Read-noise model per MVM: every device read is independent
Gaussian, G_read = G + N(0, σ(G)²) with σ(G) = slope·G + offset (tech/pcm_*.yaml). A column
current Σ_i x_i (G⁺_ij − G⁻_ij + noise) is then exactly Gaussian with mean Σ_i x_i (G⁺−G⁻) and
variance Σ_i x_i² (σ(G⁺_ij)² + σ(G⁻_ij)²), so the kernel draws ONE normal per output instead of
one per device; tests/functional/test_crossbar.py checks mean and std against a per-device
simulation. Inputs arrive DAC-normalised; outputs are in µS·(normalised input) before the ADC.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, fastmath=True)
def forward_mvm(x, gp, gm, slope, offset_us, noisy, y, var):
    """y_j = Σ_i x_i (G⁺_ij − G⁻_ij) (+ read noise); rows with x_i = 0 are skipped."""
    rows, cols = gp.shape
    y[:] = 0.0
    var[:] = 0.0
    for i in range(rows):
        xi = x[i]
        if xi == 0.0:
            continue
        a_row = gp[i]
        b_row = gm[i]
        for j in range(cols):
            y[j] += xi * (a_row[j] - b_row[j])
        if noisy:
            x2 = xi * xi
            for j in range(cols):
                sa = slope * a_row[j] + offset_us
                sb = slope * b_row[j] + offset_us
                var[j] += x2 * (sa * sa + sb * sb)
    if noisy:
        for j in range(cols):
            y[j] += math.sqrt(var[j]) * np.random.standard_normal()


@njit(cache=True, fastmath=True)
def backward_mvm(d, gp, gm, slope, offset_us, noisy, e):
    """e_i = Σ_j d_j (G⁺_ij − G⁻_ij) (+ read noise): the transposed read of the same devices."""
    rows, cols = gp.shape
    for i in range(rows):
        acc = 0.0
        var = 0.0
        a_row = gp[i]
        b_row = gm[i]
        for j in range(cols):
            dj = d[j]
            acc += dj * (a_row[j] - b_row[j])
            if noisy:
                sa = slope * a_row[j] + offset_us
                sb = slope * b_row[j] + offset_us
                var += dj * dj * (sa * sa + sb * sb)
        if noisy:
            acc += math.sqrt(var) * np.random.standard_normal()
        e[i] = acc
