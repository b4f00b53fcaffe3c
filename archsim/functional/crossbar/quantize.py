"""DAC/ADC quantisation and signed few-bit quantisation with shared power-of-two scales (numba)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

ROUND_NEAREST, ROUND_STOCHASTIC, ROUND_TRUNCATE, ROUND_DEADZONE = 0, 1, 2, 3
ROUNDING_CODES = {"nearest": ROUND_NEAREST, "stochastic": ROUND_STOCHASTIC, "truncate": ROUND_TRUNCATE,
                  "deadzone": ROUND_DEADZONE}


@njit(cache=True)
def max_abs(x):
    m = 0.0
    for i in range(x.size):
        m = max(m, abs(x[i]))
    return m


@njit(cache=True)
def dac_normalise(x, bits, out):
    """Scale x by its max |x| to [-1, 1] and (bits > 0) round to 2^(bits-1)-1 signed levels.

    Returns the scale s (x ≈ s·out), the per-vector gain the digital unit re-applies after the ADC.
    """
    s = max_abs(x)
    if s == 0.0:
        out[:] = 0.0
        return 1.0
    levels = 2.0 ** (bits - 1) - 1.0
    for i in range(x.size):
        v = x[i] / s
        out[i] = np.rint(v * levels) / levels if bits > 0 else v
    return s


@njit(cache=True)
def adc_quantise(y, bits, range_):
    """Clip y to ±range_ and (bits > 0) round to 2^(bits-1)-1 signed levels per side, in place."""
    if bits <= 0:
        return
    levels = 2.0 ** (bits - 1) - 1.0
    lsb = range_ / levels
    for j in range(y.size):
        y[j] = min(max(np.rint(y[j] / lsb), -levels), levels) * lsb


@njit(cache=True)
def pow2_scale(m, bits, shift):
    """Shared power-of-two scale of a vector with max |v| = m: 2^(ceil(log2(m / qmax)) − shift).

    shift 0: the smallest power of two at which the largest entry fits (|v|/scale ≤ qmax, nothing
    saturates); shift k > 0 makes the scale 2^k times finer, so entries above qmax·scale saturate at
    ±qmax; k < 0 makes it 2^|k| times coarser (fewer, larger non-zero levels).
    """
    qmax = 2.0 ** (bits - 1) - 1.0
    return 2.0 ** (math.ceil(math.log2(m / qmax)) - shift)


@njit(cache=True)
def pow2_quantise(v, bits, rounding, out, shift=0):
    """Signed `bits`-bit quantisation with one shared power-of-two scale (so scaling is a bit shift).

    scale = pow2_scale(max|v|, bits, shift); out = clip(round(v/scale), ±qmax), qmax = 2^(bits-1)-1,
    with `rounding` ROUND_NEAREST (rint), ROUND_STOCHASTIC (floor(v/scale + U[0,1)), unbiased below
    saturation), ROUND_TRUNCATE (towards zero: what dropping the low bits of a sign-magnitude
    number after the shift gives) or ROUND_DEADZONE (to nearest, but entries below one step,
    |v| < scale, become zero: truncation's zeros with nearest rounding of what is kept). Returns
    scale (v ≈ scale·out). bits <= 0 copies v with scale 1.
    """
    if bits <= 0:
        out[:] = v
        return 1.0
    qmax = 2.0 ** (bits - 1) - 1.0
    m = max_abs(v)
    if m == 0.0:
        out[:] = 0.0
        return 1.0
    scale = pow2_scale(m, bits, shift)
    for i in range(v.size):
        t = v[i] / scale
        if rounding == ROUND_STOCHASTIC:
            r = math.floor(t + np.random.random())
        elif rounding == ROUND_TRUNCATE:
            r = math.trunc(t)
        elif rounding == ROUND_DEADZONE:
            r = np.rint(t) if abs(t) >= 1.0 else 0.0
        else:
            r = np.rint(t)
        out[i] = min(max(r, -qmax), qmax)
    return scale
