"""The designs' own functional models: the fixed-point and few-bit quantisers equal NumPy references,
the χ-digital update is MCA's χ logic on an ideal device, a design's overridden precision changes its
functional run, and a user design point inherits its base's model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archsim.config.design import build_design
from archsim.config.workload import Workload
from archsim.functional.crossbar.update import MODE_MCA, MODE_ONE_DEVICE, N_STATS, S_RESET, S_SET, chi_update
from archsim.functional.design_models import design_model
from archsim.functional.devices import load_device
from archsim.functional.run import run_functional
from archsim.functional.run import update_rounding
from archsim.functional.training.digital import (MODEL_CHI, MODEL_FIXED, chi_step, code_device, fixed_quantise,
                                                 quantise_vec, weight_codes)
from archsim.functional.training.fused_dense import seed_numba

MLP = {"name": "mlp", "input_shape": [784], "layers": [{"type": "dense", "out": 32, "activation": "sigmoid"},
                                                        {"type": "dense", "out": 10, "activation": "softmax"}]}


def fixed_reference(x, bits, frac):
    """NumPy: nearest multiple of 2^-frac (ties to even), saturated to `bits` signed bits."""
    m = 2.0 ** (bits - 1)
    return np.clip(np.rint(x * 2.0 ** frac), -m, m - 1) / 2.0 ** frac


@pytest.mark.parametrize("bits,frac", [(32, 24), (16, 8), (8, 4), (8, 0)])
def test_fixed_point_quantiser_equals_numpy(bits, frac):
    rng = np.random.default_rng(bits + frac)
    span = 2.0 ** (bits - 1 - frac)
    x = np.concatenate([rng.uniform(-2 * span, 2 * span, 5000),     # half of them saturate
                        (np.arange(-40, 40) + 0.5) / 2.0 ** frac,     # exact ties
                        [0.0, span, -span, 1e-12]])
    out = np.empty_like(x)
    fixed_quantise(x, bits, frac, out)
    np.testing.assert_array_equal(out, fixed_reference(x, bits, frac))
    v = x.copy()
    quantise_vec(v, MODEL_FIXED, bits, frac, np.empty_like(v))
    np.testing.assert_array_equal(v, out)


@pytest.mark.parametrize("bits", [8, 4, 3])
def test_pow2_activation_quantiser_and_4bit_state_quantiser_equal_numpy(bits):
    rng = np.random.default_rng(bits)
    for v in (rng.normal(0, 0.3, 251), rng.uniform(0, 1, 785), np.zeros(7)):
        qmax = 2.0 ** (bits - 1) - 1
        m = np.abs(v).max()
        scale = 2.0 ** np.ceil(np.log2(m / qmax)) if m > 0 else 1.0
        ref = np.clip(np.rint(v / scale), -qmax, qmax) * scale
        got = v.copy()
        quantise_vec(got, MODEL_CHI, bits, 0, np.empty_like(got))
        np.testing.assert_array_equal(got, ref)
    w = rng.normal(0, 0.15, (50, 20))
    eps = 0.096
    codes = weight_codes(w, eps, 4)
    np.testing.assert_array_equal(codes, np.clip(np.round(w / eps), -7, 7))
    assert codes.min() >= -7 and codes.max() <= 7 and np.all(codes == np.trunc(codes))


def _chi_rule_numpy(w, chi, x, d, lr, eps, qmax, max_pulses):
    """The MCA χ rule on exact weights: χ += −η·x·δᵀ; p = trunc(χ/ε) (|p| ≤ max); W += p·ε within ±qmax·ε."""
    chi = chi + ((-lr) * x)[:, None] * d[None, :]
    p = np.clip(np.trunc(chi / eps), -max_pulses, max_pulses)
    chi = chi - p * eps
    codes = np.rint(w / eps)
    return np.clip(codes + p, -qmax, qmax) * eps, chi


def test_chi_digital_update_equals_mca_chi_logic_with_an_ideal_device():
    """The digital_mp update (chi_step: chi_update in one-device mode on integer codes) gives the same
    weights and χ as (a) MCA's chi_update on differential pairs of the built-in ideal PCM device and
    (b) a NumPy statement of the χ rule with exact weights."""
    rng = np.random.default_rng(1)
    rows, cols, eps, lr, bits = 30, 12, 0.096, 0.15, 4
    ideal = load_device("ideal")
    beta = eps / ideal.params[9]  # ε per µS of one ideal step: one pulse moves β·step = ε
    codes = rng.integers(-3, 4, (rows, cols)).astype(np.float64)
    dig = code_device(ideal, bits)
    # digital: codes, reference 0
    w_d, ref, chi_d = codes.copy(), np.zeros((rows, cols)), np.zeros((rows, cols))
    n0 = np.zeros((rows, cols), np.int32)
    # MCA: G+ − G− = codes·step around a 6 µS mid-point (no pair leaves the 0–12 µS window)
    step = ideal.params[9]
    gp, gm = 6.0 + np.maximum(codes, 0) * step, 6.0 + np.maximum(-codes, 0) * step
    chi_m = np.zeros((rows, cols))
    w_ref, chi_ref = codes * eps, np.zeros((rows, cols))
    stats_d, stats_m = np.zeros(N_STATS), np.zeros(N_STATS)
    scratch = lambda: (np.zeros(rows), np.zeros(cols), np.zeros(rows, np.int64), np.zeros(cols, np.int64))  # noqa
    ip = np.array([MODEL_CHI, bits, 0, 8, 0, 24, 0, 0, 14, 0, 0, 0, 0, 0, 0], dtype=np.int64)
    for _ in range(6):
        x = rng.uniform(0, 1, rows) * (rng.random(rows) < 0.6)
        d = rng.normal(0, 0.3, cols) * (rng.random(cols) < 0.8)
        chi_step(x, d, lr, ip, eps, w_d, ref, n0, n0.copy(), chi_d, *dig.arrays, *scratch(), stats_d)
        chi_update(x, d, -lr, 0, 0, 0, 0, 0, eps, eps, beta, MODE_MCA, False, 14, gp, gm, n0.copy(), n0.copy(), chi_m,
                   *ideal.arrays, *scratch(), stats_m)
        w_ref, chi_ref = _chi_rule_numpy(w_ref, chi_ref, x, d, lr, eps, 7, 14)
    assert np.abs(w_ref / eps).max() < 7   # no saturation: the ideal pairs stay inside their window too
    np.testing.assert_allclose(w_d * eps, w_ref, atol=1e-12)
    np.testing.assert_allclose(chi_d, chi_ref, atol=1e-12)
    np.testing.assert_allclose(beta * (gp - gm), w_ref, atol=1e-9)
    np.testing.assert_allclose(chi_m, chi_ref, atol=1e-12)
    assert stats_d[S_SET] + stats_d[S_RESET] == stats_m[S_SET] > 0   # one LSB write per MCA pulse
    assert np.abs(w_d).max() <= 7


def test_chi_digital_weights_saturate_at_qmax():
    ideal = load_device("ideal")
    dig = code_device(ideal, 4)
    w, ref, chi = np.full((2, 2), 6.0), np.zeros((2, 2)), np.zeros((2, 2))
    n0 = np.zeros((2, 2), np.int32)
    ip = np.array([MODEL_CHI, 4, 0, 8, 0, 24, 0, 0, 14, 0, 0, 0, 0, 0, 0], dtype=np.int64)
    seed_numba(0)
    chi_step(np.ones(2), -np.ones(2), 1.0, ip, 0.1, w, ref, n0, n0.copy(), chi, *dig.arrays, np.zeros(2), np.zeros(2),
             np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(N_STATS))
    np.testing.assert_array_equal(w, 7.0)


def _workload(designs, **functional) -> Workload:
    return Workload.model_validate({
        "kind": "workload", "version": 1, "name": "t", "network": MLP, "mode": "train", "designs": designs,
        "functional": {"train_images": 1500, "test_images": 500, "algorithms": ["fp64"], "learning_rate": 0.05,
                       "fp_learning_rate": 0.1, "checkpoint": False, **functional}})


def test_user_design_point_inherits_base_model_and_precision_flows(mnist_dir, tmp_path):
    designs = [{"name": "mca", "base": "mca", "overrides": {"crossbar": {"rows": 1024, "cols": 256}}},
               {"name": "mca_adc4", "base": "mca", "overrides": {"crossbar": {"rows": 1024, "cols": 256},
                                                                 "tile.adc_bits": 4}},
               "digital32",
               {"name": "d32_q16", "base": "digital32", "overrides": {"act_bits": 16}},
               "digital_mp",
               {"name": "mp_w3", "base": "digital_mp", "overrides": {"weight_bits": 3}},
               {"name": "d32_a4", "base": "digital32", "overrides": {"act_bits": 4}}]   # Q7.x cannot fit
    wl = _workload(designs)
    s = run_functional(wl, Path("t.yaml"), tmp_path, data_dir=mnist_dir, progress=False)
    d = s.designs
    assert [d[n]["kind"] for n in ("mca", "mca_adc4", "digital32", "d32_q16", "digital_mp", "mp_w3")] == \
        ["mca", "mca", "fixed_point", "fixed_point", "chi_digital", "chi_digital"]
    assert "ADC 4 b" in d["mca_adc4"]["model"] and "Q7.8" in d["d32_q16"]["model"] and "3-bit W" in d["mp_w3"]["model"]
    acc = pd.read_csv(tmp_path / "accuracy.csv").set_index("algorithm")
    for a, b in (("mca", "mca_adc4"), ("digital32", "d32_q16"), ("digital_mp", "mp_w3")):
        assert acc.loc[a, "train_loss"] != acc.loc[b, "train_loss"], (a, b)
        assert 0.5 < d[a]["test_acc_mean"] <= 1.0 and d[b]["update_stats"] is not None
    # 32-bit fixed point Q7.24 tracks the FP64 run it starts from (same initial weights, same order)
    assert abs(acc.loc["digital32", "test_acc"] - acc.loc["fp64", "test_acc"]) <= 0.01
    # the χ-digital weights stay on their grid: pulses are counted, χ reads happen per non-zero product
    mp = d["digital_mp"]["update_stats"]["dense1"]
    assert mp.set_pulses + mp.reset_pulses > 0 and mp.nonzero_updates > 0
    assert "do not fit in 4-bit words" in d["d32_a4"]["note"] and np.isnan(d["d32_a4"]["test_acc_mean"])
    assert d["d32_a4"]["update_stats"] is None and "d32_a4" not in set(acc.index)
    table = pd.read_csv(tmp_path / "design_accuracy.csv")
    assert list(table.design) == [x if isinstance(x, str) else x["name"] for x in designs]


def test_design_model_follows_the_design_type():
    wl = _workload(["digital_mp"])
    eps = (0.096, 0.096)
    m = design_model(build_design("digital_mp", "x", {"update_quant_bits": 5, "act_bits": 6}), wl, Path("t"), eps)
    assert (m.kind, m.digital.update_bits, m.digital.act_bits, m.digital.weight_bits) == ("chi_digital", 5, 6, 4)
    # the χ update rounds x, hidden δ and output δ as MCA's does (the workload's update_rounding* keys)
    r = update_rounding(wl.functional)
    assert m.digital.rounding == (r["round_x"], r["round_d"], r["round_d_out"])
    assert m.digital.shifts == (r["shift_x"], r["shift_d"], r["shift_d_out"])
    m = design_model(build_design("digital32", "y", {"weight_bits": 24}), wl, Path("t"), eps)
    assert m.kind == "fixed_point" and m.digital.frac(24) == 16
    assert design_model(build_design("mca", "z", {"tile.dac_bits": 6}), wl, Path("t"), eps).link.dac_bits == 6
    assert MODE_ONE_DEVICE != MODE_MCA
