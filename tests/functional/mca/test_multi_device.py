"""Multi-device synapses (design crossbar.devices_per_weight = 2N: N devices per sign, Boybat et al.,
Nat. Commun. 2018): weights are β·Σ_k (G⁺_k − G⁻_k), the pulses of one update go to one device pair
chosen round robin, χ + ε·pulses is conserved over all pairs, and the estimator prices N× devices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from archsim.config.errors import ConfigError
from archsim.config.workload import Workload
from archsim.functional.devices import load_device
from archsim.functional.hardware_link import crossbar_link
from archsim.functional.run import crossbar_settings, make_trainer, run_functional
from archsim.functional.training.loop import run_training

CNN = {"name": "cnn", "input_shape": [1, 28, 28], "layers": [
    {"type": "conv2d", "name": "conv1", "out_channels": 4, "kernel": 5, "stride": 2, "activation": "relu"},
    {"type": "maxpool", "kernel": 2},
    {"type": "flatten"}, {"type": "dense", "name": "fc", "out": 10, "activation": "softmax"}]}


def workload(devices_per_weight: int, **functional) -> Workload:
    design = {"name": "mca", "base": "mca",
              "overrides": {"crossbar": {"rows": 1024, "cols": 256, "devices_per_weight": devices_per_weight}}}
    return Workload.model_validate({"kind": "workload", "version": 1, "name": "t", "network": CNN, "mode": "train",
                                    "designs": [design], "functional": {"learning_rate": 0.05, "batch_size": 16,
                                                                        "momentum": 0.9, **functional}})


def trainer(wl: Workload, algorithm: str = "mca", seed: int = 0):
    cb = crossbar_settings(wl.functional, crossbar_link(wl, Path("t.yaml"), None), wl.network, Path("t.yaml"))
    return make_trainer(wl, algorithm, seed, cb, load_device(wl.functional.device))


def test_devices_per_sign_come_from_the_design_and_set_finer_pulses_at_the_same_initial_weights():
    one, two = trainer(workload(2, epsilon_rule="he")), trainer(workload(4, epsilon_rule="he"))
    assert one.cb.devices_per_sign == 1 and two.cb.devices_per_sign == 2
    np.testing.assert_allclose(np.array(two.eps) * np.sqrt(2), one.eps)  # ε / √N
    for t in (one, two):
        t.init(0)
        assert t.state_.gp[0].shape == (t.cb.devices_per_sign, *t.layers[0].W.shape)
    for k, layer in enumerate(two.layers):  # the sum of 2N devices keeps he_fraction × the He spread
        w = two.weights()[k][: layer.fan_in]
        np.testing.assert_allclose(w, two.betas[k] * (two.state_.gp[k] - two.state_.gm[k]).sum(0)[: layer.fan_in])
        assert w.std() == pytest.approx(0.5 * np.sqrt(2 / layer.fan_in), rel=0.15)


def test_round_robin_pulses_one_pair_per_update_and_chi_plus_pulses_is_conserved(mnist):
    t = trainer(workload(4, refresh_interval_images=0, precision="float64"))
    t.init(0)
    x, y = mnist.x_train[:320], mnist.y_train[:320]
    total = [np.zeros_like(c) for c in t.state_.chi]
    original, touched = t.apply_update, []

    def recording(lr, batch):
        before = [n.copy() for n in t.state_.np_ + t.state_.nm]
        original(lr, batch)
        for k, v in enumerate(t.velocity):
            total[k] -= lr * v
        after = t.state_.np_ + t.state_.nm
        touched.append({p for b, a in zip(before, after) for p in range(2) if not np.array_equal(b[p], a[p])})
    t.apply_update = recording
    t.train_epoch(x, y, np.arange(320), 0, 0, progress=False)
    assert [s for s in touched if s] and all(s <= {i % 2} for i, s in enumerate(touched))  # pair = update mod 2
    assert any(s == {0} for s in touched) and any(s == {1} for s in touched)
    for k in range(len(total)):
        pulses = (t.state_.np_[k].astype(float) - t.state_.nm[k]).sum(0)  # every device starts at the same count
        np.testing.assert_allclose(t.state_.chi[k] + t.eps[k] * pulses, total[k], atol=1e-9)
    assert int(t.state_.counter[1]) == 20


def test_multi_device_training_learns_and_resumes_bit_identically(mnist, tmp_path):
    from archsim.functional.checkpoint import Checkpoint

    wl = workload(4, precision="float32")
    data = mnist.x_train[:640], mnist.y_train[:640], mnist.x_test[:300], mnist.y_test[:300]
    full = run_training(trainer(wl, seed=1), data, seed=1, epochs=3, progress=False)
    assert full.epochs[-1]["test_acc"] > 0.6
    ckpt = Checkpoint(tmp_path / "c.npz", {"test": "multi"})
    run_training(trainer(wl, seed=1), data, seed=1, epochs=1, checkpoint=ckpt, progress=False)
    resumed = run_training(trainer(wl, seed=7), data, seed=1, epochs=3, checkpoint=ckpt, resume=True, progress=False)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "images_per_s"} for r in rows]  # noqa: E731
    assert strip(full.epochs) == strip(resumed.epochs)


def test_rules_that_program_one_pair_refuse_multi_device_cells(tmp_path):
    wl = workload(4, algorithms=["mca", "mca_one_device"], epsilon_reset=0.2)
    with pytest.raises(ConfigError, match=r"functional\.algorithms.*mca_one_device.*allowed"):
        run_functional(wl, Path("t.yaml"), tmp_path, progress=False)
    with pytest.raises(ValueError, match="devices_per_sign"):
        trainer(wl, "mca_one_device")
    with pytest.raises(ConfigError, match=r"devices_per_weight.*\b8\b"):  # names the key and the allowed values
        crossbar_link(workload(3), Path("t.yaml"), None)
