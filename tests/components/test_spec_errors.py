"""A spec with a missing or unknown model, unknown parameters or non-finite values is one clear error
naming the file and the key (these need no hwcomponents: they run on every interpreter)."""

from __future__ import annotations

import pytest

from archsim.cli import main
from archsim.config.errors import ConfigError
from archsim.techbuild.spec import grid_points, load_spec

from tests.components.helpers import PCM_CELL

ADC = {"model": "adc_survey", "description": "8-bit ADC", "params": {"bits": 8, "rate_gsps": 0.2}}


def _error(path) -> str:
    with pytest.raises(ConfigError) as exc:
        load_spec(path)
    return str(exc.value)


def test_committed_spec_is_valid(root):
    spec, checked = load_spec(root / "tech" / "14lpp.spec.yaml")
    assert spec.node_nm == 14 and "adc_conversion" in spec.primitives
    assert checked["sram_chi_reference"].banks == 4


def test_missing_model_names_file_and_key(write_spec):
    path = write_spec({"primitives": {"adc": {"description": "no model", "params": {"bits": 8}}}})
    msg = _error(path)
    assert str(path) in msg and "primitives.adc.model: required key is missing" in msg


def test_unknown_model_lists_the_allowed_ones(write_spec):
    path = write_spec({"primitives": {"adc": {**ADC, "model": "adc_magic"}}})
    msg = _error(path)
    assert f"{path}: primitives.adc.model: unknown model 'adc_magic'" in msg
    assert "adc_survey" in msg and "cacti_sram" in msg and "plugin" in msg


def test_unknown_parameter_names_key_and_allowed(write_spec):
    path = write_spec({"primitives": {"adc": {**ADC, "params": {"bits": 8, "rate_gsps": 0.2, "bitz": 6}}}})
    msg = _error(path)
    assert f"{path}: primitives.adc.params.bitz: unknown key 'bitz'" in msg
    assert "allowed keys here: bits, rate_gsps, tech_node_nm" in msg


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_non_finite_or_impossible_values_are_errors(write_spec, bad):
    path = write_spec({"primitives": {"adc": {**ADC, "params": {"bits": 8, "rate_gsps": bad}}}})
    msg = _error(path)
    assert f"{path}: primitives.adc.params.rate_gsps" in msg


def test_non_finite_grid_value_names_the_axis(write_spec):
    path = write_spec({"primitives": {"adc": ADC},
                       "grids": {"g": {"model": "cacti_sram", "description": "sram grid", "params": {"width_bits": 32},
                                       "axes": {"size_kb": [1, float("nan")]}}}})
    msg = _error(path)
    assert f"{path}: grids.g.axes.size_kb" in msg and "finite" in msg


def test_unknown_grid_axis_and_missing_cell(write_spec):
    path = write_spec({
        "primitives": {"cell": {"model": "neurosim_cell", "description": "cell read",
                                "params": {"rows": 256, "cols": 256, "cell": "nope", "integration_ns": 128}}},
        "grids": {"g": {"model": "adc_survey", "description": "adc grid", "params": {"rate_gsps": 0.2},
                        "axes": {"bits": [6, 8], "resolution": [1]}}}})
    msg = _error(path)
    assert "primitives.cell.params.cell: unknown cell 'nope'" in msg
    assert "grids.g.axes.resolution: unknown parameter of adc_survey" in msg


def test_plugin_needs_class_and_actions_and_finite_params(write_spec):
    path = write_spec({"primitives": {"p": {"model": "plugin", "description": "a plug-in", "params": {"x": 1}}}})
    assert "model: plugin needs plugin_class" in _error(path)
    path = write_spec({"primitives": {"p": {"model": "plugin", "description": "a plug-in",
                                            "plugin_class": "mypkg.models:MyAdc", "actions": ["convert"],
                                            "params": {"x": float("inf")}}}})
    assert "primitives.p.params: " in _error(path) and "x: must be a finite number" in _error(path)


def test_invalid_cell_is_rejected(write_spec):
    path = write_spec({"cells": {"pcm": {**PCM_CELL, "r_off_ohm": 100}}, "primitives": {"adc": ADC}})
    assert "cells.pcm" in _error(path) and "r_off_ohm" in _error(path)


def test_grid_points_are_row_major(write_spec):
    path = write_spec({"primitives": {"adc": ADC},
                       "grids": {"g": {"model": "adc_survey", "description": "adc grid", "params": {"rate_gsps": 1},
                                       "axes": {"bits": [6, 8], "tech_node_nm": [14, 22, 32]}}}})
    spec, _ = load_spec(path)
    pts = grid_points(spec.grids["g"])
    assert [(p["bits"], p["tech_node_nm"]) for p in pts] == [(6, 14), (6, 22), (6, 32), (8, 14), (8, 22), (8, 32)]
    assert all(p["rate_gsps"] == 1 for p in pts)


def test_check_command_validates_a_spec(write_spec, capsys):
    good = write_spec({"primitives": {"adc": ADC}})
    assert main(["check", str(good)]) == 0
    assert "ok (tech_spec)" in capsys.readouterr().out
    bad = write_spec({"primitives": {"adc": {**ADC, "params": {"bits": 2, "rate_gsps": 0.2}}}}, "bad.yaml")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}: primitives.adc.params.bits" in err and "Traceback" not in err


def test_tech_build_without_the_extra_is_one_clear_line(write_spec, capsys, monkeypatch, tmp_path):
    import archsim.techbuild as tb

    monkeypatch.setattr(tb, "MIN_PYTHON", (99, 0))  # as on an interpreter older than the packages need
    out = tmp_path / "out.yaml"
    assert main(["tech", "build", str(write_spec({"primitives": {"adc": ADC}})), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "pip install 'archsim[components]'" in err and "Python >= 3.12" in err
    assert not out.exists()
