"""The technology node moves the estimator's energies as the component models say: the committed spec built
at 14 and at 22 nm (grids shrunk to the probe designs' neighbourhood, no calibration), the same designs
priced by the estimator's component classes, against the hwcomponents models called directly."""

from __future__ import annotations

import pytest
import yaml

from archsim.config.design import build_design
from archsim.config.tech import load_tech_file
from archsim.estimate import estimate, load_workload
from archsim.techbuild.build import build_to_file
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("components")

AXES = {
    "sram": {"size_kb": [4, 16, 64], "width_bits": [16, 32], "banks": [1, 2, 4]},
    "sram_dual_port": {"size_kb": [4, 16, 64], "width_bits": [16, 32], "banks": [1, 2]},
    "adc": {"bits": [6, 8], "rate_gsps": [0.1, 0.2, 0.5]},
    "adder": {"width_bits": [1, 16, 32]},
    "multiplier": {"width_a_bits": [16, 32], "width_b_bits": [16, 32]},
    "comparator": {"width_bits": [1, 16, 32]},
    "register": {"width_bits": [16, 32]},
    "crossbar_cell_read": {"average_input_value": [0.0, 1.0], "average_cell_value": [0.0, 0.5, 1.0]},
    "crossbar_row_drive": {"cols": [128, 256, 512], "average_input_value": [0.0, 0.5, 1.0]},
}
KEEP = ("pcm_set_pulse", "pcm_reset_pulse", "dram_access", "bus_wire_bit")


@pytest.fixture(scope="module")
def techs(components, tmp_path_factory):
    d = tmp_path_factory.mktemp("node")
    out = {}
    for node in (14, 22):
        spec = yaml.safe_load((ROOT / "tech" / "14lpp.spec.yaml").read_text())
        spec.update(node_nm=node, name=f"probe{node}")
        spec.pop("calibration")
        spec["primitives"] = {k: spec["primitives"][k] for k in KEEP}
        spec["grids"] = {k: {**spec["grids"][k], "axes": axes} for k, axes in AXES.items()}
        path = d / f"probe{node}.spec.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
        build_to_file(path, d / f"probe{node}.yaml", progress=False)
        out[node] = load_tech_file(d / f"probe{node}.yaml")
    return out


@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    d = tmp_path_factory.mktemp("w")
    p = d / "w.yaml"
    p.write_text(yaml.safe_dump({
        "kind": "workload", "version": 1, "name": "probe", "network": {
            "name": "n", "input_shape": [100], "layers": [{"type": "dense", "out": 50, "activation": "relu"}]},
        "mode": "infer", "designs": ["mca"]}))
    return p


def _designs():
    mca = build_design("mca", "mca", {"crossbar": {"rows": 256, "cols": 256}, "activation_sram.capacity_kb": 16,
                                      "activation_sram.width_bits": 32})
    d32 = build_design("digital32", "d32", {"weight_sram": {"capacity_kb": 64, "banks": 4, "width_bits": 32},
                                            "activation_sram.capacity_kb": 16, "mac_array.acc_bits": 32})
    return [mca, d32]


def _each(est, design, unit, action):
    a = est.actions[design]
    return float(a[(a.unit == unit) & (a.action == action)].energy_pj_each.iloc[0])


def test_node_moves_estimator_energies_as_the_models_say(techs, workload):
    from hwcomponents.scaling import tech_node_energy
    from hwcomponents_adc import ADC
    from hwcomponents_cacti import SRAM
    from hwcomponents_library import AladdinAdder, AladdinMultiplier

    w = load_workload(workload)
    est = {n: estimate(w, workload, tech=t, designs=_designs()) for n, t in techs.items()}

    def ratio(design, unit, action):
        return _each(est[22], design, unit, action) / _each(est[14], design, unit, action)

    adc = [ADC(n_bits=8, tech_node=n * 1e-9, throughput=0.2e9, n_adcs=1).convert().energy for n in (14, 22)]
    assert ratio("mca", "adc[dense1]", "convert") == pytest.approx(adc[1] / adc[0], rel=1e-4)
    sram = [SRAM(tech_node=n * 1e-9, width=32, size=64 * 8192, n_banks=4).read().energy for n in (14, 22)]
    assert ratio("d32", "weight_sram", "read") == pytest.approx(sram[1] / sram[0], rel=1e-4)
    assert sram[1] / sram[0] == pytest.approx((22 / 14) ** 0.5, rel=1e-6)   # CACTI's 22 nm, scaled down to 14
    mac = [AladdinMultiplier(tech_node=n * 1e-9, width_a=32, width_b=32).multiply().energy
           + AladdinAdder(tech_node=n * 1e-9, width=32).add().energy for n in (14, 22)]
    assert ratio("d32", "mac_array", "mac") == pytest.approx(mac[1] / mac[0], rel=1e-4)
    assert mac[1] / mac[0] == pytest.approx(tech_node_energy(22e-9, 40e-9) / tech_node_energy(14e-9, 40e-9), rel=1e-6)
    # and so do the totals: every energy of both designs rises from 14 to 22 nm
    for design in ("mca", "d32"):
        e14 = est[14].energy.query("design == @design and component != 'leakage'").energy_pj.sum()
        e22 = est[22].energy.query("design == @design and component != 'leakage'").energy_pj.sum()
        assert e22 > e14 * 1.05, design


def test_adc_bits_follow_the_survey_model_through_the_component(techs, workload):
    from hwcomponents_adc import ADC

    w = load_workload(workload)
    tech = techs[14]
    e = {}
    for bits in (6, 8):
        d = build_design("mca", "mca", {"tile.adc_bits": bits, "crossbar": {"rows": 256, "cols": 256},
                                        "activation_sram.capacity_kb": 16})
        e[bits] = _each(estimate(w, workload, tech=tech, designs=[d]), "mca", "adc[dense1]", "convert")
    rate = {b: 1 / (5e-9 * b / 8) for b in (6, 8)}  # the tile's conversion time scales with the bits
    model = {b: ADC(n_bits=b, tech_node=14e-9, throughput=rate[b], n_adcs=1).convert().energy for b in (6, 8)}
    assert e[6] / e[8] == pytest.approx(model[6] / model[8], rel=1e-4)
