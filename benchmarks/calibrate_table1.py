"""Fit the reference design's calibration factors to their Table 1 cells, and write them back.

The factors are the tech file's `calibration:` entries (tech/14lpp.calibration.yaml: each a model
value × factor, fitted to one cell) and the reference workload's `reference.factors` (workload
statistics the paper does not state). Each is fitted to its one cell by 1-D root finding (on a log
scale), holding the others; the fits interact, so they are repeated (Gauss-Seidel) until they stop
moving. Tech factors only re-price the recorded action counts; the others re-simulate.

    python benchmarks/calibrate_table1.py            # fit and print
    python benchmarks/calibrate_table1.py --write    # ... and write tech/14lpp.calibration.yaml, the workload's
                                                     # fitted values, and the factors into tech/14lpp.yaml
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import pandas as pd
import yaml

from archsim.estimate import estimate, load_designs, load_tech, load_workload
from archsim.reports.validation import (
    factor_registry,
    reference_cells,
    repriced,
    scaled_inputs,
    validate_estimate,
)

ROOT = Path(__file__).resolve().parents[1]


def root(f, lo: float, hi: float, tol: float = 1e-7, iters: int = 60) -> float:
    """A root of f in [lo, hi] (f(lo), f(hi) of opposite signs): the Illinois variant of regula falsi."""
    flo, fhi = f(lo), f(hi)
    if flo * fhi > 0:
        raise ValueError(f"cannot bracket: f({lo:.4g}) = {flo:+.4g}, f({hi:.4g}) = {fhi:+.4g}")
    side = 0
    x = lo
    for _ in range(iters):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        fx = f(x)
        if abs(fx) < tol or hi - lo < tol:
            return x
        if fx * fhi > 0:
            hi, fhi = x, fx
            if side == -1:
                flo /= 2
            side = -1
        else:
            lo, flo = x, fx
            if side == 1:
                fhi /= 2
            side = 1
    return x
WORKLOAD = ROOT / "workloads" / "mlp_mnist_train.yaml"
TECH_BRACKET = (1e-3, 1e4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the fitted values back (see the module docstring)")
    ap.add_argument("--sweeps", type=int, default=6)
    args = ap.parse_args()

    w = load_workload(WORKLOAD)
    tech, designs = load_tech(w, WORKLOAD), load_designs(w, WORKLOAD)
    cells = {c.id: c for c in reference_cells(w.reference, {d.name for d in designs})}
    est = estimate(w, WORKLOAD, tech=tech, designs=designs)
    factors = factor_registry(tech, w)
    for f in factors:
        if f.fitted_to not in cells:
            sys.exit(f"factor {f.name}: fitted_to {f.fitted_to!r} is not a cell of {WORKLOAD}")
    values = {f.name: f.value for f in factors}
    brackets = {n: tuple(r.bracket) for n, r in w.reference.factors.items()}

    def apply(name: str, value: float):
        """(tech, workload, estimate) with factor `name` set to `value`."""
        nonlocal tech, w, est
        f = next(x for x in factor_registry(tech, w) if x.name == name)
        current = f.value
        t2, w2, _ = scaled_inputs(f, value / current, tech, w, designs)
        if f.kind == "tech":
            return t2, w2, repriced(est, t2)
        return t2, w2, estimate(w2, WORKLOAD, tech=t2, designs=designs)

    for sweep in range(args.sweeps):
        moved = 0.0
        for f in factors:
            cell = cells[f.fitted_to]

            def err(log_v, f=f, cell=cell):
                _, _, e = apply(f.name, math.exp(log_v))
                return cell.measure(e) / cell.reference - 1.0

            lo, hi = brackets.get(f.name, TECH_BRACKET)
            v = math.exp(root(err, math.log(lo), math.log(hi)))
            tech, w, est = apply(f.name, v)
            moved = max(moved, abs(math.log(v / values[f.name])))
            values[f.name] = v
        print(f"sweep {sweep}: " + ", ".join(f"{k}={v:.5g}" for k, v in values.items()), file=sys.stderr)
        if moved < 1e-6:
            break
    if any(f.kind != "tech" for f in factors):
        est = estimate(w, WORKLOAD, tech=tech, designs=designs)
    table = validate_estimate(est, WORKLOAD, tech, designs)
    pd.set_option("display.width", 220)
    print(table.drop(columns=["factors"]).to_string(index=False))
    if args.write:
        write(tech, w, values, factors)


def write(tech, w, values: dict[str, float], factors) -> None:
    """The calibration file, the workload's fitted values, and the factors copied into the tech file."""
    from archsim.techbuild.build import apply_calibration

    spec_dir = ROOT / Path(tech.spec).parent
    cal_path = ROOT / tech.generated_by["calibration"]
    cal = yaml.safe_load(cal_path.read_text())
    cal["fitted_by"] = "python benchmarks/calibrate_table1.py --write"
    for f in factors:
        if f.kind == "tech":
            cal["factors"][f.name]["value"] = float(f"{values[f.name]:.6g}")
    cal_path.write_text(yaml.safe_dump(cal, sort_keys=False, allow_unicode=True, width=110))
    text = WORKLOAD.read_text()
    for f in factors:
        if f.kind == "workload":
            key = f.target.split(".")[-1]
            text, n = re.subn(rf"^(\s*{key}:\s*)[0-9.eE+-]+", rf"\g<1>{values[f.name]:.5g}", text, count=1, flags=re.M)
            assert n == 1, f"{key} not found in {WORKLOAD}"
    WORKLOAD.write_text(text)
    apply_calibration(ROOT / "tech" / "14lpp.yaml", cal_path)
    print(f"wrote {cal_path.relative_to(ROOT)}, {WORKLOAD.relative_to(ROOT)} and tech/14lpp.yaml "
          f"(spec folder {spec_dir.relative_to(ROOT)})", file=sys.stderr)


if __name__ == "__main__":
    main()
