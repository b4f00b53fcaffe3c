"""Entry point of a functional training run: train every requested algorithm × seed on the
workload's network and dataset, study drift of the crossbar-trained networks, write accuracy.csv /
updates.csv / drift.csv (+ updates_ratio.csv and plots), and return the per-image update statistics
that drive the discrete-event estimator."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from archsim.config.errors import ConfigError, Problem
from archsim.config.shapes import weighted_layers
from archsim.config.workload import resolve
from archsim.functional.checkpoint import Checkpoint
from archsim.functional.crossbar.analog import ReadIO
from archsim.functional.crossbar.quantize import ROUNDING_CODES
from archsim.functional.crossbar.update import MODE_ONE_DEVICE
from archsim.functional.data import check_network, cropped, expected, load_run_data
from archsim.functional.design_models import DesignModel, design_model
from archsim.functional.devices import load_device
from archsim.functional.drift import accuracy_over_time, drifting_layers, reestimate_batchnorm
from archsim.functional.hardware_link import crossbar_link
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.plots import plot_accuracy, plot_drift, plot_updates
from archsim.functional.training.crossbar import MODES, CrossbarSettings, CrossbarTrainer
from archsim.functional.training.digital import DigitalSettings, DigitalTrainer, UnsupportedNetwork
from archsim.functional.training.loop import run_training
from archsim.functional.training.optim import Schedule
from archsim.functional.training.software import SoftwareSGD
from archsim.functional.training.strategy import PURPOSE_DRIFT, TrainSettings
from archsim.io import checkpoint_dir, write_csv
from archsim.trace.stats import LayerUpdateStats

ACCURACY_COLUMNS = ["algorithm", "seed", "epoch", "train_acc", "test_acc", "device_pulses", "nonzero_updates",
                    "chi_reads", "chi_writes", "refreshes", "images_per_s"]
DRIFT_COLUMNS = ["algorithm", "seed", "t_s", "compensation", "test_acc", "gdc_scale_mean"]
#: measured per-layer columns that become LayerUpdateStats fields (those the trace defines)
STATS_FIELDS = ("x_nonzero", "d_nonzero", "nonzero_updates", "set_pulses", "reset_pulses", "refresh_reads",
                "refresh_set_pulses", "chi_reads", "chi_writes", "refreshes")
#: functional keys that do not change checkpointed training results (read after training, or bookkeeping)
NOT_IN_FINGERPRINT = {"algorithms", "seeds", "data_dir", "checkpoint", "drift_times_s", "drift_compensations",
                      "gdc_readout", "calibration_images", "reference_drifts", "design_models"}
#: keys only crossbar algorithms read
CROSSBAR_ONLY = {"device", "learning_rate", "epsilon", "epsilon_g_us", "epsilon_reset", "reference_g_us",
                 "init_g_mean_us", "init_g_std_us", "init_pulse_count", "max_pulses_per_update",
                 "refresh_interval_images", "refresh_threshold_us", "refresh_tolerance_us", "refresh_max_pulses",
                 "refresh_read_averages",
                 "update_bits", "update_rounding", "design", "read_noise", "dac_bits", "adc_bits",
                 "adc_range_forward_us", "adc_range_backward_us", "out_noise_us", "precision", "fused",
                 # training physics of issue 12
                 "update_rounding_error", "update_rounding_output_error", "update_scale_shift",
                 "update_scale_shift_error", "update_scale_shift_output_error", "direct_rounding",
                 "refresh_lower_threshold_us", "refresh_reset", "xbar_slots", "xbar_reset_fraction"}
#: keys added after checkpoints were written: left out of the fingerprint at their default (the behaviour
#: before the key existed), so those checkpoints still resume
LATE_DEFAULTS = {"refresh_read_averages": 1}
#: the device file's location and name (its stem): recorded but not compared where the device's content is
#: fingerprinted (crossbar algorithms), so a moved checkout or a copied or renamed device YAML still resumes
LOCATION_KEYS = frozenset({"functional.device", "device.name"})
FP_ONLY = {"fp_learning_rate", "fp_init_scale", "weight_decay"}
DIGITAL_ONLY = {"fixed_int_bits"}


@dataclass
class FunctionalSummary:
    """Results of run_functional (also written to out_dir)."""

    accuracy: pd.DataFrame
    updates: pd.DataFrame
    drift: pd.DataFrame
    update_stats: dict[str, LayerUpdateStats]
    final_test_acc: dict[str, float]
    out_dir: Path
    ratios: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    mean_conductance_us: dict[str, float] = dataclasses.field(default_factory=dict)  # per layer, over the run
    optimizer: str = "sgd"  # 'momentum': the χ unit also keeps a dense velocity (read-modify-write per batch)
    #: per workload design, its own functional model's result (design_results): model, run label,
    #: test_acc mean/std over seeds, update_stats and mean_conductance_us of that run (all seeds), note
    designs: dict[str, dict] = dataclasses.field(default_factory=dict)


def _per_layer(value, n: int, key: str, path: Path) -> list[float]:
    vals = value if isinstance(value, list) else [value] * n
    if len(vals) != n:
        raise ConfigError(path, f"functional.{key}: give one value or {n} (one per weighted layer), got {len(vals)}")
    return [float(v) for v in vals]


def fan_ins(network) -> list[int]:
    """Fan-in (rows without the bias row) of every weighted layer."""
    return [s.rows - int(getattr(c, "bias", False)) for s, c in zip(weighted_layers(network), _weighted_cfgs(network.layers))]


def _weighted_cfgs(layers) -> list:
    out = []
    for layer in layers:
        if layer.type in ("dense", "conv2d"):
            out.append(layer)
        elif layer.type == "residual":
            out += _weighted_cfgs(layer.body) + _weighted_cfgs(layer.shortcut)
    return out


def _check_network(network, path: Path) -> None:
    last = weighted_layers(network)[-1]
    if last.activation not in ("softmax", "none"):
        raise ConfigError(path, [Problem("network.layers", f"the last weighted layer feeds the cross-entropy loss: "
                                                           f"activation softmax or none, got '{last.activation}'")])


def layer_epsilons(cfg, fan_ins: list[int], path: Path, devices_per_sign: int = 1) -> tuple[float, ...]:
    """ε per weighted layer: as configured, or (epsilon_rule he) ε_l = β_l·ΔG with β_l chosen so that the
    initial spread of a weight's conductance sum Σ_k (G⁺_k − G⁻_k), √(2N)·init_g_std_us for N devices per
    sign, maps to he_fraction·√(2/fan_in_l) (so N devices per sign give √N finer pulses at the same
    initial weights, and √N more range)."""
    if cfg.epsilon_rule == "fixed":
        return tuple(_per_layer(cfg.epsilon, len(fan_ins), "epsilon", path))
    spread_us = np.sqrt(2.0 * devices_per_sign) * cfg.init_g_std_us
    if spread_us <= 0:
        raise ConfigError(path, [Problem("functional.epsilon_rule", "he needs init_g_std_us > 0")])
    return tuple(float(cfg.he_fraction * np.sqrt(2.0 / f) / spread_us * cfg.epsilon_g_us) for f in fan_ins)


def update_rounding(cfg) -> dict:
    """Rounding codes and scale offsets of x, hidden-layer δ and output-layer δ: each key defaults to the
    previous one (update_rounding → update_rounding_error → update_rounding_output_error)."""
    round_d = cfg.update_rounding_error or cfg.update_rounding
    shift_d = cfg.update_scale_shift if cfg.update_scale_shift_error is None else cfg.update_scale_shift_error
    return {"round_x": ROUNDING_CODES[cfg.update_rounding], "round_d": ROUNDING_CODES[round_d],
            "round_d_out": ROUNDING_CODES[cfg.update_rounding_output_error or round_d],
            "shift_x": cfg.update_scale_shift, "shift_d": shift_d,
            "shift_d_out": shift_d if cfg.update_scale_shift_output_error is None
            else cfg.update_scale_shift_output_error}


def _check_crossbar_compatible(cfg, network, path: Path) -> None:
    """crossbar_compatible programs coincidences image by image on dense layers."""
    if "crossbar_compatible" not in cfg.algorithms:
        return
    problems = []
    if cfg.batch_size != 1 or cfg.momentum:
        problems.append(Problem("functional.batch_size", f"crossbar_compatible updates image by image: needs "
                                                         f"batch_size 1 and momentum 0 (got {cfg.batch_size}, "
                                                         f"{cfg.momentum})"))
    convs = [c.type for c in _weighted_cfgs(network.layers) if c.type != "dense"]
    if convs:
        problems.append(Problem("network.layers", f"crossbar_compatible trains dense layers only; got {convs[0]}"))
    if problems:
        raise ConfigError(path, problems)


def _check_devices_per_sign(cfg, link, path: Path) -> None:
    """Multi-device cells (N devices per sign) train with mca and direct only: the other rules program one
    device pair (or one device and its reference) per weight."""
    single = [a for a in cfg.algorithms if a in ("mca_one_device", "crossbar_compatible")]
    if link.devices_per_sign > 1 and single:
        raise ConfigError(path, [Problem("functional.algorithms", f"design '{link.design}' has "
                                         f"{2 * link.devices_per_sign} devices per weight, which {single[0]} cannot "
                                         "program; allowed with devices_per_weight > 2: mca, direct, fp32, fp64")])


def crossbar_settings(cfg, link, network, path: Path) -> CrossbarSettings:
    """Resolved crossbar settings of `network`: the functional keys, with converter bits and tiles from the
    design and ε per layer."""
    fans = fan_ins(network)
    n_layers = len(fans)
    dac = link.dac_bits if cfg.dac_bits is None else cfg.dac_bits
    adc = link.adc_bits if cfg.adc_bits is None else cfg.adc_bits
    fwd = _per_layer(cfg.adc_range_forward_us, n_layers, "adc_range_forward_us", path)
    bwd = _per_layer(cfg.adc_range_backward_us, n_layers, "adc_range_backward_us", path)
    eps_reset = None if cfg.epsilon_reset is None else tuple(
        _per_layer(cfg.epsilon_reset, n_layers, "epsilon_reset", path))
    eps = layer_epsilons(cfg, fans, path, link.devices_per_sign)
    return CrossbarSettings(
        epsilon=eps, epsilon_g_us=cfg.epsilon_g_us,
        epsilon_reset=eps_reset,
        reference_g_us=cfg.reference_g_us, init_g_mean_us=cfg.init_g_mean_us, init_g_std_us=cfg.init_g_std_us,
        init_pulse_count=cfg.init_pulse_count, max_pulses_per_update=cfg.max_pulses_per_update,
        refresh_interval_images=cfg.refresh_interval_images, refresh_threshold_us=cfg.refresh_threshold_us,
        refresh_tolerance_us=cfg.refresh_tolerance_us, refresh_max_pulses=cfg.refresh_max_pulses,
        refresh_read_averages=cfg.refresh_read_averages,
        refresh_lower_threshold_us=cfg.refresh_lower_threshold_us, refresh_pulsed=cfg.refresh_reset == "pulses",
        update_bits=cfg.update_bits, **update_rounding(cfg), direct_stochastic=cfg.direct_rounding == "stochastic",
        xbar_slots=cfg.xbar_slots, xbar_reset_fraction=cfg.xbar_reset_fraction, read_noise=cfg.read_noise,
        forward_io=tuple(ReadIO(dac, adc, r, cfg.out_noise_us) for r in fwd),
        backward_io=tuple(ReadIO(dac, adc, r, cfg.out_noise_us) for r in bwd),
        tile_rows=link.tile_rows, tile_cols=link.tile_cols, devices_per_sign=link.devices_per_sign, fused=cfg.fused)


def train_settings(cfg, algorithm: str) -> TrainSettings:
    """η: learning_rate for χ-accumulating trainers (crossbars, chi_digital), fp_learning_rate for SGD."""
    chi = algorithm in MODES or algorithm == "chi_digital"
    lr = cfg.learning_rate if chi else (cfg.fp_learning_rate or cfg.learning_rate)
    schedule = Schedule(lr, cfg.lr_schedule, cfg.lr_decay, cfg.lr_step_epochs, cfg.lr_gamma, cfg.epochs)
    return TrainSettings(cfg.epochs, schedule, cfg.batch_size, cfg.momentum, cfg.weight_decay, cfg.eval_batch_size)


def make_trainer(workload, algorithm: str, seed: int, cb: CrossbarSettings | None, device,
                 digital: DigitalSettings | None = None, label: str | None = None):
    """A fresh network for (algorithm, seed) and its trainer (a digital design's model when `digital`:
    algorithm fixed_point | chi_digital, `device` the ideal device, `label` the run's name)."""
    cfg = workload.functional
    settings = train_settings(cfg, algorithm)
    if digital is not None:
        net = FunctionalNetwork(workload.network, seed=seed, dtype=np.float64, init_gain=cfg.fp_init_scale)
        return DigitalTrainer(net, settings, digital, device, label or algorithm)
    if algorithm in MODES:
        net = FunctionalNetwork(workload.network, seed=seed, dtype=np.dtype(cfg.precision))
        return CrossbarTrainer(net, settings, algorithm, cb, device)
    net = FunctionalNetwork(workload.network, seed=seed, dtype=np.float32 if algorithm == "fp32" else np.float64,
                            init_gain=cfg.fp_init_scale)
    return SoftwareSGD(net, settings, algorithm)


def _without_late_defaults(d: dict) -> dict:
    return {k: v for k, v in d.items() if not (k in LATE_DEFAULTS and v == LATE_DEFAULTS[k])}


def fingerprint(workload, algorithm: str, seed: int, data, cb: CrossbarSettings | None, device,
                digital: DigitalSettings | None = None) -> dict:
    """Everything that determines a training checkpoint of (algorithm, seed)."""
    cfg = workload.functional
    skip = NOT_IN_FINGERPRINT | (FP_ONLY if algorithm in MODES else CROSSBAR_ONLY) | DIGITAL_ONLY
    if digital is not None:
        skip = NOT_IN_FINGERPRINT  # the digital models read both groups' keys
    if cfg.lr_schedule != "cosine":
        skip = skip | {"epochs"}  # more epochs continue the same run; a cosine schedule depends on the total
    fp = {"network": workload.network.model_dump(mode="json"), "algorithm": algorithm, "seed": seed,
          "functional": _without_late_defaults({k: v for k, v in cfg.model_dump(mode="json").items() if k not in skip}),
          "data": {"dataset": data.name, "train_images": len(data.x_train), "test_images": len(data.x_test)}}
    if digital is not None:
        fp["digital"] = dataclasses.asdict(digital)
    if cb is not None:
        fp["crossbar"] = _without_late_defaults(dataclasses.asdict(cb))
        fp["device"] = {"name": device.name, "kind": device.kind, "params": device.params.tolist(),
                        "tables": [device.g_edges_us, device.dg_grid_us, device.set_cdf, device.reset_cdf]}
    return fp


def layer_update_stats(updates: pd.DataFrame, algorithm: str, seed: int | None,
                       positions: dict[str, int] | None = None) -> dict[str, LayerUpdateStats]:
    """Per-training-image averages over the whole run of one (algorithm, seed; None: all seeds), per layer (the fields the
    trace's LayerUpdateStats has). x_nonzero and d_nonzero are per position (the measured sums over an
    image's conv positions divided by `positions`, the layer's MVMs per image); nonzero_updates, pulses
    and χ accesses are per image (pulses of a batch / batch size)."""
    fields = {f.name for f in dataclasses.fields(LayerUpdateStats)}
    df = updates[(updates["algorithm"] == algorithm) & ((updates["seed"] == seed) if seed is not None else True)]
    out = {}
    for layer, g in df.groupby("layer", sort=False):
        images = g["images"].sum()
        per = {f: float(g[f].sum() / images) for f in STATS_FIELDS if f in fields}
        for f in ("x_nonzero", "d_nonzero"):
            per[f] /= (positions or {}).get(layer, 1)
        out[layer] = LayerUpdateStats(**per)
    return out


def mean_conductance(updates: pd.DataFrame, algorithm: str, seed: int | None) -> dict[str, float]:
    """Per layer: the mean device conductance (µS) of one (algorithm, seed; None: all seeds), averaged over
    its epochs."""
    df = updates[(updates["algorithm"] == algorithm) & ((updates["seed"] == seed) if seed is not None else True)]
    if "mean_g_us" not in df.columns:
        return {}
    return {layer: float(g["mean_g_us"].mean()) for layer, g in df.groupby("layer", sort=False)}


def update_ratios(updates: pd.DataFrame) -> pd.DataFrame:
    """Per layer: FP weight writes per epoch / device pulses per epoch of each crossbar algorithm (means over
    seeds and epochs)."""
    df = updates.assign(pulses=updates["set_pulses"] + updates["reset_pulses"] + updates["refresh_set_pulses"])
    per_epoch = df.groupby(["algorithm", "layer"], sort=False)["pulses"].mean()
    fp = [a for a in ("fp32", "fp64") if a in set(df["algorithm"])]
    rows = []
    if not fp:
        return pd.DataFrame(rows)
    for (alg, layer), pulses in per_epoch.items():
        if alg in MODES:
            writes = per_epoch[(fp[0], layer)]
            rows.append({"layer": layer, "algorithm": alg, "device_pulses_per_epoch": pulses,
                         f"{fp[0]}_weight_writes_per_epoch": writes,
                         "ratio_fp_writes_to_pulses": writes / pulses if pulses else float("inf")})
    return pd.DataFrame(rows)


def run_functional(workload, workload_path: Path, out_dir: Path, *, checkpoints: Path | None = None,
                   resume: bool = False, data_dir: Path | None = None, progress: bool = True,
                   designs=None) -> FunctionalSummary:
    """Train, evaluate and study drift for workload.functional; write results atomically into out_dir
    (checkpoints into `checkpoints`, default checkpoint_dir(out_dir))."""
    workload_path, out_dir = Path(workload_path), Path(out_dir)
    checkpoints = Path(checkpoints) if checkpoints is not None else checkpoint_dir(out_dir)
    cfg = workload.functional
    if cfg is None:
        raise ConfigError(workload_path, "functional: section missing (needed for trace source 'functional')")
    _check_network(workload.network, workload_path)
    shape, classes = expected(cfg.dataset)
    check_network(cfg.dataset, cropped(shape, cfg.input_crop), classes, workload.network, workload_path)
    link = crossbar_link(workload, workload_path, cfg.design, designs)
    crossbar = [a for a in cfg.algorithms if a in MODES]
    _check_crossbar_compatible(cfg, workload.network, workload_path)
    _check_devices_per_sign(cfg, link, workload_path)
    cb = crossbar_settings(cfg, link, workload.network, workload_path) if crossbar else None
    runs, models = plan_runs(workload, workload_path, designs, link, cb)
    if data_dir is None and cfg.data_dir is not None:
        data_dir = resolve(workload_path, cfg.data_dir)
    data = load_run_data(cfg.dataset, data_dir, cfg.train_images, cfg.test_images, workload.network, workload_path,
                         progress=progress, crop=cfg.input_crop)
    device = load_device(cfg.device, workload_path) if any(r.cb is not None for r in runs) else None
    ideal = load_device("ideal") if any(r.digital is not None for r in runs) else None
    calibration = data.x_train[np.random.default_rng(99).permutation(len(data.x_train))[:cfg.calibration_images]]
    epochs, layers, drift = [], [], []
    notes: dict[str, str] = {}
    for run in runs:
        for seed in cfg.seeds:
            dev = ideal if run.digital is not None else device
            try:
                trainer = make_trainer(workload, run.algorithm, seed, run.cb, dev, run.digital, run.label)
            except UnsupportedNetwork as exc:
                notes[run.label] = f"no functional model yet: {exc}"
                break
            ckpt = None
            if cfg.checkpoint:
                ckpt = Checkpoint(checkpoints / f"{run.label}_seed{seed}.npz",
                                  fingerprint(workload, run.algorithm, seed, data, run.cb, dev, run.digital),
                                  ignored=LOCATION_KEYS if run.cb is not None else frozenset())
            result = run_training(trainer, data.arrays(), seed=seed, epochs=cfg.epochs, checkpoint=ckpt,
                                  resume=resume, progress=progress)
            epochs += [{**row, "algorithm": run.label} for row in result.epochs]
            layers += [{**row, "algorithm": run.label} for row in result.layers]
            if run.cb is not None and run.design is None:
                drift += _drift(trainer, data, seed, cfg, device, calibration)
            _write(out_dir, epochs, layers, drift)
    accuracy, updates, drift_df = _write(out_dir, epochs, layers, drift)
    ratios = update_ratios(updates)
    if not ratios.empty:
        write_csv(ratios, out_dir / "updates_ratio.csv")
    if not drift_df.empty:
        plot_drift(drift_df, out_dir / "drift.png")
    plot_updates(updates, out_dir / "updates_per_epoch.png")
    plot_accuracy(accuracy, out_dir / "accuracy.png")
    stats_alg = next((a for a in ("mca", *crossbar) if a in cfg.algorithms), None)
    positions = {s.name: s.mvms for s in weighted_layers(workload.network)}
    update_stats = layer_update_stats(updates, stats_alg, cfg.seeds[0], positions) if stats_alg else {}
    conductance = mean_conductance(updates, stats_alg, cfg.seeds[0]) if stats_alg else {}
    last = accuracy[accuracy["epoch"] == cfg.epochs]
    final = {a: float(g["test_acc"].mean()) for a, g in last.groupby("algorithm", sort=False)}
    per_design = design_results(models, last, updates, positions, notes, cfg.seeds)
    if stats_alg is None:   # no crossbar algorithm: the trace follows the first design run (MCA first)
        first = sorted((r for r in per_design.values() if r["update_stats"]), key=lambda r: r["kind"] != "mca")
        if first:
            update_stats, conductance = first[0]["update_stats"], first[0]["mean_conductance_us"]
    if per_design:
        write_csv(design_table(per_design), out_dir / "design_accuracy.csv")
    return FunctionalSummary(accuracy, updates, drift_df, update_stats, final, out_dir, ratios, conductance,
                             "momentum" if cfg.momentum else "sgd", per_design)


@dataclass(frozen=True)
class PlannedRun:
    """One trained model: its label in accuracy.csv, its trainer kind and settings, its design (None: an
    algorithm of functional.algorithms)."""

    label: str
    algorithm: str
    cb: CrossbarSettings | None = None
    digital: DigitalSettings | None = None
    design: str | None = None


def _workload_designs(workload, workload_path: Path) -> list:
    from archsim.config.design import build_design
    from archsim.config.workload import DesignRef

    return [build_design(r.base, r.name, r.overrides, workload_path, key=f"designs.{i}") if isinstance(r, DesignRef)
            else build_design(r, workload_file=workload_path, key=f"designs.{i}") for i, r in enumerate(workload.designs)]


def plan_runs(workload, workload_path: Path, designs, link, cb) -> tuple[list[PlannedRun], list[tuple[DesignModel, str]]]:
    """The algorithm runs, then one run per design with its own functional model (functional.design_models);
    a design whose model is an algorithm run already planned (the MCA crossbars with the same settings)
    reuses it. Returns (runs, [(design model, run label)])."""
    cfg = workload.functional
    runs = [PlannedRun(a, a, cb if a in MODES else None) for a in cfg.algorithms]
    models: list[tuple[DesignModel, str]] = []
    if not (cfg.design_models and workload.mode == "train"):
        return runs, models
    if designs is None:
        designs = _workload_designs(workload, workload_path)
    eps = layer_epsilons(cfg, fan_ins(workload.network), workload_path)
    labels = {r.label for r in runs}
    for d in designs:
        m = design_model(d, workload, workload_path, eps)
        cb_d = crossbar_settings(cfg, m.link, workload.network, workload_path) if m.kind == "mca" else None
        same = next((r for r in runs if r.algorithm == "mca" and r.cb is not None and r.cb == cb_d), None)
        if same is not None:
            models.append((m, same.label))
            continue
        label = d.name if d.name not in labels else f"design_{d.name}"
        labels.add(label)
        runs.append(PlannedRun(label, "mca" if m.kind == "mca" else m.kind, cb_d, m.digital, d.name))
        models.append((m, label))
    return runs, models


def design_results(models, last: pd.DataFrame, updates: pd.DataFrame, positions: dict[str, int],
                   notes: dict[str, str], seeds: list[int]) -> dict[str, dict]:
    """Per design: its model, run label, final test accuracy mean and std (over seeds, ddof 1) and the
    update statistics and conductances of the same run (averaged over all its seeds and epochs)."""
    out = {}
    for m, label in models:
        acc = last.loc[last["algorithm"] == label, "test_acc"]
        ok = label not in notes and len(acc) > 0
        out[m.design] = {
            "model": m.describe(), "kind": m.kind, "label": label, "seeds": len(acc),
            "test_acc_mean": float(acc.mean()) if ok else float("nan"),
            "test_acc_std": float(acc.std(ddof=1)) if ok and len(acc) > 1 else 0.0 if ok else float("nan"),
            "update_stats": layer_update_stats(updates, label, None, positions) if ok else None,
            "mean_conductance_us": mean_conductance(updates, label, None) if ok and m.kind == "mca" else {},
            "note": notes.get(label, ""),
        }
    return out


def design_table(per_design: dict[str, dict]) -> pd.DataFrame:
    """design_accuracy.csv: one row per design."""
    return pd.DataFrame([{"design": d, "functional_model": r["model"], "run": r["label"], "seeds": r["seeds"],
                          "test_acc_mean": r["test_acc_mean"], "test_acc_std": r["test_acc_std"], "note": r["note"]}
                         for d, r in per_design.items()])


def _drift(trainer: CrossbarTrainer, data, seed: int, cfg, device, calibration) -> list[dict]:
    """Accuracy after 1 s … 1 month of drift of the trained crossbars (functional/drift.py)."""
    rng = np.random.default_rng([seed, PURPOSE_DRIFT])
    fixed_ref = trainer.mode == MODE_ONE_DEVICE and not cfg.reference_drifts
    arrays = {name: layer.array for name, layer in trainer.network.weighted.items()}
    layers = drifting_layers(arrays, device, rng, fixed_minus=fixed_ref)
    x, y = data.x_test, data.y_test
    evaluate = lambda k: trainer.test_correct(x, y, seed, k, PURPOSE_DRIFT) / len(x)  # noqa: E731
    recal = (lambda: reestimate_batchnorm(trainer.network, calibration, cfg.eval_batch_size)) \
        if trainer.network.batchnorms else None
    comps = [c for c in cfg.drift_compensations if c != "bn_reestimate" or recal is not None]
    rows = accuracy_over_time(layers, device, cfg.drift_times_s, comps, cfg.gdc_readout, evaluate, rng, recal)
    return [{"algorithm": trainer.algorithm, "seed": seed, **r} for r in rows]


def _write(out_dir: Path, epochs: list[dict], layers: list[dict], drift: list[dict]):
    accuracy = pd.DataFrame(epochs)
    accuracy = accuracy[ACCURACY_COLUMNS + [c for c in accuracy.columns if c not in ACCURACY_COLUMNS]]
    updates = pd.DataFrame(layers)
    drift_df = pd.DataFrame(drift, columns=DRIFT_COLUMNS)
    write_csv(accuracy, out_dir / "accuracy.csv")
    write_csv(updates, out_dir / "updates.csv")
    write_csv(drift_df, out_dir / "drift.csv")
    return accuracy, updates, drift_df
