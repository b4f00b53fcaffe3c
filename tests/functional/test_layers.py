"""Functional layers: im2col convolution vs direct convolution, gradients, pooling, batch norm, the
network builder and the saved-weights layout."""

import numpy as np
import pytest
from archsim.config.network import Network
from archsim.config.shapes import weighted_layers
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.layers.batchnorm import BatchNorm
from archsim.functional.layers.conv import Conv2d
from archsim.functional.layers.kernels import col2im, im2col
from archsim.functional.layers.pool import Pool
from tests.functional.reference import conv2d_direct, nhwc


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


def _conv(c_in, c_out, k, stride, padding, bias, rng):
    conv = Conv2d("c", c_in, c_out, k, stride, padding, bias, rng, dtype=np.float64)
    conv.W[...] = rng.standard_normal(conv.W.shape)
    return conv


@pytest.mark.parametrize("kernel,stride,padding,bias", [(3, 1, 0, False), (3, 2, 1, True), (5, 1, 2, True),
                                                        (1, 2, 0, False), (2, 3, 1, True)])
def test_im2col_convolution_equals_direct_convolution(kernel, stride, padding, bias):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 9, 8))
    conv = _conv(3, 4, kernel, stride, padding, bias, rng)
    b = conv.W[-1] if bias else np.zeros(4)
    expected = conv2d_direct(x, conv.kernels(), b, stride, padding)
    out = conv.forward(nhwc(x), train=False)
    np.testing.assert_allclose(out.transpose(0, 3, 1, 2), expected, rtol=1e-10, atol=1e-10)


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 7, 7, 3))
    cols = np.empty((2 * 4 * 4, 27))
    im2col(x, 3, 2, 1, False, cols, np.empty(0, np.int64))
    c = rng.standard_normal(cols.shape)
    back = np.empty_like(x)
    col2im(c, 3, 2, 1, back)
    assert np.isclose((cols * c).sum(), (x * back).sum())  # <im2col(x), c> == <x, col2im(c)>


def test_im2col_counts_row_nonzeros():
    rng = np.random.default_rng(9)
    x = np.maximum(rng.standard_normal((2, 6, 6, 2)), 0)
    cols, nnz = np.empty((2 * 36, 19)), np.empty(72, np.int64)
    im2col(x, 3, 1, 1, True, cols, nnz)
    np.testing.assert_array_equal(nnz, np.count_nonzero(cols, axis=1))


def test_conv_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    conv = _conv(2, 3, 3, 2, 1, True, rng)
    x = rng.standard_normal((2, 6, 6, 2))
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
    bn = BatchNorm("bn", 3, dtype=np.float64)
    bn.gamma[:] = rng.standard_normal(3)
    x = rng.standard_normal((4, 5, 5, 3)) * 3 + 2
    y = bn.forward(x, train=True)
    np.testing.assert_allclose(((y - bn.beta) / bn.gamma).mean(axis=(0, 1, 2)), 0, atol=1e-9)
    np.testing.assert_allclose(((y - bn.beta) / bn.gamma).std(axis=(0, 1, 2)), 1, atol=1e-4)
    w_out = rng.standard_normal(y.shape)
    dx = bn.backward(w_out)
    bn2 = BatchNorm("bn", 3, dtype=np.float64)
    bn2.gamma[:] = bn.gamma
    idx, num = _numeric_grad(lambda: float((bn2.forward(x, train=True) * w_out).sum()), x)
    np.testing.assert_allclose([dx[i] for i in idx], num, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(bn.dbeta, w_out.sum(axis=(0, 1, 2)))


@pytest.mark.parametrize("mode, kernel, stride", [("max", 2, 2), ("avg", 2, 2), ("max", 3, 2), ("avg", 3, 1)])
def test_pooling_matches_numpy_windows_and_its_gradient(mode, kernel, stride):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 8, 8, 3))
    pool = Pool("p", mode, kernel, stride)
    y = pool.forward(x, True)
    win = np.lib.stride_tricks.sliding_window_view(x, (kernel, kernel), axis=(1, 2))[:, ::stride, ::stride]
    np.testing.assert_allclose(y, win.max(axis=(-2, -1)) if mode == "max" else win.mean(axis=(-2, -1)))
    g = rng.standard_normal(y.shape)
    idx, num = _numeric_grad(lambda: float((pool.forward(x, False) * g).sum()), x, samples=20)
    dx = pool.backward(g)
    np.testing.assert_allclose([dx[i] for i in idx], num, rtol=1e-5, atol=1e-7)



