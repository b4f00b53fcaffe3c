"""ONNX import: ResNet-32 and LeNet graphs (onnx.helper, no torch) give the hand-written workloads' layer
shapes, weight counts, MACs and energy; imported weights compute what ONNX's reference evaluator computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest
import yaml
from onnx.reference import ReferenceEvaluator

import archsim
from archsim.cli import main
from archsim.config.loader import load
from archsim.config.network import Network
from archsim.config.shapes import flatten_layers, infer_shapes, weighted_layers
from archsim.config.workload import Workload
from archsim.functional.layers import FunctionalNetwork
from archsim.importers import import_onnx, write_workload
from archsim.importers.onnx_export import export_onnx

from onnx_models import export_style, lenet, nested_residual, resnet32, variety

ROOT = Path(__file__).resolve().parents[2]


def save(model, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def structure(network: Network) -> list[tuple]:
    """Every layer's type, shapes, crossbar matrix and MVMs, names left out."""
    return [(s.type, s.in_shape, s.out_shape, s.rows, s.cols, s.mvms, s.activation)
            for s in flatten_layers(infer_shapes(network))]


def macs(network: Network) -> int:
    return sum(s.weights * s.mvms for s in weighted_layers(network))


@pytest.mark.parametrize("build, workload, weights", [
    (resnet32, "resnet32_infer.yaml", 361_722),
    (lenet, "lenet_mnist_infer.yaml", 80_154),
])
def test_imported_network_equals_the_hand_written_one(tmp_path, build, workload, weights):
    hand = load(Workload, ROOT / "workloads" / workload).network
    imported = Network.model_validate(import_onnx(save(build(), tmp_path / "m.onnx")).network)
    assert structure(imported) == structure(hand)
    assert sum(s.weights for s in weighted_layers(imported)) == weights
    assert macs(imported) == macs(hand)


def test_imported_lenet_gives_the_hand_written_energy(tmp_path):
    keys = ["design", "stage", "component"]
    model = save(lenet(), tmp_path / "lenet.onnx")
    write_workload(import_onnx(model), tmp_path / "lenet.yaml")
    ours = archsim.estimate(tmp_path / "lenet.yaml").energy.set_index(keys).energy_pj
    hand = archsim.estimate(ROOT / "workloads" / "lenet_mnist_infer.yaml").energy.set_index(keys).energy_pj
    pd.testing.assert_series_equal(ours, hand, rtol=1e-12)


def test_archsim_run_on_the_imported_resnet_gives_the_hand_written_energy(tmp_path):
    model = save(resnet32(), tmp_path / "resnet.onnx")
    assert main(["import", str(model), "-o", str(tmp_path / "resnet.yaml"), "--weights", str(tmp_path / "r.npz")]) == 0
    text = (tmp_path / "resnet.yaml").read_text()
    assert "tech:" not in yaml.safe_load(text) and text.startswith("# imported from resnet.onnx")
    assert main(["run", str(tmp_path / "resnet.yaml"), "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    keys = ["design", "stage", "component"]
    hand = archsim.estimate(ROOT / "workloads" / "resnet32_infer.yaml").energy.set_index(keys).energy_pj
    ours = archsim.estimate(tmp_path / "resnet.yaml").energy.set_index(keys).energy_pj
    pd.testing.assert_series_equal(ours, hand, rtol=1e-12)
    written = pd.read_csv(tmp_path / "rep" / "energy.csv").set_index(keys).energy_pj
    pd.testing.assert_series_equal(written, hand, rtol=1e-5)     # energy.csv keeps 6 significant digits
    layers = pd.read_csv(tmp_path / "rep" / "layers.csv")
    forward = layers[(layers.design == "mca") & (layers.stage == "forward")]
    assert forward.weights.sum() == 361_722


def _reference(model, x: np.ndarray) -> np.ndarray:
    return ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x})[0]


def _archsim_forward(imported, x: np.ndarray) -> np.ndarray:
    net = FunctionalNetwork(Network.model_validate(imported.network))
    net.load_state(imported.weights)
    out = net.forward(x.reshape(len(x), -1), train=False)
    if net.softmax_in_loss:   # forward returns logits; the ONNX graph ends in a softmax
        e = np.exp(out - out.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
    return out


@pytest.mark.parametrize("build, shape", [
    (lambda: resnet32(softmax=False), (3, 32, 32)),
    (lambda: lenet(softmax=False), (1, 28, 28)),
    (variety, (2, 12, 12)),
    (export_style, (1, 6, 6)),
    (nested_residual, (2, 5, 5)),
])
def test_imported_weights_compute_what_onnx_computes(tmp_path, build, shape):
    model = build()
    x = np.random.default_rng(1).uniform(0, 1, (6, *shape)).astype(np.float32)
    imported = import_onnx(save(model, tmp_path / "m.onnx"))
    ours, ref = _archsim_forward(imported, x), _reference(model, x)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=2e-4, atol=2e-5 * np.abs(ref).max())


