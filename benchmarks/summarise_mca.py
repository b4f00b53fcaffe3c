"""Acceptance numbers of a functional MCA run folder (accuracy.csv, updates.csv, drift.csv).

    python benchmarks/summarise_mca.py reports/mlp_mnist_mca

Prints, per algorithm: final test accuracy (mean ± std over seeds, and per seed), device pulses
(crossbars) or weight writes (FP) per epoch, the FP/MCA update ratio (whole network and per layer),
and the accuracy change after the longest drift time for each drift compensation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def _variants(df: pd.DataFrame) -> pd.Series:
    if "variant" not in df.columns:
        return pd.Series("", index=df.index)
    return df["variant"].astype("string").fillna("")


def summarise(folder: Path) -> str:
    acc = pd.read_csv(folder / "accuracy.csv")
    lines = ["| algorithm | variant | seeds | epochs | final test acc (mean ± std) | per seed | updates or pulses per epoch (mean) |",
             "|---|---|---|---|---|---|---|"]
    acc["variant"] = _variants(acc)
    per_epoch = {}
    for (alg, variant), g in acc.groupby(["algorithm", "variant"], sort=False):
        last = g[g["epoch"] == g["epoch"].max()]
        pulses = g["device_pulses"].mean()
        per_epoch[(alg, variant)] = g["device_pulses"].max()
        seeds = ", ".join(f"{s}: {a:.4f}" for s, a in zip(last["seed"], last["test_acc"]))
        lines.append(f"| {alg} | {variant} | {len(last)} | {g['epoch'].max()} | {last['test_acc'].mean():.4f} ± "
                     f"{last['test_acc'].std(ddof=1) if len(last) > 1 else 0:.4f} | {seeds} | {pulses:.3e} |")
    fp = [v for (a, _), v in per_epoch.items() if a.startswith("fp")]
    if fp:
        lines.append("")
        for key, v in per_epoch.items():
            if not key[0].startswith("fp"):
                lines.append(f"- FP weight updates per epoch / {key[0]}{' ' + key[1] if key[1] else ''} device "
                             f"pulses in its busiest epoch (any seed): {fp[0] / v:,.0f}x")
    updates_file = folder / "updates.csv"
    if updates_file.is_file():
        lines += ["", "| layer | algorithm | variant | device pulses per epoch (mean) | FP weight writes per epoch | "
                      "ratio |", "|---|---|---|---|---|---|"]
        up = pd.read_csv(updates_file)
        up["variant"] = _variants(up)
        up["pulses"] = up["set_pulses"] + up["reset_pulses"] + up["refresh_set_pulses"]
        mean = up.groupby(["algorithm", "variant", "layer"], sort=False)["pulses"].mean()
        fp_alg = next((a for a in ("fp32", "fp64") if a in set(up["algorithm"])), None)
        for (alg, variant, layer), pulses in mean.items():
            if alg.startswith("fp") or fp_alg is None:
                continue
            writes = mean[(fp_alg, "", layer)] if (fp_alg, "", layer) in mean.index else float("nan")
            lines.append(f"| {layer} | {alg} | {variant} | {pulses:,.0f} | {writes:.3e} | {writes / pulses:,.0f}x |")
    drift_file = folder / "drift.csv"
    if drift_file.is_file():
        drift = pd.read_csv(drift_file)
        drift["variant"] = _variants(drift)
        lines.append("")
        lines.append("| algorithm | variant | compensation | test acc at first time | at last time | change (pp) |")
        lines.append("|---|---|---|---|---|---|")
        for (alg, variant, comp), g in drift.groupby(["algorithm", "variant", "compensation"], sort=False):
            m = g.groupby("t_s")["test_acc"].mean()
            lines.append(f"| {alg} | {variant} | {comp} | {m.iloc[0]:.4f} (t={m.index[0]:g} s) | {m.iloc[-1]:.4f} "
                         f"(t={m.index[-1]:g} s) | {100 * (m.iloc[-1] - m.iloc[0]):+.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    print(summarise(ap.parse_args().folder))


if __name__ == "__main__":
    main()
