"""Sweep YAML validation and point expansion."""

from __future__ import annotations

import pytest
from sweep_cases import small_sweep

from archsim.config.errors import ConfigError
from archsim.sweep.config import load_sweep
from archsim.sweep.points import range_values
from archsim.sweep.config import RangeSpec


def _problems(write_sweep, data) -> str:
    with pytest.raises(ConfigError) as info:
        load_sweep(write_sweep(data))
    return str(info.value)


def test_grid_expansion_ties_targets_and_applies_require(write_sweep):
    plan = load_sweep(write_sweep())
    assert len(plan.points) == 2 * 2 * 3
    for p in plan.points:
        assert p.values["design.crossbar.rows"] == p.values["design.crossbar.cols"]
        should_exclude = p.values["design.tile.adcs_per_array"] > p.values["design.crossbar.cols"]
        assert (p.excluded is not None) == should_exclude
    assert len(plan.todo) == 12 - 2   # 128 ADCs on 64-column arrays, at both ADC resolutions
    assert len({p.key for p in plan.points}) == len(plan.points)


def test_fixed_values_reach_the_base_design(write_sweep):
    plan = load_sweep(write_sweep())
    assert plan.context.design.crossbar.mapping == "tiled"


def test_keys_are_stable_and_depend_on_the_base(write_sweep, tmp_path):
    a = load_sweep(write_sweep())
    b = load_sweep(write_sweep())
    assert [p.key for p in a.points] == [p.key for p in b.points]
    c = load_sweep(write_sweep(small_sweep(fixed={"design.crossbar.mapping": "tiled",
                                                  "design.tile.pwm_step_ns": 0.25}), "other.yaml"))
    assert not {p.key for p in a.points} & {p.key for p in c.points}


def test_random_mode_is_seeded(write_sweep):
    data = small_sweep(mode="random", samples=20, seed=7, iso={},
                       axes=[{"target": "tech.calibration.column_readout.value",
                              "random": {"low": 0.1, "high": 2.0, "scale": "log"}},
                             {"target": "design.tile.adc_bits", "values": [4, 6, 8]}])
    a = load_sweep(write_sweep(data))
    b = load_sweep(write_sweep(data, "again.yaml"))
    c = load_sweep(write_sweep({**data, "seed": 8}, "seed8.yaml"))
    va = [p.values for p in a.points]
    assert va == [p.values for p in b.points]
    assert va != [p.values for p in c.points]
    energies = [v["tech.calibration.column_readout.value"] for v in va]
    assert all(0.1 <= e <= 2.0 for e in energies) and len(set(energies)) == 20
    assert {v["design.tile.adc_bits"] for v in va} <= {4, 6, 8}


def test_ranges():
    assert range_values(RangeSpec(start=4, stop=8, step=1)) == [4.0, 5.0, 6.0, 7.0, 8.0]
    assert range_values(RangeSpec(start=16, stop=256, num=5, scale="log", integer=True)) == [16, 32, 64, 128, 256]
    assert range_values(RangeSpec(start=0, stop=1, num=3)) == [0.0, 0.5, 1.0]


def test_zipped_pairs(write_sweep):
    data = small_sweep(iso={}, axes=[{"target": ["design.crossbar.rows", "design.crossbar.cols"],
                                      "values": [[128, 64], [256, 512]]}])
    plan = load_sweep(write_sweep(data))
    assert [(p.values["design.crossbar.rows"], p.values["design.crossbar.cols"]) for p in plan.points] == \
        [(128, 64), (256, 512)]


@pytest.mark.parametrize("change, expected", [
    ({"axes": [{"target": "design.tile.adc_bitz", "values": [4]}]},
     "axes.0.target: 'design.tile.adc_bitz': no field 'adc_bitz' under design.tile; fields there: adc_bits"),
    ({"axes": [{"target": "chip.adc_bits", "values": [4]}]}, "starting with design., tech. or workload."),
    ({"axes": [{"target": "design.tile.adc_bits", "values": [4], "range": {"start": 1, "stop": 2, "num": 2}}]},
     "give exactly one of values, range, random"),
    ({"objectives": [{"metric": "energy"}]}, "objectives.0.metric: unknown metric 'energy'; allowed: "),
    ({"iso": {"require": ["design.tile.adcs_per_array <= __import__('os')"]}}, "iso.require.0"),
    ({"iso": {"require": ["design.tile.adcs <= 4"]}}, "no field 'adcs' under design.tile"),
    ({"mode": "random"}, "mode: random needs samples"),
    ({"colour": "red"}, "unknown key 'colour'; allowed keys here:"),
    ({"fixed": {"design.tile.dac_bits": 40}}, "fixed (design.tile.dac_bits): Input should be less than or equal to 16"),
    ({"fixed": {"design.tile.adc_bits": 6}}, "axes: 'design.tile.adc_bits' is set twice"),
    ({"workload": "missing.yaml"}, "workload: file 'missing.yaml' not found"),
    ({"derived": {"adcs": "metrics.nothing * 2"}}, "'metrics.nothing': no such metric"),
    ({"report": {"color_by": "design.tile.dac_bits"}}, "report.color_by: 'design.tile.dac_bits' is not swept"),
])
def test_bad_input_names_file_and_key(write_sweep, change, expected):
    msg = _problems(write_sweep, small_sweep(**change))
    assert "sweep.yaml" in msg
    assert expected in msg


def test_all_points_excluded_is_an_error(write_sweep):
    msg = _problems(write_sweep, small_sweep(iso={"require": ["design.tile.adc_bits > 100"]}))
    assert "no point satisfies the constraints" in msg


def test_functional_targets_need_a_functional_section(write_sweep):
    msg = _problems(write_sweep, small_sweep(axes=[{"target": "workload.functional.epsilon", "values": [0.1]}],
                                             iso={}))
    assert "add a functional: section to the sweep" in msg
