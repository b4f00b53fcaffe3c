"""The generated tech file as the estimator reads it: bad files are clear errors naming file and key, and a
design outside a grid is an error naming the grid, the parameter, its value and the range."""

from __future__ import annotations

import math

import pytest
import yaml

from archsim.cli import main
from archsim.config.errors import ConfigError
from archsim.config.tech import load_tech_file
from tests.estimator.helpers import TECH, design, run, write_workload


@pytest.fixture(scope="module")
def doc():
    return yaml.load(TECH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _check(capsys, tmp_path, data) -> str:
    p = tmp_path / "tech.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert str(p) in err and "Traceback" not in err
    return err


def test_committed_tech_file_is_valid_and_generated(doc):
    tech = load_tech_file(TECH)
    assert tech.kind == "tech" and tech.version == 2
    assert doc["generated_by"]["command"].startswith("archsim tech build")
    for name, p in tech.primitives.items():   # every primitive names its model and package (or a source)
        assert p.model and "==" in p.package, name
    for name, f in tech.calibration.items():   # every factor says what it was fitted to and why
        assert f.fitted_to.startswith("table1 ") and len(f.explains) > 40, name


def test_missing_model_names_file_and_key(capsys, tmp_path, doc):
    data = yaml.safe_load(yaml.safe_dump(doc))
    del data["primitives"]["pcm_set_pulse"]["model"]
    err = _check(capsys, tmp_path, data)
    assert "primitives.pcm_set_pulse.model: required key is missing" in err


def test_unknown_model_and_unknown_parameter_are_named(capsys, tmp_path, doc):
    data = yaml.safe_load(yaml.safe_dump(doc))
    data["primitives"]["int_add_32"]["model"] = "library_addr"
    data["primitives"]["pcm_reset_pulse"]["params"]["voltag_v"] = 1.5
    err = _check(capsys, tmp_path, data)
    assert "primitives.int_add_32: " in err and "unknown model 'library_addr'" in err
    assert "primitives.pcm_reset_pulse: " in err and "unknown parameter(s) voltag_v" in err and "voltage_v" in err


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_values_are_errors(capsys, tmp_path, doc, bad):
    data = yaml.safe_load(yaml.safe_dump(doc))
    data["grids"]["adc"]["rows"][3][2] = bad
    data["primitives"]["dram_access"]["actions"]["read"]["energy_pj"] = bad
    err = _check(capsys, tmp_path, data)
    assert "grids.adc.rows.3.2" in err and "finite" in err
    assert "primitives.dram_access.actions.read.energy_pj" in err


def test_missing_grid_or_primitive_says_what_it_prices(capsys, tmp_path, doc):
    data = yaml.safe_load(yaml.safe_dump(doc))
    del data["grids"]["adc"]
    del data["primitives"]["bus_wire_bit"]
    err = _check(capsys, tmp_path, data)
    assert "no adc_survey grid" in err and "primitives.bus_wire_bit is missing" in err
    assert "archsim tech build" in err


def test_a_grid_with_a_wrong_row_count_is_an_error(capsys, tmp_path, doc):
    data = yaml.safe_load(yaml.safe_dump(doc))
    data["grids"]["comparator"]["rows"].pop()
    err = _check(capsys, tmp_path, data)
    assert "grids.comparator" in err and "rows" in err


def test_the_old_hand_written_format_is_a_clear_error(tmp_path):
    p = tmp_path / "old.yaml"
    p.write_text("kind: tech\nversion: 1\nname: x\nnode_nm: 14\nprimitives: {}\n")
    with pytest.raises(ConfigError) as exc:
        load_tech_file(p)
    assert "version: 1 is the old hand-written tech format" in str(exc.value) and "archsim tech build" in str(exc.value)


def test_a_design_outside_a_grid_names_grid_parameter_value_and_range(tmp_path):
    path = write_workload(tmp_path, [100, 10])
    with pytest.raises(ConfigError) as exc:
        run(path, [design("mca", {"tile.adc_bits": 14})])
    msg = str(exc.value)
    assert str(TECH) in msg and "grids.adc.axes.bits" in msg and "bits = 14" in msg
    assert "outside the grid's range 4 to 12" in msg and "archsim tech build" in msg and "--reuse" in msg
    with pytest.raises(ConfigError) as exc:
        run(path, [design("digital32", {"weight_sram.width_bits": 1024})])
    assert "grids.sram.axes.width_bits" in str(exc.value) and "width_bits = 1024" in str(exc.value)


def test_interpolation_is_exact_at_grid_points_and_log_log_between(doc):
    from archsim.hardware.components.pricing import Pricer

    tech = load_tech_file(TECH)
    p = Pricer(tech)
    g = tech.grids["multiplier"]
    axes = list(g.axes)
    for row in g.rows[::7]:
        point = dict(zip(axes, row[: len(axes)]))
        assert p.grid_value("library_multiplier", "multiply.energy_pj", **point) == pytest.approx(row[2], rel=1e-12)
    # the Aladdin multiplier is ∝ width_a · width_b: log-log interpolation reproduces it between points
    e = lambda a, b: p.grid_value("library_multiplier", "multiply.energy_pj", width_a_bits=a, width_b_bits=b)  # noqa: E731
    assert e(6, 8) == pytest.approx(e(4, 8) * 6 / 4, rel=1e-9)
    assert e(12, 24) == pytest.approx(e(8, 16) * 12 * 24 / (8 * 16), rel=1e-9)
    # an SRAM between grid sizes lies between its neighbours, on the log-log line through them
    s = lambda kb: p.grid_value("cacti_sram", "read.energy_pj", size_kb=kb, width_bits=32, banks=4, ports=1)  # noqa: E731
    assert s(1024) < s(2048) < s(4096)
    assert math.log(s(2048)) == pytest.approx((math.log(s(1024)) + math.log(s(4096))) / 2, rel=1e-12)
