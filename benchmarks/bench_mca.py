"""Speed of MCA training of the reference MLP at batch size 1 (the engine's fused numba path) vs the
project's FP32 software trainer on the same network and batch size, one core.

    python benchmarks/bench_mca.py [--workload workloads/mlp_mnist_mca.yaml] [--images 20000]

Both run in this process with the workload's functional settings, after a warm-up (numba compilation /
cache load). Prints images/s of each and their ratio.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, for both contenders

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from archsim.config.loader import load  # noqa: E402
from archsim.config.shapes import weighted_layers  # noqa: E402
from archsim.config.workload import Workload  # noqa: E402
from archsim.functional.data import load_run_data  # noqa: E402
from archsim.functional.devices import load_device  # noqa: E402
from archsim.functional.hardware_link import crossbar_link  # noqa: E402
from archsim.functional.run import crossbar_settings, make_trainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def images_per_s(trainer, data, n: int, seed: int = 0) -> tuple[float, float]:
    """Train on n images; (images per wall-clock second, images per CPU second of this process).

    Both are measured around the training call only. On a machine shared with other jobs the CPU
    figure is what one dedicated core delivers; on an idle machine the two agree.
    """
    trainer.init(seed)
    order = np.random.default_rng(seed).permutation(len(data.x_train))[:n]
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.train_epoch(data.x_train, data.y_train, order, seed, 0, progress=False)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", type=Path, default=ROOT / "workloads" / "mlp_mnist_mca.yaml")
    ap.add_argument("--images", type=int, default=20000, help="MCA images timed")
    ap.add_argument("--fp-images", type=int, default=5000, help="FP32 images timed")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    wl = load(Workload, args.workload)
    cfg = wl.functional
    data = load_run_data(cfg.dataset, args.data_dir, None, 100, wl.network, args.workload)
    shapes = weighted_layers(wl.network)
    cb = crossbar_settings(cfg, crossbar_link(wl, args.workload, cfg.design), wl.network, args.workload)
    mca = make_trainer(wl, "mca", 0, cb, load_device(cfg.device, args.workload))
    fp = make_trainer(wl, "fp32", 0, None, None)
    assert mca.fused is not None, "the workload does not take the fused dense path"
    images_per_s(mca, data, 500)  # warm-up: numba compile or cache load
    images_per_s(fp, data, 200)
    mca_wall, mca_cpu = images_per_s(mca, data, args.images)
    fp_wall, fp_cpu = images_per_s(fp, data, args.fp_images)
    print(f"network: {' -> '.join(str(s.rows) for s in shapes)} -> {shapes[-1].cols} (rows incl. bias), "
          f"batch size {cfg.batch_size}")
    print(f"{'':60s} {'images/s (wall)':>16s} {'images/CPU-s':>14s}")
    print(f"{'MCA training (fused numba path, gradual-SET PCM, noise, DAC/ADC)':60s} {mca_wall:16,.0f} "
          f"{mca_cpu:14,.0f}   ({args.images} images)")
    print(f"{'archsim FP32 software SGD, same network and batch size':60s} {fp_wall:16,.0f} {fp_cpu:14,.0f}   "
          f"({args.fp_images} images)")
    print(f"{'ratio MCA / FP32':60s} {mca_wall / fp_wall:16.2f} {mca_cpu / fp_cpu:14.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
