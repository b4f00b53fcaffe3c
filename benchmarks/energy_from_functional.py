"""Energy of the reference MLP with update statistics *measured* by the 30-epoch functional runs.

Reads reports/mlp_mnist_mca/updates.csv (written by the functional runs), averages the per-image
update statistics of each MCA variant (seed 0, all 30 epochs), runs the estimator of
workloads/mlp_mnist_train.yaml with them, and writes reports/mlp_mnist_mca/energy_measured.{csv,md}
beside the analytical (Table 1-calibrated) trace. Nothing here is fitted.

    python benchmarks/energy_from_functional.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from archsim.estimate import estimate, load_workload
from archsim.functional.run import layer_update_stats
from archsim.io import atomic_write_text, write_csv
from archsim.reports.tables import stage_table

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_train.yaml"
RUNS = ROOT / "reports" / "mlp_mnist_mca"


def main() -> None:
    workload = load_workload(WORKLOAD)
    updates = pd.read_csv(RUNS / "updates.csv")
    updates["variant"] = updates["variant"].fillna("")
    traces = {"analytical (Table 1 calibrated)": None}
    for variant, label in (("", "measured: MCA, full-precision update"),
                           ("update_bits=3", "measured: MCA, 3-bit stochastic update")):
        sub = updates[updates.variant == variant]
        traces[label] = layer_update_stats(sub, "mca", 0)
    rows = []
    for label, stats in traces.items():
        est = estimate(workload, WORKLOAD, update_stats=stats)
        st = stage_table(est)
        st = st[st.design.isin(["mca", "digital_mp"])].assign(trace=label)
        if stats is None:
            nz = sum(op.stats.nonzero_updates for op in est.trace.step("update").ops)
            pulses = sum(op.stats.set_pulses for op in est.trace.step("update").ops)
        else:
            nz = sum(s.nonzero_updates for s in stats.values())
            pulses = sum(s.set_pulses for s in stats.values())
        st["nonzero_updates_per_image"] = nz
        st["set_pulses_per_image"] = pulses
        rows.append(st)
    df = pd.concat(rows, ignore_index=True)[["trace", "design", "stage", "energy_nJ", "latency_us",
                                             "nonzero_updates_per_image", "set_pulses_per_image"]]
    write_csv(df, RUNS / "energy_measured.csv")
    upd = df[df.stage.isin(["update", "total"])]
    text = "\n".join([
        "# Energy per training image with measured update statistics",
        "",
        "`python benchmarks/energy_from_functional.py`: the estimator of `workloads/mlp_mnist_train.yaml`",
        "run with the per-image update statistics of the 30-epoch functional runs (seed 0, averaged over",
        "all epochs) instead of the analytical ones. Energies in nJ, times in µs, per image.",
        "",
        upd.to_markdown(index=False, floatfmt=".4g"),
        "",
        "The analytical trace's error sparsity (`d_nonzero_fraction`) is calibrated so that the MCA update",
        "costs Table 1's 62 nJ (0.56 % of the outer product non-zero). The functional runs measure the",
        "sparsity our quantisers actually give: a full-precision update touches ~20 % of χ per image, the",
        "3-bit stochastic-rounding update ~2.4 %; round-to-nearest 3-bit, which would give the paper's",
        ">99 % zeros, stops training (see README.md). The measured MCA update therefore costs several",
        "times Table 1's figure: the paper's sparsity claim is not reproduced by these quantisers.",
        "",
    ])
    atomic_write_text(RUNS / "energy_measured.md", text)
    print(text)


if __name__ == "__main__":
    main()
