"""Software training (SGD, resume) and the inference-study entry point on small MNIST subsets."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from archsim.config.errors import ConfigError
from archsim.config.loader import load
from archsim.config.workload import Workload
from archsim.functional.checkpoint import Checkpoint
from archsim.functional.inference.run import run_inference_study
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.training.loop import run_training
from archsim.functional.training.optim import Schedule
from archsim.functional.training.software import HardwareAware, SoftwareSGD
from archsim.functional.training.strategy import TrainSettings, count_correct
from archsim.functional.weights_io import load_weights, save_weights

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "workloads" / "lenet_mnist_infer_quick.yaml"


@pytest.fixture(scope="module")
def lenet():
    return load(Workload, QUICK).network


def _sgd(epochs, batch, lr, **kw):
    return TrainSettings(epochs, Schedule(lr, "cosine", epochs=epochs), batch, 0.9, 5e-4, 500, **kw)


def test_sgd_training_of_a_cnn_learns_mnist(mnist, lenet):
    model = FunctionalNetwork(lenet, seed=0)
    data = mnist.x_train[:2000], mnist.y_train[:2000], mnist.x_test[:500], mnist.y_test[:500]
    res = run_training(SoftwareSGD(model, _sgd(2, 32, 0.05)), data, seed=0, epochs=2, progress=False)
    assert res.epochs[1]["train_loss"] < res.epochs[0]["train_loss"]
    assert res.epochs[-1]["test_acc"] > 0.85
    assert res.layers[0]["set_pulses"] == 16 * 25 * 63  # every weight written once per batch


def test_hardware_aware_resume_is_bit_identical_and_weights_roundtrip(mnist, lenet, tmp_path):
    data = mnist.x_train[:256], mnist.y_train[:256], mnist.x_test[:100], mnist.y_test[:100]

    def hwa(seed):
        return HardwareAware(FunctionalNetwork(lenet, seed=seed), _sgd(2, 64, 0.05), 0.038, 2.0)
    straight = hwa(1)
    run_training(straight, data, seed=1, epochs=2, progress=False)
    ckpt = Checkpoint(tmp_path / "b.npz", {"k": 1})
    run_training(hwa(1), data, seed=1, epochs=1, checkpoint=ckpt, progress=False)
    resumed = hwa(99)  # different init: everything must come from the checkpoint
    res = run_training(resumed, data, seed=1, epochs=2, checkpoint=ckpt, resume=True, progress=False)
    assert [r["epoch"] for r in res.epochs] == [1, 2]
    for k, v in straight.network.state().items():
        np.testing.assert_array_equal(resumed.network.state()[k], v, err_msg=k)
    save_weights(straight.network, tmp_path / "w.npz")
    copy = FunctionalNetwork(lenet, seed=5)
    load_weights(copy, tmp_path / "w.npz")
    x, y = mnist.x_test[:100], mnist.y_test[:100]
    assert count_correct(copy, x, y) == count_correct(straight.network, x, y)


def _tiny_workload(tmp_path: Path) -> Path:
    data = yaml.safe_load(QUICK.read_text())
    data["inference"].update({
        "training": {"train_images": 600, "epochs": 1, "batch_size": 32},
        "hwa": {"epochs": 1}, "test_images": 300, "repeats": 2, "times_s": [25, 86400],
        "calibration_images": 200, "device_model": str(ROOT / "tech" / "pcm_inference.yaml")})
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_run_inference_study_writes_outputs_and_resumes(mnist_dir, tmp_path, monkeypatch):
    path = _tiny_workload(tmp_path)
    workload = load(Workload, path)
    out = tmp_path / "out"
    summary = run_inference_study(workload, path, out, data_dir=mnist_dir, progress=False)
    for name in ("accuracy_vs_time.csv", "accuracy_vs_time.png", "training.csv", "programming.csv",
                 "checkpoints/fp32_weights.npz", "checkpoints/hwa_weights.npz"):
        assert (out / name).is_file(), name
    acc = pd.read_csv(out / "accuracy_vs_time.csv")
    assert list(acc.columns) == ["model", "compensation", "t_s", "test_acc_mean", "test_acc_std", "repeats"]
    assert len(acc) == 2 * 3 * 2 and set(acc["repeats"]) == {2}
    assert acc["test_acc_mean"].between(0, 1).all() and (acc["test_acc_std"] >= 0).all()
    assert 0.5 < summary.fp32_test_acc <= 1
    assert list(summary.programming) == ["conv1", "conv2", "fc1", "fc2"]
    conv2 = summary.programming["conv2"]
    assert conv2.devices_programmed == conv2.devices_reset == 16 * 25 * 32
    assert conv2.converged_fraction >= 0.99 and conv2.mean_iterations >= 1
    assert summary.calibration_columns == {"conv1": 16, "conv2": 32, "fc1": 128, "fc2": 10}
    training = pd.read_csv(out / "training.csv")
    assert set(training["phase"]) == {"fp32", "hwa"}
    acc_by = summary.accuracy_vs_time.set_index(["model", "compensation", "t_s"])["test_acc_mean"]
    assert acc_by[("hwa", "none", 86400.0)] < acc_by[("hwa", "global", 86400.0)] - 0.05  # drift hurts BN nets

    def no_training(*a, **k):
        raise AssertionError("resume must not retrain")
    monkeypatch.setattr(SoftwareSGD, "train_epoch", no_training)
    monkeypatch.setattr("archsim.functional.inference.run.run_repeats", no_training)
    again = run_inference_study(workload, path, out, resume=True, data_dir=mnist_dir, progress=False)
    pd.testing.assert_frame_equal(again.accuracy_vs_time, summary.accuracy_vs_time)
    assert again.fp32_test_acc == summary.fp32_test_acc

    changed = load(Workload, path)
    changed = changed.model_copy(update={"inference": changed.inference.model_copy(
        update={"repeats": 3, "training": changed.inference.training.model_copy(update={"lr": 0.5})})})
    with pytest.raises(ConfigError) as exc:
        run_inference_study(changed, path, out, resume=True, data_dir=mnist_dir, progress=False)
    text = str(exc.value)
    assert "training.lr" in text and "0.05 -> 0.5" in text and "--fresh" in text


def test_accuracy_vs_time_is_deterministic_for_a_seed():
    from archsim.config.inference import InferenceStudyConfig
    from archsim.functional.crossbar.analog import ReadIO
    from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
    from archsim.functional.inference.run import run_repeats

    model = FunctionalNetwork(load(Workload, QUICK).network, seed=3)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, (200, 784)).astype(np.float32), rng.integers(0, 10, 200)
    cal = rng.uniform(0, 1, (100, 784)).astype(np.float32)
    cfg = InferenceStudyConfig(times_s=[25, 1e5], repeats=2, eval_batch_size=100)
    pcm = InferencePCM.from_yaml(default_model_path())
    io, tiles = ReadIO(8, 8, 300.0, 1.5, True), (256, None)
    a, _ = run_repeats(model, "hwa", pcm, cfg, io, tiles, x, y, cal, progress=False)
    b, _ = run_repeats(model, "hwa", pcm, cfg, io, tiles, x, y, cal, progress=False)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 2 * 2 * 3
    c, _ = run_repeats(model, "hwa", pcm, cfg.model_copy(update={"seed": 1}), io, tiles, x, y, cal, progress=False)
    assert not c["test_acc"].equals(a["test_acc"])
    assert all(layer.array is None for layer in model.weighted.values())  # the study leaves no arrays behind


def test_network_that_does_not_fit_mnist_is_a_config_error(tmp_path):
    data = yaml.safe_load(QUICK.read_text())
    data["network"]["input_shape"] = [1, 32, 32]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as exc:
        run_inference_study(load(Workload, path), path, tmp_path / "out", progress=False)
    assert "network.input_shape" in str(exc.value) and "[1, 28, 28]" in str(exc.value)


def test_unknown_inference_key_names_the_allowed_keys(tmp_path):
    data = yaml.safe_load(QUICK.read_text())
    data["inference"]["repeat"] = 3
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as exc:
        load(Workload, path)
    assert "inference.repeat" in str(exc.value) and "repeats" in str(exc.value)


@pytest.mark.slow
def test_quick_workload_study_is_accurate_and_compensation_holds(mnist_dir, tmp_path):
    """The CI workload end to end (< 60 s on an idle 2-core machine)."""
    summary = run_inference_study(load(Workload, QUICK), QUICK, tmp_path, data_dir=mnist_dir, progress=False)
    acc = summary.accuracy_vs_time.set_index(["model", "compensation", "t_s"])["test_acc_mean"]
    assert acc[("hwa", "none", 25.0)] > 0.9
    assert acc[("hwa", "global", 31536000.0)] > acc[("hwa", "none", 31536000.0)] + 0.2
    assert all(s.converged_fraction >= 0.99 for s in summary.programming.values())
