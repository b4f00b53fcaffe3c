"""Run parts of a functional workload (subsets of algorithms/seeds) in separate processes, then merge.

    python benchmarks/run_functional_parts.py run WORKLOAD OUT --algorithms mca --seeds 0 1 2 [--set k=v ...] [--resume]
    python benchmarks/run_functional_parts.py merge OUT PART_DIR[@VARIANT] [PART_DIR[@VARIANT] ...]

`run` calls archsim.functional.run.run_functional with the workload's functional section restricted
to the given algorithms/seeds; `merge` concatenates the parts' CSVs into OUT (a `variant` column labels parts run with --set) and
redraws the plots.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import yaml

from archsim.config.functional import FunctionalConfig
from archsim.config.loader import load, validate
from archsim.config.workload import Workload
from archsim.io import write_csv
from archsim.functional.plots import plot_accuracy, plot_drift, plot_updates
from archsim.functional.run import run_functional


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("workload", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--algorithms", nargs="+")
    r.add_argument("--seeds", nargs="+", type=int)
    r.add_argument("--set", nargs="*", default=[], metavar="KEY=YAML",
                   help="override functional settings, e.g. update_bits=3 epsilon_reset=0.74")
    r.add_argument("--resume", action="store_true")
    r.add_argument("--no-progress", action="store_true")
    m = sub.add_parser("merge")
    m.add_argument("out", type=Path)
    m.add_argument("parts", nargs="+", help="part folder, optionally @label for its variant column")
    m.add_argument("--drift-only", nargs="*", default=[], metavar="PART_DIR[@VARIANT]",
                   help="parts that only re-ran the drift study of another part's trained state")
    args = ap.parse_args()
    if args.cmd == "run":
        wl = load(Workload, args.workload)
        update = {k: v for k, v in (("algorithms", args.algorithms), ("seeds", args.seeds)) if v}
        for item in args.set:
            key, _, value = item.partition("=")
            update[key] = yaml.safe_load(value)
        data = {**wl.functional.model_dump(), **update}
        wl = wl.model_copy(update={"functional": validate(FunctionalConfig, data, args.workload, "functional")})
        try:
            summary = run_functional(wl, args.workload, args.out, resume=args.resume, progress=not args.no_progress)
        except KeyboardInterrupt:
            raise SystemExit(f"interrupted; finished epochs are checkpointed in {args.out / 'checkpoints'}: "
                             "rerun with --resume to continue") from None
        print(summary.accuracy.groupby("algorithm").tail(1).to_string(index=False))
        print("final test accuracy (mean over seeds):", summary.final_test_acc)
    else:
        split = lambda items: [(Path(p.partition("@")[0]), p.partition("@")[2]) for p in items]  # noqa: E731
        parts, drift_only = split(args.parts), split(args.drift_only)
        for name in ("accuracy.csv", "updates.csv", "drift.csv"):
            use = parts + drift_only if name == "drift.csv" else parts
            frames = [pd.read_csv(p / name).assign(variant=label) for p, label in use if (p / name).is_file()]
            write_csv(pd.concat(frames, ignore_index=True), args.out / name)
        drift = pd.read_csv(args.out / "drift.csv")
        if not drift.empty:
            plot_drift(drift, args.out / "drift.png")
        plot_updates(pd.read_csv(args.out / "updates.csv"), args.out / "updates_per_epoch.png")
        plot_accuracy(pd.read_csv(args.out / "accuracy.csv"), args.out / "accuracy.png")


if __name__ == "__main__":
    main()
