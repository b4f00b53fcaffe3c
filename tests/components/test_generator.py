"""`archsim tech build` with the real hwcomponents packages: it reproduces the models' own values, and
ADC bits, SRAM size / width / banks and the technology node move energy exactly as the models say."""

from __future__ import annotations

import hashlib
import math

import pytest
import yaml

from archsim.cli import main
from archsim.config.errors import ConfigError
from archsim.techbuild.build import build
from tests.components.helpers import PCM_CELL

pytestmark = pytest.mark.usefixtures("components")
REL = 1e-5  # the generated file keeps 6 significant digits


def _close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _grid(doc: dict, name: str) -> dict[tuple, dict[str, float]]:
    g = doc["grids"][name]
    n = len(g["axes"])
    return {tuple(r[:n]): dict(zip(g["columns"][n:], r[n:])) for r in g["rows"]}


def test_generator_reproduces_the_models_values(write_spec):
    from hwcomponents_adc import ADC
    from hwcomponents_cacti import LPDDR4, SRAM
    from hwcomponents_library import AladdinAdder, AladdinMultiplier
    from hwcomponents_neurosim import MemoryCell

    path = write_spec({
        "cells": {"pcm": PCM_CELL},
        "primitives": {
            "sram_32k_22nm": {"model": "cacti_sram", "description": "32 KB x 64 at 22 nm",
                              "params": {"size_kb": 32, "width_bits": 64, "tech_node_nm": 22}},
            "sram_chi": {"model": "cacti_sram", "description": "χ SRAM",
                         "params": {"size_kb": 776.40625, "width_bits": 32, "banks": 3}},
            "adc": {"model": "adc_survey", "description": "8-bit ADC", "params": {"bits": 8, "rate_gsps": 0.2}},
            "mult": {"model": "library_multiplier", "description": "32x32",
                     "params": {"width_a_bits": 32, "width_b_bits": 32}},
            "add16": {"model": "library_adder", "description": "16-bit add", "params": {"width_bits": 16}},
            "dram": {"model": "cacti_dram", "description": "LPDDR4", "params": {"type": "LPDDR4"}},
            "cell": {"model": "neurosim_cell", "description": "cell read",
                     "params": {"rows": 256, "cols": 512, "cell": "pcm", "integration_ns": 128,
                                "average_input_value": 0.5, "average_cell_value": 0.25}},
        }})
    doc = build(path, progress=False)
    p = doc["primitives"]

    s = SRAM(tech_node=22e-9, width=64, size=32 * 1024 * 8)
    assert _close(p["sram_32k_22nm"]["actions"]["read"]["energy_pj"], s.read().energy * 1e12)
    assert _close(p["sram_32k_22nm"]["actions"]["write"]["energy_pj"], s.write().energy * 1e12)
    assert _close(p["sram_32k_22nm"]["leakage_mw"], s.leak_power * 1e3)
    assert p["sram_32k_22nm"]["actions"]["read"]["energy_pj"] == pytest.approx(3.8, rel=0.02)  # SPEC: 3.8 pJ
    s = SRAM(tech_node=14e-9, width=32, size=198760 * 32, n_banks=3)
    assert _close(p["sram_chi"]["actions"]["read"]["energy_pj"], s.read().energy * 1e12)
    a = ADC(n_bits=8, tech_node=14e-9, throughput=0.2e9)
    assert _close(p["adc"]["actions"]["convert"]["energy_pj"], a.convert().energy * 1e12)
    assert p["adc"]["actions"]["convert"]["energy_pj"] == pytest.approx(0.29, rel=0.02)  # SPEC: 0.29-0.36 pJ
    assert _close(p["mult"]["actions"]["multiply"]["energy_pj"],
                  AladdinMultiplier(tech_node=14e-9, width_a=32, width_b=32).multiply().energy * 1e12)
    assert _close(p["add16"]["actions"]["add"]["energy_pj"], AladdinAdder(14e-9, 16).add().energy * 1e12)
    assert _close(p["dram"]["actions"]["read"]["energy_pj"], LPDDR4(width=64).read().energy * 1e12)
    assert p["dram"]["actions"]["read"]["energy_pj_per_bit"] == 8.0
    cell_file = doc["primitives"]["cell"]  # same arguments straight into the plug-in
    from archsim.config.tech import Cell
    from archsim.techbuild.models import cell_file as write_cell

    m = MemoryCell(tech_node=14e-9, cycle_period=1e-9, rows=256, cols=512, cols_active_at_once=512,
                   cell_config=str(write_cell(Cell(**PCM_CELL))), average_input_value=0.5,
                   average_cell_value=0.25, read_pulse_width=128e-9 / 255, temporal_dac_bits=8,
                   temporal_spiking=False)
    assert _close(cell_file["actions"]["read"]["energy_pj"], m.read().energy * 1e12)
    # provenance of every number
    assert p["sram_chi"]["package"].startswith("hwcomponents-cacti==")
    assert p["sram_chi"]["params"] == {"size_kb": 776.40625, "width_bits": 32, "banks": 3, "ports": 1,
                                       "tech_node_nm": 14.0}
    assert doc["packages"]["hwcomponents"] and doc["models"]["adc_survey"]["class"] == "hwcomponents_adc.ADC"


