"""Training with the one engine: the CI-sized MCA run reaches a sane accuracy, seeds make runs
reproducible, resume is bit-identical (MLP and CNN), the fused dense path equals the layer-by-layer
path, mini-batch χ bookkeeping conserves χ + p·ε, the ablations run and count what they should."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archsim.config.errors import ConfigError
from archsim.config.functional import FunctionalConfig
from archsim.config.loader import load, validate
from archsim.config.workload import Workload
from archsim.functional.checkpoint import Checkpoint
from archsim.functional.crossbar.batch_update import apply_increment
from archsim.functional.crossbar.update import MODE_MCA, N_STATS, S_CHI_READS, S_SET
from archsim.functional.devices import load_device
from archsim.functional.run import ACCURACY_COLUMNS, crossbar_settings, make_trainer, run_functional
from archsim.functional.hardware_link import crossbar_link
from archsim.functional.training.fused_dense import seed_numba
from archsim.functional.training.crossbar import MODES
from archsim.functional.training.loop import run_training

ROOT = Path(__file__).resolve().parents[3]
QUICK = ROOT / "workloads" / "mlp_mnist_mca_quick.yaml"
MLP = {"name": "mlp", "input_shape": [784], "layers": [{"type": "dense", "out": 40, "activation": "sigmoid"},
                                                        {"type": "dense", "out": 10, "activation": "softmax"}]}
CNN = {"name": "cnn", "input_shape": [1, 28, 28], "layers": [
    {"type": "conv2d", "name": "conv1", "out_channels": 4, "kernel": 5, "stride": 2},
    {"type": "batchnorm", "activation": "relu"}, {"type": "maxpool", "kernel": 2},
    {"type": "flatten"}, {"type": "dense", "name": "fc", "out": 10, "activation": "softmax"}]}


ONE_ARRAY_PER_LAYER = [{"name": "mca", "base": "mca", "overrides": {"crossbar": {"rows": 1024, "cols": 256}}}]


def workload(network=MLP, **functional) -> Workload:
    return Workload.model_validate({"kind": "workload", "version": 1, "name": "t", "network": network,
                                    "mode": "train", "designs": ONE_ARRAY_PER_LAYER,
                                    "functional": {"learning_rate": 0.05, **functional}})


def trainer_for(wl: Workload, algorithm="mca", seed=0):
    cb = None
    if algorithm in MODES:
        cb = crossbar_settings(wl.functional, crossbar_link(wl, Path("t.yaml"), None), wl.network, Path("t.yaml"))
    return make_trainer(wl, algorithm, seed, cb, load_device(wl.functional.device) if cb else None)


def small(mnist, n_train=1500, n_test=500):
    return mnist.x_train[:n_train], mnist.y_train[:n_train], mnist.x_test[:n_test], mnist.y_test[:n_test]


def test_quick_workload_mca_reaches_90_percent(mnist, mnist_dir, tmp_path):
    wl = load(Workload, QUICK)
    # the full-precision update (at its tuned η) reaches 90 % on 10k images; the workload's default
    # 3-bit update is checked in test_training_physics.py
    fc = wl.functional.model_copy(update={"algorithms": ["mca"], "update_bits": 0, "learning_rate": 0.05})
    wl = wl.model_copy(update={"functional": fc})
    summary = run_functional(wl, QUICK, tmp_path, data_dir=mnist_dir, progress=False)
    assert summary.final_test_acc["mca"] >= 0.90
    acc = pd.read_csv(tmp_path / "accuracy.csv")
    assert list(acc.columns[: len(ACCURACY_COLUMNS)]) == ACCURACY_COLUMNS
    assert 0 < acc["test_acc"].iloc[0] <= 1 and 0 < acc["train_acc"].iloc[0] <= 1 and acc["train_loss"].iloc[0] > 0
    assert set(summary.update_stats) == {"dense1", "dense2"}
    s1 = summary.update_stats["dense1"]
    assert 0 < s1.x_nonzero <= 785 and 0 < s1.d_nonzero <= 250 and s1.set_pulses > 0
    mca_rows = pd.read_csv(tmp_path / "updates.csv").query("layer == 'dense1' and algorithm == 'mca'")
    assert s1.nonzero_updates == pytest.approx(mca_rows["nonzero_updates"].sum() / 10000)
    drift = pd.read_csv(tmp_path / "drift.csv")
    assert sorted(drift["t_s"].unique()) == wl.functional.drift_times_s
    assert set(drift["compensation"]) == {"none", "global"}
    for name in ("drift.png", "updates_per_epoch.png", "accuracy.png", "checkpoints/mca_seed0.npz"):
        assert (tmp_path / name).is_file()


def test_same_seed_same_result_other_seed_differs(mnist):
    wl = workload()
    runs = [run_training(t, small(mnist), seed=s, epochs=1, progress=False) for t, s in
            ((trainer_for(wl, seed=3), 3), (trainer_for(wl, seed=3), 3), (trainer_for(wl, seed=4), 4))]
    assert _strip(runs[0].epochs) == _strip(runs[1].epochs) and runs[0].layers == runs[1].layers
    assert runs[0].epochs[0]["test_acc"] != runs[2].epochs[0]["test_acc"]


def _strip(rows):
    return [{k: v for k, v in r.items() if k != "images_per_s"} for r in rows]


@pytest.mark.parametrize("algorithm, network, extra", [
    ("mca", MLP, {}),                                                      # fused dense path
    ("fp32", MLP, {}),
    ("mca", CNN, {"batch_size": 16, "momentum": 0.9, "precision": "float32"}),  # layer-by-layer path
    ("fp32", CNN, {"batch_size": 16, "momentum": 0.9, "weight_decay": 1e-4}),
])
def test_resume_is_bit_identical(mnist, tmp_path, algorithm, network, extra):
    wl = workload(network, **extra)
    data = small(mnist, 640, 200)
    full = run_training(trainer_for(wl, algorithm, 1), data, seed=1, epochs=3, progress=False)
    fp = {"test": algorithm}
    ckpt = Checkpoint(tmp_path / "c.npz", fp)
    run_training(trainer_for(wl, algorithm, 1), data, seed=1, epochs=1, checkpoint=ckpt, progress=False)
    fresh = trainer_for(wl, algorithm, 99)  # another init: everything must come from the checkpoint
    resumed = run_training(fresh, data, seed=1, epochs=3, checkpoint=ckpt, resume=True, progress=False)
    assert _strip(full.epochs) == _strip(resumed.epochs) and full.layers == resumed.layers
    again = trainer_for(wl, algorithm, 1)
    run_training(again, data, seed=1, epochs=3, progress=False)
    a, b = again.state(), fresh.state()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


THREE_BIT_DEFAULT = {"update_bits": 3, "update_rounding": "nearest", "update_rounding_error": "truncate",
                     "update_rounding_output_error": "stochastic"}  # workloads/mlp_mnist_mca.yaml


@pytest.mark.parametrize("algorithm, extra", [
    ("mca", {"update_bits": 3}), ("mca", THREE_BIT_DEFAULT), ("direct", {}),
    ("mca_one_device", {"epsilon_reset": 0.3}), ("crossbar_compatible", {}),
    ("mca", {"device": "jump_table", "refresh_reset": "pulses", "refresh_threshold_us": 6.0})])
def test_fused_dense_path_equals_the_layer_by_layer_path(mnist, algorithm, extra):
    """Batch size 1, plain SGD, dense layers: the fused numba loop and the generic layer stack (float64)
    fire the same pulses on the same devices (read noise off: the generic path draws it from another
    generator), for every crossbar rule and the training physics of issue 12."""
    wl = workload(read_noise=False, precision="float64", **extra)
    generic = workload(read_noise=False, precision="float64", fused=False, **extra)
    data = small(mnist, 400, 200)
    a, b = trainer_for(wl, algorithm), trainer_for(generic, algorithm)
    assert a.fused is not None and b.fused is None
    ra = run_training(a, data, seed=2, epochs=1, progress=False)
    rb = run_training(b, data, seed=2, epochs=1, progress=False)
    for x, y in zip(a.state_.gp + a.state_.gm, b.state_.gp + b.state_.gm):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a.state_.chi, b.state_.chi):
        np.testing.assert_allclose(x, y, atol=1e-9)
    keys = ("set_pulses", "reset_pulses", "refreshes", "nonzero_updates", "train_acc")
    assert [ra.epochs[0][k] for k in keys] == [rb.epochs[0][k] for k in keys]
    assert ra.epochs[0]["set_pulses"] > 100
    assert ra.epochs[0]["train_loss"] == pytest.approx(rb.epochs[0]["train_loss"], rel=1e-9)


def test_dense_increment_conserves_chi_plus_pulses():
    dev = load_device("gradual_set")
    rng = np.random.default_rng(0)
    gp, gm = rng.uniform(1, 5, (30, 8)), rng.uniform(1, 5, (30, 8))
    np_, nm = np.zeros((30, 8), np.int32), np.zeros((30, 8), np.int32)
    chi = rng.uniform(-0.09, 0.09, (30, 8))
    delta = rng.normal(0, 0.15, (30, 8))
    chi0, stats = chi.copy(), np.zeros(N_STATS)
    seed_numba(3)
    moved = apply_increment(delta, chi, 0.096, 0.096, 0.1247, MODE_MCA, False, 1000, gp, gm, np_, nm, *dev.arrays,
                            stats)
    pulses = np_.astype(float) - nm
    np.testing.assert_allclose(chi0 + delta, chi + pulses * 0.096, atol=1e-12)
    assert moved == pytest.approx((pulses * 0.096).sum()) and stats[S_SET] == np.abs(pulses).sum() > 0
    assert np.all(np.abs(chi) < 0.096 + 1e-12)


def test_minibatch_momentum_training_conserves_chi_plus_pulses_per_weight(mnist):
    """Over a mini-batch run with momentum, for every weight: χ_end + ε·(pulses on G⁺ − pulses on G⁻)
    = Σ over batches of −η·v (the velocities the optimizer produced), no refresh."""
    wl = workload(batch_size=32, momentum=0.9, refresh_interval_images=0, precision="float64")
    t = trainer_for(wl)
    t.init(0)
    x, y = mnist.x_train[:320], mnist.y_train[:320]
    total = [np.zeros_like(c) for c in t.state_.chi]
    original = t.apply_update

    def recording(lr, batch):
        before = [v.copy() for v in t.velocity]
        original(lr, batch)
        for k, v in enumerate(t.velocity):
            assert np.allclose(v, 0.9 * before[k] + t.layers[k].dW)  # v ← μ·v + g
            total[k] -= lr * v
    t.apply_update = recording
    t.train_epoch(x, y, np.arange(320), 0, 0, progress=False)
    for k in range(len(total)):
        pulses = (t.state_.np_[k].astype(float) - t.state_.nm[k]).sum(0)  # every device starts at the same count
        np.testing.assert_allclose(t.state_.chi[k] + t.eps[k] * pulses, total[k], atol=1e-9)
    assert t.stats[:, S_SET].sum() > 0
    assert t.stats[0, S_CHI_READS] == 10 * 785 * 40  # a dense χ pass per batch with momentum


def test_fp_baseline_learns_and_counts_dense_writes(mnist):
    t = trainer_for(workload(fp_learning_rate=0.1), "fp32")
    res = run_training(t, small(mnist, 3000, 1000), seed=0, epochs=1, progress=False)
    assert res.epochs[0]["test_acc"] > 0.8
    assert t.network.weighted["dense1"].W.dtype == np.float32
    assert res.layers[0]["set_pulses"] == 785 * 40 * 3000


def test_ablations_run_and_differ(mnist):
    runs = {a: (trainer_for(workload(**kw), a), kw) for a, kw in
            (("mca", {}), ("direct", {}), ("mca_one_device", {"epsilon_reset": 0.2}))}
    res = {a: run_training(t, small(mnist), seed=0, epochs=1, progress=False) for a, (t, _) in runs.items()}
    assert all(np.all(c == 0) for c in runs["direct"][0].state_.chi)  # no residual kept
    assert res["mca_one_device"].layers[0]["reset_pulses"] > 0 and res["mca_one_device"].layers[0]["refreshes"] == 0
    assert all(np.all(g == 6.0) for g in runs["mca_one_device"][0].state_.gm)  # reference never programmed
    assert res["mca"].epochs[0]["test_acc"] != res["direct"].epochs[0]["test_acc"]


def test_functional_config_errors_name_key_and_allowed_values():
    with pytest.raises(ConfigError) as err:
        validate(FunctionalConfig, {"algorithms": ["mca", "sgd"], "epochs": 0, "foo": 1, "dataset": "svhn"},
                 "w.yaml", "functional")
    text = str(err.value)
    assert "functional.algorithms.1" in text and "'fp64'" in text and "functional.epochs" in text
    assert "unknown key 'foo'" in text and "functional.dataset" in text and "fashion_mnist" in text
    wl = load(Workload, QUICK)
    bad = wl.model_copy(update={"functional": wl.functional.model_copy(update={"adc_range_forward_us": [1.0]})})
    with pytest.raises(ConfigError, match="adc_range_forward_us"):
        run_functional(bad, QUICK, Path("/nonexistent"), progress=False)
    with pytest.raises(ConfigError, match="functional.design"):
        run_functional(wl.model_copy(update={"functional": wl.functional.model_copy(update={"design": "nope"})}),
                       QUICK, Path("/nonexistent"), progress=False)


def test_he_epsilon_rule_maps_initial_conductances_to_a_fraction_of_the_he_spread():
    from archsim.functional.run import layer_epsilons

    cfg = FunctionalConfig(epsilon_rule="he", he_fraction=0.5)
    eps = layer_epsilons(cfg, [25, 400], Path("t.yaml"))
    assert eps == pytest.approx([0.0928, 0.0232], abs=1e-4)
    t = trainer_for(workload(CNN, epsilon_rule="he", he_fraction=1.0, batch_size=8))
    t.init(0)
    for k, layer in enumerate(t.layers):
        w = t.weights()[k][: layer.fan_in]
        assert w.std() == pytest.approx(np.sqrt(2 / layer.fan_in), rel=0.1)  # He spread at fraction 1
