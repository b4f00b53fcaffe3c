"""The discrete-event model: closed-form chains, contention, tiling onto the design's geometry, streams."""

from __future__ import annotations

import math

import pytest
import simpy

from archsim.config.design import build_design
from archsim.estimate import load_tech, load_workload
from archsim.hardware.components.crossbar import AdcBank
from archsim.hardware.ledger import Ledger, OpContext
from archsim.hardware.units import Unit
from tests.estimator.helpers import ROOT, run, write_workload


def test_uncontended_chain_equals_closed_form(tmp_path):
    """One dense layer (100+bias → 50) inferred on the MCA: read inputs, integrate, convert, write."""
    path = write_workload(tmp_path, [100, 50])
    est = run(path)
    d = build_design("mca")
    clk = d.activation_sram.clock_ghz
    feed = math.ceil(101 * d.act_bits / d.activation_sram.width_bits) / clk      # act SRAM ‖ bus (shorter)
    bus = math.ceil(101 * d.tile.dac_bits / d.bus.width_bits) / d.bus.clock_ghz
    assert bus < feed
    integrate = 2 ** d.tile.dac_bits * d.tile.pwm_step_ns                          # 8-bit PWM: 256 steps
    convert = math.ceil(50 / d.tile.adcs_per_array) * d.tile.adc_conversion_ns * d.tile.adc_bits / 8
    write = math.ceil(50 * d.act_bits / d.activation_sram.width_bits) / clk       # ‖ bus out (shorter)
    got = est.latency.query("stage == 'forward'").latency_ns.iloc[0]
    assert got == pytest.approx(feed + integrate + convert + write, rel=1e-12)


def test_two_processes_sharing_one_adc_bank_take_twice_as_long():
    path = ROOT / "workloads" / "mlp_mnist_train.yaml"
    tech = load_tech(load_workload(path), path)

    def finish(n_users: int) -> float:
        env = simpy.Environment()
        adc = Unit(env, Ledger(), "adc", AdcBank(tech, bits=8, adcs=16, conversion_ns_8b=5.0, acc_bits=16))
        for _ in range(n_users):
            env.process(adc.work(OpContext("forward"), 4 * adc.component.conversion_ns, {"convert": 64}))
        env.run()
        return env.now

    one, two = finish(1), finish(2)
    assert one == pytest.approx(4 * 5.0)
    assert two == pytest.approx(2 * one)


def test_layers_are_tiled_to_the_geometry_with_partial_sums_and_their_traffic(tmp_path):
    """700+bias → 100 on 256 × 256 arrays: 3 row tiles, each digitising its 100 partial sums, which
    travel over the bus and are added in the digital unit."""
    path = write_workload(tmp_path, [700, 100])
    est = run(path)
    sim, acts = est.sims["mca"], est.actions["mca"]
    assert sim.facts["arrays_by_layer"] == {"dense1": 3}
    assert acts.query("action == 'convert'")["count"].sum() == 3 * 100
    assert acts.query("action == 'partial_sum'")["count"].sum() == 2 * 100
    d = build_design("mca")
    bus_bits = acts.query("component == 'bus'")["count"].sum()
    assert bus_bits == 701 * d.tile.dac_bits + 3 * 100 * d.tile.adc_bits  # inputs in, every tile's outputs out
    bigger = run(path, [build_design("mca", "big", {"crossbar": {"rows": 1024, "cols": 256}})])
    assert bigger.actions["big"].query("action == 'convert'")["count"].sum() == 100  # one row tile
    assert sim.facts["utilisation_by_layer"]["dense1"] == pytest.approx(701 * 100 / (3 * 256 * 256))


def test_adcs_fewer_than_columns_multiplex_them(tmp_path):
    path = write_workload(tmp_path, [100, 200])
    lat = {n: run(path, [build_design("mca", "x", {"tile.adcs_per_array": n})]).latency.query(
        "stage == 'forward'").latency_ns.iloc[0] for n in (200, 50)}
    conv = build_design("mca").tile.adc_conversion_ns
    assert lat[50] - lat[200] == pytest.approx((4 - 1) * conv)  # 200 columns on 50 ADCs: 4 rounds


def test_dedicated_arrays_pipeline_a_stream_of_images(tmp_path):
    """Inference on dedicated arrays: images overlap layer by layer, so the throughput measured from
    the stream beats 1 / single-image latency; a batch-1 training stream cannot overlap (each image
    needs the previous one's update) and runs at exactly 1 / latency."""
    layers = [{"type": "conv2d", "name": f"c{i}", "out_channels": 8, "kernel": 3, "padding": 1, "activation": "relu"}
              for i in range(4)]
    infer = write_workload(tmp_path, layers, input_shape=[8, 8, 8], name="inf", extra={"stream_batches": 6})
    est = run(infer)
    latency_s = est.latency.query("stage == 'total'").latency_ns.iloc[0] / 1e9
    assert est.stream.images_per_s.iloc[0] > 2.0 / latency_s
    train = write_workload(tmp_path, layers, input_shape=[8, 8, 8], name="tr", mode="train",
                           extra={"stream_batches": 3})
    est = run(train)
    latency_s = est.latency.query("stage == 'total'").latency_ns.iloc[0] / 1e9
    assert est.stream.images_per_s.iloc[0] == pytest.approx(1 / latency_s, rel=1e-9)
