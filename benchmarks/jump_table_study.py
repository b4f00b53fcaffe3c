"""The jump-table study (Sidler et al., ESSDERC 2016): four device sweeps × {crossbar-compatible, MCA}.

    python benchmarks/jump_table_study.py run [--rules crossbar_compatible mca] [--seeds 0 1 2]
    python benchmarks/jump_table_study.py collect

`run` trains every (rule, point, seed) that has not finished (resuming started ones) into the
git-ignored work folder; `collect` writes reports/jump_table_study/{results,summary}.csv and one
plot per sweep. See archsim/functional/studies/jump_table.py for the sweeps.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from archsim.functional.studies import jump_table as study

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["run", "collect", "points"])
    ap.add_argument("--rules", nargs="+", default=list(study.RULES), choices=list(study.RULES))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--only", nargs="*", help="point names (see `points`)")
    ap.add_argument("--epochs", type=int, help="override the workloads' 20 epochs (quick checks)")
    ap.add_argument("--train-images", type=int, help="use the first N training images (quick checks)")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "jump_table_study")
    ap.add_argument("--work", type=Path, default=ROOT / "reports" / "_scratch" / "jump_table_study")
    args = ap.parse_args()
    if args.cmd == "points":
        for rule in args.rules:
            print(rule, *(p.name for p in study.points(rule)))
    elif args.cmd == "run":
        study.run(ROOT, args.out, args.work, args.rules, args.seeds, epochs=args.epochs,
                  train_images=args.train_images, only=args.only)
    else:
        print(study.collect(ROOT, args.out, args.work).to_string(index=False))


if __name__ == "__main__":
    main()
