"""Accuracy per point: the sweep's functional hook calls run_functional with the point's workload and
feeds its measured update statistics to the estimator."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from sweep_cases import small_sweep

from archsim.sweep.config import load_sweep
from archsim.sweep.execute import run_sweep
from archsim.sweep.report import write_sweep_report
from archsim.trace.stats import LayerUpdateStats


def _functional_sweep(epsilons=(0.05, 0.1, 0.2)) -> dict:
    return small_sweep(
        fixed={}, iso={}, derived={},
        functional={"algorithm": "mca", "overrides": {"epochs": 1, "train_images": 300, "test_images": 300,
                                                       "drift_times_s": [1.0], "checkpoint": False}},
        axes=[{"target": "workload.functional.epsilon", "values": list(epsilons)}],
        objectives=[{"metric": "test_acc", "goal": "max"}, {"metric": "total_energy_nJ", "goal": "min"}],
        report={"x": "total_energy_nJ", "y": "test_acc"})


def test_hook_passes_the_point_and_uses_measured_statistics(write_sweep, tmp_path, monkeypatch):
    seen = []

    def fake_run_functional(workload, workload_path, out_dir, *, resume=False, data_dir=None, progress=True):
        eps = workload.functional.epsilon
        seen.append((eps, workload.functional.algorithms, workload.functional.train_images, out_dir, progress))
        pulses = 1.0 / eps                            # coarser steps → fewer pulses
        stats = {"dense1": LayerUpdateStats(100.0, 3.0, 300.0, pulses),
                 "dense2": LayerUpdateStats(125.0, 1.0, 125.0, 0.1)}
        return SimpleNamespace(final_test_acc={"mca": 0.9 - eps}, update_stats=stats)

    monkeypatch.setattr("archsim.functional.run.run_functional", fake_run_functional)
    plan = load_sweep(write_sweep(_functional_sweep()))
    assert "test_acc" in plan.metrics
    out = tmp_path / "out"
    run = run_sweep(plan, out, workers=1, progress=False)
    assert sorted(s[0] for s in seen) == [0.05, 0.1, 0.2]
    assert all(s[1] == ["mca"] and s[2] == 300 and not s[4] for s in seen)
    assert len({s[3] for s in seen}) == 3 and all(str(out.resolve()) in str(s[3]) for s in seen)
    write_sweep_report(plan, out, run.records, "test")
    df = pd.read_csv(out / "results.csv").sort_values("workload.functional.epsilon")
    assert df.test_acc.tolist() == pytest.approx([0.85, 0.8, 0.7])
    assert df.programming_energy_nJ.is_monotonic_decreasing and df.programming_energy_nJ.nunique() == 3
    front = pd.read_csv(out / "pareto.csv")
    assert len(front) == 3          # more accuracy costs more programming energy: all on the front


def test_real_short_mca_run(write_sweep, tmp_path, mnist_dir, monkeypatch):
    """Two ε values, 300 MNIST images each: a real accuracy column in (0, 1]."""
    monkeypatch.setenv("ARCHSIM_DATA", str(mnist_dir))
    plan = load_sweep(write_sweep(_functional_sweep([0.096, 0.3])))
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    recs = sorted(run.records.values(), key=lambda r: r["values"]["workload.functional.epsilon"])
    assert [r["status"] for r in recs] == ["ok", "ok"], [r["error"] for r in recs]
    accs = [r["metrics"]["test_acc"] for r in recs]
    assert all(0.1 < a <= 1.0 for a in accs)
    pulses = [r["metrics"]["programming_energy_nJ"] for r in recs]
    assert pulses[0] > pulses[1]       # larger ε: fewer SET pulses for the same training
    assert (tmp_path / "out" / "points" / recs[0]["key"] / "accuracy.csv").is_file()


def test_design_accuracy_objective_for_a_digital_design(write_sweep, tmp_path, mnist_dir, monkeypatch):
    """algorithm: design trains each point's design with its own functional model (here digital_mp's
    χ update on few-bit weights): weight_bits reaches the run and its accuracy is an objective."""
    monkeypatch.setenv("ARCHSIM_DATA", str(mnist_dir))
    sweep = small_sweep(
        design="digital_mp", fixed={}, iso={}, derived={},
        functional={"algorithm": "design", "overrides": {"epochs": 1, "train_images": 400, "test_images": 300,
                                                          "checkpoint": False}},
        axes=[{"target": "design.weight_bits", "values": [2, 4]}],
        objectives=[{"metric": "test_acc", "goal": "max"}, {"metric": "total_energy_nJ", "goal": "min"}],
        report={"x": "total_energy_nJ", "y": "test_acc"})
    run = run_sweep(load_sweep(write_sweep(sweep)), tmp_path / "out", workers=1, progress=False)
    recs = sorted(run.records.values(), key=lambda r: r["values"]["design.weight_bits"])
    assert [r["status"] for r in recs] == ["ok", "ok"], [r["error"] for r in recs]
    accs = [r["metrics"]["test_acc"] for r in recs]
    assert all(0.05 < a <= 1.0 for a in accs) and accs[0] != accs[1]
    acc = pd.read_csv(tmp_path / "out" / "points" / recs[0]["key"] / "accuracy.csv")
    assert set(acc.algorithm) == {"digital_mp"}
