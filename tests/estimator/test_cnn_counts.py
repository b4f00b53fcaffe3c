"""CNN counts: weight gradients summed over positions, MACs for every design, the ResNet-32 hand check."""

from __future__ import annotations

import pandas as pd
import pytest

from archsim.config.shapes import weighted_layers
from archsim.estimate import estimate, load_tech, load_workload
from archsim.reports.tables import hand_check, layer_table
from archsim.reports.writer import write_report
from tests.estimator.helpers import ROOT

CIFAR = ROOT / "workloads" / "cifar_cnn_train.yaml"
RESNET = ROOT / "workloads" / "resnet32_infer.yaml"


@pytest.fixture(scope="module")
def cifar():
    return estimate(load_workload(CIFAR), CIFAR)


def test_chi_entries_sum_the_outer_products_of_every_position(cifar):
    u = cifar.workload.trace.update
    expected = sum(l.mvms * l.rows * u.x_nonzero_fraction * l.cols * u.d_nonzero_fraction
                   for l in weighted_layers(cifar.workload.network))
    for name in ("mca", "digital_mp"):
        got = cifar.actions[name].query("action == 'accumulate'")["count"].sum()
        assert got == pytest.approx(expected)
    assert expected > 3.5e5  # ~398 k products, not the 14.7 k of one position per layer


def test_macs_are_right_for_every_design(cifar):
    t = layer_table(cifar)
    macs = {l.name: l.rows * l.cols * l.mvms for l in weighted_layers(cifar.workload.network)}
    for name in cifar.sims:
        fwd = t[(t.design == name) & (t.stage == "forward") & t.layer.isin(list(macs))].set_index("layer").macs
        assert fwd.to_dict() == pytest.approx(macs), name


def test_resnet32_report_shows_arrays_utilisation_traffic_macs_and_the_hand_check(tmp_path):
    w = load_workload(RESNET)
    est = estimate(w, RESNET)
    h = hand_check(est, "digital32")
    assert 0.5 <= h["model_pj_per_mac"] / h["hand_pj_per_mac"] <= 2.0
    assert h["weight_reuse"] > 4  # weights reused across conv positions
    write_report(est, load_tech(w, RESNET), tmp_path)
    layers = pd.read_csv(tmp_path / "layers.csv")
    weighted = [l.name for l in weighted_layers(w.network)]
    mca = layers[(layers.design == "mca") & (layers.stage == "forward") & layers.layer.isin(weighted)]
    assert len(mca) == 34
    assert (mca.arrays > 0).all() and ((mca.utilisation > 0) & (mca.utilisation <= 1)).all()
    assert (layers.groupby("design").macs.sum() > 0).all()
    assert {"partial_sum_adds", "sram_bytes", "dram_bytes", "bus_bytes"} <= set(layers.columns)
    assert layers.query("design == 'digital32'").dram_bytes.sum() > 0  # 1.4 MB of 32-bit weights, 1 MB SRAM
    summary = (tmp_path / "summary.md").read_text()
    assert "Hand check" in summary and "digital32" in summary and "model / hand" in summary
