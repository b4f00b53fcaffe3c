"""Every knob of the design schema moves what physics says it should (issue 10, item 7).

Each row changes one knob between two design points and states the direction of a metric, or the
factor physics gives (bounds on metric(b) / metric(a)). `test_every_knob_is_in_the_table` fails
when a design field is added without a row here (or an "area only" note in its description).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from pydantic import BaseModel

from archsim.config.design import DigitalDesign, McaDesign
from archsim.config.errors import ConfigError
from tests.estimator.helpers import CNN_LAYERS, design, run, write_workload

MLP = [{"type": "dense", "name": "dense1", "out": 300, "activation": "sigmoid"},
       {"type": "dense", "name": "dense2", "out": 200, "activation": "softmax"}]
HEAVY_PULSES = {"trace.update.set_pulses_per_image": 400.0}
HEAVY_REFRESH = {"trace.update.refresh_interval_images": 1, "trace.update.saturated_fraction_per_refresh": 0.01}


@pytest.fixture(scope="module")
def workloads(tmp_path_factory):
    d = tmp_path_factory.mktemp("sens")
    return {
        "mlp_train": write_workload(d, MLP, mode="train", name="mlp_train", input_shape=[300]),
        "mlp_infer": write_workload(d, MLP, mode="infer", name="mlp_infer", input_shape=[300]),
        "cnn_train": write_workload(d, CNN_LAYERS, mode="train", name="cnn_train", input_shape=[4, 12, 12]),
        "cnn_infer": write_workload(d, CNN_LAYERS, mode="infer", name="cnn_infer", input_shape=[4, 12, 12]),
    }


# -- metrics of design "x" in an estimate --------------------------------------------------------------
def energy(component: str | None = None, stage: str | None = None) -> Callable:
    def f(est):
        df = est.energy[est.energy.design == "x"]
        if component:
            df = df[df.component == component]
        if stage:
            df = df[df.stage == stage]
        return df.energy_pj.sum()
    return f


def latency(stage: str = "total") -> Callable:
    def f(est):
        lat = est.latency
        return lat[(lat.design == "x") & (lat.stage == stage)].latency_ns.iloc[0]
    return f


def count(action: str, stage: str | None = None, unit: str = "") -> Callable:
    def f(est):
        a = est.actions["x"]
        a = a[(a.action == action) & a.unit.str.startswith(unit)]
        return (a[a.stage == stage] if stage else a)["count"].sum()
    return f


def bits(component: str) -> Callable:
    def f(est):
        a = est.actions["x"]
        return a[a.component == component].bits_moved.sum()
    return f


def fact(name: str) -> Callable:
    return lambda est: est.sims["x"].facts[name]


def busy(unit: str) -> Callable:
    return lambda est: sum(b.end_ns - b.start_ns for b in est.sims["x"].ledger.busy if b.unit == unit)


throughput = lambda est: est.stream.set_index("design").images_per_s["x"]  # noqa: E731


@dataclass
class Case:
    knobs: tuple[str, ...]          # the design fields (or workload.* fields) this row covers
    base: str
    a: dict
    b: dict
    metric: Callable
    expect: Any                     # "up" | "down" | "error" | (lo, hi) on metric(b) / metric(a)
    workload: str = "mlp_train"
    changes: dict = field(default_factory=dict)
    b_changes: dict = field(default_factory=dict)  # workload changes of point b only

    @property
    def id(self) -> str:
        return f"{self.base}:{'+'.join(self.knobs)}:{self.expect if isinstance(self.expect, str) else 'factor'}"


SHARED = {"crossbar.mapping": "shared", "crossbar.shared_arrays": 2}
CHI_IN_DRAM = {"chi_sram.capacity_kb": 64}

CASES = [
    # --- converters ---------------------------------------------------------------------------------
    Case(("tile.adc_bits",), "mca", {}, {"tile.adc_bits": 6}, energy("ADC"), (0.55, 0.70)),  # survey model: 0.62
    Case(("tile.adc_bits",), "mca", {}, {"tile.adc_bits": 6}, latency("forward"), "down"),
    Case(("tile.adcs_per_array",), "mca", {}, {"tile.adcs_per_array": 64}, latency("forward"), "up"),
    Case(("tile.adcs_per_array",), "mca", {}, {"tile.adcs_per_array": 64}, fact("adcs"), (0.25, 0.25)),
    Case(("tile.adcs_per_array",), "mca", {}, {"tile.adcs_per_array": 64}, fact("gated_leakage_mw"), "down"),
    Case(("tile.adc_power_gating",), "mca", {}, {"tile.adc_power_gating": False}, energy(), "up"),
    Case(("tile.adc_power_gating",), "mca", {}, {"tile.adc_power_gating": False}, fact("leakage_mw"), "up"),
    Case(("tile.adcs_per_array",), "mca", {}, {"tile.adcs_per_array": 64}, fact("adc_area_mm2"), (0.25, 0.25)),
    Case(("tile.dac_bits",), "mca", {}, {"tile.dac_bits": 4}, energy("crossbar array"), (1 / 16 - 1e-6, 1 / 16 + 1e-6)),
    Case(("tile.dac_bits",), "mca", {}, {"tile.dac_bits": 4}, latency("forward"), "down"),
    Case(("tile.input_encoding",), "mca", {}, {"tile.input_encoding": "bit_serial"}, count("convert"), (8, 8)),
    Case(("tile.input_encoding",), "mca", {}, {"tile.input_encoding": "bit_serial"}, energy("shift-add"), "up"),
    Case(("tile.pwm_step_ns",), "mca", {}, {"tile.pwm_step_ns": 0.25}, energy("crossbar array"), (0.5, 0.5)),
    Case(("tile.pwm_step_ns",), "mca", {}, {"tile.pwm_step_ns": 0.25}, latency("forward"), "down"),
    Case(("tile.bit_pulse_ns",), "mca", {"tile.input_encoding": "bit_serial"},
         {"tile.input_encoding": "bit_serial", "tile.bit_pulse_ns": 5.0}, energy("crossbar array"), (0.5, 0.5)),
    Case(("tile.adc_conversion_ns",), "mca", {}, {"tile.adc_conversion_ns": 20.0}, latency("forward"), "up"),
    # --- crossbar geometry and mapping ------------------------------------------------------------------
    Case(("crossbar.rows",), "mca", {}, {"crossbar.rows": 128}, count("convert", "forward"), (1.5, 1.5)),  # 2 → 3 row tiles
    Case(("crossbar.rows",), "mca", {}, {"crossbar.rows": 128}, count("partial_sum", "forward"), "up"),
    Case(("crossbar.cols",), "mca", {}, {"crossbar.cols": 128, "tile.adcs_per_array": 128},
         count("convert", "backward"), (2, 2)),  # dense2's 200 columns: 1 → 2 column tiles
    Case(("crossbar.cols",), "mca", {}, {"crossbar.cols": 128, "tile.adcs_per_array": 128}, fact("arrays"), "up"),
    Case(("crossbar.devices_per_weight",), "mca", {}, {"crossbar.devices_per_weight": 1}, energy("crossbar array"),
         (0.5, 0.5)),
    Case(("crossbar.devices_per_weight",), "mca", {}, {"crossbar.devices_per_weight": 4}, energy("crossbar array"),
         (2, 2)),  # two devices per sign: twice the devices read
    Case(("crossbar.mapping", "crossbar.shared_arrays"), "mca", {}, SHARED, energy("reprogramming"), "up",
         workload="mlp_infer"),
    Case(("crossbar.shared_arrays",), "mca", SHARED, {**SHARED, "crossbar.shared_arrays": 100}, latency(), "down",
         workload="mlp_infer"),
    Case(("crossbar.rows",), "mca", {**SHARED, "crossbar.shared_arrays": 4}, {**SHARED, "crossbar.shared_arrays": 4,
         "crossbar.rows": 128}, latency(), "up", workload="mlp_infer"),  # more tiles, more passes per pool
    Case(("crossbar.program_target_bits",), "mca", SHARED, {**SHARED, "crossbar.program_target_bits": 16},
         energy("DRAM"), (2, 2), workload="mlp_infer"),
    # --- χ unit and χ memory -------------------------------------------------------------------------
    Case(("chi_unit.lanes",), "mca", {"chi_sram.banks": 8}, {"chi_sram.banks": 8, "chi_unit.lanes": 8},
         latency("update"), "down"),
    Case(("chi_unit.chi_bits",), "mca", {}, {"chi_unit.chi_bits": 16}, fact("chi_sram_need_kb"), (0.5, 0.5)),
    Case(("chi_unit.clock_ghz",), "mca", {"chi_sram.banks": 8}, {"chi_sram.banks": 8, "chi_unit.clock_ghz": 2.0},
         latency("update"), "down"),
    Case(("chi_sram.capacity_kb",), "mca", {"chi_sram.capacity_kb": "fit"}, CHI_IN_DRAM, energy("DRAM"), "up"),
    Case(("chi_sram.capacity_kb",), "mca", {}, {"chi_sram.capacity_kb": 2048}, fact("leakage_mw"), "up"),
    Case(("chi_sram.banks",), "mca", {"chi_sram.banks": 1}, {"chi_sram.banks": 4}, latency("update"), "down"),
    Case(("chi_sram.width_bits",), "mca", {}, {"chi_sram.width_bits": 64}, energy("χ SRAM"), "up"),
    Case(("chi_sram.ports",), "mca", {"chi_sram.banks": 1}, {"chi_sram.banks": 1, "chi_sram.ports": 2},
         latency("update"), "down"),
    Case(("chi_sram.clock_ghz",), "mca", {"chi_sram.banks": 1}, {"chi_sram.banks": 1, "chi_sram.clock_ghz": 2.0},
         latency("update"), "down"),
    Case(("update_quant_bits",), "mca", {}, {"update_quant_bits": 6}, energy("digital unit", "update"), (1.0, 4.0)),
    # --- write heads ---------------------------------------------------------------------------------
    Case(("programming.write_heads",), "mca", {"programming.overlap_with_digital": False},
         {"programming.overlap_with_digital": False, "programming.write_heads": 4}, latency("update"), "down",
         changes=HEAVY_PULSES),
    Case(("programming.set_pulse_ns",), "mca", {"programming.overlap_with_digital": False},
         {"programming.overlap_with_digital": False, "programming.set_pulse_ns": 100.0}, latency("update"), "up",
         changes=HEAVY_PULSES),
    Case(("programming.reset_pulse_ns",), "mca", {}, {"programming.reset_pulse_ns": 500.0}, latency("update"), "up",
         changes=HEAVY_REFRESH),
    Case(("programming.verify_read_ns",), "mca", {}, {"programming.verify_read_ns": 400.0}, latency("update"), "up",
         changes=HEAVY_REFRESH),
    Case(("programming.overlap_with_digital",), "mca", {}, {"programming.overlap_with_digital": False},
         latency("update"), "up", changes=HEAVY_PULSES),
    # --- digital unit, buffers, bus, DRAM (both design types) -------------------------------------------
    Case(("digital_unit.lanes",), "mca", {"digital_unit.lanes": 1}, {"digital_unit.lanes": 4}, latency("backward"),
         "down"),
    Case(("digital_unit.data_bits",), "mca", {}, {"digital_unit.data_bits": 32}, energy("digital unit", "forward"),
         (2.0, 4.0)),  # adders ∝ bits, multipliers ∝ bits²
    Case(("digital_unit.clock_ghz",), "mca", {"digital_unit.lanes": 1}, {"digital_unit.lanes": 1,
         "digital_unit.clock_ghz": 2.0}, latency("backward"), "down"),
    Case(("digital_unit.cycles_per_op",), "mca", {}, {"digital_unit.cycles_per_op": {"activation": 8}},
         latency("forward"), "up"),
    Case(("activation_sram.capacity_kb",), "mca", {"activation_sram.capacity_kb": "fit"},
         {"activation_sram.capacity_kb": 0.5}, energy("DRAM"), "up"),
    Case(("activation_sram.banks",), "mca", {}, {"activation_sram.banks": 4}, latency("forward"), "down"),
    Case(("activation_sram.width_bits",), "mca", {}, {"activation_sram.width_bits": 128}, latency("forward"), "down"),
    Case(("activation_sram.ports",), "mca", {}, {"activation_sram.ports": 1}, latency("forward"), "up",
         workload="cnn_infer"),  # reads of one chunk overlap writes of the previous one
    Case(("activation_sram.clock_ghz",), "mca", {}, {"activation_sram.clock_ghz": 2.0}, latency("forward"), "down"),
    Case(("bus.width_bits",), "mca", {}, {"bus.width_bits": 4}, latency("forward"), "up"),
    Case(("bus.clock_ghz",), "mca", {}, {"bus.clock_ghz": 0.1}, latency("forward"), "up"),
    Case(("act_bits",), "mca", {}, {"act_bits": 16}, bits("activation SRAM"), (2, 2)),
    Case(("dram.enabled",), "mca", CHI_IN_DRAM, {**CHI_IN_DRAM, "dram.enabled": False}, energy(), "error"),
    Case(("dram.bandwidth_gb_s",), "mca", CHI_IN_DRAM, {**CHI_IN_DRAM, "dram.bandwidth_gb_s": 1.0}, latency("update"),
         "up"),
    Case(("dram.burst_bytes",), "mca", CHI_IN_DRAM, {**CHI_IN_DRAM, "dram.burst_bytes": 128}, energy("DRAM"), (2, 2)),
    # --- digital designs -------------------------------------------------------------------------------
    Case(("dataflow",), "digital32", {}, {"dataflow": "weight_stationary"}, bits("weight SRAM"), "down",
         workload="cnn_infer"),
    Case(("dataflow",), "digital32", {}, {"dataflow": "weight_stationary"}, count("write", unit="activation_sram"),
         "up", workload="cnn_infer"),  # partial sums of fan-in tiles go back to SRAM
    Case(("weight_bits",), "digital32", {}, {"weight_bits": 16}, energy("MAC array"), (0.5, 0.53)),
    Case(("weight_bits",), "digital32", {}, {"weight_bits": 16}, fact("weight_sram_need_kb"), (0.5, 0.5)),
    Case(("zero_skipping",), "digital_mp", {"zero_skipping": False}, {}, energy(stage="backward"), "down",
         changes={"trace.error_zero_fraction_8bit": 0.5}),
    Case(("mac_array.rows",), "digital32", {}, {"mac_array.rows": 16}, count("read", unit="weight_sram"), "down",
         workload="cnn_infer"),  # output stationary: a weight read feeds one PE row per position
    Case(("mac_array.cols",), "digital32", {}, {"mac_array.cols": 64}, latency("forward"), "down"),  # MAC-bound
    Case(("mac_array.acc_bits",), "digital32", {}, {"mac_array.acc_bits": 16}, energy("MAC array"), "down"),
    Case(("mac_array.clock_ghz",), "digital32", {"mac_array.clock_ghz": 1.0}, {"mac_array.clock_ghz": 2.0},
         busy("mac_array"), (0.45, 0.55),
         workload="cnn_infer"),
    Case(("weight_sram.capacity_kb",), "digital32", {"weight_sram.capacity_kb": "fit"},
         {"weight_sram.capacity_kb": 8}, energy("DRAM"), "up", workload="cnn_train"),
    # the dense update reads and writes every weight: weight-SRAM bound
    Case(("weight_sram.banks",), "digital32", {}, {"weight_sram.banks": 64}, latency("update"), "down"),
    Case(("weight_sram.width_bits",), "digital32", {}, {"weight_sram.width_bits": 64}, latency("update"), "down"),
    Case(("weight_sram.ports",), "digital32", {}, {"weight_sram.ports": 2}, latency("update"), "down"),
    Case(("weight_sram.clock_ghz",), "digital32", {}, {"weight_sram.clock_ghz": 2.0}, latency("update"), "down"),
    Case(("update",), "digital32", {}, {"update": "chi_threshold"}, energy(stage="update"), "down"),
    Case(("chi_unit.lanes", "chi_sram.banks"), "digital_mp", {}, {"chi_unit.lanes": 8, "chi_sram.banks": 8},
         latency("update"), "down"),
    # --- workload knobs the designs respond to -----------------------------------------------------------
    Case(("workload.batch_size",), "digital32", {"dataflow": "weight_stationary"}, {"dataflow": "weight_stationary"},
         count("read", unit="weight_sram"), (1 / 8, 1 / 8), workload="cnn_infer", b_changes={"batch_size": 8}),
    Case(("workload.batch_size",), "mca", {}, {}, throughput, "up", workload="cnn_train", b_changes={"batch_size": 4}),
    Case(("workload.batch_size",), "mca", {}, {}, count("set_pulse", "update"), (1, 1), b_changes={"batch_size": 4}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_knob_moves_the_right_way(case: Case, workloads):
    path = workloads[case.workload]
    changes = case.changes
    a = run(path, [design(case.base, case.a)], **changes)
    if case.expect == "error":
        with pytest.raises(ConfigError) as info:
            run(path, [design(case.base, case.b)], **changes)
        assert "dram.enabled" in str(info.value) and "capacity_kb" in str(info.value)
        return
    b = run(path, [design(case.base, case.b)], **changes, **case.b_changes)
    ma, mb = case.metric(a), case.metric(b)
    if case.expect == "up":
        assert mb > ma * (1 + 1e-9), (ma, mb)
    elif case.expect == "down":
        assert mb < ma * (1 - 1e-9), (ma, mb)
    else:
        lo, hi = case.expect
        assert ma > 0 and lo * (1 - 1e-6) <= mb / ma <= hi * (1 + 1e-6), (ma, mb, mb / ma)


def _knobs(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, f in model.model_fields.items():
        if name in ("kind", "version", "name", "description", "type"):
            continue
        nested = [a for a in (getattr(f.annotation, "__args__", None) or (f.annotation,))
                  if isinstance(a, type) and issubclass(a, BaseModel)]
        if nested:
            out |= _knobs(nested[0], f"{prefix}{name}.")
        elif "area only" not in (f.description or ""):
            out.add(f"{prefix}{name}")
    return out


def test_every_knob_is_in_the_table():
    covered = {k for c in CASES for k in c.knobs}
    knobs = (_knobs(McaDesign) - {"update"}) | _knobs(DigitalDesign)  # the MCA's update rule has one value
    missing = sorted(knobs - covered)
    assert not missing, f"design knobs without a sensitivity row: {missing}"
