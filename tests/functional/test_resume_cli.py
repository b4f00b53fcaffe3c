"""`archsim run --resume` knows what it resumes: refused (exit 2, changed keys named) after a config change,
for functional training and for inference studies; `--fresh` starts over; after kill -9 a CNN MCA run
resumes bit-identically."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from archsim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _workload(tmp_path: Path, name: str, network: dict, functional: dict | None = None,
              inference: dict | None = None, file: str | None = None) -> Path:
    data = {"kind": "workload", "version": 1, "name": name, "tech": str(ROOT / "tech" / "14lpp.yaml"),
            "network": network, "mode": "train" if functional else "infer", "designs": ["mca"]}
    if functional:
        data["functional"] = functional
        data["trace"] = {"source": "functional"}
    if inference:
        data["inference"] = inference
    path = tmp_path / f"{file or name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


MLP = {"name": "mlp", "input_shape": [784], "layers": [{"type": "dense", "out": 20, "activation": "sigmoid"},
                                                        {"type": "dense", "out": 10, "activation": "softmax"}]}
CNN = {"name": "cnn", "input_shape": [1, 28, 28], "layers": [
    {"type": "conv2d", "name": "conv1", "out_channels": 6, "kernel": 5, "stride": 2, "bias": True,
     "activation": "relu"},
    {"type": "maxpool", "kernel": 2}, {"type": "flatten"},
    {"type": "dense", "name": "fc", "out": 10, "activation": "softmax"}]}


def _functional(**kw) -> dict:
    return {"epochs": 2, "train_images": 300, "test_images": 200, "algorithms": ["mca"],
            "device": str(ROOT / "tech" / "pcm_gradual_set.yaml"), "learning_rate": 0.05,
            "drift_times_s": [1.0, 3600.0], **kw}


def test_resume_after_a_config_change_is_refused_naming_the_keys_and_fresh_starts_over(tmp_path, mnist_dir, capsys):
    out = tmp_path / "out"
    path = _workload(tmp_path, "w", MLP, _functional())
    assert main(["run", str(path), "--out", str(out), "--quiet", "--data-dir", str(mnist_dir)]) == 0
    first = pd.read_csv(out / "accuracy.csv")
    changed = _workload(tmp_path, "w", MLP, _functional(learning_rate=0.5, refresh_threshold_us=8.0), file="changed")
    capsys.readouterr()
    assert main(["run", str(changed), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 2
    err = capsys.readouterr().err
    assert "functional.learning_rate: changed since the checkpoint was written: 0.05 -> 0.5" in err
    assert "functional.refresh_threshold_us" in err and "--fresh" in err
    assert "functional.epochs" not in err  # unchanged keys are not listed
    # more epochs of the same run is not a change (the exponential schedule does not depend on the total)
    longer = _workload(tmp_path, "w", MLP, _functional(epochs=3), file="longer")
    assert main(["run", str(longer), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 0
    resumed = pd.read_csv(out / "accuracy.csv")
    cols = ["epoch", "train_acc", "test_acc", "device_pulses"]
    pd.testing.assert_frame_equal(resumed[cols].iloc[:2], first[cols])
    assert main(["run", str(changed), "--out", str(out), "--resume", "--fresh", "--quiet"]) == 2
    assert main(["run", str(changed), "--out", str(out), "--fresh", "--quiet", "--data-dir", str(mnist_dir)]) == 0
    assert list(pd.read_csv(out / "accuracy.csv")["epoch"]) == [1, 2]
    assert main(["run", str(changed), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 0


def test_resume_compares_the_device_by_content_not_by_where_its_file_lies(tmp_path, mnist_dir, capsys):
    out = tmp_path / "out"
    path = _workload(tmp_path, "w", MLP, _functional(epochs=1))
    assert main(["run", str(path), "--out", str(out), "--quiet", "--data-dir", str(mnist_dir)]) == 0
    text = (ROOT / "tech" / "pcm_gradual_set.yaml").read_text()
    (tmp_path / "moved").mkdir()
    copy = tmp_path / "moved" / "my_device.yaml"  # another folder and another name, the same content
    copy.write_text(text)
    moved = _workload(tmp_path, "w", MLP, _functional(epochs=2, device=str(copy)), file="moved")
    assert main(["run", str(moved), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 0
    assert list(pd.read_csv(out / "accuracy.csv")["epoch"]) == [1, 2]
    data = yaml.safe_load(text)
    data["read_noise_offset_us"]["value"] *= 2
    copy.write_text(yaml.safe_dump(data, sort_keys=False))
    longer = _workload(tmp_path, "w", MLP, _functional(epochs=3, device=str(copy)), file="longer")
    capsys.readouterr()
    assert main(["run", str(longer), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 2
    err = capsys.readouterr().err
    assert "device.params: changed since the checkpoint was written" in err
    assert "functional.device" not in err and "device.name" not in err


def test_inference_study_resume_refuses_a_changed_config(tmp_path, mnist_dir, capsys):
    inference = {"training": {"train_images": 300, "epochs": 1, "batch_size": 32}, "hwa": {"epochs": 1},
                 "test_images": 200, "repeats": 1, "times_s": [25, 86400], "calibration_images": 100,
                 "device_model": str(ROOT / "tech" / "pcm_inference.yaml"), "models": ["hwa"]}
    out = tmp_path / "out"
    path = _workload(tmp_path, "inf", CNN, inference=inference)
    assert main(["run", str(path), "--out", str(out), "--quiet", "--data-dir", str(mnist_dir)]) == 0
    capsys.readouterr()
    changed = _workload(tmp_path, "inf", CNN, inference={**inference, "hwa": {"epochs": 1, "eta_tr": 0.05},
                                                         "io": {"out_noise": 0.0}}, file="changed")
    assert main(["run", str(changed), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 2
    err = capsys.readouterr().err
    assert "hwa.eta_tr" in err and "0.038 -> 0.05" in err
    assert main(["run", str(path), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 0


def test_kill_9_then_resume_continues_a_cnn_mca_run_bit_identically(tmp_path, mnist_dir):
    functional = _functional(epochs=4, train_images=1280, batch_size=32, momentum=0.9, learning_rate=0.02)
    path = _workload(tmp_path, "cnn", CNN, functional)
    straight = tmp_path / "straight"
    assert main(["run", str(path), "--out", str(straight), "--quiet", "--data-dir", str(mnist_dir)]) == 0
    out = tmp_path / "killed"
    env = {**os.environ, "ARCHSIM_DATA": str(mnist_dir)}
    cmd = [sys.executable, "-m", "archsim.cli", "run", str(path), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt = out / "checkpoints" / "mca_seed0.npz"
    deadline = time.time() + 300
    while not ckpt.is_file() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run finished before it could be killed"
    assert main(["run", str(path), "--out", str(out), "--resume", "--quiet", "--data-dir", str(mnist_dir)]) == 0
    for name in ("accuracy.csv", "updates.csv", "drift.csv"):
        a, b = pd.read_csv(straight / name), pd.read_csv(out / name)
        keep = [c for c in a.columns if c != "images_per_s"]
        pd.testing.assert_frame_equal(a[keep], b[keep], check_exact=True)
