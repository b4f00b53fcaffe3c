"""Forward IO and drift-compensation readouts of the PCM inference study, on one set of trained weights.

    python benchmarks/inference_io.py [--workload workloads/mlp_mnist_pcm_infer.yaml] [--repeats 40]
                                      [--out reports/inference_io]

Trains the workload's FP32 model once (checkpointed in OUT/checkpoints), then runs the accuracy-vs-time
study (functional/drift.py) with
- IO: perfect (no converters), the design's converters (DAC/ADC bits of the mca design, aihwkit's
  out_bound 12 and out_noise 0.06, iterative bound management), and aihwkit's default forward IO
  (7-bit DAC, 9-bit ADC: inp_res 1/(2^7−2), out_res 1/(2^9−2), out_bound 12, out_noise 0.06,
  iterative bound management; aihwkit/simulator/parameters/io.py);
- global-drift-compensation readouts: all_ones (archsim: one all-ones MVM, reference at t0 read from
  the devices then) and one_hot (aihwkit's GlobalDriftCompensation: eye(in_size) reads, reference
  from the programmed conductances).
Writes accuracy.csv (every repeat), summary.csv (mean ± std over repeats) and gdc_scales.csv (the
compensation scale per layer, time and repeat: bias and spread of the two readouts).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from archsim.config.loader import load  # noqa: E402
from archsim.config.workload import Workload  # noqa: E402
from archsim.functional.checkpoint import Checkpoint  # noqa: E402
from archsim.functional.data import load_run_data  # noqa: E402
from archsim.functional.drift import accuracy_over_time, readout  # noqa: E402
from archsim.functional.hardware_link import crossbar_link  # noqa: E402
from archsim.functional.inference.run import _device_model, _settings, program_network, read_io  # noqa: E402
from archsim.functional.layers import FunctionalNetwork  # noqa: E402
from archsim.functional.training.loop import run_training  # noqa: E402
from archsim.functional.training.software import SoftwareSGD  # noqa: E402
from archsim.functional.training.strategy import count_correct  # noqa: E402
from archsim.io import atomic_write_text, checkpoint_dir, write_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def io_variants(cfg, link) -> dict:
    design = read_io(cfg, link)
    aihwkit = read_io(cfg.model_copy(update={"io": cfg.io.model_copy(update={"dac_bits": 7, "adc_bits": 9})}), link)
    perfect = read_io(cfg.model_copy(update={"io": cfg.io.model_copy(update={"perfect": True})}), link)
    return {"perfect": perfect, f"design ({design.dac_bits}-bit DAC, {design.adc_bits}-bit ADC)": design,
            "aihwkit default (7-bit DAC, 9-bit ADC)": aihwkit}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", type=Path, default=ROOT / "workloads" / "mlp_mnist_pcm_infer.yaml")
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "inference_io")
    args = ap.parse_args()
    wl = load(Workload, args.workload)
    cfg = wl.inference
    data = load_run_data(cfg.dataset, None, cfg.training.train_images, cfg.test_images, wl.network, args.workload,
                         "inference")
    model = FunctionalNetwork(wl.network, seed=cfg.seed)
    t = cfg.training
    fingerprint = {"network": wl.network.model_dump(mode="json"), "training": t.model_dump(mode="json"),
                   "seed": cfg.seed}
    run_training(SoftwareSGD(model, _settings(t, t.epochs, cfg.eval_batch_size, t.step_epochs, t.gamma)),
                 data.arrays(), seed=cfg.seed, epochs=t.epochs, resume=True,
                 checkpoint=Checkpoint(checkpoint_dir(args.out) / "fp32_state.npz", fingerprint))
    fp32 = count_correct(model, data.x_test, data.y_test) / len(data.x_test)
    pcm = _device_model(cfg, args.workload)
    link = crossbar_link(wl, args.workload, cfg.design)
    tiles = (cfg.array_rows, None) if cfg.array_rows else (link.tile_rows, link.tile_cols)
    rows, scales = [], []
    for io_name, io in io_variants(cfg, link).items():
        for kind in ("all_ones", "one_hot"):
            for r in range(args.repeats):
                rng = np.random.default_rng([cfg.seed, r])
                _, layers = program_network(model, pcm, cfg, io, tiles, rng)
                for row in accuracy_over_time(layers, pcm, cfg.times_s, ["none", "global"], kind,
                                              lambda k: count_correct(model, data.x_test, data.y_test) / len(data.x_test),
                                              rng):
                    rows.append({"io": io_name, "readout": kind, "repeat": r, **row})
                ref = {n: readout(layer.array, kind) for n, layer in layers.items()}
                scales += [{"io": io_name, "readout": kind, "repeat": r, "layer": n, "t_s": pcm.t0_s,
                            "readout_us": v} for n, v in ref.items()]
            model.clear_substitutions()
            print(f"{io_name:40s} {kind:9s} done", flush=True)
    acc = pd.DataFrame(rows)
    summary = (acc.groupby(["io", "readout", "compensation", "t_s"], sort=False)
               .agg(test_acc_mean=("test_acc", "mean"), test_acc_std=("test_acc", "std"),
                    gdc_scale_mean=("gdc_scale_mean", "mean"), gdc_scale_std=("gdc_scale_mean", "std"),
                    repeats=("test_acc", "size")).reset_index())
    write_csv(acc, args.out / "accuracy.csv")
    write_csv(summary, args.out / "summary.csv")
    write_csv(pd.DataFrame(scales), args.out / "gdc_readouts.csv")
    pd.set_option("display.width", 200)
    text = summary.to_string(index=False, float_format=lambda v: f"{v:.4f}")
    print(f"FP32 software test accuracy {fp32:.4f}")
    print(text)
    atomic_write_text(args.out / "summary.txt", f"FP32 software test accuracy {fp32:.4f}\n{text}\n")


if __name__ == "__main__":
    main()
