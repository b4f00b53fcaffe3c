"""One-off programming cost through the DES, and a functional run's measured trace feeding the estimator."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from archsim.accounting.programming import programming_cost
from archsim.config.design import build_design
from archsim.estimate import estimate, load_tech, load_workload
from archsim.functional.inference.stats import ProgrammingStats
from archsim.runner import run_workload
from tests.estimator.helpers import ROOT

INFER = ROOT / "workloads" / "mlp_mnist_infer.yaml"


def _study(iterations: float):
    return SimpleNamespace(
        programming={"dense1": ProgrammingStats(196250, 196250, iterations, 55, 1.0),
                     "dense2": ProgrammingStats(2510, 2510, iterations, 55, 1.0)},
        calibration_columns={"dense1": 250, "dense2": 10})


@pytest.mark.parametrize("heads", [1, 4])
def test_programming_cost_counts_pulses_reads_and_resets(heads):
    w = load_workload(INFER)
    tech = load_tech(w, INFER)
    design = build_design("mca", "m", {"programming.write_heads": heads})
    est = estimate(w, INFER, designs=[design])
    cost = programming_cost(_study(5.0), est, tech).set_index("stage")
    devices = 196250 + 2510
    pulses = devices * 5.0
    assert cost.loc["program", "pulses"] == pytest.approx(pulses + devices)  # + RESET of each partner
    p = design.programming
    assert cost.loc["program", "latency_ns"] == pytest.approx(
        (pulses * (p.set_pulse_ns + p.verify_read_ns) + devices * p.reset_pulse_ns) / heads)
    wh = est.sims["m"].catalog["write_heads"].prices
    assert wh["set_pulse"] == tech["pcm_set_pulse"].energy_pj("pulse")  # E = I·V·t of the SET pulse
    dynamic = pulses * (wh["set_pulse"] + wh["verify_read"]) + devices * wh["reset_pulse"]
    assert cost.loc["program", "energy_pj"] > dynamic  # plus leakage over the programming time
    # one calibration = one read of every layer's columns: its ADC conversions dominate
    convert = est.sims["m"].catalog["adc[dense1]"].cost("convert").energy_pj
    assert cost.loc["calibrate", "energy_pj"] > 260 * convert


def test_more_verify_iterations_cost_more():
    w = load_workload(INFER)
    est = estimate(w, INFER)
    tech = load_tech(w, INFER)
    few = programming_cost(_study(2.0), est, tech).set_index(["design", "stage"])
    many = programming_cost(_study(8.0), est, tech).set_index(["design", "stage"])
    assert many.loc[("mca", "program"), "energy_pj"] > few.loc[("mca", "program"), "energy_pj"]
    # digital designs just load their SRAM: independent of PCM iterations
    assert many.loc[("digital32", "program"), "energy_pj"] == few.loc[("digital32", "program"), "energy_pj"]


def test_functional_run_feeds_measured_statistics_into_the_estimator(tmp_path, mnist_dir):
    """A tiny functional run (2,000 images): the MCA update energy follows the measured χ traffic."""
    import yaml

    data = yaml.safe_load((ROOT / "workloads" / "mlp_mnist_mca_quick.yaml").read_text())
    data["tech"] = str(ROOT / "tech" / "14lpp.yaml")
    data["functional"].update({"train_images": 2000, "test_images": 1000, "algorithms": ["mca"],
                               "device": str(ROOT / "tech" / "pcm_gradual_set.yaml")})
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run_workload(path, tmp_path / "out", data_dir=mnist_dir, progress=False)
    assert result.estimate.trace.source == "functional"
    updates = pd.read_csv(tmp_path / "out" / "updates.csv")
    measured = updates.query("algorithm == 'mca'").nonzero_updates.sum() / 2000
    chi = pd.read_csv(tmp_path / "out" / "actions.csv").query(
        "design == 'mca' and component == 'χ SRAM' and action == 'read'")["count"].sum()
    assert chi == pytest.approx(measured, rel=1e-5)  # one χ read per measured non-zero entry (CSV: 6 digits)
    assert (tmp_path / "out" / "accuracy.csv").is_file() and (tmp_path / "out" / "energy.csv").is_file()
