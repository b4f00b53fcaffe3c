"""The jump-table paper's training study as a workload family (Sidler et al., ESSDERC 2016).

Four sweeps of the bidirectional NVM's conductance response (jump tables, archsim.functional.devices.
jump_table), each trained with two rules:

- crossbar_compatible: the 528-250-125-10 perceptron on MNIST cropped to 22×24, 20 epochs, with the
  coincidence update of Burr et al. (IEEE TED 2015) (workloads/jump_table_xbar.yaml);
- mca: the reference 784-250-10 MLP under MCA, 20 epochs (workloads/jump_table_mca.yaml).

Sweeps (RESET linear unless stated):
1. asymmetry: RESET step / SET step, with and without the "fewer RESET pulses" compensation (the
   downstream neuron fires its RESET column with probability × SET step / RESET step; crossbar rule);
2. linear_extent: fraction of the range that is linear, the rest an initial non-linear SET region of
   strength (min/max step) INITIAL_RATIO;
3. initial_strength: min/max step ratio of an initial non-linearity covering 25 % of the range;
4. full_nonlinear: min/max step ratio of a fully non-linear SET response.

Every point is one device YAML (the base device with its `synthetic` block replaced), written to
<out>/devices/<point>.yaml; every (rule, point, seed) is one functional run in <work>/runs/...,
resumable from its epoch checkpoints. `collect` merges the runs into results.csv and summary.csv and
draws one plot per sweep (final test and online training accuracy vs the swept parameter).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from archsim.config.functional import FunctionalConfig
from archsim.config.loader import load, read_yaml, validate
from archsim.config.workload import Workload
from archsim.io import atomic_write_text, write_csv

RULES = {"crossbar_compatible": "workloads/jump_table_xbar.yaml", "mca": "workloads/jump_table_mca.yaml"}
INITIAL_RATIO = 0.1  # strength of the initial non-linearity in the linear-extent sweep
ASYMMETRY = (1.0, 1.5, 2.0, 3.0)
LINEAR_EXTENT = (1.0, 0.75, 0.5, 0.0)
STRENGTH = (1.0, 0.5, 0.2, 0.1)


@dataclass(frozen=True)
class Point:
    """One device (and, for the crossbar rule, its RESET-column firing fraction)."""

    linear_fraction: float = 1.0
    min_max_ratio: float = 1.0
    reset_asymmetry: float = 1.0
    reset_fraction: float = 1.0

    @property
    def name(self) -> str:
        return (f"lf{self.linear_fraction:g}_mm{self.min_max_ratio:g}_r{self.reset_asymmetry:g}"
                f"_c{self.reset_fraction:.3g}")

    @property
    def shape(self) -> str:
        if self.min_max_ratio == 1.0 or self.linear_fraction == 1.0:
            return "linear" if self.reset_asymmetry == 1.0 else "asymmetric"
        return "nonlinear" if self.linear_fraction == 0.0 else "partly_nonlinear"

    def synthetic(self, base: dict) -> dict:
        """The base device's `synthetic` block with this point's shape."""
        src = "jump-table study sweep point (archsim/functional/studies/jump_table.py)"
        s = {k: v for k, v in base.items() if k not in ("linear_fraction", "min_max_ratio", "reset_asymmetry")}
        s["shape"] = self.shape
        s["reset_asymmetry"] = {"value": self.reset_asymmetry, "source": src}
        if self.shape in ("partly_nonlinear", "nonlinear"):
            s["min_max_ratio"] = {"value": self.min_max_ratio, "source": src}
        if self.shape == "partly_nonlinear":
            s["linear_fraction"] = {"value": self.linear_fraction, "source": src}
        return s


def sweeps() -> dict[str, list[tuple[float, str, Point]]]:
    """sweep -> [(parameter value, variant, point)]."""
    return {
        "asymmetry": [(r, "uncompensated", Point(reset_asymmetry=r)) for r in ASYMMETRY]
        + [(r, "fewer RESET pulses", Point(reset_asymmetry=r, reset_fraction=1.0 / r)) for r in ASYMMETRY[1:]],
        "linear_extent": [(f, "", Point(linear_fraction=f, min_max_ratio=INITIAL_RATIO if f < 1 else 1.0))
                          for f in LINEAR_EXTENT],
        "initial_strength": [(m, "", Point(linear_fraction=0.75 if m < 1 else 1.0, min_max_ratio=m)) for m in STRENGTH],
        "full_nonlinear": [(m, "", Point(linear_fraction=0.0 if m < 1 else 1.0, min_max_ratio=m)) for m in STRENGTH],
    }


SWEEP_LABELS = {"asymmetry": "RESET step / SET step", "linear_extent": "linear fraction of the conductance range",
                "initial_strength": "min/max step ratio (initial 25 % non-linear)",
                "full_nonlinear": "min/max step ratio (fully non-linear SET)"}


def points(rule: str) -> list[Point]:
    """Distinct points a rule runs (compensation only exists for the crossbar-compatible rule)."""
    out: list[Point] = []
    for entries in sweeps().values():
        for _, _, p in entries:
            if rule != "crossbar_compatible" and p.reset_fraction != 1.0:
                continue
            if p not in out:
                out.append(p)
    return out


def write_device(root: Path, base_device: Path, point: Point, out_dir: Path) -> Path:
    """Device YAML of one point (base device, synthetic block replaced); returns its path."""
    data = read_yaml(base_device)
    data = copy.deepcopy(data)
    data["synthetic"] = point.synthetic(data["synthetic"])
    path = out_dir / "devices" / f"{point.name.rsplit('_c', 1)[0]}.yaml"
    text = (f"# jump-table study point {point.name.rsplit('_c', 1)[0]} (base: {base_device.relative_to(root)})\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    if not path.is_file() or path.read_text() != text:
        atomic_write_text(path, text)
    return path


def _workload(root: Path, rule: str, device: Path, point: Point, seed: int, epochs: int | None,
              train_images: int | None):
    path = root / RULES[rule]
    wl = load(Workload, path)
    # the study compares update rules on one device, not designs: no per-design functional models
    upd = {"device": str(device), "seeds": [seed], "xbar_reset_fraction": point.reset_fraction,
           "design_models": False}
    if epochs is not None:
        upd["epochs"] = epochs
    if train_images is not None:
        upd["train_images"] = train_images
    cfg = validate(FunctionalConfig, {**wl.functional.model_dump(), **upd}, path, "functional")
    return wl.model_copy(update={"functional": cfg}), path


def run(root: Path, out_dir: Path, work_dir: Path, rules: list[str], seeds: list[int], *, epochs: int | None = None,
        train_images: int | None = None, only: list[str] | None = None, echo=print) -> None:
    """Train every (rule, point, seed) not finished yet; finished runs are skipped, started ones resume."""
    from archsim.functional.run import run_functional

    for rule in rules:
        wl0 = load(Workload, root / RULES[rule])
        base = (root / RULES[rule]).parent / wl0.functional.device
        for point in points(rule):
            if only and point.name not in only:
                continue
            device = write_device(root, base.resolve(), point, out_dir)
            for seed in seeds:
                run_dir = work_dir / "runs" / rule / point.name / f"seed{seed}"
                wl, path = _workload(root, rule, device, point, seed, epochs, train_images)
                acc = run_dir / "accuracy.csv"
                if acc.is_file() and len(pd.read_csv(acc)) >= wl.functional.epochs:
                    continue
                echo(f"{rule} {point.name} seed {seed}: training ({run_dir})")
                summary = run_functional(wl, path, run_dir, resume=True, progress=False)
                last = summary.accuracy.iloc[-1]
                echo(f"  test {last['test_acc']:.4f}, online train {last['train_acc']:.4f}, "
                     f"{last['images_per_s']:.0f} images/s")


def collect(root: Path, out_dir: Path, work_dir: Path) -> pd.DataFrame:
    """Merge finished runs into results.csv (every epoch) and summary.csv (final epoch, mean ± std over
    seeds, per sweep entry); draw one plot per sweep. Returns the summary."""
    frames = []
    for acc in sorted((work_dir / "runs").glob("*/*/seed*/accuracy.csv")):
        df = pd.read_csv(acc)
        rule = acc.parents[2].name
        frames.append(df[df["algorithm"] == rule].assign(rule=rule, point=acc.parents[1].name))
    if not frames:
        raise FileNotFoundError(f"no finished runs under {work_dir / 'runs'}")
    epochs = pd.concat(frames, ignore_index=True)
    keep = ["rule", "point", "seed", "epoch", "train_acc", "test_acc", "device_pulses", "set_pulses",
            "reset_pulses", "refreshes", "images_per_s"]
    epochs = epochs[[c for c in keep if c in epochs.columns]]
    write_csv(epochs, out_dir / "results.csv")
    final = epochs.loc[epochs.groupby(["rule", "point", "seed"])["epoch"].idxmax()]
    rows = []
    for sweep, entries in sweeps().items():
        for value, variant, point in entries:
            for rule in RULES:
                if rule != "crossbar_compatible" and point.reset_fraction != 1.0:
                    continue
                f = final[(final.rule == rule) & (final.point == point.name)]
                if f.empty:
                    continue
                rows.append({"sweep": sweep, "parameter": value, "variant": variant, "rule": rule,
                             "point": point.name, "seeds": len(f), "epochs": int(f["epoch"].max()),
                             "test_acc_mean": f["test_acc"].mean(), "test_acc_std": f["test_acc"].std(ddof=1),
                             "train_acc_mean": f["train_acc"].mean(), "train_acc_std": f["train_acc"].std(ddof=1),
                             "pulses_last_epoch": f["device_pulses"].mean()})
    summary = pd.DataFrame(rows)
    write_csv(summary, out_dir / "summary.csv")
    from archsim.functional.studies.plots import plot_sweep

    for sweep in sweeps():
        sub = summary[summary.sweep == sweep]
        if not sub.empty:
            plot_sweep(sub, SWEEP_LABELS[sweep], sweep, out_dir / f"{sweep}.png")
    return summary
