"""The capacity rule: stated buffer sizes, DRAM traffic for what does not fit, 'fit', DRAM off."""

from __future__ import annotations

import pytest

from archsim.config.errors import ConfigError
from archsim.estimate import estimate, load_workload
from tests.estimator.helpers import CNN_LAYERS, ROOT, design, run, write_workload


def _dram_bits(est, name="x", stage=None):
    a = est.actions[name].query("component == 'DRAM'")
    return (a[a.stage == stage] if stage else a).bits_moved.sum()


def test_weights_that_do_not_fit_stream_from_dram_once_per_use(tmp_path):
    path = write_workload(tmp_path, [500, 400, 100])
    small = run(path, [design("digital32", {"weight_sram.capacity_kb": 64})])
    weights = 501 * 400 + 401 * 100
    assert small.sims["x"].facts["weight_sram_dram_layers"] == ["dense1", "dense2"]
    # each layer is larger than the SRAM, so each output-stationary pass re-fetches it: batch 1, one pass
    assert _dram_bits(small) == pytest.approx(weights * 32)
    fit = run(path, [design("digital32", {"weight_sram.capacity_kb": "fit"})])
    assert _dram_bits(fit) == 0
    assert fit.sims["x"].facts["weight_sram_kb"] == pytest.approx(weights * 32 / 8 / 1024)


def test_sram_leakage_follows_the_stated_capacity(tmp_path):
    """The stated capacity (not the working set) leaks, as CACTI prices a macro of that size."""
    from archsim.estimate import load_tech
    from archsim.hardware.components.memory import SramMacro

    path = write_workload(tmp_path, [100, 10])
    leak = {kb: run(path, [design("digital32", {"weight_sram.capacity_kb": kb})]).sims["x"].facts["leakage_mw"]
            for kb in (512, 1024)}
    tech = load_tech(load_workload(path), path)
    macro = {kb: SramMacro(tech, "weight SRAM", kb, 32, 32, 1).leakage_mw for kb in (512, 1024)}
    assert leak[1024] - leak[512] == pytest.approx(macro[1024] - macro[512], rel=1e-9)
    assert macro[1024] > 1.5 * macro[512]


def test_chi_that_does_not_fit_pays_a_dram_burst_per_sparse_access(tmp_path):
    path = write_workload(tmp_path, [500, 400, 100], mode="train")
    est = run(path, [design("mca", {"chi_sram.capacity_kb": 16})])
    facts = est.sims["x"].facts
    spilled = set(facts["chi_sram_dram_layers"])
    entries = sum(op.stats.nonzero_updates for op in est.trace.step("update").ops if op.layer in spilled)
    burst = est.sims["x"].design.dram.burst_bytes * 8
    assert spilled and _dram_bits(est, stage="update") == pytest.approx(2 * entries * burst)


def test_training_stash_that_does_not_fit_goes_to_dram_and_back(tmp_path):
    path = write_workload(tmp_path, CNN_LAYERS, mode="train", input_shape=[4, 12, 12])
    est = run(path, [design("digital32", {"activation_sram.capacity_kb": 2})])
    spilled = est.sims["x"].facts["activation_sram_dram_layers"]
    fwd = {op.layer: op for op in est.trace.step("forward").ops if hasattr(op, "in_map")}
    stash = sum(fwd[l].in_map for l in spilled) * 32
    assert spilled
    assert est.actions["x"].query("component == 'DRAM' and stage == 'forward' and action == 'write_bit'") \
        .bits_moved.sum() == pytest.approx(stash)
    assert est.actions["x"].query("component == 'DRAM' and stage == 'update' and action == 'read_bit'") \
        .bits_moved.sum() >= stash


def test_no_dram_and_too_small_a_buffer_is_a_clear_error(tmp_path):
    path = write_workload(tmp_path, [500, 400])
    with pytest.raises(ConfigError) as info:
        run(path, [design("digital32", {"weight_sram.capacity_kb": 64, "dram.enabled": False})])
    msg = str(info.value)
    assert str(path) in msg and "designs.0.weight_sram.capacity_kb" in msg and "dram.enabled" in msg


def test_vgg16_training_needs_dram_where_its_working_sets_do_not_fit():
    path = ROOT / "workloads" / "vgg16_imagenet_train.yaml"
    est = estimate(load_workload(path), path)
    for name in ("mca", "digital32", "digital_mp"):
        assert _dram_bits(est, name) > 0, name
    assert est.sims["digital32"].facts["weight_sram_need_kb"] > 500_000  # 138 M 32-bit weights
    assert est.sims["mca"].facts["arrays_by_layer"]["fc1"] == 99 * 16       # 25089 × 4096 on 256 × 256 arrays