@pytest.mark.parametrize("kernel, stride, size", [(2, 2, 7), (3, 3, 8), (3, 2, 7)])
def test_relu_folded_into_max_pooling_gives_the_separate_layers_values_and_gradients(kernel, stride, size):
    from archsim.functional.layers.activations import Activation

    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, size, size, 4)).astype(np.float32)
    x[0, :kernel, :kernel, 0] = -1.0  # a window without a positive entry
    x[1, :kernel, :kernel, 1] = 0.5   # a window whose maximum is tied
    act, pool = Activation("a", "relu"), Pool("p", "max", kernel, stride)
    fused = Pool("p", "max", kernel, stride, relu=True)
    y = pool.forward(act.forward(x, True), True)
    yf = fused.forward(x, True)
    np.testing.assert_array_equal(yf, y)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = act.backward(pool.backward(g))
    dxf = fused.backward(g)
    np.testing.assert_array_equal(dxf, dx)
    assert dx.shape == x.shape and np.count_nonzero(dx) > 0


def test_network_folds_a_relu_before_a_max_pool_only():
    net = FunctionalNetwork(Network.model_validate({
        "name": "fold", "input_shape": [1, 8, 8], "layers": [
            {"type": "conv2d", "out_channels": 2, "kernel": 3, "activation": "relu"},
            {"type": "maxpool", "kernel": 2},
            {"type": "conv2d", "out_channels": 2, "kernel": 1, "activation": "relu"},
            {"type": "avgpool", "kernel": 3},
            {"type": "flatten"}, {"type": "dense", "out": 3}]}))
    kinds = [(type(l).__name__, getattr(l, "relu", None)) for l in net.layers]
    assert kinds == [("Conv2d", None), ("Pool", True), ("Conv2d", None), ("Activation", None), ("Pool", False),
                     ("Flatten", None), ("Dense", None)]

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
    model = FunctionalNetwork(net, seed=0, dtype=np.float64)
    assert list(model.weighted) == [s.name for s in weighted_layers(net)]
    assert model.softmax_in_loss
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 72))
    w_out = rng.standard_normal((3, 3))
    model.forward(x, train=True)
    model.backward(w_out)
    layer = model.weighted["conv2d2"]
    analytic = layer.dW.copy()

    def loss():
        return float((model.forward(x, train=True) * w_out).sum())
    idx, num = _numeric_grad(loss, layer.W, eps=1e-4)
    np.testing.assert_allclose([analytic[i] for i in idx], num, rtol=2e-2, atol=1e-4)


def test_saved_weights_keep_the_c_kh_kw_row_order_and_round_trip():
    net = Network.model_validate({"name": "c", "input_shape": [2, 5, 5], "layers": [
        {"type": "conv2d", "out_channels": 3, "kernel": 3, "bias": True}, {"type": "flatten"},
        {"type": "dense", "out": 2, "activation": "softmax"}]})
    model = FunctionalNetwork(net, seed=1, dtype=np.float64)
    conv = model.weighted["conv2d1"]
    saved = model.state()["conv2d1.W"]
    # saved row (c·k + a)·k + q holds filter weight [o, c, a, q]; the bias row stays last
    np.testing.assert_array_equal(saved[:18].T.reshape(3, 2, 3, 3), conv.kernels())
    np.testing.assert_array_equal(saved[18], conv.W[18])
    other = FunctionalNetwork(net, seed=2, dtype=np.float64)
    other.load_state(model.state())
    x = np.random.default_rng(3).standard_normal((4, 50))
    np.testing.assert_array_equal(other.forward(x), model.forward(x))
    # a channels-first flat image is read correctly: compare with the direct convolution
    img = x.reshape(4, 2, 5, 5)
    y = conv.forward(model.to_layout(x), train=False).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(y, conv2d_direct(img, conv.kernels(), conv.W[18], 1, 0), rtol=1e-10)


def test_dropout_masks_and_scales_in_training_and_passes_through_in_inference():
    from archsim.functional.layers.activations import Dropout

    layer = Dropout("d", 0.25)
    x = np.ones((400, 50), dtype=np.float32)
    y = layer.forward(x, train=True)
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01 and np.allclose(y[kept], 1 / 0.75)
    g = np.random.default_rng(0).standard_normal(x.shape).astype(np.float32)
    np.testing.assert_array_equal(layer.backward(g), g * y)  # same mask, same scale
    np.testing.assert_array_equal(layer.forward(x, train=False), x)
    net = Network.model_validate({"name": "d", "input_shape": [8], "layers": [
        {"type": "dropout", "rate": 0.5}, {"type": "dense", "out": 2, "activation": "softmax"}]})
    a, b = FunctionalNetwork(net), FunctionalNetwork(net)
    a.reseed(1, 2), b.reseed(1, 2)
    xs = np.ones((20, 8))
    np.testing.assert_array_equal(a.forward(xs, train=True), b.forward(xs, train=True))  # reproducible masks
