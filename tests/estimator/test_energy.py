"""Energy accounting: Σ counts × per-action energy, components summing to stages."""

from __future__ import annotations

import pytest

from archsim.accounting.energy import action_table
from archsim.estimate import estimate, load_tech, load_workload
from archsim.reports.tables import stage_table
from tests.estimator.helpers import ROOT

REF = ROOT / "workloads" / "mlp_mnist_train.yaml"


@pytest.fixture(scope="module")
def est():
    return estimate(load_workload(REF), REF)


def test_component_energies_sum_to_stage_totals(est):
    st = stage_table(est)
    for design, sim in est.sims.items():
        acts = action_table(sim)
        for stage in ("forward", "backward", "update"):
            by_comp = est.energy.query("design == @design and stage == @stage").energy_pj.sum()
            by_action = (acts.query("stage == @stage")["count"] * acts.query("stage == @stage").energy_pj_each).sum()
            assert by_comp == pytest.approx(by_action, rel=1e-12)
            assert st.query("design == @design and stage == @stage").energy_nJ.iloc[0] == pytest.approx(by_comp / 1e3)
        total = st.query("design == @design and stage == 'total'").energy_nJ.iloc[0]
        assert total == pytest.approx(est.energy.query("design == @design").energy_pj.sum() / 1e3)


def test_adc_energy_is_conversions_times_tech_energy(est):
    tech = load_tech(est.workload, REF)
    adc = est.energy.query("design == 'mca' and stage == 'forward' and component == 'ADC'").energy_pj.sum()
    # forward: 250 hidden + 10 output columns, each digitised once (differential pairs subtract in analog)
    assert adc == pytest.approx(260 * tech["adc_conversion"].energy_pj)


def test_leakage_is_static_power_times_stage_time(est):
    sim = est.sims["digital32"]
    leak_mw = sum(sim.ledger.leakage_mw.values())
    for stage in ("forward", "update"):
        leak = est.energy.query("design == 'digital32' and stage == @stage and component == 'leakage'").energy_pj
        assert leak.iloc[0] == pytest.approx(leak_mw * sim.ledger.stage_latency_ns(stage))


def test_mca_update_touches_chi_only_for_nonzero_entries(est):
    acts = action_table(est.sims["mca"])
    chi_reads = acts.query("stage == 'update' and component == 'χ SRAM' and action == 'read'")["count"].sum()
    nonzero = sum(op.stats.nonzero_updates for op in est.trace.step("update").ops)
    assert chi_reads == pytest.approx(nonzero)  # one 32-bit χ word per non-zero entry
    weights = 785 * 250 + 251 * 10
    assert nonzero < 0.01 * weights  # >99 % of the outer product is zero
