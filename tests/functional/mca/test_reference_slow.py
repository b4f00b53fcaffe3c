"""Full reference experiment (30 epochs, full MNIST): slow, excluded by default (`pytest -m slow`).

The recorded results of these runs live in reports/mlp_mnist_mca/ (see its README).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.config.loader import load
from archsim.config.workload import Workload
from archsim.functional.run import run_functional

ROOT = Path(__file__).resolve().parents[3]
FULL = ROOT / "workloads" / "mlp_mnist_mca.yaml"


@pytest.mark.slow
def test_reference_mca_and_fp_reach_targets(mnist_dir, tmp_path):
    wl = load(Workload, FULL)
    wl = wl.model_copy(update={"functional": wl.functional.model_copy(update={"algorithms": ["mca", "fp32"],
                                                                               "seeds": [0]})})
    summary = run_functional(wl, FULL, tmp_path, data_dir=mnist_dir, progress=False)
    assert summary.final_test_acc["fp32"] >= 0.980
    assert summary.final_test_acc["mca"] >= 0.974
    acc = summary.accuracy.set_index(["algorithm", "epoch"])["device_pulses"]
    assert (acc["fp32"] / acc["mca"]).min() >= 1000  # device updates ≥ 1000× sparser, every epoch
    drift = summary.drift[summary.drift["compensated"]]
    assert drift["test_acc"].iloc[0] - drift["test_acc"].iloc[-1] <= 0.005
