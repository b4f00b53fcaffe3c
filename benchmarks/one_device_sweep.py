"""One device per weight + reference: sweep the reference level and the RESET trigger ε_reset.

    python benchmarks/one_device_sweep.py [--epochs 3] [--references 3 6 9] [--eps-reset 0.25 0.5 0.74 1.0]

Each point trains `mca_one_device` of workloads/mlp_mnist_mca.yaml (seed 0) for --epochs epochs on all
60,000 images into reports/_scratch/one_device_sweep/<point>/ (resumable) and the final test accuracies
go to reports/mlp_mnist_mca/one_device_sweep.csv. RESETs are credited to χ with the read change
β·(G_read − g_reset) (archsim/functional/crossbar/update.py), so ε_reset only sets when to RESET.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from archsim.config.functional import FunctionalConfig
from archsim.config.loader import load, validate
from archsim.config.workload import Workload
from archsim.functional.run import run_functional
from archsim.io import write_csv

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_mca.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--references", nargs="+", type=float, default=[3.0, 6.0, 9.0])
    ap.add_argument("--eps-reset", nargs="+", type=float, default=[0.25, 0.5, 0.74, 1.0])
    ap.add_argument("--work", type=Path, default=ROOT / "reports" / "_scratch" / "one_device_sweep")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "mlp_mnist_mca" / "one_device_sweep.csv")
    args = ap.parse_args()
    wl = load(Workload, WORKLOAD)
    rows = []
    for ref in args.references:
        for eps_r in args.eps_reset:
            upd = {"algorithms": ["mca_one_device"], "seeds": [0], "epochs": args.epochs, "reference_g_us": ref,
                   "epsilon_reset": eps_r, "drift_times_s": [1.0], "drift_compensation": False}
            cfg = validate(FunctionalConfig, {**wl.functional.model_dump(), **upd}, WORKLOAD, "functional")
            point = args.work / f"ref{ref:g}_eps{eps_r:g}"
            s = run_functional(wl.model_copy(update={"functional": cfg}), WORKLOAD, point, resume=True, progress=False)
            acc = s.accuracy
            last = acc.iloc[-1]
            rows.append({"reference_g_us": ref, "epsilon_reset": eps_r, "epochs": args.epochs, "seed": 0,
                         "test_acc": last["test_acc"], "best_test_acc": acc["test_acc"].max(),
                         "train_acc": last["train_acc"], "set_pulses": acc["set_pulses"].sum(),
                         "reset_pulses": acc["reset_pulses"].sum(), "update_reads": acc["update_reads"].sum()})
            print(rows[-1])
    df = pd.DataFrame(rows)
    write_csv(df, args.out)
    print(df.sort_values("test_acc", ascending=False).to_string(index=False))


if __name__ == "__main__":
    main()
