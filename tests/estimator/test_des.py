"""The discrete-event model: closed-form chains, contention, and design changes moving latency."""

from __future__ import annotations

import math

import pytest
import simpy

from archsim.config.design import build_design
from archsim.estimate import estimate, load_tech, load_workload
from archsim.hardware.components.tile import AdcBank
from archsim.hardware.ledger import Ledger
from tests.estimator.helpers import ROOT, write_workload


def _run(path, **kw):
    w = load_workload(path)
    return estimate(w, path, **kw)


def test_uncontended_chain_equals_closed_form(tmp_path):
    """One dense layer (100+bias → 50) inferred on the MCA: read inputs, integrate, convert, write."""
    path = write_workload(tmp_path, [100, 50])
    est = _run(path)
    d = build_design("mca")
    clk = d.activation_sram.clock_ghz
    feed = math.ceil(101 * d.act_bits / d.activation_sram.width_bits) / clk      # act SRAM ‖ bus (shorter)
    bus = math.ceil(101 * d.tile.dac_bits / d.bus.width_bits) / d.bus.clock_ghz
    assert bus < feed
    integrate = d.tile.integration_ns
    convert = math.ceil(50 / d.tile.adcs_per_array) * d.tile.adc_conversion_ns * d.tile.adc_bits / 8
    write = math.ceil(50 * d.act_bits / d.activation_sram.width_bits) / clk       # ‖ bus out (shorter)
    expected = feed + integrate + convert + write
    got = est.latency.query("stage == 'forward'").latency_ns.iloc[0]
    assert got == pytest.approx(expected, rel=1e-12)


def test_two_processes_sharing_one_adc_take_longer_than_one():
    tech = load_tech(load_workload(ROOT / "workloads" / "mlp_mnist_train.yaml"),
                     ROOT / "workloads" / "mlp_mnist_train.yaml")

    def finish(n_users: int) -> float:
        env = simpy.Environment()
        adc = AdcBank(env, Ledger(), "adc", tech, bits=8, adcs=16, conversion_ns_8b=5.0)
        for _ in range(n_users):
            env.process(adc.work("forward", adc.convert_ns(64, 1), {"convert": 64}))
        env.run()
        return env.now

    one, two = finish(1), finish(2)
    assert one == pytest.approx(4 * 5.0)
    assert two == pytest.approx(2 * one)


def test_tiles_sharing_nothing_run_in_parallel_but_digital_unit_serialises(tmp_path):
    """Row tiling: partial sums add digital work; the tiled layer is slower than the per-layer array."""
    path = write_workload(tmp_path, [700, 100])
    per_layer = _run(path)
    tiled_design = build_design("mca", "tiled", {"crossbar": {"mapping": "tiled", "rows": 256, "cols": 256}})
    tiled = _run(path, designs=[tiled_design])
    t0 = per_layer.latency.query("stage == 'forward'").latency_ns.iloc[0]
    t1 = tiled.latency.query("stage == 'forward'").latency_ns.iloc[0]
    assert t1 > t0
    conv = [a.count for a in tiled.sims["tiled"].ledger.actions if a.action == "convert"]
    assert sum(conv) == 3 * 100  # three row tiles each digitise their partial sums
    assert tiled.sims["tiled"].facts["arrays"] == 3 * 1


@pytest.mark.parametrize("field,small,large", [
    ("tile.adcs_per_array", 64, 256),
    ("tile.integration_ns", 64.0, 128.0),
])
def test_design_change_moves_forward_latency_the_right_way(field, small, large):
    path = ROOT / "workloads" / "mlp_mnist_train.yaml"
    lat = {}
    for v in (small, large):
        d = build_design("mca", f"v{v}", {field: v})
        lat[v] = _run(path, designs=[d]).latency.query("stage == 'forward'").latency_ns.iloc[0]
    if field == "tile.adcs_per_array":
        assert lat[small] > lat[large]  # fewer ADCs per array → more conversion rounds
    else:
        assert lat[small] < lat[large]  # shorter integration → faster MVMs


def test_more_chi_banks_shorten_the_update():
    path = ROOT / "workloads" / "mlp_mnist_train.yaml"
    lat = {}
    for banks in (1, 6):
        d = build_design("mca", f"b{banks}", {"chi_sram.banks": banks, "chi_unit.lanes": 8})
        lat[banks] = _run(path, designs=[d]).latency.query("stage == 'update'").latency_ns.iloc[0]
    assert lat[6] < lat[1]


def test_programming_overlap_hides_pulses_behind_the_chi_pass(tmp_path):
    path = ROOT / "workloads" / "mlp_mnist_train.yaml"
    w = load_workload(path)
    heavy = w.model_copy(update={"trace": w.trace.model_copy(update={
        "update": w.trace.update.model_copy(update={"set_pulses_per_image": 20.0})})})
    lat = {}
    for overlap in (True, False):
        d = build_design("mca", f"o{overlap}", {"programming.overlap_with_digital": overlap})
        lat[overlap] = estimate(heavy, path, designs=[d]).latency.query("stage == 'update'").latency_ns.iloc[0]
    assert lat[True] < lat[False]
