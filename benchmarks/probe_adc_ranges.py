"""Measure the pre-ADC outputs of every crossbar read during MCA training, to choose ADC ranges.

    python benchmarks/probe_adc_ranges.py workloads/lenet_mnist_mca.yaml [--images 12800]

Trains the workload's MCA network with ideal ADCs (everything else as configured) and, after 0, 1/4
and all of `--images` training images, reads one batch forward and backward and prints, per layer
and direction, the std, the 99.9 % quantile and the maximum of |x̂·(G⁺ − G⁻)| in µS × normalised
input (noise-free) over the tiles' partial sums (each tile has its own ADCs): the quantity the ADC
range (adc_range_forward_us / adc_range_backward_us) must cover. The workloads' ranges were set to
about the largest of these.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from archsim.config.loader import load
from archsim.config.workload import Workload
from archsim.functional.activations import softmax_cross_entropy
from archsim.functional.crossbar.analog import dac_rows
from archsim.functional.data import load_run_data
from archsim.functional.devices import load_device
from archsim.functional.hardware_link import crossbar_link
from archsim.functional.run import crossbar_settings, make_trainer


def normalised(x: np.ndarray) -> np.ndarray:
    xn, scale = np.empty_like(x), np.empty(x.shape[0])
    dac_rows(x, 0, np.ones(x.shape[0]), xn, np.empty((0, 0), x.dtype), scale)
    return xn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", type=Path)
    ap.add_argument("--images", type=int, default=12800)
    args = ap.parse_args()
    wl = load(Workload, args.workload)
    cfg = wl.functional.model_copy(update={"adc_bits": 0})
    wl = wl.model_copy(update={"functional": cfg})
    data = load_run_data(cfg.dataset, None, None, None, wl.network, args.workload)
    cb = crossbar_settings(cfg, crossbar_link(wl, args.workload, cfg.design), wl.network, args.workload)
    trainer = make_trainer(wl, "mca", 0, cb, load_device(cfg.device, args.workload))
    trainer.init(0)
    probe = np.arange(len(data.x_train) - cfg.batch_size, len(data.x_train))
    done = 0
    for target in (0, args.images // 4, args.images):
        if target > done:
            trainer.train_epoch(data.x_train, data.y_train, np.arange(done, target), 0, 0, progress=False)
            done = target
        logits = trainer.network.forward(data.x_train[probe], train=True)
        trainer.network.backward(softmax_cross_entropy(logits, data.y_train[probe])[1])
        print(f"after {done} training images")
        for name, layer in trainer.network.weighted.items():
            a = layer.array
            w = (a.gp - a.gm).astype(np.float32)
            reads = [("forward", layer.x2d, w, a.row_slices)]
            if not layer.skip_input_grad:
                reads.append(("backward", layer.g2d, w[: layer.fan_in].T, a.col_slices))
            for direction, x, matrix, tiles in reads:
                xn = normalised(np.ascontiguousarray(x, dtype=np.float32))
                y = np.abs(np.concatenate([(xn[:, t] @ matrix[t]).ravel() for t in tiles]))
                print(f"  {name:8s} {direction:8s} std {y.std():7.2f}  p99.9 {np.quantile(y, 0.999):7.2f}  "
                      f"max {y.max():7.2f} µS")


if __name__ == "__main__":
    main()
