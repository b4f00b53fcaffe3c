"""Non-zero fraction of the weight-update matrices per layer and epoch, from a functional run's updates.csv.

    python benchmarks/update_sparsity.py reports/mlp_mnist_mca

Writes <folder>/update_sparsity.csv (algorithm, variant, seed, epoch, layer, nonzero_fraction = non-zero
outer-product entries per image / (rows·cols), x and δ non-zero entries per image) and
update_sparsity.png (mean over seeds, per layer and for all weights together).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from archsim.io import atomic_write_text, save_figure, write_csv  # noqa: E402


def sparsity(updates: pd.DataFrame, sizes: dict[str, int]) -> pd.DataFrame:
    u = updates.copy()
    u["variant"] = u["variant"].fillna("") if "variant" in u else ""
    u["weights"] = u["layer"].map(sizes)
    per_layer = u.assign(nonzero_fraction=u.nonzero_updates / u.images / u.weights,
                         x_nonzero_per_image=u.x_nonzero / u.images, d_nonzero_per_image=u.d_nonzero / u.images)
    keys = ["algorithm", "variant", "seed", "epoch"]
    total = (u.groupby(keys).agg(nonzero_updates=("nonzero_updates", "sum"), images=("images", "first"),
                                 weights=("weights", "sum")).reset_index())
    total = total.assign(layer="all", nonzero_fraction=total.nonzero_updates / total.images / total.weights)
    cols = keys + ["layer", "nonzero_fraction", "x_nonzero_per_image", "d_nonzero_per_image"]
    return pd.concat([per_layer, total], ignore_index=True)[cols].sort_values(keys + ["layer"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--algorithm", default="mca")
    args = ap.parse_args()
    updates = pd.read_csv(args.folder / "updates.csv")
    updates = updates[updates.algorithm == args.algorithm]
    sizes = {"dense1": 785 * 250, "dense2": 251 * 10}
    df = sparsity(updates, sizes)
    write_csv(df, args.folder / "update_sparsity.csv")
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for (variant, layer), g in df.groupby(["variant", "layer"]):
        m = g.groupby("epoch")["nonzero_fraction"].mean() * 100
        ax.plot(m.index, m.values, marker=".", label=f"{variant or 'workload default'}: {layer}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("non-zero update entries per image [% of weights]")
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, args.folder / "update_sparsity.png")
    mean = df.groupby(["variant", "layer"])["nonzero_fraction"].mean().mul(100).round(3)
    atomic_write_text(args.folder / "update_sparsity.md", "Mean over seeds and epochs, % of weights per image:\n\n"
                      + mean.reset_index().to_markdown(index=False) + "\n")
    print(mean.to_string())


if __name__ == "__main__":
    main()
