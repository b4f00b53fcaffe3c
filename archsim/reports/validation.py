"""Validation: every reference number against the model, with a label computed from the calibration.

Cases (`case` column): `table1` (a workload's reference table: stage cells, component groups, headline
ratios), `text` (figures quoted in the paper's text), `hermes` / `core64` (one-MVM workloads of measured
chips), `components` (every tech-file primitive against the price the estimator uses at its parameters).

Labels are computed, not asserted. The factors are the tech file's `calibration:` entries and the
workload's `reference.factors`. Each is multiplied by (1 + STEP), the workload re-estimated (tech factors
only re-price the recorded counts), and for every cell the elasticity d ln(value) / d ln(factor) measured;
its `calibrated_share` is the sum of their magnitudes (the share of the value the fitted parameters
determine). A cell is `calibrated` when a factor was fitted to it, `dependent` when its share exceeds
DEPENDENT_SHARE, and `predicted` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from archsim.accounting.energy import energy_by_component, reprice
from archsim.accounting.latency import busy_ns
from archsim.config.design import Design, deep_merge
from archsim.config.errors import ConfigError, Problem
from archsim.config.tech import Tech
from archsim.config.workload import Reference, Workload

if TYPE_CHECKING:
    from archsim.estimate import Estimate

#: Component groups of the MCA as Table 1 splits them.
GROUPS = {
    "computational_memory": {"crossbar array", "DAC", "ADC", "shift-add", "programming", "refresh", "reprogramming"},
    "digital_unit": {"digital unit", "χ SRAM", "activation SRAM", "bus", "DRAM", "leakage"},
}
TILE = {"crossbar array", "DAC", "ADC", "shift-add"}
STAGES = ("forward", "backward", "update", "total")
COLUMNS = ["case", "design", "stage", "metric", "reference", "model", "rel_error", "label", "calibrated_share",
           "factors"]
STEP = 0.01
DEPENDENT_SHARE = 0.5
PREDICTION_CASES = ("table1", "text", "hermes", "core64")


# -- what one cell measures ------------------------------------------------------------------------------
def energy_nj(est: "Estimate", design: str, stages, components: set[str] | None = None) -> float:
    df = est.energy[est.energy.design == design]
    stages = [stages] if isinstance(stages, str) else list(stages)
    if "total" not in stages:
        df = df[df.stage.isin(stages)]
    if components is not None:
        df = df[df.component.isin(components)]
    return float(df.energy_pj.sum()) / 1e3


def latency_us(est: "Estimate", design: str, stage: str, components: set[str] | None = None) -> float:
    if components is None:
        df = est.latency[(est.latency.design == design) & (est.latency.stage == stage)]
        return float(df.latency_ns.sum()) / 1e3
    sim = est.sims[design]
    stages = [s for s in est.latency.query("design == @design").stage if s != "total"] if stage == "total" else [stage]
    return sum(busy_ns(sim, s, components) for s in stages) / 1e3


def images_per_s(est: "Estimate", design: str) -> float:
    return float(est.stream.set_index("design").images_per_s[design])


@dataclass(frozen=True)
class Cell:
    """One reference number: where it goes in the table and how to measure it on an estimate."""

    id: str
    case: str
    design: str
    stage: str
    metric: str
    reference: float
    measure: Callable[["Estimate"], float]


def reference_cells(ref: Reference, designs: set[str]) -> list[Cell]:
    """Every cell of `ref` whose designs the estimate has."""
    cells: list[Cell] = []

    def stage_cells(design: str, group: str, stage: str, sref, comps):
        label = f"{design}.{group}" if group else design
        base = ".".join(p for p in (design, group, stage) if p)
        if sref.energy_nj is not None:
            cells.append(Cell(f"{base}.energy", ref.case, label, stage, "energy", sref.energy_nj,
                              lambda e, d=design, s=stage, c=comps: energy_nj(e, d, s, c)))
        if sref.latency_us is not None:
            cells.append(Cell(f"{base}.latency", ref.case, label, stage, "latency", sref.latency_us,
                              lambda e, d=design, s=stage, c=comps: latency_us(e, d, s, c)))
        if sref.adc_share is not None:
            cells.append(Cell(f"{base}.adc_share", ref.case, label, stage, "adc_share", sref.adc_share,
                              lambda e, d=design, s=stage: energy_nj(e, d, s, {"ADC"}) / energy_nj(e, d, s, TILE)))

    for design, dref in ref.designs.items():
        if design not in designs:
            continue
        for stage in STAGES:
            stage_cells(design, "", stage, getattr(dref, stage), None)
        for group, stages in dref.groups.items():
            if group in GROUPS:
                for stage, sref in stages.items():
                    stage_cells(design, group, stage, sref, GROUPS[group])
    for r in ref.ratios:
        if {r.numerator, r.denominator} <= designs:
            if r.metric == "throughput":
                f = lambda e, r=r: images_per_s(e, r.numerator) / images_per_s(e, r.denominator)  # noqa: E731
            elif r.metric == "energy":
                f = lambda e, r=r: energy_nj(e, r.numerator, "total") / energy_nj(e, r.denominator, "total")  # noqa: E731
            else:
                f = lambda e, r=r: latency_us(e, r.numerator, "total") / latency_us(e, r.denominator, "total")  # noqa: E731
            cells.append(Cell(f"ratio.{r.name}", ref.case, "ratio", r.name, r.metric, r.paper, f))
    for t in ref.text:
        if t.metric == "energy":
            if not {t.numerator, t.denominator} <= designs:
                continue
            f = lambda e, t=t: energy_nj(e, t.numerator, t.stages) / energy_nj(e, t.denominator, t.stages)  # noqa: E731
            cells.append(Cell(f"text.{t.name}", "text", f"{t.numerator}/{t.denominator}", "ratio",
                              f"energy ({'+'.join(t.stages)})", t.paper, f))
        elif t.design in designs:
            if t.metric == "images_per_s":
                f = lambda e, t=t: images_per_s(e, t.design)  # noqa: E731
            else:
                f = lambda e, t=t: energy_nj(e, t.design, "total") * 1e-9 * images_per_s(e, t.design)  # noqa: E731
            cells.append(Cell(f"text.{t.name}", "text", t.design, "total", t.metric, t.paper, f))
    return cells


# -- the fitted parameters -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FactorHandle:
    """A fitted parameter: its name, where it lives, its value, and the cell it was fitted to."""

    name: str
    kind: str           # tech | workload | design
    target: str         # factor name | dotted path | "design:path"
    value: float
    fitted_to: str      # cell id
    case: str = "table1"


def factor_registry(tech: Tech, workload: Workload) -> list[FactorHandle]:
    """The tech file's calibration factors and the workload's fitted parameters."""
    out = []
    for name, f in tech.calibration.items():
        case, _, cell = f.fitted_to.strip().partition(" ")
        out.append(FactorHandle(name, "tech", name, f.value, cell.strip() or case, case if cell else "table1"))
    ref = workload.reference
    for name, f in (ref.factors if ref else {}).items():
        kind, _, rest = f.parameter.partition(":")
        if kind == "workload":
            value = _get(workload.model_dump(), rest)
        else:
            design, _, path = rest.partition(":")
            value = None  # read from the design when applied
            rest = f"{design}:{path}"
        out.append(FactorHandle(name, kind, rest, value if value is not None else float("nan"), f.fitted_to,
                                ref.case))
    return out


def _get(d: dict, path: str):
    for k in path.split("."):
        d = d[k]
    return d


def _set(d: dict, path: str, value) -> dict:
    return deep_merge(d, {path: value})


def scaled_inputs(f: FactorHandle, scale: float, tech: Tech, workload: Workload, designs: list):
    """(tech, workload, designs) with factor `f` multiplied by `scale`."""
    if f.kind == "tech":
        cal = dict(tech.calibration)
        cal[f.target] = cal[f.target].model_copy(update={"value": cal[f.target].value * scale})
        return tech.model_copy(update={"calibration": cal}), workload, designs
    if f.kind == "workload":
        w = Workload.model_validate(_set(workload.model_dump(), f.target, _get(workload.model_dump(), f.target) * scale))
        return tech, w, designs
    name, _, path = f.target.partition(":")
    out = []
    for d in designs:
        if d.name == name:
            data = d.model_dump()
            d = Design.model_validate(_set(data, path, _get(data, path) * scale))
        out.append(d)
    return tech, workload, out


def repriced(est: "Estimate", tech: Tech) -> "Estimate":
    """`est` with its recorded counts priced by `tech` (same schedule)."""
    energy = []
    for name, sim in est.sims.items():
        interval = float(est.stream.set_index("design").interval_ns[name])
        energy.append(energy_by_component(sim, reprice(sim, tech, interval)))
    return replace(est, energy=pd.concat(energy, ignore_index=True))


# -- the table -------------------------------------------------------------------------------------------
def validate_estimate(est: "Estimate", workload_path: str | Path, tech: Tech, designs: list,
                      factors: list[FactorHandle] | None = None) -> pd.DataFrame:
    """Every reference cell of `est.workload`, with its error and computed label (COLUMNS)."""
    from archsim.estimate import estimate

    ref = est.workload.reference
    if ref is None:
        return pd.DataFrame(columns=COLUMNS)
    cells = reference_cells(ref, set(est.sims))
    base = {c.id: c.measure(est) for c in cells}
    factors = factor_registry(tech, est.workload) if factors is None else factors
    shares = {c.id: 0.0 for c in cells}
    names: dict[str, list[str]] = {c.id: [] for c in cells}
    for f in factors:
        t2, w2, d2 = scaled_inputs(f, 1 + STEP, tech, est.workload, designs)
        if f.kind == "tech":
            other = repriced(est, t2)
        else:
            other = estimate(w2, workload_path, tech=t2, designs=d2)
        for c in cells:
            v0, v1 = base[c.id], c.measure(other)
            if v0 > 0 and v1 > 0:
                e = abs(math.log(v1 / v0) / math.log(1 + STEP))
                if e > 1e-3:
                    shares[c.id] += e
                    names[c.id].append(f"{f.name} {e:.2f}")
    fitted = {(f.case, f.fitted_to): f.name for f in factors}
    rows = []
    for c in cells:
        share = shares[c.id]
        if (c.case, c.id) in fitted:
            label = "calibrated"
        elif share > DEPENDENT_SHARE:
            label = "dependent"
        else:
            label = "predicted"
        model = base[c.id]
        rows.append((c.case, c.design, c.stage, c.metric, c.reference, model, model / c.reference - 1.0, label,
                     share, "; ".join(names[c.id])))
    return pd.DataFrame(rows, columns=COLUMNS)


def validate_workload(path: str | Path) -> tuple[pd.DataFrame, "Estimate", Tech]:
    """Estimate the workload at `path` (its stated designs and tech) and validate it."""
    from archsim.estimate import estimate, load_designs, load_tech, load_workload

    w = load_workload(path)
    if w.reference is None:
        raise ConfigError(path, [Problem("reference", "this workload has no reference: section to validate")])
    tech, designs = load_tech(w, path), load_designs(w, path)
    est = estimate(w, path, tech=tech, designs=designs)
    return validate_estimate(est, path, tech, designs), est, tech


# -- components: every primitive against the price the estimator uses at its parameters --------------------
def components_table(tech: Tech) -> pd.DataFrame:
    """Case `components`: each primitive's model value (reference: the model evaluated at exactly its
    parameters) against the model value the estimator reads off the grids there (`model`: interpolated
    between grid points, before calibration factors; the `factors` column names the factors the estimator
    then multiplies it by). Primitives no estimator action uses are skipped."""
    from archsim.hardware.components.crossbar import device_power, line_drive
    from archsim.hardware.components.pricing import Price, Pricer

    p = Pricer(tech)
    rows = []
    for name, prim in tech.primitives.items():
        q = dict(prim.params)
        q.pop("tech_node_nm", None)
        for action, values in prim.actions.items():
            price: Price | None = None
            if name in ("pcm_set_pulse", "pcm_reset_pulse", "bus_wire_bit", "dram_access", "dram_hbm2"):
                price = p.primitive(name, action)
            elif prim.model == "neurosim_cell":
                cell = tech.cells[q["cell"]]
                g = cell.g_off_us + q["average_cell_value"] * (cell.g_on_us - cell.g_off_us)
                d = device_power(tech, g)
                price = Price(d.model * q["integration_ns"] * q["average_input_value"], d.factor, d.factors)
            elif prim.model == "neurosim_row_drivers":
                price = line_drive(tech, q["cols"], q["average_input_value"])
            elif prim.model == "neurosim_adc":
                price = p.energy("adc_survey", "convert", bits=q["adc_bits"], rate_gsps=0.2)
            elif prim.model in ("cacti_sram", "adc_survey", "library_adder", "library_multiplier",
                                "library_comparator", "library_register"):
                price = p.energy(prim.model, action, **q)
            if price is None:
                continue
            factors = "; ".join(f"then x {n} {tech.calibration[n].value:.4g}" for n in price.factors)
            ref = values.energy_pj
            rows.append(("components", name, action, "energy_pj", ref, price.model,
                         price.model / ref - 1.0 if ref > 0 else 0.0, "predicted", 0.0, factors))
    return pd.DataFrame(rows, columns=COLUMNS)


# -- the suite: `archsim validate` -----------------------------------------------------------------------
#: (case, workload file in the workloads folder) run by `archsim validate`, in order.
SUITE = (("table1", "mlp_mnist_train.yaml"), ("hermes", "hermes_core.yaml"), ("core64", "core64_core.yaml"))


def run_validation(workloads_dir: str | Path, out_dir: str | Path, echo=print) -> tuple[pd.DataFrame, list[Path]]:
    """Every case of SUITE (plus `components` on the first case's tech file) into out_dir: validation.csv,
    validation.md and validation.png, written atomically."""
    from archsim.reports.io import StagedReport
    from archsim.reports.markdown import validation_md
    from archsim.reports.plots import validation_scatter

    workloads_dir, out_dir = Path(workloads_dir), Path(out_dir)
    tables, refs, tech = [], [], None
    for case, name in SUITE:
        path = workloads_dir / name
        if not path.is_file():
            raise ConfigError(path, [Problem("", f"validation workload of case '{case}' not found; run archsim "
                                                 "validate in the repository (its workloads/ folder) or pass "
                                                 "--workloads DIR")])
        val, est, t = validate_workload(path)
        tech = tech or t
        tables.append(val)
        refs.append(est.workload.reference)
        echo(f"validate: {case}: {len(val)} cells from {path}")
    tables.append(components_table(tech))
    table = pd.concat(tables, ignore_index=True)
    with StagedReport(out_dir) as rep:
        rep.csv("validation.csv", table)
        rep.text("validation.md", validation_md(table, tech, refs, "Validation: `archsim validate`"))
        validation_scatter(table, rep.path("validation.png"), "archsim validate")
        files = rep.commit()
    return table, files
