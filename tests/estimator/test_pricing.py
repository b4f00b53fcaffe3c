"""Design changes move the estimator's energies as the component models say (through the component classes and
the committed tech file's grids): ADC bits and rate, SRAM size, width, banks and ports, logic widths, and the
calibration factors multiply model values, nothing else."""

from __future__ import annotations

import math

import pytest

from archsim.config.tech import load_tech_file
from archsim.hardware.components.crossbar import AdcBank
from archsim.hardware.components.digital import MacArray
from archsim.hardware.components.memory import SramMacro
from archsim.hardware.components.pricing import Pricer
from tests.estimator.helpers import TECH, design, run, write_workload


@pytest.fixture(scope="module")
def tech():
    return load_tech_file(TECH)


def _row(tech, grid: str, column: str, **point) -> float:
    """The committed grid's value at one of its points (what the model returned there)."""
    g = tech.grids[grid]
    axes = list(g.axes)
    for r in g.rows:
        if all(math.isclose(r[i], point[a], rel_tol=1e-9) for i, a in enumerate(axes)):
            return r[g.columns.index(column)]
    raise KeyError(point)


def test_adc_bits_and_rate_follow_the_survey_model(tech):
    f = tech.calibration["column_readout"].value
    for bits, ns in ((8, 5.0), (6, 40 / 3), (10, 1.6)):  # time at 8 bits; rate = 1 / (ns · bits / 8): 0.2, 0.1, 0.5
        adc = AdcBank(tech, bits, 256, ns, bits + 8)
        rate = 1 / adc.conversion_ns
        assert adc.cost("convert").energy_pj == pytest.approx(
            _row(tech, "adc", "convert.energy_pj", bits=bits, rate_gsps=rate) * f, rel=1e-12)
        assert adc.leakage_mw == pytest.approx(256 * _row(tech, "adc", "leakage_mw", bits=bits, rate_gsps=rate))
        assert adc.area_um2 == pytest.approx(256 * _row(tech, "adc", "area_um2", bits=bits, rate_gsps=rate))
    # 8 → 6 bits at the same conversion rate: the survey model's ratio, no per-bit law
    e8, e6 = (AdcBank(tech, b, 1, 5.0 * 8 / b, 16).cost("convert").energy_pj for b in (8, 6))
    assert e6 / e8 == pytest.approx(_row(tech, "adc", "convert.energy_pj", bits=6, rate_gsps=0.2)
                                    / _row(tech, "adc", "convert.energy_pj", bits=8, rate_gsps=0.2), rel=1e-12)


def test_sram_size_width_banks_and_ports_follow_cacti(tech):
    r, w = tech.calibration["sram_read"].value, tech.calibration["sram_write"].value
    for kb, width, banks, ports, grid in ((256, 32, 4, 1, "sram"), (1024, 64, 32, 1, "sram"),
                                          (16, 32, 1, 2, "sram_dual_port"), (64, 128, 2, 2, "sram_dual_port")):
        m = SramMacro(tech, "SRAM", kb, width, banks, ports)
        point = dict(size_kb=kb, width_bits=width, banks=banks)
        assert m.prices["read"] == pytest.approx(_row(tech, grid, "read.energy_pj", **point) * r, rel=1e-12)
        assert m.prices["write"] == pytest.approx(_row(tech, grid, "write.energy_pj", **point) * w, rel=1e-12)
        assert m.origin["read"].model == pytest.approx(_row(tech, grid, "read.energy_pj", **point), rel=1e-12)
    # CACTI prices banking: a 1 MB macro in 32 banks reads a smaller array than in 1 bank
    one, banked = (SramMacro(tech, "SRAM", 1024, 32, b).prices["read"] for b in (1, 32))
    assert banked < one
    assert banked / one == pytest.approx(_row(tech, "sram", "read.energy_pj", size_kb=1024, width_bits=32, banks=32)
                                         / _row(tech, "sram", "read.energy_pj", size_kb=1024, width_bits=32, banks=1))
    small, large = (SramMacro(tech, "SRAM", kb, 32, 4).prices["read"] for kb in (16, 1024))
    assert small < large


def test_the_estimator_uses_these_prices(tmp_path, tech):
    """End to end: halving the ADC resolution or banking the χ SRAM changes the run's energy by the models'
    ratios (the counts stay the same)."""
    path = write_workload(tmp_path, [300, 200, 10], mode="train")
    a = run(path, [design("mca", {"chi_sram.banks": 1})])
    b = run(path, [design("mca", {"chi_sram.banks": 8, "tile.adc_bits": 6, "tile.adc_conversion_ns": 5.0 * 8 / 6})])

    def each(est, unit, action):
        acts = est.actions["x"]
        return acts[(acts.unit == unit) & (acts.action == action)].energy_pj_each.iloc[0]

    kb = a.sims["x"].facts["chi_sram_kb"]
    p = Pricer(tech)
    model = lambda banks: p.grid_value("cacti_sram", "read.energy_pj", size_kb=kb, width_bits=32,  # noqa: E731
                                       banks=banks, ports=1)
    assert each(b, "chi_sram", "read") / each(a, "chi_sram", "read") == pytest.approx(model(8) / model(1), rel=1e-12)
    adc = lambda bits: _row(tech, "adc", "convert.energy_pj", bits=bits, rate_gsps=0.2)  # noqa: E731
    assert each(b, "adc[dense1]", "convert") / each(a, "adc[dense1]", "convert") == pytest.approx(adc(6) / adc(8))


def test_logic_widths_follow_the_library(tech):
    for wb, ab, acc in ((32, 32, 32), (4, 8, 24), (16, 16, 32)):
        mac = MacArray(tech, 256, wb, ab, acc)
        mult = _row(tech, "multiplier", "multiply.energy_pj", width_a_bits=wb, width_b_bits=ab) \
            if wb in tech.grids["multiplier"].axes["width_a_bits"] and ab in tech.grids["multiplier"].axes["width_b_bits"] \
            else None
        if mult is not None and acc in tech.grids["adder"].axes["width_bits"]:
            add = _row(tech, "adder", "add.energy_pj", width_bits=acc)
            assert mac.prices["mac"] == pytest.approx(mult + add, rel=1e-12)
            assert mac.leakage_mw == pytest.approx(256 * (_row(tech, "multiplier", "leakage_mw", width_a_bits=wb,
                                                                width_b_bits=ab)
                                                           + _row(tech, "adder", "leakage_mw", width_bits=acc)))


def test_calibration_factors_multiply_model_values_and_nothing_else(tech):
    """A factor changes exactly the quantities it names, by its value."""
    cal = dict(tech.calibration)
    cal["sram_read"] = cal["sram_read"].model_copy(update={"value": cal["sram_read"].value * 2})
    t2 = tech.model_copy(update={"calibration": cal})
    a, b = SramMacro(tech, "SRAM", 256, 32, 4), SramMacro(t2, "SRAM", 256, 32, 4)
    assert b.prices["read"] == pytest.approx(2 * a.prices["read"])
    assert b.prices["write"] == a.prices["write"] and b.leakage_mw == a.leakage_mw
    assert b.origin["read"].model == a.origin["read"].model and b.origin["read"].factors == ("sram_read",)
