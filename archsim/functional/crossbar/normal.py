"""Fast standard normals inside numba kernels, for the read noise of crossbar MVMs.

A CNN training image needs ~40,000 read-noise draws (one per MVM output, per conv position); NumPy's
generator costs ~8 ns per draw here and numba's np.random ~20 ns, more than the matrix products
themselves. This module draws them inline at ~3 ns: xoshiro256** (Blackman & Vigna 2018, 64-bit,
passes BigCrush) feeds Marsaglia & Tsang's ziggurat (J. Stat. Softw. 5(8), 2000) in Doornik's
ZIGNOR form (2005: 128 layers; the layer index and the value use disjoint bits of one draw, which
removes the correlation flaw of the original). tests/functional/test_normal.py checks moments, tails
and the distribution (Kolmogorov–Smirnov) against the normal law.

A stream's state is 4 uint64 words, seeded through NumPy's SeedSequence, so every epoch's draws are
a function of (seed, epoch, purpose) and resumed runs stay bit-identical.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

ZIG_LAYERS = 128
ZIG_R = 3.442619855899
ZIG_V = 9.91256303526217e-3


def _tables() -> tuple[np.ndarray, np.ndarray]:
    x = np.zeros(ZIG_LAYERS + 1)
    f = math.exp(-0.5 * ZIG_R * ZIG_R)
    x[0], x[1] = ZIG_V / f, ZIG_R
    for i in range(2, ZIG_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


ZIG_X, ZIG_RATIO = _tables()


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def _step(s0, s1, s2, s3):
    """xoshiro256** on a state held in four scalars (registers, not memory): (64 random bits, new state)."""
    result = _rotl(s1 * uint64(5), 7) * uint64(9)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(inline="always")
def next_u64(s):
    """xoshiro256**: advance state s (4 uint64) and return 64 random bits."""
    result, s[0], s[1], s[2], s[3] = _step(s[0], s[1], s[2], s[3])
    return result


@njit(inline="always")
def _layer(b):
    """Ziggurat layer index i and value u ∈ (−1, 1) from 64 random bits."""
    return np.int64(b & uint64(127)), 2.0 * (np.float64(b >> uint64(11)) * (1.0 / 9007199254740992.0)) - 1.0


@njit(inline="always")
def uniform(s):
    """Uniform in [0, 1) with 53 random bits."""
    return np.float64(next_u64(s) >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def slow_path(s, i, u, X, RT):
    """The ziggurat's rare branches (≈ 3 % of draws): tail of the base strip, wedges, retries."""
    while True:
        if i == 0:
            while True:
                x = math.log(1.0 - uniform(s)) / ZIG_R
                y = math.log(1.0 - uniform(s))
                if -2.0 * y >= x * x:
                    break
            return x - ZIG_R if u < 0 else ZIG_R - x
        x = u * X[i]
        f0 = math.exp(-0.5 * (X[i] * X[i] - x * x))
        f1 = math.exp(-0.5 * (X[i + 1] * X[i + 1] - x * x))
        if f1 + uniform(s) * (f0 - f1) < 1.0:
            return x
        i, u = _layer(next_u64(s))
        if abs(u) < RT[i]:
            return u * X[i]


@njit(cache=True)
def fill_normal(s, out, X, RT):
    """out[:] = independent standard normals (flat view): one ziggurat draw each (slow_path for the rare
    branches), the state kept in registers on the fast path (≈ 97 % of draws), written back around the slow one."""
    o = out.ravel()
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for k in range(o.size):
        b, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
        i, u = _layer(b)
        if abs(u) < RT[i]:
            o[k] = u * X[i]
        else:
            s[0], s[1], s[2], s[3] = s0, s1, s2, s3
            o[k] = slow_path(s, i, u, X, RT)
            s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3


class NoiseStream:
    """A seedable stream of standard normals for numba kernels (state: 4 uint64 words)."""

    def __init__(self, seed) -> None:
        self.state = np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64)
        if not self.state.any():  # the all-zero state is the one fixed point of xoshiro
            self.state[0] = 1

    def standard_normal(self, shape, dtype=np.float64) -> np.ndarray:
        out = np.empty(shape, dtype=dtype)
        fill_normal(self.state, out, ZIG_X, ZIG_RATIO)
        return out