def test_adc_bits_and_rate_follow_the_survey_model(write_spec):
    from hwcomponents_adc import ADC

    path = write_spec({"primitives": {"adc": {"model": "adc_survey", "description": "adc",
                                              "params": {"bits": 8, "rate_gsps": 0.2}}},
                       "grids": {"adc": {"model": "adc_survey", "description": "adc grid",
                                         "axes": {"bits": [4, 6, 8, 10], "rate_gsps": [0.2, 5.0]}}}})
    g = _grid(build(path, progress=False), "adc")
    e = {k: v["convert.energy_pj"] for k, v in g.items()}
    for (bits, rate), value in e.items():
        assert _close(value, ADC(n_bits=bits, tech_node=14e-9, throughput=rate * 1e9).convert().energy * 1e12)
    assert e[(6, 0.2)] < e[(8, 0.2)] < e[(10, 0.2)]          # more bits cost more
    assert e[(8, 5.0)] > e[(8, 0.2)]                           # so does a faster converter
    ratio_model = (ADC(n_bits=6, tech_node=14e-9, throughput=2e8).convert().energy
                   / ADC(n_bits=8, tech_node=14e-9, throughput=2e8).convert().energy)
    assert _close(e[(6, 0.2)] / e[(8, 0.2)], ratio_model, 1e-4)  # 8 → 6 bits: the model's ratio, no exponent
    assert g[(8, 0.2)]["convert.latency_ns"] == pytest.approx(5.0)


def test_sram_size_width_banks_follow_cacti(write_spec):
    from hwcomponents_cacti import SRAM

    path = write_spec({"primitives": {"s": {"model": "cacti_sram", "description": "one sram",
                                            "params": {"size_kb": 64, "width_bits": 32}}},
                       "grids": {"sram": {"model": "cacti_sram", "description": "sram grid",
                                          "axes": {"size_kb": [16, 256, 1024], "width_bits": [32, 128],
                                                   "banks": [1, 8]}}}})
    g = _grid(build(path, progress=False), "sram")
    e = {k: v["read.energy_pj"] for k, v in g.items()}
    for (kb, w, b) in [(16, 32, 1), (1024, 128, 8)]:
        assert _close(e[(kb, w, b)], SRAM(tech_node=14e-9, width=w, size=kb * 8192, n_banks=b).read().energy * 1e12)
    assert e[(16, 32, 1)] < e[(256, 32, 1)] < e[(1024, 32, 1)]   # larger macro: longer lines
    assert e[(256, 32, 1)] < e[(256, 128, 1)]                    # wider word: more bit lines
    assert e[(1024, 32, 8)] < e[(1024, 32, 1)]                   # banking a large macro: smaller arrays
    assert g[(1024, 32, 1)]["leakage_mw"] > g[(16, 32, 1)]["leakage_mw"]
    assert g[(1024, 32, 1)]["area_um2"] > g[(16, 32, 1)]["area_um2"]


def test_technology_node_moves_energy_as_the_packages_scale_it(write_spec):
    from hwcomponents.scaling import tech_node_energy

    body = {"primitives": {
        "sram": {"model": "cacti_sram", "description": "sram", "params": {"size_kb": 64, "width_bits": 64}},
        "mult": {"model": "library_multiplier", "description": "mult",
                 "params": {"width_a_bits": 32, "width_b_bits": 32}},
        "adc": {"model": "adc_survey", "description": "adc", "params": {"bits": 8, "rate_gsps": 0.2}}}}
    d14 = build(write_spec(body, "n14.yaml"), progress=False)["primitives"]
    d22 = build(write_spec({**body, "node_nm": 22}, "n22.yaml"), progress=False)["primitives"]
    d32 = build(write_spec({**body, "node_nm": 32}, "n32.yaml"), progress=False)["primitives"]

    def e(d, name, action):
        return d[name]["actions"][action]["energy_pj"]

    # CACTI: evaluated at 22 nm, scaled below it by the package's (node/22)^0.5 - and the file says so
    assert d14["sram"]["node_scaling"]["model_evaluated_at_nm"] == 22
    assert _close(d14["sram"]["node_scaling"]["energy_factor"], (14 / 22) ** 0.5)
    assert _close(e(d14, "sram", "read") / e(d22, "sram", "read"), (14 / 22) ** 0.5, 1e-4)
    assert d22["sram"]["node_scaling"].startswith("none")
    assert e(d22, "sram", "read") < e(d32, "sram", "read")        # CACTI's own 22 vs 32 nm technology files
    # Aladdin data (40 nm) scaled by hwcomponents.scaling.tech_node_energy (Stillmaker & Baas)
    assert _close(d14["mult"]["node_scaling"]["energy_factor"], tech_node_energy(14e-9, 40e-9))
    assert _close(e(d14, "mult", "multiply") / e(d22, "mult", "multiply"),
                  tech_node_energy(14e-9, 40e-9) / tech_node_energy(22e-9, 40e-9), 1e-4)
    # the ADC survey fit takes the node as an input
    assert e(d14, "adc", "convert") < e(d22, "adc", "convert") < e(d32, "adc", "convert")
    assert d14["adc"]["node_scaling"].startswith("none")


