"""Training speed on a CNN, one thread each, all in one run: MCA on PCM crossbars (the engine's
layer-by-layer path with read noise, DAC/ADC and pulses), the project's FP32 software trainer on the
same network, and a PyTorch CPU loop on the same network (when torch is installed; never a
dependency of archsim). Prints images/s and their ratios.

    python benchmarks/bench_cnn.py [--workload workloads/lenet_mnist_mca.yaml] [--images 6400] [--batch 64]
                                   [--rounds 3]

images/s are measured around the training calls after a warm-up (numba compilation / cache load);
images/CPU-s is printed beside them because the machine may be shared. The contenders take turns,
`--rounds` times (MCA, FP32, PyTorch, MCA, ...), and each row shows its best round, so that a burst
of load from other jobs does not land on one contender only.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"  # one core for every contender

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from archsim.config.loader import load  # noqa: E402
from archsim.config.shapes import infer_shapes  # noqa: E402
from archsim.config.workload import Workload  # noqa: E402
from archsim.functional.data import load_run_data  # noqa: E402
from archsim.functional.devices import load_device  # noqa: E402
from archsim.functional.hardware_link import crossbar_link  # noqa: E402
from archsim.functional.run import crossbar_settings, make_trainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, images: int) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return images / (time.perf_counter() - t0), images / (time.process_time() - c0)


def archsim_epoch(trainer, data, images: int):
    """A timed training pass of `images` images (after initialising and a warm-up of 4 batches)."""
    trainer.init(0)
    x, y = data.x_train, data.y_train
    trainer.train_epoch(x, y, np.arange(min(images, 4 * trainer.settings.batch_size)), 0, 0, False)  # warm-up
    order = np.random.default_rng(0).permutation(len(x))[:images]
    return lambda: trainer.train_epoch(x, y, order, 0, 1, False)


def torch_model(network, torch):
    """The workload network as a torch.nn.Sequential (the layer types of archsim's schema)."""
    nn = torch.nn
    acts = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
    mods = []
    for cfg, s in zip(network.layers, infer_shapes(network)):
        t = cfg.type
        if t == "conv2d":
            mods.append(nn.Conv2d(s.in_shape[0], cfg.out_channels, cfg.kernel, cfg.stride, cfg.padding, bias=cfg.bias))
        elif t == "dense":
            mods.append(nn.Linear(s.in_shape[0], cfg.out, bias=cfg.bias))
        elif t == "batchnorm":
            mods.append((nn.BatchNorm2d if len(s.in_shape) == 3 else nn.BatchNorm1d)(s.in_shape[0]))
        elif t in ("maxpool", "avgpool"):
            mods.append((nn.MaxPool2d if t == "maxpool" else nn.AvgPool2d)(cfg.kernel, cfg.stride))
        elif t == "flatten":
            mods.append(nn.Flatten())
        elif t == "dropout":
            mods.append(nn.Dropout(cfg.rate))
        elif t == "activation":
            mods.append(acts[cfg.function]())
        else:
            raise SystemExit(f"bench_cnn: layer type {t} has no torch counterpart here")
        act = getattr(cfg, "activation", "none") if t != "activation" else "none"
        if act in acts:
            mods.append(acts[act]())
    return nn.Sequential(*mods)


def torch_epoch(network, data, images: int, batch: int, lr: float, momentum: float):
    """A timed PyTorch training pass of `images` images (after a warm-up of 4 batches), and torch's version."""
    import torch

    torch.set_num_threads(1)
    model = torch_model(network, torch)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    shape = (-1,) + tuple(network.input_shape)
    x = torch.from_numpy(data.x_train.reshape(shape))
    y = torch.from_numpy(data.y_train)
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(x))[:images])

    def epoch(idx):
        for i in range(0, len(idx), batch):
            b = idx[i:i + batch]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
    epoch(order[: 4 * batch])
    return (lambda: epoch(order)), torch.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", type=Path, default=ROOT / "workloads" / "lenet_mnist_mca.yaml")
    ap.add_argument("--images", type=int, default=6400, help="images timed per contender")
    ap.add_argument("--batch", type=int, default=None, help="batch size (default: the workload's)")
    ap.add_argument("--rounds", type=int, default=3, help="turns per contender; each row shows its best")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    wl = load(Workload, args.workload)
    cfg = wl.functional
    if args.batch:
        cfg = cfg.model_copy(update={"batch_size": args.batch})
        wl = wl.model_copy(update={"functional": cfg})
    data = load_run_data(cfg.dataset, args.data_dir, None, 100, wl.network, args.workload)
    cb = crossbar_settings(cfg, crossbar_link(wl, args.workload, cfg.design), wl.network, args.workload)
    contenders = [
        ("MCA training (numba crossbars: read noise, DAC/ADC, chi, pulses)",
         archsim_epoch(make_trainer(wl, "mca", 0, cb, load_device(cfg.device, args.workload)), data, args.images)),
        ("archsim FP32 training (software SGD, same network)",
         archsim_epoch(make_trainer(wl, "fp32", 0, None, None), data, args.images))]
    try:
        fn, version = torch_epoch(wl.network, data, args.images, cfg.batch_size,
                                  cfg.fp_learning_rate or cfg.learning_rate, cfg.momentum)
        contenders.append((f"PyTorch {version} CPU training loop (same network)", fn))
    except ImportError:
        print("torch not installed: PyTorch row skipped (pip install torch==2.13.0)")
    best = [(0.0, 0.0)] * len(contenders)
    for _ in range(args.rounds):
        for k, (_, fn) in enumerate(contenders):
            wall, cpu = timed(fn, args.images)
            best[k] = (max(best[k][0], wall), max(best[k][1], cpu))
    rows = [(name, *b) for (name, _), b in zip(contenders, best)]
    print(f"network: {wl.network.name} ({args.workload.name}), batch {cfg.batch_size}, {args.images} images each, "
          f"one thread, best of {args.rounds} interleaved rounds")
    print(f"{'':66s} {'images/s (wall)':>16s} {'images/CPU-s':>14s}")
    for name, wall, cpu in rows:
        print(f"{name:66s} {wall:16,.0f} {cpu:14,.0f}")
    print(f"{'ratio MCA / archsim FP32':66s} {rows[0][1] / rows[1][1]:16.2f} {rows[0][2] / rows[1][2]:14.2f}")
    if len(rows) > 2:
        print(f"{'ratio archsim FP32 / PyTorch':66s} {rows[1][1] / rows[2][1]:16.2f} {rows[1][2] / rows[2][2]:14.2f}")
        print(f"{'ratio MCA / PyTorch':66s} {rows[0][1] / rows[2][1]:16.2f} {rows[0][2] / rows[2][2]:14.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
