"""numba kernels applying one SET or RESET pulse, reading with noise and drifting, for every device kind.

A device model is passed to kernels as (kind, params, tables) so one compiled kernel serves all
kinds. Params layout is the P_* index constants below; tables are the jump-table arrays
(empty for other kinds).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

KIND_GRADUAL_SET = 0
KIND_JUMP_TABLE = 1
KIND_IDEAL = 2

# common parameters
P_G_MIN, P_G_MAX, P_G_RESET, P_G_RESET_STD, P_NOISE_SLOPE, P_NOISE_OFFSET_US, P_T0_S, P_NU_MEAN, P_NU_STD = range(9)
# gradual SET: dG ~ N(m1 G + c1 + A1 exp(-n/alpha), m2 G + c2 + A2 exp(-n/alpha))
P_ALPHA, P_M1, P_C1, P_A1, P_M2, P_C2, P_A2 = range(9, 16)
# ideal linear device: SET adds step, RESET (one-device depression) subtracts it
P_STEP_US = 9
N_PARAMS = 16


@njit(cache=True)
def gradual_set_moments(g, n, P):
    """Mean and std (µS) of the conductance change of the next SET pulse at state g after n pulses."""
    decay = math.exp(-n / P[P_ALPHA])
    mean = P[P_M1] * g + P[P_C1] + P[P_A1] * decay
    std = P[P_M2] * g + P[P_C2] + P[P_A2] * decay
    return mean, max(std, 0.0)


@njit(cache=True)
def sample_table(cdf_row, dg_grid, r):
    """Inverse-CDF sample: the ΔG where the (piecewise-linear) CDF row reaches r."""
    k = np.searchsorted(cdf_row, r)
    if k <= 0:
        return dg_grid[0]
    if k >= dg_grid.size:
        return dg_grid[-1]
    lo, hi = cdf_row[k - 1], cdf_row[k]
    frac = (r - lo) / (hi - lo) if hi > lo else 1.0
    return dg_grid[k - 1] + frac * (dg_grid[k] - dg_grid[k - 1])


@njit(cache=True)
def table_bin(g, g_edges):
    """Index of the conductance bin holding g (clamped to the table)."""
    b = np.searchsorted(g_edges, g, side="right") - 1
    return min(max(b, 0), g_edges.size - 2)


@njit(cache=True)
def clip_g(g, P):
    return min(max(g, P[P_G_MIN]), P[P_G_MAX])


@njit(cache=True)
def set_pulse(kind, P, g_edges, dg_grid, set_cdf, g, n):
    """Conductance after one SET (potentiating) pulse at state g, n pulses since the last RESET."""
    if kind == KIND_GRADUAL_SET:
        mean, std = gradual_set_moments(g, n, P)
        return clip_g(g + mean + std * np.random.standard_normal(), P)
    if kind == KIND_JUMP_TABLE:
        b = table_bin(g, g_edges)
        return clip_g(g + sample_table(set_cdf[b], dg_grid, np.random.random()), P)
    return clip_g(g + P[P_STEP_US], P)


@njit(cache=True)
def reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, g):
    """Conductance after one RESET (depressing) pulse.

    Gradual SET: abrupt RESET to g_reset ± spread. Jump table: ΔG from the RESET table row.
    Ideal: one linear step down.
    """
    if kind == KIND_GRADUAL_SET:
        return clip_g(P[P_G_RESET] + P[P_G_RESET_STD] * np.random.standard_normal(), P)
    if kind == KIND_JUMP_TABLE:
        b = table_bin(g, g_edges)
        return clip_g(g + sample_table(reset_cdf[b], dg_grid, np.random.random()), P)
    return clip_g(g - P[P_STEP_US], P)


@njit(cache=True)
def set_pulses(kind, P, g_edges, dg_grid, set_cdf, g, n, count):
    """Conductance after `count` SET pulses from state (g, n); the count since RESET becomes n + count."""
    for k in range(count):
        g = set_pulse(kind, P, g_edges, dg_grid, set_cdf, g, n + k)
    return g


@njit(cache=True)
def reset_pulses(kind, P, g_edges, dg_grid, reset_cdf, g, count):
    """Conductance after `count` RESET (depressing) pulses."""
    for _ in range(count):
        g = reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, g)
    return g


@njit(cache=True)
def full_reset(kind, P, g):
    """RESET to the low-conductance state (used by refresh); the ideal device goes to g_reset exactly."""
    if kind == KIND_IDEAL:
        return P[P_G_RESET]
    return clip_g(P[P_G_RESET] + P[P_G_RESET_STD] * np.random.standard_normal(), P)


@njit(cache=True)
def read_noise_std(g, P):
    """Std (µS) of one read of a device at conductance g: slope·g + offset."""
    return P[P_NOISE_SLOPE] * g + P[P_NOISE_OFFSET_US]


@njit(cache=True)
def drifted(g, nu, t_since_pulse_s, P):
    """Mean read conductance t seconds after the last pulse: g·(t/t0)^-ν for t > t0, else g."""
    t0 = P[P_T0_S]
    if t_since_pulse_s <= t0:
        return g
    return g * (t_since_pulse_s / t0) ** (-nu)


@njit(cache=True)
def sample_steps(kind, P, g_edges, dg_grid, set_cdf, reset_cdf, g, n, count, reset, seed):
    """`count` independent ΔG samples of one SET (or RESET if `reset`) pulse from state (g, n);
    for characterising a device model (tests, plots)."""
    np.random.seed(seed)
    out = np.empty(count)
    for k in range(count):
        if reset:
            out[k] = reset_pulse(kind, P, g_edges, dg_grid, reset_cdf, g) - g
        else:
            out[k] = set_pulse(kind, P, g_edges, dg_grid, set_cdf, g, n) - g
    return out
