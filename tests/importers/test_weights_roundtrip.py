"""Trained LeNet → ONNX (the project's writer) → `archsim import --weights` → the inference study programs
exactly those weights: same FP32 predictions, same FP32 test accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from archsim.cli import main
from archsim.config.errors import ConfigError
from archsim.config.loader import load
from archsim.config.network import Network
from archsim.config.workload import Workload
from archsim.functional.inference.run import run_inference_study
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.training.loop import run_training
from archsim.functional.training.optim import Schedule
from archsim.functional.training.software import SoftwareSGD
from archsim.functional.training.strategy import TrainSettings, count_correct
from archsim.importers.onnx_export import export_onnx

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "workloads" / "lenet_mnist_infer_quick.yaml"
STUDY = {"models": ["fp32_direct"], "compensations": ["none"], "times_s": [25.0], "repeats": 1,
         "test_images": 1000, "calibration_images": 100}


@pytest.fixture(scope="module")
def trained(mnist):
    network = load(Workload, QUICK).network
    model = FunctionalNetwork(network, seed=4)
    data = mnist.x_train[:2000], mnist.y_train[:2000], mnist.x_test[:200], mnist.y_test[:200]
    trainer = SoftwareSGD(model, TrainSettings(1, Schedule(0.05, "cosine", epochs=1), 64, 0.9, 5e-4))
    run_training(trainer, data, seed=4, epochs=1, progress=False)
    return network, model


def _predict(model, x):
    return np.concatenate([model.forward(x[i:i + 1000]).argmax(axis=1) for i in range(0, len(x), 1000)])


def test_inference_study_on_imported_weights_reproduces_fp32(trained, mnist, mnist_dir, tmp_path):
    network, model = trained
    export_onnx(network, model.state(), tmp_path / "lenet.onnx")
    assert main(["import", str(tmp_path / "lenet.onnx"), "-o", str(tmp_path / "lenet.yaml"),
                 "--weights", str(tmp_path / "lenet.npz"), "--inference"]) == 0
    data = yaml.safe_load((tmp_path / "lenet.yaml").read_text())
    assert data["inference"] == {"weights": "lenet.npz"}
    data["inference"].update(STUDY)
    (tmp_path / "lenet.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    imported = FunctionalNetwork(Network.model_validate(data["network"]))
    imported.load_state(dict(np.load(tmp_path / "lenet.npz")))
    x = mnist.x_test[:2000]
    np.testing.assert_array_equal(_predict(imported, x), _predict(model, x))

    w = load(Workload, tmp_path / "lenet.yaml")
    summary = run_inference_study(w, tmp_path / "lenet.yaml", tmp_path / "out", data_dir=mnist_dir, progress=False)
    assert summary.fp32_test_acc == count_correct(model, mnist.x_test[:1000], mnist.y_test[:1000]) / 1000
    assert summary.fp32_test_acc > 0.8            # a trained network, not a random one
    assert summary.training.empty                 # no software training ran
    acc = summary.accuracy_vs_time
    assert acc.test_acc_mean.iloc[0] > 0.75       # programmed onto PCM, read at 25 s


def test_weights_that_do_not_fit_are_named(trained, mnist_dir, tmp_path):
    network, model = trained
    state = model.state()
    state["fc1.W"] = state["fc1.W"][:-1]
    np.savez(tmp_path / "bad.npz", **state)
    data = yaml.safe_load(QUICK.read_text())
    data["inference"] = {"weights": "bad.npz", **STUDY}
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(data))
    w = load(Workload, tmp_path / "w.yaml")
    with pytest.raises(ConfigError, match=r"bad.npz: inference.weights: not usable for this network: fc1.W: shape"):
        run_inference_study(w, tmp_path / "w.yaml", tmp_path / "out", data_dir=mnist_dir, progress=False)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="inference.weights: not usable"):
        run_inference_study(w, tmp_path / "w.yaml", tmp_path / "out", data_dir=mnist_dir, progress=False)
    (tmp_path / "bad.npz").unlink()
    with pytest.raises(ConfigError, match="inference.weights: file not found"):
        run_inference_study(w, tmp_path / "w.yaml", tmp_path / "out", data_dir=mnist_dir, progress=False)
