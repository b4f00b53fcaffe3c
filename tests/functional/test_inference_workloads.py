"""The issue-4 workloads validate and have the published sizes."""

from pathlib import Path

import pytest

from archsim.config.loader import load
from archsim.config.shapes import weighted_layers
from archsim.config.workload import Workload
from archsim.functional.layers import FunctionalNetwork

WORKLOADS = Path(__file__).resolve().parents[2] / "workloads"


def test_resnet32_has_the_spec_weight_count():
    w = load(Workload, WORKLOADS / "resnet32_infer.yaml")
    layers = weighted_layers(w.network)
    assert sum(s.weights for s in layers) == 361_722
    assert len(layers) == 34 and w.inference is None and w.mode == "infer"


@pytest.mark.parametrize("name,mode", [("cifar_cnn_infer", "infer"), ("cifar_cnn_train", "train")])
def test_cifar_cnn_is_six_conv_three_fc_with_about_1_5m_weights(name, mode):
    w = load(Workload, WORKLOADS / f"{name}.yaml")
    layers = weighted_layers(w.network)
    assert [s.type for s in layers] == ["conv2d"] * 6 + ["dense"] * 3
    assert 1.4e6 < sum(s.weights for s in layers) < 1.6e6 and w.mode == mode


@pytest.mark.parametrize("name", ["lenet_mnist_infer", "lenet_mnist_infer_quick", "resnet32_infer"])
def test_networks_build_functionally(name):
    w = load(Workload, WORKLOADS / f"{name}.yaml")
    model = FunctionalNetwork(w.network)
    assert list(model.weighted) == [s.name for s in weighted_layers(w.network)]
