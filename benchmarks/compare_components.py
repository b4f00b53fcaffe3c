"""The estimator's per-action prices against the component models' own values, and one 256 × 256 MVM.

Reads the generated tech file (tech/14lpp.yaml; this script needs no hwcomponents) and:
1. for every primitive of the tech file that an estimator action uses, compares the model's value at
   the primitive's parameters with the price the estimator uses there (the grid read at that point,
   times the calibration factors): `archsim validate`'s case `components`;
2. breaks one 256 × 256 MVM of the mca tile (workloads/hermes_core.yaml) down by component, beside the
   measured HERMES core and 64-core chip.
Writes reports/components/comparison.csv and prints the Markdown tables of reports/components/README.md.

    python benchmarks/compare_components.py
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import pandas as pd

from archsim.config.tech import load_tech_file
from archsim.estimate import estimate, load_workload
from archsim.io import write_csv
from archsim.reports.validation import components_table

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tech", type=Path, default=ROOT / "tech" / "14lpp.yaml")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "components" / "comparison.csv")
    args = ap.parse_args()
    tech = load_tech_file(args.tech)
    comp = components_table(tech)
    # the case's `model` is the estimator's price: the grid read times the named factors
    df = comp.rename(columns={"design": "primitive", "stage": "action", "reference": "model_pj",
                              "model": "archsim_pj"})[["primitive", "action", "model_pj", "archsim_pj", "factors"]]
    df["factors"] = df.factors.fillna("")
    factor = [math.prod(tech.calibration[n].value for n in re.findall(r"x (\w+) ", f)) for f in df.factors]
    df.insert(3, "grid_pj", df.archsim_pj / factor)
    df["archsim_over_model"] = df.archsim_pj / df.model_pj.where(df.model_pj > 0)
    write_csv(df, args.out, float_format="%.6g")
    print("| primitive | action | model (pJ) | read off the grid (pJ) | × factors | archsim (pJ) | archsim / model |")
    print("|---|---|---|---|---|---|---|")
    for r in df.itertuples():
        ratio = f"{r.archsim_over_model:.4g}×" if pd.notna(r.archsim_over_model) else "–"
        print(f"| {r.primitive} | {r.action} | {r.model_pj:.4g} | {r.grid_pj:.4g} | {r.factors.replace('then x ', '')} "
              f"| {r.archsim_pj:.4g} | {ratio} |")

    path = ROOT / "workloads" / "hermes_core.yaml"
    w = load_workload(path)
    est = estimate(w, path, tech=tech)
    e = est.energy[est.energy.design == "hermes"].groupby("component").energy_pj.sum().sort_values(ascending=False)
    interval = float(est.stream.interval_ns.iloc[0])
    total = e.sum() / 1e3
    tile = e.reindex(["crossbar array", "DAC", "ADC"]).fillna(0).sum() / 1e3
    print(f"\nmca tile, one 256x256 MVM (workloads/hermes_core.yaml): {total:.2f} nJ per MVM, one MVM every "
          f"{interval:.0f} ns; tile (crossbar + line drivers + ADC) {tile:.2f} nJ, ADC {e.get('ADC', 0) / 1e3:.2f} nJ "
          f"= {e.get('ADC', 0) / 1e3 / tile * 100:.0f} % of the tile")
    print("by component (nJ): " + ", ".join(f"{c} {v / 1e3:.3f}" for c, v in e.items()))
    print("HERMES (JSSC 2022): 12.5 nJ per MVM, 130 ns; 64-core chip core (Nat. Electron. 2023): 13.4 nJ in 133 ns, "
          "ADC 50-70 % of the tile")


if __name__ == "__main__":
    main()
