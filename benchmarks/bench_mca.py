"""Speed of MCA training (numba crossbar kernels) vs a plain NumPy FP32 batch-size-1 loop, one core.

    python benchmarks/bench_mca.py [--workload workloads/mlp_mnist_mca.yaml] [--images 20000]

Both run in this process on the reference MLP with the workload's functional settings, after a
warm-up (numba compilation / cache load). Prints images/s of each and their ratio.
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
from archsim.config.workload import Workload  # noqa: E402
from archsim.functional.datasets import load_mnist  # noqa: E402
from archsim.functional.devices import load_device  # noqa: E402
from archsim.functional.networks import mlp_from_network  # noqa: E402
from archsim.functional.training.fp import FpTrainer  # noqa: E402
from archsim.functional.training.mca import CrossbarTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def images_per_s(trainer, data, n: int, seed: int = 0) -> float:
    """Train on n images (one epoch-slice) and return images/s measured around the training call only."""
    state = trainer.init_state(seed)
    order = np.random.default_rng(seed).permutation(len(data.x_train))[:n]
    t0 = time.perf_counter()
    trainer.train_epoch(state, data.x_train, data.y_train, order, seed, 0, progress=False)
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", type=Path, default=ROOT / "workloads" / "mlp_mnist_mca.yaml")
    ap.add_argument("--images", type=int, default=20000, help="MCA images timed")
    ap.add_argument("--fp-images", type=int, default=5000, help="FP32 images timed")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    wl = load(Workload, args.workload)
    spec = mlp_from_network(wl.network, args.workload)
    data = load_mnist(args.data_dir)
    mca = CrossbarTrainer(spec, wl.functional, load_device(wl.functional.device, args.workload), "mca")
    fp = FpTrainer(spec, wl.functional, "fp32")
    images_per_s(mca, data, 500)  # warm-up: numba compile or cache load
    images_per_s(fp, data, 200)
    mca_ips = images_per_s(mca, data, args.images)
    fp_ips = images_per_s(fp, data, args.fp_images)
    print(f"network: {' -> '.join(str(r) for r, _ in spec.shapes)} -> {spec.shapes[-1][1]} (rows incl. bias)")
    print(f"MCA training (numba, gradual-SET PCM, read noise, DAC/ADC): {mca_ips:,.0f} images/s ({args.images} images)")
    print(f"plain NumPy FP32 batch-size-1 loop:                         {fp_ips:,.0f} images/s ({args.fp_images} images)")
    print(f"ratio MCA / NumPy FP32: {mca_ips / fp_ips:.2f}")


if __name__ == "__main__":
    main()
