"""Inference PCM model (tech/pcm_inference.yaml) and program-and-verify."""

from pathlib import Path

import numpy as np
import pytest

from archsim.config.errors import ConfigError
from archsim.config.inference import ProgramVerifyConfig
from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
from archsim.functional.inference.mapping import program_layer, target_conductances
from archsim.functional.inference.program_verify import program_and_verify


@pytest.fixture(scope="module")
def pcm():
    return InferencePCM.from_yaml(default_model_path())


def test_programming_noise_polynomial_matches_spec(pcm):
    g = np.array([0.0, 12.5, 25.0])
    expected = [0.2635, -1.1731 * 0.25 + 1.9650 * 0.5 + 0.2635, -1.1731 + 1.9650 + 0.2635]
    np.testing.assert_allclose(pcm.prog_noise_std_us(g), expected, rtol=1e-12)


def test_drift_exponent_statistics_follow_the_fits(pcm):
    rng = np.random.default_rng(0)
    g = np.full(200_000, 25.0)  # g = 1: mu = clip(0.0244, 0.049, 0.1) = 0.049, sigma = clip(-0.0059, .008, .045) = 0.008
    nu = pcm.drift_exponents(g, rng)
    assert abs(nu.mean() - 0.049) < 5e-4 and abs(nu.std() - 0.008) < 5e-4


def test_drift_power_law_and_read_noise_growing_with_time(pcm):
    rng = np.random.default_rng(1)
    g0 = np.full(100_000, 10.0)
    nu = np.full(g0.shape, 0.05)
    day = pcm.conductance_at(g0, nu, 86400.0, rng)
    assert np.isclose(day.mean(), 10.0 * (86400.0 / pcm.t0_s) ** -0.05, rtol=2e-3)
    spread = [pcm.conductance_at(g0, np.zeros_like(g0), t, rng).std() for t in (25.0, 86400.0, 3.15e7)]
    assert spread[0] < spread[1] < spread[2]
    assert np.isclose(spread[0], 10.0 * pcm.read_q(10.0) * pcm.read_noise_factor(25.0), rtol=2e-2)


def test_program_and_verify_converges_for_99_percent_with_defaults(pcm):
    g_t = np.random.default_rng(2).uniform(0, 25, 50_000)
    cfg = ProgramVerifyConfig()
    r = program_and_verify(g_t, pcm, cfg, seed=5)
    assert r.converged.mean() >= 0.99
    assert r.iterations.max() <= cfg.max_iterations
    assert 1.5 < r.iterations.mean() < 20  # verify is needed, but converges in a few pulses
    err = np.abs(r.g_us - g_t)[r.converged]
    assert np.quantile(err, 0.99) < cfg.tolerance_us + 0.6  # verify-read noise is ≤ ~0.2 µS
    assert np.mean(err < cfg.tolerance_us) > 0.7  # the verify read (not the true G) is within tolerance
    again = program_and_verify(g_t, pcm, cfg, seed=5)
    np.testing.assert_array_equal(again.g_us, r.g_us)


def test_tighter_tolerance_needs_more_iterations(pcm):
    g_t = np.random.default_rng(3).uniform(0, 25, 20_000)
    loose = program_and_verify(g_t, pcm, ProgramVerifyConfig(tolerance_us=0.5), seed=1)
    tight = program_and_verify(g_t, pcm, ProgramVerifyConfig(tolerance_us=0.1), seed=1)
    assert tight.iterations.mean() > loose.iterations.mean()


def test_programmed_layer_reads_back_the_weights_at_t0(pcm):
    rng = np.random.default_rng(4)
    W = rng.standard_normal((200, 50)).astype(np.float32)
    g_t, w_max = target_conductances(W, 25.0)
    assert np.isclose(g_t.max(), 25.0) and np.isclose(w_max, np.abs(W).max())
    layer = program_layer(W, pcm, 25.0, ProgramVerifyConfig(), rng)
    read = layer.weights_at(pcm, pcm.t0_s, rng)
    err_us = (read - W) / layer.w_per_us
    # total error at t0: programming (σ_prog ≤ 1.06 µS) + RESET partner + 1/f read noise
    assert 0.3 < err_us.std() < 1.6
    assert np.corrcoef(read.ravel(), W.ravel())[0, 1] > 0.98
    assert layer.stats().devices_programmed == W.size


def test_bad_device_yaml_is_a_config_error(tmp_path: Path):
    bad = tmp_path / "pcm.yaml"
    bad.write_text(default_model_path().read_text().replace("t0_s:", "t0_seconds:"))
    with pytest.raises(ConfigError) as exc:
        InferencePCM.from_yaml(bad)
    assert "t0_seconds" in str(exc.value)
