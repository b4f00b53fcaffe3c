"""Benchmark: a 1,000-point analytical sweep of the reference MLP (ADC bits × ADCs per array ×
crossbar size × integration time on the MCA), run in this process, on a 1-worker and on a 2-worker
local Dask cluster. Prints points/s and the 2-worker / 1-worker ratio; writes reports/bench_sweep/.

    python benchmarks/bench_sweep.py [--out reports/bench_sweep]
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml
from distributed import Client, LocalCluster

from archsim.io import atomic_write_text, write_csv as atomic_write_csv
from archsim.sweep.config import load_sweep
from archsim.sweep.execute import run_sweep

ROOT = Path(__file__).resolve().parents[1]
SWEEP = {
    "kind": "sweep", "version": 1, "name": "bench_sweep_1000", "workload": str(ROOT / "workloads/mlp_mnist_train.yaml"),
    "design": "mca", "fixed": {"design.crossbar.mapping": "tiled"},
    "axes": [{"target": "design.tile.adc_bits", "values": [4, 5, 6, 7, 8]},
             {"target": "design.tile.adcs_per_array", "values": [16, 32, 64, 128, 256]},
             {"target": ["design.crossbar.rows", "design.crossbar.cols"], "values": [64, 128, 256, 512]},
             {"target": "design.tile.integration_ns", "range": {"start": 64, "stop": 256, "num": 10}}],
}


def _signature(run) -> str:
    return json.dumps({k: (r["status"], r["metrics"]) for k, r in run.records.items()}, sort_keys=True)


def _row(label: str, n: int, run, startup: float, wall: float) -> dict:
    ok = sum(r["status"] == "ok" for r in run.records.values())
    return {"run": label, "points": n, "ok": ok, "startup_s": startup, "eval_s": wall - startup,
            "points_per_s": n / (wall - startup), "wall_s": wall, "points_per_s_wall": n / wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "bench_sweep")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.yaml"
        path.write_text(yaml.safe_dump(SWEEP, sort_keys=False))
        t0 = time.perf_counter()
        plan = load_sweep(path)
        load_s = time.perf_counter() - t0
        n = len(plan.todo)
        rows, signatures = [], {}
        t0 = time.perf_counter()
        run = run_sweep(plan, Path(tmp) / "here", workers=1, progress=False)
        rows.append(_row("this process", n, run, 0.0, time.perf_counter() - t0))
        signatures["this process"] = _signature(run)
        for workers in (1, 2):
            t0 = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
                client.run(importlib.import_module, "archsim.sweep.evaluate")   # worker start-up: imports
                startup = time.perf_counter() - t0
                run = run_sweep(plan, Path(tmp) / f"dask{workers}", client=client, progress=False)
                wall = time.perf_counter() - t0
            label = f"dask, {workers} worker{'s' if workers > 1 else ''}"
            rows.append(_row(label, n, run, startup, wall))
            signatures[label] = _signature(run)
        for r in rows:
            print(f"{r['run']:<16} {n} points ({r['ok']} ok): start-up {r['startup_s']:5.2f} s, evaluation "
                  f"{r['eval_s']:5.2f} s = {r['points_per_s']:6.1f} points/s; wall {r['wall_s']:5.2f} s = "
                  f"{r['points_per_s_wall']:6.1f} points/s", flush=True)
    df = pd.DataFrame(rows)
    same = len(set(signatures.values())) == 1
    rate = df.set_index("run").points_per_s
    wall = df.set_index("run").points_per_s_wall
    ratio = rate["dask, 2 workers"] / rate["dask, 1 worker"]
    ratio_wall = wall["dask, 2 workers"] / wall["dask, 1 worker"]
    print(f"load + expand: {load_s:.2f} s; 2 workers / 1 worker: {ratio:.2f}x (evaluation), "
          f"{ratio_wall:.2f}x (wall incl. start-up); identical results in all runs: {same}; "
          f"load average before/now: {load_before:.1f}/{os.getloadavg()[0]:.1f}")
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_csv(df, args.out / "runs.csv")
    cpu = f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    table = df.to_markdown(index=False, floatfmt=".2f")
    atomic_write_text(args.out / "README.md", f"""# Sweep throughput benchmark

Command (repo root): `python benchmarks/bench_sweep.py`

A 1,000-point analytical sweep of the reference MLP (`workloads/mlp_mnist_train.yaml`, MCA, tiled
mapping): ADC bits (5) × ADCs per array (5) × crossbar size (4) × integration time (10). Wall time
= start-up (local Dask cluster + archsim imported on each worker) + evaluation; points_per_s is the
evaluation rate, points_per_s_wall includes start-up. Machine: {cpu}.

{table}

- load + validate + expand the sweep: {load_s:.2f} s (once, not per run)
- 1-minute load average before / after the benchmark: {load_before:.1f} / {os.getloadavg()[0]:.1f} (other
  jobs on the same 2 cores make every number here slower and the worker ratio smaller)
- ratio 2 workers / 1 worker (both Dask): **{ratio:.2f}×** on evaluation, {ratio_wall:.2f}× on wall time
  including cluster start-up. The 2 workers share the 2 cores with the scheduler and the client
  (which writes points.jsonl), so the ideal 2× is not reachable here.
- identical results (status and every metric of every point) in all three runs: {same}
""")


if __name__ == "__main__":
    main()
