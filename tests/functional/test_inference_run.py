"""Software training (SGD, resume) and the inference-study entry point on small MNIST subsets."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from archsim.config.errors import ConfigError
from archsim.config.loader import load
from archsim.config.workload import Workload
from archsim.functional.inference import run as run_module
from archsim.functional.inference.run import run_inference_study
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.software import trainer as trainer_module
from archsim.functional.software import TrainSettings, evaluate, load_weights, save_weights, train

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "workloads" / "lenet_mnist_infer_quick.yaml"


@pytest.fixture(scope="module")
def lenet():
    return load(Workload, QUICK).network


def test_sgd_training_of_a_cnn_learns_mnist(mnist, lenet):
    model = FunctionalNetwork(lenet, seed=0)
    hist = train(model, mnist.x_train[:2000], mnist.y_train[:2000], mnist.x_test[:500], mnist.y_test[:500],
                 TrainSettings(epochs=2, batch_size=32, lr=0.05), progress=False)
    assert list(hist.columns) == ["phase", "epoch", "lr", "train_loss", "train_acc", "test_acc", "time_s"]
    assert hist["train_loss"].iloc[1] < hist["train_loss"].iloc[0]
    assert hist["test_acc"].iloc[-1] > 0.85


def test_resume_is_bit_identical_and_weights_roundtrip(mnist, lenet, tmp_path, monkeypatch):
    x, y = mnist.x_train[:256], mnist.y_train[:256]
    xt, yt = mnist.x_test[:100], mnist.y_test[:100]
    s = TrainSettings(epochs=2, batch_size=64, lr=0.05, eta_tr=0.038, clip_alpha=2.0)
    straight = FunctionalNetwork(lenet, seed=1)
    train(straight, x, y, xt, yt, s, checkpoint=tmp_path / "a.npz", progress=False)

    calls = {"n": 0}
    real_epoch = trainer_module._train_epoch

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)
    monkeypatch.setattr(trainer_module, "_train_epoch", crash_on_second)
    interrupted = FunctionalNetwork(lenet, seed=1)
    with pytest.raises(KeyboardInterrupt):
        train(interrupted, x, y, xt, yt, s, checkpoint=tmp_path / "b.npz", progress=False)
    monkeypatch.setattr(trainer_module, "_train_epoch", real_epoch)
    resumed = FunctionalNetwork(lenet, seed=99)  # different init: everything must come from the checkpoint
    hist = train(resumed, x, y, xt, yt, s, checkpoint=tmp_path / "b.npz", resume=True, progress=False)
    assert list(hist["epoch"]) == [1, 2]
    for k, v in straight.state().items():
        np.testing.assert_array_equal(resumed.state()[k], v, err_msg=k)

    save_weights(straight, tmp_path / "w.npz")
    copy = FunctionalNetwork(lenet, seed=5)
    load_weights(copy, tmp_path / "w.npz")
    assert evaluate(copy, xt, yt) == evaluate(straight, xt, yt)


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
    monkeypatch.setattr(run_module, "train", no_training)
    again = run_inference_study(workload, path, out, resume=True, data_dir=mnist_dir, progress=False)
    pd.testing.assert_frame_equal(again.accuracy_vs_time, summary.accuracy_vs_time)


def test_accuracy_vs_time_is_deterministic_for_a_seed():
    from archsim.config.inference import InferenceStudyConfig
    from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
    from archsim.functional.inference.study import StudyData, run_repeats

    model = FunctionalNetwork(load(Workload, QUICK).network, seed=3)
    rng = np.random.default_rng(0)
    data = StudyData(rng.uniform(0, 1, (200, 784)).astype(np.float32), rng.integers(0, 10, 200),
                     rng.uniform(0, 1, (100, 784)).astype(np.float32))
    cfg = InferenceStudyConfig(times_s=[25, 1e5], repeats=2, eval_batch_size=100)
    pcm = InferencePCM.from_yaml(default_model_path())
    a, _ = run_repeats(model, "hwa", pcm, cfg, data, progress=False)
    b, _ = run_repeats(model, "hwa", pcm, cfg, data, progress=False)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 2 * 2 * 3
    c, _ = run_repeats(model, "hwa", pcm, cfg.model_copy(update={"seed": 1}), data, progress=False)
    assert not c["test_acc"].equals(a["test_acc"])


def test_network_that_does_not_fit_mnist_is_a_config_error(tmp_path):
    data = yaml.safe_load(QUICK.read_text())
    data["network"]["input_shape"] = [1, 32, 32]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as exc:
        run_inference_study(load(Workload, path), path, tmp_path / "out", progress=False)
    assert "network.input_shape" in str(exc.value)


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
