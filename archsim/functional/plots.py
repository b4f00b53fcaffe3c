"""Plots of a functional run: test accuracy vs drift time, and weight/device updates per epoch (log)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from archsim.io import save_figure  # noqa: E402


def _label(df: pd.DataFrame) -> pd.Series:
    """algorithm, plus ' [variant]' where a merged table labels variants."""
    if "variant" not in df.columns:
        return df["algorithm"]
    v = df["variant"].astype("string").fillna("")
    return df["algorithm"] + v.where(v == "", " [" + v + "]")


STYLES = {"none": "-", "global": "--", "bn_reestimate": ":"}


def plot_drift(drift: pd.DataFrame, path: Path) -> None:
    """Mean test accuracy over seeds vs time after training (log time), one line style per compensation."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for (alg, comp), df in drift.groupby([_label(drift), "compensation"], sort=False):
        m = df.groupby("t_s")["test_acc"].agg(["mean", "std"]).reset_index()
        ax.errorbar(m["t_s"], m["mean"], yerr=m["std"].fillna(0), marker="o", capsize=3,
                    linestyle=STYLES.get(comp, "-"), label=f"{alg}, compensation: {comp}")
    ax.set_xscale("log")
    ax.set_xlabel("time after training t_s [s]")
    ax.set_ylabel("test accuracy (fraction)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path)
    plt.close(fig)


def plot_updates(updates: pd.DataFrame, path: Path) -> None:
    """Per epoch and layer: dense weight updates (FP) or device pulses (crossbars), mean over seeds, log y."""
    fig, ax = plt.subplots(figsize=(7, 4))
    df = updates.assign(updates=updates["set_pulses"] + updates["reset_pulses"] + updates["refresh_set_pulses"],
                        label=_label(updates))
    labels = list(dict.fromkeys(df["label"]))
    layers = list(dict.fromkeys(df["layer"]))
    colours = plt.get_cmap("tab10")
    for (alg, layer), g in df.groupby(["label", "layer"], sort=False):
        m = g.groupby("epoch")["updates"].mean()
        ax.plot(m.index, m.to_numpy(), marker=".", color=colours(labels.index(alg) % 10),
                linestyle=("-", "--", ":", "-.")[layers.index(layer) % 4], label=f"{alg} {layer}")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("weight writes (FP) / device pulses per epoch")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    save_figure(fig, path)
    plt.close(fig)


def plot_accuracy(accuracy: pd.DataFrame, path: Path) -> None:
    """Test accuracy per epoch, mean ± std over seeds, per algorithm."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for alg, g in accuracy.groupby(_label(accuracy), sort=False):
        m = g.groupby("epoch")["test_acc"].agg(["mean", "std"])
        ax.errorbar(m.index, m["mean"], yerr=m["std"].fillna(0), marker=".", capsize=2, label=alg)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (fraction)")
    top = accuracy["test_acc"].max()
    ax.set_ylim(max(0.9, top - 0.08) if top > 0.95 else 0.0, min(1.0, top + 0.01))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path)
    plt.close(fig)
