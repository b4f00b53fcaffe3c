"""Running sweeps in this process: statuses, failures, resume, the append-only store."""

from __future__ import annotations

import json

import pytest
from sweep_cases import small_sweep
from sweep_faults import Counting, FailOn

from archsim.estimate import estimate
from archsim.sweep.config import load_sweep
from archsim.sweep.execute import run_sweep
from archsim.sweep.store import ResultStore


def _statuses(run) -> dict[str, str]:
    return {k: r["status"] for k, r in run.records.items()}


def test_points_match_a_direct_estimate(write_sweep, tmp_path):
    plan = load_sweep(write_sweep())
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    assert run.evaluated == len(plan.todo) and run.skipped == 0
    assert set(_statuses(run).values()) == {"ok"}
    p = plan.todo[3]
    workload, tech, design = plan.context.build(p.values)
    est = estimate(workload, plan.context.workload_path, tech=tech, designs=[design])
    m = run.records[p.key]["metrics"]
    assert m["total_energy_nJ"] == pytest.approx(est.energy.energy_pj.sum() / 1e3, rel=1e-12)
    lat = est.latency.set_index("stage").latency_ns
    assert m["total_latency_us"] == pytest.approx(lat["total"] / 1e3, rel=1e-12)
    assert m["update_latency_us"] == pytest.approx(lat["update"] / 1e3, rel=1e-12)
    assert design.crossbar.rows == p.values["design.crossbar.rows"] and design.crossbar.mapping == "tiled"


def test_swept_variables_change_the_result(write_sweep, tmp_path):
    plan = load_sweep(write_sweep())
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    by_values = {tuple(sorted(p.values.items())): run.records[p.key]["metrics"] for p in plan.todo}
    adc_energy = {k: m["adc_energy_nJ"] for k, m in by_values.items()}
    assert len(set(adc_energy.values())) > 1
    arrays = {dict(k)["design.crossbar.rows"]: m["arrays"] for k, m in by_values.items()}
    assert arrays[64] > arrays[128] > arrays[256]       # tiled: smaller arrays → more of them


def test_invalid_combination_is_recorded_and_the_sweep_goes_on(write_sweep, tmp_path):
    data = small_sweep(axes=[{"target": "design.tile.adc_bits", "values": [8, 17]}], iso={})
    plan = load_sweep(write_sweep(data))
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    by_bits = {r["values"]["design.tile.adc_bits"]: r for r in run.records.values()}
    assert by_bits[8]["status"] == "ok"
    assert by_bits[17]["status"] == "invalid"
    assert "design.tile.adc_bits" in by_bits[17]["error"] and "16" in by_bits[17]["error"]


def test_failed_point_is_marked_and_table_complete(write_sweep, tmp_path):
    plan = load_sweep(write_sweep())
    bad = FailOn("design.crossbar.rows", 128)
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False, chunk_fn=bad)
    assert set(run.records) == {p.key for p in plan.todo}
    for p in plan.todo:
        rec = run.records[p.key]
        if p.values["design.crossbar.rows"] == 128:
            assert rec["status"] == "failed" and "injected failure" in rec["error"]
        else:
            assert rec["status"] == "ok"


def test_resume_skips_finished_points_and_retries_failed(write_sweep, tmp_path):
    plan = load_sweep(write_sweep())
    out = tmp_path / "out"
    run_sweep(plan, out, workers=1, progress=False, chunk_fn=FailOn("design.crossbar.rows", 256))
    n_failed = sum(p.values["design.crossbar.rows"] == 256 for p in plan.todo)
    log = tmp_path / "evaluated.txt"
    run = run_sweep(plan, out, workers=1, progress=False, chunk_fn=Counting(log))
    evaluated = log.read_text().split()
    assert len(evaluated) == n_failed == run.evaluated
    assert run.skipped == len(plan.todo) - n_failed
    assert set(_statuses(run).values()) == {"ok"}
    log.unlink()
    again = run_sweep(plan, out, workers=1, progress=False, chunk_fn=Counting(log))
    assert again.evaluated == 0 and not log.exists()
    stale = out / "points" / "0123456789abcdef"  # a functional run of an earlier sweep's point
    stale.mkdir(parents=True)
    fresh = run_sweep(plan, out, workers=1, progress=False, fresh=True, chunk_fn=Counting(log))
    assert fresh.evaluated == len(plan.todo) == len(log.read_text().split())
    assert not stale.exists()  # --fresh leaves only this run's outputs


def test_interrupted_run_keeps_finished_points(write_sweep, tmp_path):
    """A KeyboardInterrupt mid-sweep loses only the unfinished chunk; the rerun evaluates the rest."""
    data = small_sweep(chunk_size=1)
    plan = load_sweep(write_sweep(data))
    calls = []

    def interrupt_third(ctx, points):
        calls.append(points)
        if len(calls) == 3:
            raise KeyboardInterrupt
        from archsim.sweep.evaluate import evaluate_chunk
        return evaluate_chunk(ctx, points)

    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, tmp_path / "out", workers=1, progress=False, chunk_fn=interrupt_third)
    assert len(ResultStore(tmp_path / "out" / "points.jsonl").read()) == 2
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    assert run.skipped == 2 and run.evaluated == len(plan.todo) - 2


def test_store_survives_a_torn_last_line(tmp_path):
    store = ResultStore(tmp_path / "points.jsonl")
    store.append([{"key": "a", "status": "ok"}])
    with open(store.path, "a") as fh:
        fh.write('{"key": "b", "sta')                   # crash in the middle of a write
    store.append([{"key": "c", "status": "ok"}, {"key": "a", "status": "failed"}])
    records = store.read()
    assert set(records) == {"a", "c"} and records["a"]["status"] == "failed"
    lines = store.path.read_text().splitlines()
    assert json.loads(lines[-1])["key"] == "a" and len(lines) == 4


def test_tech_and_workload_targets_reach_the_estimate(write_sweep, tmp_path):
    # ungated ADCs: their energy is then the conversions alone, which scale with the readout factor
    data = small_sweep(fixed={"design.tile.adc_power_gating": False}, iso={}, derived={},
                       objectives=[{"metric": "total_energy_nJ"}], axes=[
        {"target": "tech.calibration.column_readout.value", "values": [5.0, 10.0]},
        {"target": "workload.trace.update.set_pulses_per_image", "values": [0.5, 2.0]}])
    plan = load_sweep(write_sweep(data))
    run = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    m = {(r["values"]["tech.calibration.column_readout.value"],
          r["values"]["workload.trace.update.set_pulses_per_image"]): r["metrics"] for r in run.records.values()}
    assert m[(10.0, 0.5)]["adc_energy_nJ"] == pytest.approx(2 * m[(5.0, 0.5)]["adc_energy_nJ"], rel=1e-9)
    assert m[(5.0, 2.0)]["programming_energy_nJ"] == pytest.approx(4 * m[(5.0, 0.5)]["programming_energy_nJ"],
                                                                   rel=1e-9)
    assert m[(5.0, 2.0)]["adc_energy_nJ"] == m[(5.0, 0.5)]["adc_energy_nJ"]
