"""The one drift-and-compensation path (functional/drift.py): global drift compensation with both
readouts, batch-norm re-estimation, and hardware-aware noise injection."""

import numpy as np
import pytest

from archsim.config.inference import ProgramVerifyConfig
from archsim.config.network import Network
from archsim.functional.crossbar.analog import AnalogArray, ReadIO
from archsim.functional.crossbar.normal import NoiseStream
from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
from archsim.functional.drift import DriftingLayer, accuracy_over_time, readout, reestimate_batchnorm
from archsim.functional.inference.mapping import program_layer
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.layers.batchnorm import BatchNorm
from archsim.functional.training.hwa import clip_weights, inject_weight_noise

SMALL_CNN = Network.model_validate({
    "name": "small", "input_shape": [1, 8, 8], "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel": 3},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "flatten"},
        {"type": "dense", "out": 16},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "dense", "out": 3, "activation": "softmax"}]})


def _programmed(io, rng, rows=301, cols=128):
    pcm = InferencePCM.from_yaml(default_model_path())
    W = (rng.standard_normal((rows, cols)) * 0.05).astype(np.float32)  # 300 inputs + bias: 2 row tiles
    p = program_layer(W, pcm, 25.0, ProgramVerifyConfig(), rng)
    gp, gm, nup, num = p.pairs()
    array = AnalogArray(gp.copy(), gm.copy(), p.w_per_us, pcm, io, io, False, NoiseStream(1), fan_in=rows - 1,
                        tile_rows=256)
    return pcm, DriftingLayer(array, gp, gm, nup, num)


@pytest.mark.parametrize("kind, io", [("all_ones", ReadIO(8, 9, 300.0, 1.5, True)),
                                      ("one_hot", ReadIO(8, 9, 300.0, 0.0, True))])
def test_global_drift_compensation_restores_mean_output_scale_within_2_percent(kind, io):
    """(One-hot reads see one device per output: output noise would bias their mean |output| upwards,
    which benchmarks/gdc_readouts.py measures.)"""
    rng = np.random.default_rng(0)
    pcm, layer = _programmed(io, rng)
    x = rng.uniform(0, 1, (2000, 301)).astype(np.float32)  # post-ReLU-like activations (+ bias column)
    x[:, -1] = 1.0
    seen = {}

    def evaluate(k):
        seen.setdefault(k, []).append(np.abs(layer.array.forward(x)).mean())
        return 0.0
    accuracy_over_time({"l": layer}, pcm, [pcm.t0_s, 86400.0], ["none", "global"], kind, evaluate, rng)
    (t0_none, t0_global), (day_none, day_global) = seen[0], seen[1]
    assert day_none / t0_none < 0.8  # drift really shrank the outputs
    assert abs(day_global / t0_none - 1) < 0.02
    assert np.array_equal(layer.array.gp, layer.g_plus)  # conductances restored afterwards


def test_one_hot_readout_is_the_mean_absolute_weight_and_all_ones_the_mean_column_sum():
    rng = np.random.default_rng(2)
    pcm, layer = _programmed(ReadIO(0, 0, 1.0), rng, rows=50, cols=20)
    a = layer.array
    diff = a.gp - a.gm
    assert readout(a, "one_hot") == pytest.approx(np.abs(diff).mean(), rel=1e-6)
    assert readout(a, "all_ones") == pytest.approx(np.abs(diff.sum(axis=0)).mean(), rel=1e-6)


def test_batchnorm_reestimation_gives_exact_population_statistics():
    rng = np.random.default_rng(1)
    bn = BatchNorm("bn", 3)
    x = (rng.standard_normal((700, 4, 4, 3)) * [1.0, 2.0, 0.5] + [3.0, -1.0, 0.0]).astype(np.float32)
    bn.start_reestimation()
    for i in range(0, 700, 250):  # unequal last batch
        bn.forward(x[i:i + 250], train=False)
    bn.finish_reestimation()
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, x.var(axis=(0, 1, 2)), rtol=1e-4)


def test_batchnorm_reestimation_undoes_a_drift_scale_and_can_be_restored():
    model = FunctionalNetwork(SMALL_CNN, seed=2)
    x = np.random.default_rng(3).uniform(0, 1, (600, 64)).astype(np.float32)
    reestimate_batchnorm(model, x, 200)  # BN stats of the clean network
    clean = model.forward(x[:50])
    for layer in list(model.weighted.values())[:2]:  # drift-like shrink of the BN-followed layers
        layer.forward_matrix = 0.6 * layer.W
    drifted = model.forward(x[:50])
    assert np.abs(drifted - clean).max() > 0.05
    undo = reestimate_batchnorm(model, x, 200)
    np.testing.assert_allclose(model.forward(x[:50]), clean, rtol=1e-3, atol=1e-3)
    undo()
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
