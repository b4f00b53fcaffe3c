"""Wall time of the estimator on the large workloads, against the reference MLP in the same run.

Times the `archsim run` command (a fresh process: imports, simulation, report folder), the same run
in this process, and the discrete-event estimate alone
for the reference MLP training (the baseline), ResNet-32 inference and VGG-16 ImageNet training;
prints seconds, events and ratios to the baseline, and writes them to
reports/bench_estimator/README.md. Targets (issue 10): ResNet-32 inference ≤ 5 s, VGG-16 training
≤ 30 s on 2 cores.

    NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_estimator.py
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archsim.estimate import estimate, load_workload
from archsim.runner import run_workload

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ["mlp_mnist_train", "resnet32_infer", "vgg16_imagenet_train"]
REPEATS = 3


def best_of(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in WORKLOADS:
            path = ROOT / "workloads" / f"{name}.yaml"
            w = load_workload(path)
            est = estimate(w, path)  # warm-up, and the event counts
            events = sum(len(s.ledger.busy) for s in est.streams.values()) + \
                sum(len(s.ledger.busy) for n, s in est.sims.items() if s is not est.streams[n])
            sim_s = best_of(lambda: estimate(w, path))
            run_s = best_of(lambda: run_workload(path, Path(tmp) / name, progress=False))
            cmd = [sys.executable, "-m", "archsim.cli", "run", str(path), "--out", str(Path(tmp) / name), "--quiet"]
            cli_s = best_of(lambda: subprocess.run(cmd, check=True, capture_output=True))
            rows.append((name, sim_s, run_s, cli_s, events))
    base = rows[0]
    lines = ["| workload | estimate s | run, in process s | `archsim run` command s | busy intervals | "
             "command / reference MLP command |", "|---|---:|---:|---:|---:|---:|"]
    for name, sim_s, run_s, cli_s, events in rows:
        lines.append(f"| {name} | {sim_s:.2f} | {run_s:.2f} | {cli_s:.2f} | {events:,} | {cli_s / base[3]:.2f} |")
    text = "\n".join([
        "# Estimator wall time",
        "",
        "`python benchmarks/bench_estimator.py` (best of 3, one process, report folder written); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} when done (other jobs share the machine). "
        "Targets: ResNet-32 inference ≤ 5 s, VGG-16 training ≤ 30 s.",
        "",
        *lines,
        "",
    ])
    out = ROOT / "reports" / "bench_estimator"
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
