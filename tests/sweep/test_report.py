"""results.csv / pareto.csv / summary.md / plots written from the stored records."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from sweep_cases import small_sweep
from sweep_faults import FailOn

from archsim.sweep.config import load_sweep
from archsim.sweep.execute import run_sweep
from archsim.sweep.pareto import pareto_mask
from archsim.sweep.report import write_sweep_report


def _brute_force_front(v: np.ndarray) -> np.ndarray:
    n = len(v)
    return np.array([not any((v[j] <= v[i]).all() and (v[j] < v[i]).any() for j in range(n)) for i in range(n)])


def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(3)
    for n, k in [(1, 2), (40, 2), (200, 3), (600, 2)]:
        v = rng.integers(0, 12, size=(n, k)).astype(float)    # ties on purpose
        assert (pareto_mask(v, [False] * k) == _brute_force_front(v)).all()
    v = np.array([[1.0, 0.9], [2.0, 0.95], [3.0, 0.5], [np.nan, 1.0]])
    assert pareto_mask(v, [False, True]).tolist() == [True, True, False, False]   # min cost, max accuracy


@pytest.fixture
def report(write_sweep, tmp_path):
    plan = load_sweep(write_sweep(small_sweep(iso={"require": ["design.tile.adcs_per_array <= design.crossbar.cols"],
                                                   "same": ["design.tile.adc_bits"]},
                                              report={"color_by": "design.crossbar.rows"})))
    out = tmp_path / "out"
    run = run_sweep(plan, out, workers=1, progress=False,
                    chunk_fn=FailOn("design.tile.adcs_per_array", 128))
    files = write_sweep_report(plan, out, run.records, "test run")
    return plan, out, files


def test_results_table_has_one_row_per_point(report):
    plan, out, files = report
    assert {f.name for f in files} == {"results.csv", "pareto.csv", "summary.md", "pareto.png", "breakdown.png"}
    df = pd.read_csv(out / "results.csv")
    assert len(df) == len(plan.points) and df.point.tolist() == list(range(len(plan.points)))
    for col in [*plan.sweep.targets, "forward_energy_nJ", "backward_latency_us", "update_energy_nJ",
                "total_energy_nJ", "total_latency_us", "images_per_s", "adc_energy_nJ", "adcs", "status", "error"]:
        assert col in df
    counts = df.status.value_counts().to_dict()
    assert counts == {"ok": 6, "failed": 4, "excluded": 2}
    ok = df[df.status == "ok"]
    assert np.allclose(ok.forward_energy_nJ + ok.backward_energy_nJ + ok.update_energy_nJ, ok.total_energy_nJ)
    assert np.allclose(ok.adcs, ok.arrays * ok["design.tile.adcs_per_array"])
    assert df[df.status != "ok"].total_energy_nJ.isna().all()
    assert df[df.status == "excluded"].error.str.contains("iso.require").all()


def test_pareto_csv_is_the_front_within_each_iso_group(report):
    plan, out, _ = report
    df = pd.read_csv(out / "results.csv")
    front = pd.read_csv(out / "pareto.csv")
    metrics = ["total_energy_nJ", "total_latency_us", "adcs"]
    for bits, group in df[df.status == "ok"].groupby("design.tile.adc_bits"):
        expected = group[_brute_force_front(group[metrics].to_numpy())].point
        got = front[front["design.tile.adc_bits"] == bits].point
        assert sorted(got) == sorted(expected) and len(got) >= 1


def test_summary_names_the_best_point_per_objective(report):
    plan, out, _ = report
    df = pd.read_csv(out / "results.csv")
    text = (out / "summary.md").read_text()
    ok = df[(df.status == "ok") & (df["design.tile.adc_bits"] == 8)]
    best = ok.loc[ok.total_energy_nJ.idxmin()]
    row = next(line for line in text.splitlines()
               if line.startswith("| total_energy_nJ") and "design.tile.adc_bits=8" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]       # objective, goal, group, point, value, ...
    assert cells[3] == str(int(best.point)) and float(cells[4]) == pytest.approx(best.total_energy_nJ, rel=1e-3)
    assert "6 ok, 4 failed, 2 excluded" in text
    assert "![pareto.png](pareto.png)" in text and "![breakdown.png](breakdown.png)" in text


def test_plots_are_real_images(report):
    _, out, _ = report
    for name in ("pareto.png", "breakdown.png"):
        img = mpimg.imread(out / name)
        assert img.shape[0] > 300 and img.shape[1] > 500
        assert img[..., :3].std() > 0.05          # not a blank canvas
