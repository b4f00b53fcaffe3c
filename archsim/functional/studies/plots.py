"""Plots of training studies: accuracy vs a swept device parameter, one line per rule and variant."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from archsim.io import save_figure  # noqa: E402

_RULE_LABEL = {"crossbar_compatible": "crossbar-compatible (528-250-125-10)", "mca": "MCA (784-250-10)"}


def plot_sweep(summary: pd.DataFrame, xlabel: str, title: str, path: Path) -> None:
    """Final test accuracy (solid) and online training accuracy (dashed), mean ± std over seeds."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k, ((rule, variant), df) in enumerate(summary.groupby(["rule", "variant"], sort=False)):
        df = df.sort_values("parameter")
        label = _RULE_LABEL.get(rule, rule) + (f", {variant}" if variant and variant != "uncompensated" else "")
        color = f"C{k}"
        ax.errorbar(df["parameter"], df["test_acc_mean"], yerr=df["test_acc_std"].fillna(0), marker="o",
                    capsize=3, color=color, label=f"{label}: test")
        ax.errorbar(df["parameter"], df["train_acc_mean"], yerr=df["train_acc_std"].fillna(0), marker="s",
                    capsize=3, color=color, linestyle="--", alpha=0.7, label=f"{label}: training (online)")
    if title in ("initial_strength", "full_nonlinear"):
        ax.set_xscale("log")
        ax.invert_xaxis()
    if title == "linear_extent":
        ax.invert_xaxis()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy after the last epoch (fraction)")
    ax.set_title(f"jump-table study: {title.replace('_', ' ')}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, path)
    plt.close(fig)
