"""`archsim validate`: every case, the labels computed by perturbing the fitted parameters, clean outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from archsim.cli import main
from archsim.estimate import estimate, load_designs, load_tech, load_workload
from archsim.reports.validation import FactorHandle, components_table, validate_estimate
from tests.estimator.helpers import ROOT

REF = ROOT / "workloads" / "mlp_mnist_train.yaml"


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("val") / "validation"
    assert main(["validate", "--out", str(out), "--workloads", str(ROOT / "workloads")]) == 0
    return out, pd.read_csv(out / "validation.csv")


def test_validate_writes_every_case_whole(suite):
    out, table = suite
    assert list(table.columns[:8]) == ["case", "design", "stage", "metric", "reference", "model", "rel_error", "label"]
    assert set(table.case) == {"table1", "text", "hermes", "core64", "components"}
    assert set(table.label) <= {"calibrated", "dependent", "predicted"}
    assert table[["reference", "model", "rel_error"]].notna().all().all()
    md = (out / "validation.md").read_text()
    n = ((table.label == "predicted") & (table.case != "components")).sum()
    assert f"**{n} independent predictions**" in md and (out / "validation.png").stat().st_size > 10_000


def test_the_chips_are_predictions_no_factor_is_fitted_to_them(suite):
    _, table = suite
    chips = table[table.case.isin(["hermes", "core64"])]
    assert len(chips) == 5 and not (chips.label == "calibrated").any()
    lat = chips[chips.metric == "latency"]
    assert len(lat) == 2 and (lat.rel_error.abs() <= 0.20).all(), lat   # integration + conversion per MVM
    share = chips[chips.metric == "adc_share"]
    assert 0.5 <= share.model.iloc[0] <= 0.7   # the 64-core chip's ADC share of the tile energy, 50-70 %


def test_components_read_the_models_at_their_own_points(suite):
    _, table = suite
    comp = table[table.case == "components"]
    assert len(comp) >= 20
    # every primitive the estimator prices lies on its grid (or is used by name): the grids return the model
    same_model = comp[comp.design != "adc_conversion_neurosim"]
    assert (same_model.rel_error.abs() < 1e-3).all(), same_model[same_model.rel_error.abs() >= 1e-3]
    # the two converter models agree within 5 % (NeuroSim's sense-amplifier ADC vs the survey's)
    assert abs(comp[comp.design == "adc_conversion_neurosim"].rel_error.iloc[0]) < 0.05


def test_labels_come_from_the_factors():
    """Without factors every cell is a prediction with share 0; a factor makes its cell calibrated and the
    cells it dominates dependent."""
    w = load_workload(REF)
    tech, designs = load_tech(w, REF), load_designs(w, REF)
    est = estimate(w, REF, tech=tech, designs=designs)
    none = validate_estimate(est, REF, tech, designs, factors=[])
    assert (none.label == "predicted").all() and (none.calibrated_share == 0).all()
    one = validate_estimate(est, REF, tech, designs, factors=[
        FactorHandle("column_readout", "tech", "column_readout", tech.calibration["column_readout"].value,
                     "mca.computational_memory.backward.energy")])
    by = one.set_index(["design", "stage", "metric"])
    assert by.loc[("mca.computational_memory", "backward", "energy"), "label"] == "calibrated"
    assert by.loc[("digital32", "forward", "energy"), "calibrated_share"] == 0
    # the ADC share of the MCA computational-memory forward energy is the factor's elasticity there
    cm = by.loc[("mca.computational_memory", "forward", "energy")]
    adc = est.energy.query("design == 'mca' and stage == 'forward' and component == 'ADC'").energy_pj.sum() / 1e3
    assert cm.calibrated_share == pytest.approx(adc / cm.model, rel=0.02)


def test_components_table_names_the_factors_the_estimator_applies():
    w = load_workload(REF)
    comp = components_table(load_tech(w, REF)).set_index(["design", "stage"])
    assert "column_readout" in comp.loc[("adc_conversion", "convert"), "factors"]
    assert "sram_read" in comp.loc[("sram_chi_reference", "read"), "factors"]
    assert comp.loc[("int_mult_32x32", "multiply"), "factors"] == ""
