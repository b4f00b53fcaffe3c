"""Command line: `archsim run`, `archsim sweep`, `archsim validate`, `archsim check`, `archsim designs`, `archsim tech`,
`archsim import`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archsim import __version__
from archsim.config.errors import ConfigError, clip, short_repr

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
            from archsim.config.tech import load_tech_file

            load_tech_file(f)
        elif kind == "tech_calibration":
            from archsim.config.loader import load
            from archsim.config.tech import CalibrationFile

            load(CalibrationFile, f)
        elif kind == "design":
            from archsim.config.design import build_design

            build_design(str(Path(f).resolve()))
        elif kind == "sweep":
            from archsim.sweep.config import load_sweep

            load_sweep(f)
        elif kind == "pcm_device":
            from archsim.functional.devices import load_device

            load_device(str(Path(f).resolve()))
        elif kind == "tech_spec":
            from archsim.techbuild.spec import load_spec

            load_spec(f)
        elif kind == "pcm_inference":
            from archsim.functional.devices.inference_pcm import InferencePCM

            InferencePCM.from_yaml(f)
        else:
            raise ConfigError(f, "kind: expected one of workload, tech, tech_spec, tech_calibration, design, sweep, "
                                 f"pcm_device, pcm_inference (got {short_repr(kind)})")
        print(f"{f}: ok ({kind})")
    return 0


def _cmd_validate(args) -> int:
    from archsim.reports.validation import run_validation

    table, files = run_validation(args.workloads, args.out)
    pred = table[(table.label == "predicted") & (table.case != "components")]
    counts = ", ".join(f"{k} {v}" for k, v in table.label.value_counts().items())
    print(f"{len(table)} cells ({counts}); {len(pred)} independent predictions, "
          f"{(pred.rel_error.abs() <= 0.30).sum()} within 30 %, largest error {pred.rel_error.abs().max() * 100:.1f} %")
    print(f"wrote {', '.join(str(f) for f in files)}")
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


def _cmd_import(args) -> int:
    from archsim.importers import import_onnx, slug, write_workload
    from archsim.importers.summary import describe

    out = args.out or Path(f"{slug(args.model.stem)}.yaml")
    if args.inference and args.weights is None:
        raise ConfigError("command line", "--inference needs --weights FILE.npz (the weights it programs)")
    imported = import_onnx(args.model, name=args.name)
    files = write_workload(imported, out, weights=args.weights, name=args.name, mode=args.mode,
                           inference=args.inference)
    print(describe(imported))
    print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _cmd_tech(args) -> int:
    from archsim.techbuild import ComponentsUnavailable

    try:
        if args.tech_command == "build":
            from archsim.techbuild.build import build_to_file

            doc = build_to_file(args.spec, args.out, progress=not args.quiet, reuse=args.reuse)
            n_grid = sum(len(g["rows"]) for g in doc["grids"].values())
            print(f"{args.out}: {len(doc['primitives'])} primitives, {len(doc['grids'])} grids ({n_grid} points), "
                  f"hwcomponents {doc['packages']['hwcomponents']}")
        elif args.tech_command == "calibrate":
            from archsim.techbuild.build import apply_calibration

            doc = apply_calibration(args.tech, args.calibration)
            print(f"{args.tech}: calibration from {doc['generated_by']['calibration']}: "
                  + ", ".join(f"{k} {v['value']:.4g}" for k, v in doc["calibration"].items()))
        elif args.tech_command == "setup":
            from archsim.techbuild import require_components
            from archsim.techbuild.binaries import ensure_binaries

            require_components()
            print(", ".join(f"{k}: {v}" for k, v in ensure_binaries().items()))
        else:
            from archsim.techbuild.models import MODELS

            for m in MODELS.values():
                params = ", ".join(f"{k}{'' if f.is_required() else '?'}" for k, f in m.Params.model_fields.items())
                print(f"{m.name:<22} {m.cls:<40} actions: {', '.join(m.actions):<12} params: {params}")
            print("plugin                 any hwcomponents ComponentModel: plugin_class: package.module:Class, "
                  "actions: [...], params: its own arguments")
    except ComponentsUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


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
                   help="data folder: a data set's own folder or a root holding mnist/, fashion-mnist/, "
                        "cifar-10-batches-bin/ (default: $ARCHSIM_DATA, then the user cache)")
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
    s.add_argument("--max-points", type=int, default=None, metavar="N",
                   help="largest sweep to accept, counted from the axes before anything is built "
                        "(default: 100,000)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=_cmd_sweep)

    c = sub.add_parser("check", help="validate YAML files without running anything",
                       description="Validate workload, tech, design, sweep or PCM device YAMLs; prints one line "
                                   "per problem "
                                   "(file: key: what is allowed) and exits 2 on any problem.")
    c.add_argument("files", nargs="+", type=Path, help="YAML files to check")
    c.set_defaults(func=_cmd_check)

    m = sub.add_parser("import", help="import an ONNX model as a workload YAML (and its trained weights as .npz)",
                       description="Convert an ONNX model (Conv, Gemm/MatMul, pools, batch norm, activations, "
                                   "residual Add, Flatten) into a workload YAML whose network: equals the model's "
                                   "layers, on the built-in designs and technology; optionally write its trained "
                                   "weights in the layout the inference study programs onto PCM.")
    m.add_argument("model", type=Path, help="ONNX model file")
    m.add_argument("-o", "--out", type=Path, default=None, help="workload YAML to write (default: <model>.yaml)")
    m.add_argument("--weights", type=Path, default=None, help="also write the trained weights to this .npz")
    m.add_argument("--inference", action="store_true",
                   help="add an inference: section that programs these weights onto PCM (needs --weights)")
    m.add_argument("--name", default=None, help="workload and network name (default: from the output file)")
    m.add_argument("--mode", choices=["infer", "train"], default="infer", help="workload mode (default infer)")
    m.set_defaults(func=_cmd_import)

    v = sub.add_parser("validate", help="run every reference case and write validation.csv/.md/.png",
                       description="Run the validation suite: the reference table and text figures of the "
                                   "mixed-precision paper (workloads/mlp_mnist_train.yaml), the HERMES core and "
                                   "the 64-core chip's core (hermes_core.yaml, core64_core.yaml), and every "
                                   "tech-file primitive against its component model. Each cell is labelled "
                                   "calibrated, dependent or predicted by perturbing the fitted parameters.")
    v.add_argument("--out", type=Path, default=Path("reports/validation"),
                   help="output folder (default: reports/validation/)")
    v.add_argument("--workloads", type=Path, default=Path("workloads"),
                   help="folder holding the validation workloads (default: ./workloads)")
    v.set_defaults(func=_cmd_validate)

    d = sub.add_parser("designs", help="list the built-in designs (and print one in full)",
                       description="List built-in designs; --show NAME prints every field of one, i.e. "
                                   "everything a workload can override.")
    d.add_argument("--show", metavar="NAME", default=None, help="print all fields of one built-in design")
    d.set_defaults(func=_cmd_designs)

    t = sub.add_parser("tech", help="component models: build a tech file from a spec (needs archsim[components])",
                       description="Price primitives with the field's component models (hwcomponents: CACTI, "
                                   "the ADC survey model, NeuroSim, the logic library). Needs the optional extra "
                                   "archsim[components] on Python >= 3.12.")
    tsub = t.add_subparsers(dest="tech_command", required=True, metavar="TECH_COMMAND",
                            help="build: evaluate a spec; calibrate: copy calibration factors into a tech file; "
                                 "setup: make CACTI/NeuroSim run here; models: list models")
    tb = tsub.add_parser("build", help="evaluate a spec (kind: tech_spec) into a generated tech file",
                         description="Evaluate every primitive and grid of a spec with its named model and write "
                                     "the generated tech file (kind: tech_components); each number records its "
                                     "model, package version, parameters and node scaling.")
    tb.add_argument("spec", type=Path, help="spec YAML (kind: tech_spec), e.g. tech/14lpp.spec.yaml")
    tb.add_argument("-o", "--out", type=Path, required=True, help="output YAML, e.g. tech/14lpp.yaml")
    tb.add_argument("--reuse", type=Path, default=None, metavar="FILE",
                    help="an earlier generated file: copy its values for every entry whose model, parameters and "
                         "package version are unchanged (e.g. after changing only the calibration)")
    tb.add_argument("--quiet", action="store_true", help="no progress bar")
    tc = tsub.add_parser("calibrate", help="copy a calibration file's factors into a generated tech file",
                         description="Rewrite the calibration: section of a generated tech file from its calibration "
                                     "file (kind: tech_calibration) without re-evaluating any model; needs no "
                                     "component models (benchmarks/calibrate_table1.py runs it after a fit).")
    tc.add_argument("tech", type=Path, help="generated tech file, e.g. tech/14lpp.yaml")
    tc.add_argument("--calibration", type=Path, default=None,
                    help="calibration file (default: the one named under the tech file's generated_by)")
    tsub.add_parser("setup", help="check the CACTI/NeuroSim programs and rebuild them from source if needed",
                    description="Probe the CACTI and NeuroSim executables shipped in the hwcomponents wheels and "
                                "rebuild any that does not run here from the shipped sources with make "
                                "(`tech build` does this on its own).")
    tsub.add_parser("models", help="list the models a spec can name, with their parameters (? = optional)",
                    description="List the component models a spec can name: class, actions and parameters "
                                "(? marks optional ones).")
    t.set_defaults(func=_cmd_tech)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}".replace("\n", "\nerror: "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # the environment (a file that cannot be read, a full disk): one line, no traceback
        from archsim.reports.io import describe

        where = f"{clip(str(exc.filename))}: " if exc.filename else ""
        print(f"error: {where}{describe(exc) if not where else exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        hint = {"run": "finished epochs are checkpointed: rerun with --resume to continue",
                "sweep": "finished points are kept: rerun the same command to continue"}.get(args.command, "")
        print(f"\ninterrupted; {hint}".rstrip("; "), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
