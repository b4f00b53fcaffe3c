"""Functional layers: im2col convolution vs direct convolution, gradients, pooling, tiling, builder."""

import numpy as np
import pytest

from archsim.config.network import Network
from archsim.config.shapes import weighted_layers
from archsim.functional.layers import FunctionalNetwork, TileGrid, col2im, conv2d_direct, crossbar_mvm, im2col
from archsim.functional.layers.batchnorm import BatchNorm
from archsim.functional.layers.conv import Conv2d
from archsim.functional.layers.pool import Pool


def _numeric_grad(f, x, eps=1e-3, samples=12, seed=0):
    """Central differences of scalar f at a few random entries of x (float64)."""
    rng = np.random.default_rng(seed)
    idx = [tuple(rng.integers(s) for s in x.shape) for _ in range(samples)]
    out = []
    for i in idx:
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        out.append((fp - fm) / (2 * eps))
    return idx, np.array(out)


@pytest.mark.parametrize("kernel,stride,padding,bias", [(3, 1, 0, False), (3, 2, 1, True), (5, 1, 2, True), (1, 2, 0, False)])
def test_im2col_convolution_equals_direct_convolution(kernel, stride, padding, bias):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 9, 8))
    conv = Conv2d("c", 3, 4, kernel, stride, padding, bias, rng)
    conv.W = rng.standard_normal(conv.W.shape)
    b = conv.W[-1] if bias else np.zeros(4)
    expected = conv2d_direct(x, conv.kernels(), b, stride, padding)
    np.testing.assert_allclose(conv.forward(x, train=False), expected, rtol=1e-10, atol=1e-10)


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 7))
    cols = im2col(x, 3, 2, 1)
    c = rng.standard_normal(cols.shape)
    # <im2col(x), c> == <x, col2im(c)>
    assert np.isclose((cols * c).sum(), (x * col2im(c, x.shape, 3, 2, 1)).sum())


def test_conv_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    conv = Conv2d("c", 2, 3, 3, 2, 1, True, rng)
    conv.W = rng.standard_normal(conv.W.shape)
    conv.dW = np.zeros_like(conv.W)
    x = rng.standard_normal((2, 2, 6, 6))
    w_out = rng.standard_normal((2, 3, 3, 3))
    loss = lambda: float((conv.forward(x, train=False) * w_out).sum())  # noqa: E731
    conv.forward(x, train=True)
    dx = conv.backward(w_out)
    idx, num = _numeric_grad(loss, x)
    np.testing.assert_allclose([dx[i] for i in idx], num, rtol=1e-5, atol=1e-7)
    idx, num = _numeric_grad(loss, conv.W)
    np.testing.assert_allclose([conv.dW[i] for i in idx], num, rtol=1e-5, atol=1e-7)


def test_batchnorm_gradient_and_training_statistics():
    rng = np.random.default_rng(4)
    bn = BatchNorm("bn", 3)
    bn.gamma[:] = rng.standard_normal(3)
    x = rng.standard_normal((4, 3, 5, 5)) * 3 + 2
    y = bn.forward(x, train=True)
    np.testing.assert_allclose(((y - bn.beta[None, :, None, None]) / bn.gamma[None, :, None, None]).mean(axis=(0, 2, 3)),
                               0, atol=1e-6)
    w_out = rng.standard_normal(y.shape)
    dx = bn.backward(w_out)
    bn2 = BatchNorm("bn", 3)
    bn2.gamma[:] = bn.gamma
    idx, num = _numeric_grad(lambda: float((bn2.forward(x, train=True) * w_out).sum()), x)
    np.testing.assert_allclose([dx[i] for i in idx], num, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_general_path_matches_exact_path_and_gradient(mode):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 8, 8))
    fast, general = Pool("p", mode, 2), Pool("p", mode, 2)
    general._exact = lambda x: False  # force the im2col path
    y_fast, y_gen = fast.forward(x, True), general.forward(x, True)
    np.testing.assert_allclose(y_fast, y_gen)
    np.testing.assert_allclose(fast.forward(x, False), y_fast)  # inference shortcut
    g = rng.standard_normal(y_fast.shape)
    np.testing.assert_allclose(fast.backward(g), general.backward(g))
    assert Pool("p", mode, 3, 2).forward(x, False).shape == (2, 3, 3, 3)


def test_tiled_crossbar_mvm_equals_full_product_and_counts_tiles():
    rng = np.random.default_rng(6)
    W = rng.standard_normal((601, 300))  # 600 inputs + bias row
    x = rng.standard_normal((5, 600))
    full = x @ W[:600] + W[600]
    np.testing.assert_allclose(crossbar_mvm(x, W, True, 256), full, rtol=1e-12)
    np.testing.assert_allclose(crossbar_mvm(x, W, True, 600), full, rtol=1e-12)  # bias alone in tile 2
    grid = TileGrid(601, 300, 256, 256)
    assert (grid.row_tiles, grid.col_tiles, grid.tiles) == (3, 2, 6)


RESNETISH = {
    "name": "tiny_res", "input_shape": [2, 6, 6], "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "bias": True},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "residual", "body": [
            {"type": "conv2d", "out_channels": 6, "kernel": 3, "stride": 2, "padding": 1},
            {"type": "batchnorm", "activation": "relu"},
            {"type": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1}],
         "shortcut": [{"type": "conv2d", "out_channels": 6, "kernel": 1, "stride": 2}]},
        {"type": "residual", "body": [{"type": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1}],
         "activation": "relu"},
        {"type": "avgpool", "kernel": 3},
        {"type": "global_avgpool"},
        {"type": "dense", "out": 5, "activation": "tanh"},
        {"type": "dense", "out": 3, "activation": "softmax"}]}


def test_network_builder_names_and_end_to_end_gradient():
    net = Network.model_validate(RESNETISH)
    model = FunctionalNetwork(net, seed=0)
    assert list(model.weighted) == [s.name for s in weighted_layers(net)]
    assert model.softmax_in_loss
    for p in model.all_params():
        p.value[...] = p.value.astype(np.float64)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 72))
    w_out = rng.standard_normal((3, 3))
    model.forward(x, train=True)
    model.backward(w_out)
    layer = model.weighted["conv2d2"]
    W = layer.W.astype(np.float64)
    layer.W = W
    analytic = layer.dW.copy()

    def loss():
        return float((model.forward(x, train=True) * w_out).sum())
    idx, num = _numeric_grad(loss, W, eps=1e-3)
    np.testing.assert_allclose([analytic[i] for i in idx], num, rtol=2e-2, atol=1e-4)
