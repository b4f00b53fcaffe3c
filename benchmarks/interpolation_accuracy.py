"""How well the estimator's grid interpolation reproduces the component models between grid points.

For points that lie between the axes values of tech/14lpp.yaml's grids (SRAM capacity, word width and
banks; ADC resolution and rate; multiplier widths), compares the model evaluated at exactly that point
(hwcomponents, so this needs the `archsim[components]` extra on Python >= 3.12) with what the
estimator's Pricer reads off the grid there (model value, before calibration factors).

    .venv312/bin/python benchmarks/interpolation_accuracy.py

Writes reports/components/interpolation.csv and prints a summary per model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from archsim.config.tech import load_tech_file
from archsim.hardware.components.pricing import Pricer
from archsim.io import write_csv

ROOT = Path(__file__).resolve().parents[1]

SRAM = [(kb, w, b, p) for kb in (2, 24, 160, 600, 2048) for w in (12, 48, 96) for b in (1, 3, 6) for p in (1, 2)]
ADC = [(bits, rate) for bits in (5, 7, 9, 11) for rate in (0.03, 0.15, 0.3, 0.8, 3.0)]
MULT = [(a, b) for a in (5, 12, 24) for b in (6, 20)]


def main() -> None:
    from hwcomponents_adc import ADC as SurveyAdc
    from hwcomponents_cacti import SRAM as CactiSram
    from hwcomponents_library import AladdinMultiplier

    from archsim.techbuild.binaries import ensure_binaries

    ensure_binaries()
    tech = load_tech_file(ROOT / "tech" / "14lpp.yaml")
    p = Pricer(tech)
    rows = []
    for kb, w, b, ports in SRAM:
        exact = CactiSram(tech_node=14e-9, width=w, size=round(kb * 8192), n_rw_ports=ports, n_banks=b).read().energy
        grid = p.grid_value("cacti_sram", "read.energy_pj", size_kb=kb, width_bits=w, banks=b, ports=ports)
        rows.append(("cacti_sram", f"read {kb} KB, {w} b, {b} banks, {ports} ports", exact * 1e12, grid))
    for bits, rate in ADC:
        exact = SurveyAdc(n_bits=bits, tech_node=14e-9, throughput=rate * 1e9, n_adcs=1).convert().energy
        grid = p.grid_value("adc_survey", "convert.energy_pj", bits=bits, rate_gsps=rate)
        rows.append(("adc_survey", f"convert {bits} b at {rate} GS/s", exact * 1e12, grid))
    for a, b in MULT:
        exact = AladdinMultiplier(tech_node=14e-9, width_a=a, width_b=b).multiply().energy
        grid = p.grid_value("library_multiplier", "multiply.energy_pj", width_a_bits=a, width_b_bits=b)
        rows.append(("library_multiplier", f"multiply {a} x {b} b", exact * 1e12, grid))
    df = pd.DataFrame(rows, columns=["model", "point", "model_pj", "interpolated_pj"])
    df["rel_error"] = df.interpolated_pj / df.model_pj - 1
    write_csv(df, ROOT / "reports" / "components" / "interpolation.csv", float_format="%.6g")
    summary = df.groupby("model").rel_error.agg(points="size", median_abs=lambda e: e.abs().median(),
                                                 max_abs=lambda e: e.abs().max())
    print(summary.to_string(float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
