"""Energy accounting: counts × per-action energy, components summing to stages, re-pricing."""

from __future__ import annotations

import pytest
import yaml

from archsim.accounting.energy import energy_by_component, reprice
from archsim.config.loader import load
from archsim.config.tech import Tech
from archsim.estimate import estimate, load_tech, load_workload
from archsim.reports.tables import stage_table
from tests.estimator.helpers import ROOT, TECH

REF = ROOT / "workloads" / "mlp_mnist_train.yaml"


@pytest.fixture(scope="module")
def est():
    return estimate(load_workload(REF), REF)


def test_component_energies_sum_to_stage_totals(est):
    st = stage_table(est)
    for design in est.sims:
        acts = est.actions[design]
        for stage in ("forward", "backward", "update"):
            by_comp = est.energy.query("design == @design and stage == @stage").energy_pj.sum()
            a = acts.query("stage == @stage")
            assert by_comp == pytest.approx((a["count"] * a.energy_pj_each).sum(), rel=1e-12)
            assert st.query("design == @design and stage == @stage").energy_nJ.iloc[0] == pytest.approx(by_comp / 1e3)


def test_adc_energy_is_conversions_times_the_model_times_its_factor(est):
    """One dedicated array per layer: 250 hidden + 10 output columns, each digitised once, at the survey
    model's 8-bit / 0.2 GS/s energy (the tech file's exact primitive) × the column-readout factor."""
    tech = load_tech(est.workload, REF)
    adc = est.energy.query("design == 'mca' and stage == 'forward' and component == 'ADC'").energy_pj.sum()
    model = tech["adc_conversion"].energy_pj("convert")          # hwcomponents-adc at 8 bits, 0.2 GS/s
    factor, names = tech.factor("adc_survey", "energy", "convert")
    assert names == ["column_readout"]
    assert adc == pytest.approx(260 * model * factor, rel=1e-5)


def test_crossbar_read_energy_is_v2_g_t(est):
    """Forward: every device of both layers conducts for duty × 2^8 PWM steps, at NeuroSim's cell read power
    for the mapped conductance (its full-input energy over its 128 ns window, interpolated linearly in the cell
    state between R_off and R_on, as NeuroSim does): V_read²·t through the device and its access transistor."""
    tech = load_tech(est.workload, REF)
    w, d = est.workload, est.sims["mca"].design
    t_on = w.trace.crossbar.input_duty * 2 ** d.tile.dac_bits * d.tile.pwm_step_ns
    devices = (785 * 250 + 251 * 10) * 2
    cell = tech.cells["pcm_14nm"]
    g = tech.grids["crossbar_cell_read"]
    full = {r[1]: r[2] for r in g.rows if r[0] == 1.0}       # cell state → energy at full input, pJ per 128 ns
    state = (w.trace.crossbar.mean_conductance_us - cell.g_off_us) / (cell.g_on_us - cell.g_off_us)
    per_ns = (full[0.0] + state / 0.25 * (full[0.25] - full[0.0])) / 128
    got = est.energy.query("design == 'mca' and stage == 'forward' and component == 'crossbar array'").energy_pj.sum()
    assert got == pytest.approx(devices * t_on * per_ns, rel=1e-6)
    r = 1e6 / w.trace.crossbar.mean_conductance_us + cell.access_r_ohm   # V²·t / (R_device + R_access)
    assert got == pytest.approx(devices * cell.read_voltage_v ** 2 / r * t_on * 1e3, rel=0.25)


def test_leakage_is_static_power_times_stage_time(est):
    sim = est.sims["digital32"]
    leak_mw = sum(c.leakage_mw for c in sim.catalog.values())
    for stage in ("forward", "update"):
        leak = est.energy.query("design == 'digital32' and stage == @stage and component == 'leakage'").energy_pj
        t = est.latency.query("design == 'digital32' and stage == @stage").latency_ns.iloc[0]
        assert leak.iloc[0] == pytest.approx(leak_mw * t)  # batch 1, no overlap: time per image = latency


def test_mca_update_touches_chi_only_for_nonzero_entries(est):
    acts = est.actions["mca"]
    chi_reads = acts.query("stage == 'update' and component == 'χ SRAM' and action == 'read'")["count"].sum()
    nonzero = sum(op.stats.nonzero_updates for op in est.trace.step("update").ops)
    assert chi_reads == pytest.approx(nonzero)  # one 32-bit χ word per non-zero entry
    assert nonzero < 0.01 * (785 * 250 + 251 * 10)  # >99 % of the outer product is zero


def test_repricing_with_another_tech_needs_no_resimulation(tmp_path, est):
    """The ledger holds counts: pricing them with tech B equals simulating with tech B."""
    data = yaml.load(TECH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    data["calibration"]["column_readout"]["value"] *= 3
    data["calibration"]["sram_read"]["value"] *= 0.5
    data["calibration"]["sram_static"]["value"] *= 2
    data["primitives"]["pcm_set_pulse"]["actions"]["pulse"]["energy_pj"] *= 2
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data))
    tech_b = load(Tech, other)
    fresh = estimate(est.workload, REF, tech=tech_b)
    for design, sim in est.sims.items():
        interval = est.stream.set_index("design").interval_ns[design]
        repriced = energy_by_component(sim, reprice(sim, tech_b, interval))
        want = fresh.energy.query("design == @design").reset_index(drop=True)
        assert list(repriced.component) == list(want.component)
        assert repriced.energy_pj.to_numpy() == pytest.approx(want.energy_pj.to_numpy(), rel=1e-12)
        assert repriced.energy_pj.sum() != pytest.approx(est.energy.query("design == @design").energy_pj.sum())


def test_measured_conductance_and_optimizer_replace_the_stated_ones(est):
    """A functional run's mean conductance per layer scales that layer's read energy (V²·G·t); its
    optimizer replaces the workload's."""
    w = est.workload
    g = w.trace.crossbar.mean_conductance_us
    other = estimate(w, REF, designs=[est.sims["mca"].design], conductance_us={"dense1": 2 * g}, optimizer="momentum")
    assert other.trace.optimizer == "momentum" and other.trace.conductance_us == {"dense1": 2 * g, "dense2": g}

    def reads(e, layer):
        a = e.actions["mca"]
        return a[(a.layer == layer) & (a.action == "conduct")].energy_pj.sum()

    from archsim.hardware.components.crossbar import device_power

    tech = load_tech(w, REF)
    ratio = device_power(tech, 2 * g).value / device_power(tech, g).value   # NeuroSim: affine in the cell state
    assert 1.9 < ratio < 2.0
    assert reads(other, "dense1") == pytest.approx(ratio * reads(est, "dense1"))
    assert reads(other, "dense2") == pytest.approx(reads(est, "dense2"))
