"""Fit the calibrated parameters of the reference design to their Table 1 cells.

Each calibrated parameter is fitted to exactly one cell (listed in the workload's
`reference.calibrated`); the fits interact, so they are repeated (Gauss-Seidel) until stable.
Prints the fitted values and the full validation table; paste the values into tech/14lpp.yaml,
archsim/hardware/designs/*.yaml (every clock_ghz) and workloads/mlp_mnist_train.yaml.

    python benchmarks/calibrate_table1.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from scipy.optimize import brentq

from archsim.config.design import Design
from archsim.config.tech import Tech
from archsim.config.workload import Workload
from archsim.estimate import estimate, load_designs, load_tech, load_workload
from archsim.reports.validation import validation_table

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_train.yaml"


def set_path(d: dict, path: str, value):
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[k]
    d[keys[-1]] = value


def get_path(d: dict, path: str):
    for k in path.split("."):
        d = d[k]
    return d


class Model:
    """Mutable copies of tech, designs and workload as dicts; evaluates the validation table."""

    def __init__(self):
        self.workload = load_workload(WORKLOAD).model_dump()
        self.tech = load_tech(Workload.model_validate(self.workload), WORKLOAD).model_dump()
        self.designs = {d.name: d.model_dump() for d in load_designs(Workload.model_validate(self.workload), WORKLOAD)}

    def table(self) -> pd.DataFrame:
        w = Workload.model_validate(self.workload)
        est = estimate(w, WORKLOAD, tech=Tech.model_validate(self.tech),
                       designs=[Design.model_validate(d) for d in self.designs.values()])
        return validation_table(est, w.reference)

    def cell(self, design: str, stage: str, metric: str) -> float:
        t = self.table()
        row = t[(t.design == design) & (t.stage == stage) & (t.metric == metric)].iloc[0]
        return row.model / row.paper - 1.0


#: (where, dotted path, (design, stage, metric), bracket)
PARAMETERS = [
    ("tech", "primitives.sram_read.energy_pj", ("digital32", "forward", "energy"), (1, 400)),
    ("tech", "primitives.sram_write.energy_pj", ("digital32", "update", "energy"), (0.1, 400)),
    ("tech", "scaling.sram_width_fraction.value", ("digital_mp", "forward", "energy"), (0.0, 1.0)),
    ("tech", "primitives.adc_conversion.energy_pj", ("mca.computational_memory", "backward", "energy"), (0.1, 50)),
    ("tech", "primitives.sram_leakage.leakage_mw", ("mca.digital_unit", "forward", "energy"), (0.0, 1.0)),
    ("workload", "trace.update.d_nonzero_fraction", ("mca.digital_unit", "update", "energy"), (1e-4, 0.2)),
    ("workload", "trace.error_zero_fraction_8bit", ("digital_mp", "backward", "energy"), (0.0, 0.95)),
    ("clock", "digital32", ("digital32", "forward", "latency"), (0.3, 3.0)),
    ("clock", "mca,digital_mp", ("digital_mp", "forward", "latency"), (0.3, 3.0)),
]


def set_clock(model: Model, designs: str, ghz: float):
    """One clock for every unit of the named designs: the 32-bit datapath has its own (its 32 × 32-bit
    multipliers set the critical path), the narrow-datapath MCA and mixed-precision designs share one."""
    for name in designs.split(","):
        d = model.designs[name]
        for section in ("mac_array", "digital_unit", "chi_unit", "weight_sram", "activation_sram", "chi_sram", "bus"):
            if d.get(section) is not None:
                d[section]["clock_ghz"] = ghz


def fit(model: Model, where: str, path: str, cell, bracket) -> float:
    def f(x):
        if where == "clock":
            set_clock(model, path, x)
        else:
            set_path(getattr(model, where), path, x)
        return model.cell(*cell)

    lo, hi = bracket
    try:
        x = brentq(f, lo, hi, xtol=1e-6, rtol=1e-4)
    except ValueError:
        print(f"  cannot bracket {path} on {cell}: f({lo})={f(lo):+.3f}, f({hi})={f(hi):+.3f}", file=sys.stderr)
        raise
    f(x)
    return x


def main() -> None:
    model = Model()
    for sweep in range(8):
        values = {}
        for where, path, cell, bracket in PARAMETERS:
            values[f"clock[{path}]" if where == "clock" else path] = fit(model, where, path, cell, bracket)
        print(f"sweep {sweep}: " + ", ".join(f"{k.split('.')[-2] if k.endswith(('energy_pj', 'leakage_mw', 'value')) else k}={v:.5g}"
                                            for k, v in values.items()))
    pd.set_option("display.width", 200)
    print(model.table().to_string(index=False))


if __name__ == "__main__":
    main()
