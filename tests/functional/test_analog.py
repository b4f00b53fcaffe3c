"""Crossbar reads of the engine (crossbar/analog.py): im2col convolution on PCM tiles equals a direct
convolution without noise and has the right statistics with noise; transposed reads, tiles, converters,
bound management."""

import numpy as np
import pytest

from archsim.functional.crossbar.analog import AnalogArray, ReadIO
from archsim.functional.crossbar.normal import NoiseStream
from archsim.functional.devices import load_device
from archsim.functional.layers.conv import Conv2d
from tests.functional.reference import conv2d_direct

IDEAL = ReadIO(0, 0, 1.0)
BETA = 0.1


def _pairs(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 9, (rows, cols)), rng.uniform(0.1, 9, (rows, cols))


def _array(gp, gm, io=IDEAL, noise=False, seed=0, **kw):
    return AnalogArray(gp, gm, BETA, load_device("gradual_set"), io, io, noise, NoiseStream(seed),
                       fan_in=kw.pop("fan_in", gp.shape[0] - 1), dtype=np.float64, **kw)


def _conv_on_crossbar(noise=False, io=IDEAL, seed=0):
    rng = np.random.default_rng(1)
    conv = Conv2d("c", 3, 5, 3, 1, 1, True, rng, dtype=np.float64)
    gp, gm = _pairs(conv.rows, conv.cols)
    conv.array = _array(gp, gm, io, noise, seed, fan_in=conv.fan_in)
    conv.W[...] = BETA * (gp - gm)  # the software copy, for the reference kernels
    return conv, rng.uniform(0, 1, (2, 6, 6, 3))


def test_im2col_crossbar_convolution_equals_direct_convolution_without_noise():
    conv, x = _conv_on_crossbar()
    out = conv.forward(x, train=False).transpose(0, 3, 1, 2)
    expected = conv2d_direct(x.transpose(0, 3, 1, 2).copy(), conv.kernels(), conv.W[-1], 1, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


def test_quantised_crossbar_convolution_is_within_the_converter_error():
    io = ReadIO(8, 8, 60.0)
    conv, x = _conv_on_crossbar(io=io)
    out = conv.forward(x, train=False)
    exact = conv.unroll(x) @ conv.W
    scale = np.abs(conv.unroll(x)).max(axis=1, keepdims=True)
    dac = 0.5 / 127 * np.abs(conv.W).sum(axis=0)[None, :] * scale
    adc = 0.5 * 60.0 / 127 * BETA * scale
    err = np.abs(out.reshape(exact.shape) - exact)
    assert np.all(err <= dac + adc + 1e-12) and np.any(err > 0)


def test_noisy_crossbar_convolution_has_the_per_device_statistics():
    """Many noisy reads of the same input: mean = noise-free output, std = β·s·√(Σ x̂²(σ⁺² + σ⁻²))
    (every device read independent), i.e. what reading each device with its own noise gives."""
    conv, x = _conv_on_crossbar(noise=True, seed=4)
    dev = load_device("gradual_set")
    x1 = conv.unroll(x[:1])
    reads = np.stack([conv.forward(x[:1], train=False).reshape(x1.shape[0], -1) for _ in range(3000)])
    exact = x1 @ conv.W
    s = np.abs(x1).max(axis=1, keepdims=True)
    xn = x1 / s
    a = conv.array
    sp, sm = dev.read_noise_std_us(a.gp), dev.read_noise_std_us(a.gm)
    std = BETA * s * np.sqrt((xn ** 2) @ (sp ** 2 + sm ** 2))
    se = std / np.sqrt(len(reads))
    assert np.all(np.abs(reads.mean(axis=0) - exact) < 5 * se)
    np.testing.assert_allclose(reads.std(axis=0), std, rtol=0.1)
    # per-device simulation of one output column (independent N(0, σ(G)²) per device read)
    rng = np.random.default_rng(5)
    j, r = 2, 7
    per_device = [(xn[r] * ((a.gp[:, j] + sp[:, j] * rng.standard_normal(a.gp.shape[0]))
                            - (a.gm[:, j] + sm[:, j] * rng.standard_normal(a.gp.shape[0])))).sum() * BETA * s[r, 0]
                  for _ in range(3000)]
    assert np.std(per_device) == pytest.approx(reads[:, r, j].std(), rel=0.1)


def test_transposed_read_equals_the_transposed_product_and_skips_the_bias_row():
    gp, gm = _pairs(41, 7)
    a = _array(gp, gm)
    d = np.random.default_rng(2).standard_normal((3, 7))
    np.testing.assert_allclose(a.backward(d), d @ (BETA * (gp - gm))[:40].T, rtol=1e-12)


def test_row_tiles_add_separately_converted_partial_sums():
    gp, gm = _pairs(300, 20)
    x = np.random.default_rng(3).uniform(0, 1, (4, 300))
    full = _array(gp, gm).forward(x)
    np.testing.assert_allclose(_array(gp, gm, tile_rows=128).forward(x), full, rtol=1e-12)
    io = ReadIO(0, 6, 40.0)
    tiled = _array(gp, gm, io, tile_rows=128).forward(x)
    s = x.max(axis=1, keepdims=True)
    lsb = 40.0 / 31
    manual = sum(np.clip(np.rint((x[:, sl] / s) @ (gp - gm)[sl] / lsb), -31, 31) * lsb
                 for sl in (slice(0, 128), slice(128, 256), slice(256, 300))) * BETA * s
    np.testing.assert_allclose(tiled, manual, rtol=1e-12)


def test_bound_management_recovers_saturated_outputs():
    gp = np.full((200, 4), 5.0)
    gm = np.full((200, 4), 1.0)
    x = np.ones((2, 200))
    exact = x @ (BETA * (gp - gm))  # 200 · 4 µS = 800 µS per column: far above the 100 µS range
    clipped = _array(gp, gm, ReadIO(8, 8, 100.0), fan_in=200).forward(x)
    managed = _array(gp, gm, ReadIO(8, 8, 100.0, bound_management=True), fan_in=200).forward(x)
    assert np.allclose(clipped, BETA * 100.0)
    np.testing.assert_allclose(managed, exact, rtol=0.02)


def test_output_noise_adds_its_variance():
    gp, gm = _pairs(11, 3)
    a = _array(gp, gm, ReadIO(0, 0, 1.0, out_noise_us=0.5), fan_in=10)
    x = np.zeros((20000, 11))
    x[:, 0] = 1.0
    y = a.forward(x)
    np.testing.assert_allclose(y.std(axis=0), BETA * 0.5, rtol=0.03)
    np.testing.assert_allclose(y.mean(axis=0), BETA * (gp - gm)[0], atol=4 * BETA * 0.5 / np.sqrt(20000))
