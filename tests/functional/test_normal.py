"""The inline Gaussian generator of crossbar read noise (crossbar/normal.py) draws standard normals."""

import math

import numpy as np

from archsim.functional.crossbar.normal import NoiseStream


def test_moments_tails_and_distribution_are_standard_normal():
    z = NoiseStream(7).standard_normal(2_000_000)
    n = z.size
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.std() - 1) < 5 * math.sqrt(0.5 / n)
    assert abs((z ** 3).mean()) < 5 * math.sqrt(15 / n)
    assert abs((z ** 4).mean() - 3) < 5 * math.sqrt(96 / n)
    for t in (1.0, 2.0, 3.0, 3.5, 4.0):  # tails, including the ziggurat's base strip beyond R = 3.44
        p = math.erfc(t / math.sqrt(2))
        assert abs(np.mean(np.abs(z) > t) - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-6
    s = np.sort(z[:200_000])
    cdf = 0.5 * (1 + np.vectorize(math.erf)(s / math.sqrt(2)))
    ks = np.max(np.abs(cdf - np.arange(1, s.size + 1) / s.size))
    assert ks < 1.63 / math.sqrt(s.size)  # Kolmogorov-Smirnov at the 1 % level


def test_streams_are_reproducible_and_independent():
    a, b = NoiseStream([1, 2]).standard_normal(1000), NoiseStream([1, 2]).standard_normal(1000)
    np.testing.assert_array_equal(a, b)
    c = NoiseStream([1, 3]).standard_normal(100_000)
    d = NoiseStream([1, 2]).standard_normal(100_000)
    assert abs(np.corrcoef(c, d)[0, 1]) < 5 / math.sqrt(100_000)
    lag = NoiseStream(4).standard_normal(200_001)
    assert abs(np.corrcoef(lag[:-1], lag[1:])[0, 1]) < 5 / math.sqrt(200_000)
