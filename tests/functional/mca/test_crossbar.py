"""Crossbar kernels: MVMs vs NumPy (exact without noise, bounded with DAC/ADC), read-noise statistics
vs a per-device simulation, χ bookkeeping, quantisation and refresh."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from archsim.functional.crossbar.mvm import backward_mvm, forward_mvm
from archsim.functional.crossbar.quantize import adc_quantise, dac_normalise, pow2_quantise
from archsim.functional.crossbar.refresh import refresh_pairs
from archsim.functional.crossbar.update import (MODE_DIRECT, MODE_MCA, N_STATS, S_NZ_UPDATES, S_REFRESHES, S_SET,
                                                chi_update)
from archsim.functional.devices import load_device
from archsim.functional.training.fused_dense import seed_numba

SLOPE, OFFSET = 0.03, 0.13


def pair(rows=60, cols=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 9, (rows, cols)), rng.uniform(0.1, 9, (rows, cols))


def test_forward_and_backward_equal_numpy_without_noise():
    gp, gm = pair()
    rng = np.random.default_rng(1)
    x, d = rng.uniform(-1, 1, 60), rng.uniform(-1, 1, 12)
    x[::3] = 0.0  # skipped rows must not change the result
    y, var, e = np.zeros(12), np.zeros(12), np.zeros(60)
    forward_mvm(x, gp, gm, SLOPE, OFFSET, False, y, var)
    backward_mvm(d, gp, gm, SLOPE, OFFSET, False, e)
    assert np.allclose(y, x @ (gp - gm), rtol=0, atol=1e-10)
    assert np.allclose(e, (gp - gm) @ d, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dac_bits, adc_bits", [(8, 8), (4, 6), (8, 0)])
def test_quantised_mvm_within_quantisation_error(dac_bits, adc_bits):
    gp, gm = pair()
    w = gp - gm
    x = np.random.default_rng(2).uniform(0, 1, 60)
    xn = np.zeros(60)
    s = dac_normalise(x, dac_bits, xn)
    y, var = np.zeros(12), np.zeros(12)
    forward_mvm(xn, gp, gm, SLOPE, OFFSET, False, y, var)
    adc_range = 80.0
    adc_quantise(y, adc_bits, adc_range)
    exact = (x / s) @ w
    dac_err = 0.5 / (2 ** (dac_bits - 1) - 1) * np.abs(w).sum(axis=0)
    adc_err = 0.5 * adc_range / (2 ** (adc_bits - 1) - 1) if adc_bits else 0.0
    assert np.all(np.abs(exact) < adc_range)  # no clipping in this test
    assert np.all(np.abs(y - exact) <= dac_err + adc_err + 1e-12)
    assert np.any(np.abs(y - exact) > 0)  # quantisation actually happened


@njit(cache=True)
def _noisy_forward_trials(x, gp, gm, trials, seed):
    np.random.seed(seed)
    out = np.empty((trials, gp.shape[1]))
    y, var = np.zeros(gp.shape[1]), np.zeros(gp.shape[1])
    for t in range(trials):
        forward_mvm(x, gp, gm, SLOPE, OFFSET, True, y, var)
        out[t] = y
    return out


@njit(cache=True)
def _noisy_backward_trials(d, gp, gm, trials, seed):
    np.random.seed(seed)
    out = np.empty((trials, gp.shape[0]))
    e = np.zeros(gp.shape[0])
    for t in range(trials):
        backward_mvm(d, gp, gm, SLOPE, OFFSET, True, e)
        out[t] = e
    return out


def _per_device(gp, gm, rng, trials):
    """Direct simulation: every device read gets its own N(0, (slope·G + offset)²) noise."""
    sp, sm = SLOPE * gp + OFFSET, SLOPE * gm + OFFSET
    shape = (trials,) + gp.shape
    return (gp + sp * rng.standard_normal(shape)) - (gm + sm * rng.standard_normal(shape))


def test_read_noise_matches_per_device_simulation():
    gp, gm = pair(40, 6)
    rng = np.random.default_rng(4)
    x, d = rng.uniform(0, 1, 40), rng.uniform(-1, 1, 6)
    trials = 20_000
    reads = _per_device(gp, gm, rng, trials)
    direct_f = np.einsum("i,tij->tj", x, reads)
    direct_b = np.einsum("tij,j->ti", reads, d)
    for kernel, direct in ((_noisy_forward_trials(x, gp, gm, trials, 5), direct_f),
                           (_noisy_backward_trials(d, gp, gm, trials, 6), direct_b)):
        se = direct.std(axis=0) / np.sqrt(trials)
        assert np.all(np.abs(kernel.mean(axis=0) - direct.mean(axis=0)) < 5 * np.sqrt(2) * se)
        assert np.allclose(kernel.std(axis=0), direct.std(axis=0), rtol=0.04)
    # and the std equals the closed form sqrt(Σ x² (σ⁺² + σ⁻²))
    expected = np.sqrt((x[:, None] ** 2 * ((SLOPE * gp + OFFSET) ** 2 + (SLOPE * gm + OFFSET) ** 2)).sum(0))
    assert np.allclose(direct_f.std(axis=0), expected, rtol=0.04)


def test_pow2_quantisation():
    v = np.array([0.7, -0.2, 0.05, 0.0, -0.9])
    q = np.zeros(5)
    scale = pow2_quantise(v, 3, False, q)
    assert np.log2(scale) == int(np.log2(scale))  # a power of two: scaling is a shift
    assert np.all(np.abs(q) <= 3) and np.all(q == np.round(q))
    assert q.tolist() == [1.0, 0.0, 0.0, 0.0, -2.0]  # scale 0.5: 0.7→1, −0.9→−2
    # stochastic rounding is unbiased
    seed_numba(0)
    acc = np.zeros(5)
    for _ in range(4000):
        pow2_quantise(v, 3, True, q)
        acc += q
    assert np.allclose(acc / 4000 * scale, v, atol=0.02)


def _update_setup(mode, bits=3, seed=0):
    dev = load_device("gradual_set")
    rng = np.random.default_rng(seed)
    rows, cols = 50, 10
    gp, gm = rng.uniform(1, 5, (rows, cols)), rng.uniform(1, 5, (rows, cols))
    np_, nm = np.zeros((rows, cols), np.int32), np.zeros((rows, cols), np.int32)
    chi = rng.uniform(-0.09, 0.09, (rows, cols))
    x, d = rng.uniform(0, 1, rows), rng.normal(0, 0.3, cols)
    bufs = (np.zeros(rows), np.zeros(cols), np.zeros(rows, np.int64), np.zeros(cols, np.int64))
    return dev, gp, gm, np_, nm, chi, x, d, bufs


@pytest.mark.parametrize("bits", [0, 3])
def test_chi_bookkeeping_conserves_chi_plus_pulses(bits):
    dev, gp, gm, np_, nm, chi, x, d, bufs = _update_setup(MODE_MCA, bits)
    eps, lr = 0.096, 0.4
    xq, dq = np.zeros_like(x), np.zeros_like(d)
    sx, sd = pow2_quantise(x, bits, False, xq), pow2_quantise(d, bits, False, dq)
    expected_delta = -lr * sx * sd * np.outer(xq, dq)
    chi0 = chi.copy()
    stats = np.zeros(N_STATS)
    seed_numba(1)
    moved = chi_update(x, d, -lr, bits, 0, 0, 0, 0, eps, eps, 1.0, MODE_MCA, False, 1000, gp, gm, np_, nm, chi,
                       *dev.arrays, *bufs, stats)
    pulses = np_.astype(float) - nm
    assert np.allclose(chi0 + expected_delta, chi + pulses * eps, atol=1e-12)
    assert moved == pytest.approx((pulses * eps).sum())
    assert np.all(np.abs(chi) < eps + 1e-12) and stats[S_SET] == np.abs(pulses).sum() > 0
    assert stats[S_NZ_UPDATES] == np.count_nonzero(expected_delta)


def test_direct_update_keeps_no_residual():
    """direct_rounding: nearest (the old ablation): p = rint(ΔW/ε), nothing kept."""
    dev, gp, gm, np_, nm, chi, x, d, bufs = _update_setup(MODE_DIRECT)
    chi[:] = 0.0
    stats = np.zeros(N_STATS)
    seed_numba(1)
    chi_update(x, d, -0.4, 0, 0, 0, 0, 0, 0.096, 0.096, 1.0, MODE_DIRECT, False, 1000, gp, gm, np_, nm, chi,
               *dev.arrays, *bufs, stats)
    assert np.all(chi == 0.0)
    assert np.array_equal(np_.astype(float) - nm, np.rint(-0.4 * np.outer(x, d) / 0.096))


def test_refresh_resets_saturated_pairs_and_keeps_difference():
    dev = load_device("gradual_set")
    rng = np.random.default_rng(5)
    gp, gm = rng.uniform(1, 6, (30, 30)), rng.uniform(1, 6, (30, 30))
    sat = rng.random((30, 30)) < 0.1
    gp[sat] = rng.uniform(9.6, 11.5, sat.sum())
    diff0 = gp - gm
    np_, nm = np.full((30, 30), 9, np.int32), np.full((30, 30), 9, np.int32)
    stats = np.zeros(N_STATS)
    seed_numba(2)
    refresh_pairs(gp, gm, np_, nm, 9.0, 0.0, 0.385, 20, 1, False, *dev.arrays, stats)  # lower threshold 0: any pair
    assert stats[S_REFRESHES] == sat.sum()
    assert np.all(np.minimum(gp, gm)[sat] < 0.5)  # one device of each refreshed pair stays RESET
    assert np.array_equal(gp[~sat] - gm[~sat], diff0[~sat])  # untouched pairs unchanged
    err = (gp - gm)[sat] - diff0[sat]
    assert abs(err.mean()) < 0.5 and np.abs(err).max() < 4.0  # re-programmed within step + read noise
