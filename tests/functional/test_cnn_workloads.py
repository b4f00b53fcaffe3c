"""CNN MCA workloads end to end: the quick LeNet workloads train to a sane accuracy in one `archsim run`
that also writes the estimator's energy from the measured trace; the CIFAR-10 workload runs on a
fabricated data set in the CIFAR binary format; every issue-11 workload validates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from archsim.cli import main
from archsim.config.loader import load
from archsim.config.shapes import weighted_layers
from archsim.config.workload import Workload
from archsim.functional.datasets.cifar import FOLDER, fake_cifar10
from archsim.functional.run import run_functional

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ROOT / "workloads"


@pytest.mark.parametrize("name, mca_min, fp_min", [("lenet_mnist_mca_quick", 0.8, 0.9),
                                                   ("lenet_fashion_mca_quick", 0.5, 0.75)])  # 200 batches: MCA 0.57
def test_quick_lenet_mca_workload_trains_and_feeds_the_estimator(name, mca_min, fp_min, tmp_path, mnist,
                                                                 fashion_mnist):
    out = tmp_path / "out"
    data_root = mnist.source_dir.parent
    assert main(["run", str(WORKLOADS / f"{name}.yaml"), "--out", str(out), "--quiet", "--data-dir",
                 str(data_root)]) == 0
    acc = pd.read_csv(out / "accuracy.csv").set_index("algorithm")
    assert acc.loc["mca", "test_acc"] >= mca_min and acc.loc["fp32", "test_acc"] >= fp_min
    updates = pd.read_csv(out / "updates.csv")
    mca = updates[updates.algorithm == "mca"].set_index("layer")
    assert list(mca.index) == ["conv1", "conv2", "fc1", "fc2"]
    assert (mca.set_pulses > 0).all() and (mca.mean_g_us > 0).all()
    # conv layers: non-zero update entries summed over the output positions exceed the weights
    assert mca.loc["conv1", "nonzero_updates"] / 12800 > 25 * 16
    ratios = pd.read_csv(out / "updates_ratio.csv").set_index("layer")
    assert (ratios.ratio_fp_writes_to_pulses > 10).all()  # device updates far below FP weight writes (epoch 1)
    drift = pd.read_csv(out / "drift.csv")
    assert set(drift.compensation) == {"none", "global"} and drift.test_acc.between(0, 1).all()
    energy = pd.read_csv(out / "energy.csv")
    assert {"mca", "digital32", "digital_mp"} <= set(energy.design)
    for f in ("updates_per_epoch.png", "accuracy.png", "drift.png", "summary.md"):
        assert (out / f).is_file(), f
    assert "Device updates vs FP weight writes" in (out / "summary.md").read_text()


def test_cifar_cnn_workload_runs_on_a_fabricated_cifar10(tmp_path):
    fake_cifar10(tmp_path / "data" / FOLDER, per_file=16)
    path = WORKLOADS / "cifar_cnn_mca.yaml"
    wl = load(Workload, path)
    assert sum(s.weights for s in weighted_layers(wl.network)) == 1_469_994  # incl. conv and FC biases
    small = wl.functional.model_copy(update={"epochs": 1, "train_images": 48, "test_images": 16, "batch_size": 16,
                                             "seeds": [0], "drift_times_s": [1.0], "calibration_images": 16})
    summary = run_functional(wl.model_copy(update={"functional": small}), path, tmp_path / "out",
                             data_dir=tmp_path / "data", progress=False)
    assert set(summary.final_test_acc) == {"mca", "fp32"}
    assert list(summary.update_stats) == [s.name for s in weighted_layers(wl.network)]
    assert summary.optimizer == "momentum" and all(g > 0 for g in summary.mean_conductance_us.values())


@pytest.mark.parametrize("name", ["lenet_mnist_mca", "lenet_mnist_mca_quick", "lenet_fashion_mca",
                                  "lenet_fashion_mca_quick", "cifar_cnn_mca", "mlp_mnist_mca_minibatch",
                                  "mlp_mnist_pcm_infer"])
def test_issue_11_workloads_validate(name):
    wl = load(Workload, WORKLOADS / f"{name}.yaml")
    data = yaml.safe_load((WORKLOADS / f"{name}.yaml").read_text())
    assert data["name"] == name
    if wl.functional is not None:
        assert wl.trace.source == "functional" and wl.functional.batch_size == wl.batch_size
