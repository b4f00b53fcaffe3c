"""Global drift compensation, batch-norm re-estimation and hardware-aware noise injection."""

import numpy as np

from archsim.config.inference import ProgramVerifyConfig
from archsim.config.network import Network
from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
from archsim.functional.inference.compensation import (
    batchnorm_state, calibration_readout, global_drift_scale, reestimate_batchnorm, restore_batchnorm)
from archsim.functional.inference.mapping import program_layer
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.layers.batchnorm import BatchNorm
from archsim.functional.software.hwa import clip_weights, inject_weight_noise

SMALL_CNN = Network.model_validate({
    "name": "small", "input_shape": [1, 8, 8], "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel": 3},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "flatten"},
        {"type": "dense", "out": 16},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "dense", "out": 3, "activation": "softmax"}]})


def test_global_drift_compensation_restores_mean_output_scale_within_2_percent():
    pcm = InferencePCM.from_yaml(default_model_path())
    rng = np.random.default_rng(0)
    W = (rng.standard_normal((301, 128)) * 0.05).astype(np.float32)  # 300 inputs + bias: 2 row tiles
    layer = program_layer(W, pcm, 25.0, ProgramVerifyConfig(), rng)
    x = rng.uniform(0, 1, (2000, 300)).astype(np.float32)  # post-ReLU-like activations

    def out(matrix, scale=1.0):
        return np.abs((x @ matrix[:300] + matrix[300]) * scale).mean()

    w_t0 = layer.weights_at(pcm, pcm.t0_s, rng)
    reference = calibration_readout(w_t0, True, 256)
    w_day = layer.weights_at(pcm, 86400.0, rng)
    drifted = out(w_day) / out(w_t0)
    assert drifted < 0.8  # drift really shrank the outputs
    scale = global_drift_scale(reference, w_day, True, 256)
    assert abs(out(w_day, scale) / out(w_t0) - 1) < 0.02


def test_batchnorm_reestimation_gives_exact_population_statistics():
    rng = np.random.default_rng(1)
    bn = BatchNorm("bn", 3)
    x = rng.standard_normal((700, 3, 4, 4)) * [[[[1.0]], [[2.0]], [[0.5]]]] + [[[[3.0]], [[-1.0]], [[0.0]]]]
    bn.start_reestimation()
    for i in range(0, 700, 250):  # unequal last batch
        bn.forward(x[i:i + 250], train=False)
    bn.finish_reestimation()
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, x.var(axis=(0, 2, 3)), rtol=1e-5)


def test_batchnorm_reestimation_undoes_a_drift_scale_and_can_be_restored():
    model = FunctionalNetwork(SMALL_CNN, seed=2)
    x = np.random.default_rng(3).uniform(0, 1, (600, 64)).astype(np.float32)
    reestimate_batchnorm(model, x, 200)  # BN stats of the clean network
    clean = model.forward(x[:50])
    saved = batchnorm_state(model)
    for layer in list(model.weighted.values())[:2]:  # drift-like shrink of the BN-followed layers
        layer.forward_matrix = 0.6 * layer.W
    drifted = model.forward(x[:50])
    assert np.abs(drifted - clean).max() > 0.05
    reestimate_batchnorm(model, x, 200)
    np.testing.assert_allclose(model.forward(x[:50]), clean, rtol=1e-3, atol=1e-3)
    restore_batchnorm(model, saved)
    model.clear_substitutions()
    np.testing.assert_allclose(model.forward(x[:50]), clean, rtol=1e-6)


def test_weight_noise_injection_statistics_and_forward_only():
    model = FunctionalNetwork(SMALL_CNN, seed=4)
    rng = np.random.default_rng(5)
    eta = 0.038
    for layer in model.weighted.values():
        layer.W[...] = rng.standard_normal(layer.W.shape) * 0.1
    first = {}
    for _ in range(40):
        inject_weight_noise(model, eta, rng)
        for name, layer in model.weighted.items():
            first.setdefault(name, []).append(layer.forward_matrix - layer.W)
    for name, layer in model.weighted.items():
        noise = np.stack(first[name])
        sigma = eta * np.abs(layer.W).max()
        n = noise.size  # tolerances: 4 standard errors of the sample std / mean
        assert abs(noise.std() / sigma - 1) < 4 / np.sqrt(2 * n)
        assert abs(noise.mean()) < 4 * sigma / np.sqrt(n)
        assert not np.allclose(noise[0], noise[1])  # fresh draw every step
    # forward uses the noisy matrix, the backward (input gradient) the clean one
    dense = model.weighted["dense2"]
    x = rng.standard_normal((4, 16)).astype(np.float32)
    y = dense.forward(x, train=True)
    np.testing.assert_allclose(y, x @ dense.forward_matrix[:16] + dense.forward_matrix[16], rtol=1e-5)
    g = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(dense.backward(g), g @ dense.W[:16].T, rtol=1e-5)


def test_clipping_bounds_weights_to_alpha_sigma():
    model = FunctionalNetwork(SMALL_CNN, seed=6)
    bounds = {n: 2.0 * l.W.std() for n, l in model.weighted.items()}
    clip_weights(model, 2.0)
    for name, layer in model.weighted.items():
        assert np.abs(layer.W).max() <= bounds[name] + 1e-7
        assert np.isclose(np.abs(layer.W).max(), bounds[name])  # something was clipped
