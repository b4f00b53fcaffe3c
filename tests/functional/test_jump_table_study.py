"""The jump-table study harness trains only the compared update rule and collects only its rows."""

from pathlib import Path

import pandas as pd

from archsim.functional.studies import jump_table as study

ROOT = Path(__file__).resolve().parents[2]


def test_study_workloads_train_only_their_rule(tmp_path):
    for rule in study.RULES:
        point = study.points(rule)[0]
        device = study.write_device(ROOT, (ROOT / "tech" / "nvm_jump_table_study.yaml").resolve(), point, tmp_path)
        wl, _ = study._workload(ROOT, rule, device, point, seed=1, epochs=1, train_images=None)
        assert wl.functional.algorithms == [rule]
        assert wl.functional.design_models is False  # no extra per-design model runs in a rule study
        assert wl.functional.seeds == [1]


def test_collect_keeps_only_the_rule_rows(tmp_path):
    point = study.points("crossbar_compatible")[0].name
    run_dir = tmp_path / "work" / "runs" / "crossbar_compatible" / point / "seed0"
    run_dir.mkdir(parents=True)
    rows = [{"algorithm": a, "seed": 0, "epoch": 1, "train_acc": acc, "test_acc": acc, "device_pulses": 1.0}
            for a, acc in (("crossbar_compatible", 0.95), ("mca", 0.10))]
    pd.DataFrame(rows).to_csv(run_dir / "accuracy.csv", index=False)
    study.collect(ROOT, tmp_path / "out", tmp_path / "work")
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(results["test_acc"]) == [0.95]