def test_a_model_failure_is_one_line_naming_the_entry_and_no_file_is_written(write_spec, tmp_path, capsys):
    path = write_spec({"primitives": {"hbm": {"model": "cacti_dram", "description": "HBM2 at 64 bits",
                                              "params": {"type": "HBM2", "width_bits": 64}}}})
    with pytest.raises(ConfigError) as exc:
        build(path, progress=False)
    assert f"{path}: primitives.hbm: cacti_dram failed at {{type: HBM2, width_bits: 64}}" in str(exc.value)
    out = tmp_path / "out.yaml"
    assert main(["tech", "build", str(path), "-o", str(out), "--quiet"]) == 2
    assert "Traceback" not in capsys.readouterr().err and not out.exists()


PLUGIN_SOURCE = '''
from hwcomponents import ComponentModel, action, ActionCost


class ToyConverter(ComponentModel):
    """A user's own converter: 1 pJ per conversion at 40 nm, scaled with the package's node rules."""

    component_name = "ToyConverter"
    priority = 0.5

    def __init__(self, tech_node: float, bits: int = 8):
        super().__init__(leak_power=1e-6, area=100e-12)
        self.bits = bits
        self.tech_node = self.scale_tech_node(tech_node, 40e-9)

    @action
    def convert(self) -> ActionCost:
        return ActionCost(energy=1e-12 * self.bits / 8, latency=1e-9, throughput=1e9)
'''


def test_a_user_plugin_is_evaluated_with_its_scaling_recorded(write_spec, tmp_path, monkeypatch):
    from hwcomponents.scaling import tech_node_energy

    (tmp_path / "my_models.py").write_text(PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_spec({"primitives": {"toy": {"model": "plugin", "description": "a user's converter",
                                              "plugin_class": "my_models:ToyConverter", "actions": ["convert"],
                                              "params": {"bits": 4}}}})
    entry = build(path, progress=False)["primitives"]["toy"]
    assert _close(entry["actions"]["convert"]["energy_pj"], 0.5 * tech_node_energy(14e-9, 40e-9))
    assert entry["params"] == {"bits": 4, "tech_node_nm": 14.0}
    assert any("energy_scale multiplied by" in line for line in entry["node_scaling"])
    assert "not an installed distribution" in entry["package"]


def test_committed_tech_file_is_what_the_spec_generates(root, tmp_path):
    """tech/14lpp.yaml is what tech/14lpp.spec.yaml (and its calibration file) generate: the hashes match, and
    every primitive re-evaluated now equals the committed one up to the last stored digit."""
    spec_path = root / "tech" / "14lpp.spec.yaml"
    committed = yaml.safe_load((root / "tech" / "14lpp.yaml").read_text())
    rebuild = "run `archsim tech build tech/14lpp.spec.yaml -o tech/14lpp.yaml --reuse tech/14lpp.yaml`"
    assert committed["generated_by"]["spec_sha256"] == hashlib.sha256(spec_path.read_bytes()).hexdigest(), \
        f"the spec changed: {rebuild}"
    cal = root / "tech" / "14lpp.calibration.yaml"
    assert committed["generated_by"]["calibration_sha256"] == hashlib.sha256(cal.read_bytes()).hexdigest(), \
        "the calibration changed: run `archsim tech calibrate tech/14lpp.yaml`"
    assert committed["calibration"] == yaml.safe_load(cal.read_text())["factors"]
    spec = yaml.safe_load(spec_path.read_text())
    spec["grids"] = {}
    spec["calibration"] = str(cal)
    small = tmp_path / "14lpp_primitives.spec.yaml"
    small.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    fresh = build(small, progress=False)
    assert fresh["primitives"].keys() == committed["primitives"].keys()
    for name, entry in fresh["primitives"].items():
        _same(entry, committed["primitives"][name], name)


def _same(a, b, where: str) -> None:
    """Equal up to the last stored digit (CACTI/NeuroSim built by another compiler may differ there)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert _close(a, b, 1e-4), (where, a, b)
    else:
        assert a == b, (where, a, b)