def test_variety_maps_each_spelling(tmp_path):
    imported = import_onnx(save(variety(), tmp_path / "v.onnx"))
    layers = imported.network["layers"]
    assert [l["type"] for l in layers] == ["conv2d", "batchnorm", "avgpool", "conv2d", "maxpool", "flatten",
                                           "dense", "dense"]
    c1, n1, p1, c2, p2, _, fc, head = layers
    assert c1 == {"type": "conv2d", "name": "c1", "out_channels": 4, "kernel": 3, "padding": 1, "bias": True}
    assert n1["activation"] == "sigmoid" and c2["activation"] == "tanh" and c2["stride"] == 2
    assert p1 == {"type": "avgpool", "name": "p1", "kernel": 3, "stride": 2}
    assert p2["stride"] == 1 and fc["activation"] == "relu" and head["activation"] == "softmax"
    assert any("epsilon 0.001 folded into running_var" in n for n in imported.notes)
    assert imported.weights["fc.W"].shape == (25, 12)        # 24 inputs + the bias row


def test_export_style_global_pool_and_shared_initializers(tmp_path):
    layers = import_onnx(save(export_style(), tmp_path / "e.onnx")).network["layers"]
    assert [l["type"] for l in layers] == ["conv2d", "batchnorm", "global_avgpool", "dense"]
    assert layers[1]["activation"] == "relu"


def test_nested_residual_blocks(tmp_path):
    layers = import_onnx(save(nested_residual(), tmp_path / "n.onnx")).network["layers"]
    outer = layers[1]
    assert outer["type"] == "residual" and outer["activation"] == "relu" and "shortcut" not in outer
    assert [l["type"] for l in outer["body"]] == ["conv2d", "residual", "conv2d"]
    inner = outer["body"][1]
    assert inner["activation"] == "none" and "shortcut" not in inner
    assert [l["name"] for l in inner["body"]] == ["b", "b_bn"]
    assert outer["body"][2] == {"type": "conv2d", "name": "c", "out_channels": 4, "kernel": 1, "activation": "tanh"}


def test_torch_style_names_become_layer_names(tmp_path):
    imported = import_onnx(save(resnet32(), tmp_path / "r.onnx"))
    names = [s.name for s in flatten_layers(infer_shapes(Network.model_validate(imported.network)))]
    assert names[:2] == ["conv1", "bn1"]
    assert "layer2.0.downsample.0" in names and "layer3.4" in names and names[-1] == "fc"
    assert {"layer1.0.conv1.W", "layer1.0.bn1.running_var", "fc.W"} <= set(imported.weights)


@pytest.mark.parametrize("workload", sorted(p.name for p in (ROOT / "workloads").glob("*.yaml")
                                            if "network:" in p.read_text()))
def test_project_writer_round_trips_every_workload_network(tmp_path, workload):
    """export_onnx then import_onnx gives back the same layers, names and (bit-identical) weights; dropout
    is training-only and the exported inference graph leaves it out."""
    hand = load(Workload, ROOT / "workloads" / workload).network
    state = FunctionalNetwork(hand, seed=2).state()
    imported = import_onnx(export_onnx(hand, state, tmp_path / "x.onnx"), name=hand.name)
    again = Network.model_validate(imported.network)

    def rows(net):
        return [(s.name, *t) for s, t in zip(flatten_layers(infer_shapes(net)), structure(net)) if t[0] != "dropout"]

    assert rows(again) == rows(hand)
    assert set(imported.weights) == set(state)
    assert all(np.array_equal(imported.weights[k], state[k]) for k in state)


def test_written_workload_is_valid_and_points_at_its_weights(tmp_path):
    imported = import_onnx(save(lenet(), tmp_path / "l.onnx"))
    (tmp_path / "w").mkdir()
    files = write_workload(imported, tmp_path / "w" / "lenet.yaml", weights=tmp_path / "lenet.npz", inference=True)
    assert files == [tmp_path / "lenet.npz", tmp_path / "w" / "lenet.yaml"]
    w = load(Workload, tmp_path / "w" / "lenet.yaml")
    assert w.inference.weights == "../lenet.npz" and w.tech == "14lpp" and w.mode == "infer"
    with np.load(tmp_path / "lenet.npz") as z:
        assert set(z.files) == set(imported.weights)
