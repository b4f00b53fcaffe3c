"""Files of an inference study, each written atomically: CSV tables and the accuracy-vs-time plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from archsim.io import atomic_output, write_csv  # noqa: E402, F401 - write_csv is part of this module's API

SECONDS = {"25 s": 25, "1 h": 3600, "1 day": 86400, "1 month": 2592000, "1 year": 31536000}


def plot_accuracy_vs_time(acc: pd.DataFrame, path: Path, fp32_test_acc: float | None = None) -> None:
    """Test accuracy (mean ± std over repeats) vs time after programming, one line per model/compensation;
    left panel full range, right panel zoomed on the compensated curves."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    styles = {"none": ":", "global": "--", "bn_reestimate": "-"}
    compensated = acc[acc["compensation"] != "none"]
    keys = list(dict.fromkeys(zip(acc["model"], acc["compensation"])))
    colors = {k: f"C{i}" for i, k in enumerate(keys)}  # same colour for a curve in both panels
    for ax, data in zip(axes, (acc, compensated)):
        for (model, comp), g in data.groupby(["model", "compensation"], sort=False):
            ax.errorbar(g["t_s"], 100 * g["test_acc_mean"], yerr=100 * g["test_acc_std"], capsize=3,
                        linestyle=styles.get(comp, "-"), marker="o" if model == "hwa" else "s",
                        color=colors[(model, comp)], label=f"{model}, {comp}")
        if fp32_test_acc is not None:
            ax.axhline(100 * fp32_test_acc, color="k", lw=0.8, label="FP32 software")
        ax.set_xscale("log")
        ax.set_xticks(list(SECONDS.values()), list(SECONDS))
        ax.set_xlabel("time after programming")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title("all")
    axes[1].set_title("with compensation (zoom)")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
