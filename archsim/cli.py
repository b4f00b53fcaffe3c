"""Command line: `archsim run`, `archsim sweep`, `archsim check`, `archsim designs`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archsim import __version__
from archsim.config.errors import ConfigError

EXIT_BAD_INPUT = 2


def _cmd_run(args) -> int:
    from archsim.runner import print_run, run_workload

    result = run_workload(args.workload, args.out, resume=args.resume, data_dir=args.data_dir,
                          functional=not args.no_functional, progress=not args.quiet, fresh=args.fresh)
    print_run(result)
    return 0


def _cmd_check(args) -> int:
    from archsim.config.loader import read_yaml

    for f in args.files:
        kind = read_yaml(f).get("kind")
        if kind == "workload":
            from archsim.estimate import load_designs, load_tech, load_workload

            w = load_workload(f)
            load_tech(w, f)
            load_designs(w, f)
        elif kind == "tech":
            from archsim.config.loader import load
            from archsim.config.tech import Tech

            load(Tech, f)
        elif kind == "design":
            from archsim.config.design import build_design

            build_design(str(Path(f).resolve()))
        elif kind == "sweep":
            from archsim.sweep.config import load_sweep

            load_sweep(f)
        elif kind == "pcm_device":
            from archsim.functional.devices import load_device

            load_device(str(Path(f).resolve()))
        elif kind == "pcm_inference":
            from archsim.functional.devices.inference_pcm import InferencePCM

            InferencePCM.from_yaml(f)
        else:
            raise ConfigError(f, "kind: expected one of workload, tech, design, sweep, pcm_device, pcm_inference "
                                 f"(got {kind!r})")
        print(f"{f}: ok ({kind})")
    return 0


def _cmd_designs(args) -> int:
    from archsim.config.design import build_design, builtin_names

    for name in builtin_names():
        d = build_design(name)
        print(f"{name:<12} type={d.type:<8} update={d.update:<14} {d.description}")
    if args.show:
        import yaml

        print(yaml.safe_dump(build_design(args.show).model_dump(), sort_keys=False))
    return 0


def _cmd_sweep(args) -> int:
    from archsim.sweep.cli import run_sweep_command

    return run_sweep_command(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="archsim",
        description="Accuracy, energy and latency of deep learning on PCM computational memory, "
                    "side by side with 32-bit and mixed-precision digital designs.")
    p.add_argument("--version", action="version", version=f"archsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run one workload YAML and write its report",
                       description="Simulate one image of the workload on every design it lists (discrete-event "
                                   "model), run its functional accuracy study if it has one, and write "
                                   "energy.csv, latency.csv, summary.md, plots (and validation.* when the "
                                   "workload has reference values) to the output folder.")
    r.add_argument("workload", type=Path, help="workload YAML (kind: workload)")
    r.add_argument("--out", type=Path, default=None,
                   help="output folder (default: reports/<workload name>/ under the current folder)")
    r.add_argument("--resume", action="store_true",
                   help="continue an interrupted functional run from its last checkpoint (bit-identical); "
                        "refused, naming the changed keys, if the configuration changed since")
    r.add_argument("--fresh", action="store_true",
                   help="discard the output folder's checkpoints and start the functional parts over")
    r.add_argument("--data-dir", type=Path, default=None,
                   help="dataset folder (default: $ARCHSIM_DATA, then the user cache)")
    r.add_argument("--no-functional", action="store_true",
                   help="skip functional training/inference studies; estimate from analytical statistics")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_run)

    s = sub.add_parser("sweep", help="evaluate a sweep YAML of design points (local cores or a Dask cluster)",
                       description="Evaluate every design point of a sweep YAML (kind: sweep) and write "
                                   "results.csv, pareto.csv, summary.md and plots. Finished points are kept and "
                                   "skipped when the same sweep is run again.")
    s.add_argument("sweep", type=Path, help="sweep YAML (kind: sweep)")
    s.add_argument("--out", type=Path, default=None, help="output folder (default: reports/<sweep name>/)")
    s.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: all cores; 1 = run in this process)")
    s.add_argument("--scheduler", default=None,
                   help="address of a running dask.distributed scheduler, e.g. tcp://10.0.0.5:8786")
    s.add_argument("--fresh", action="store_true", help="ignore finished points from an earlier run")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=_cmd_sweep)

    c = sub.add_parser("check", help="validate YAML files without running anything",
                       description="Validate workload, tech, design, sweep or PCM device YAMLs; prints one line "
                                   "per problem "
                                   "(file: key: what is allowed) and exits 2 on any problem.")
    c.add_argument("files", nargs="+", type=Path, help="YAML files to check")
    c.set_defaults(func=_cmd_check)

    d = sub.add_parser("designs", help="list the built-in designs (and print one in full)",
                       description="List built-in designs; --show NAME prints every field of one, i.e. "
                                   "everything a workload can override.")
    d.add_argument("--show", metavar="NAME", default=None, help="print all fields of one built-in design")
    d.set_defaults(func=_cmd_designs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        hint = {"run": "finished epochs are checkpointed: rerun with --resume to continue",
                "sweep": "finished points are kept: rerun the same command to continue"}.get(args.command, "")
        print(f"\ninterrupted; {hint}".rstrip("; "), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
