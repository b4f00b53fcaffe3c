"""Entry point of the functional inference study, called by `archsim run` when a workload has an
`inference:` section: FP32 training → hardware-aware retraining (the engine's software trainers) →
programming onto PCM by program-and-verify → accuracy vs time through crossbar reads with the
design's converters (functional/drift.py: none / global / BN re-estimation), with per-layer
programming counts.

Writes to out_dir (atomically): accuracy_vs_time.csv/.png, training.csv, programming.csv, and
checkpoints/ (per-epoch training state, final weights .npz, per-model study results) for `--resume`.
"""

from __future__ import annotations

import dataclasses
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from archsim.config.errors import ConfigError, Problem
from archsim.config.inference import InferenceStudyConfig
from archsim.config.shapes import weighted_layers
from archsim.config.workload import resolve
from archsim.functional.checkpoint import Checkpoint
from archsim.functional.crossbar.analog import AnalogArray, ReadIO
from archsim.functional.crossbar.normal import NoiseStream
from archsim.functional.data import check_network, expected, load_run_data
from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
from archsim.functional.drift import DriftingLayer, accuracy_over_time, reestimate_batchnorm
from archsim.functional.hardware_link import crossbar_link
from archsim.functional.inference.mapping import ProgrammedLayer, program_layer
from archsim.functional.inference.outputs import plot_accuracy_vs_time
from archsim.functional.inference.stats import ProgrammingStats
from archsim.functional.layers import FunctionalNetwork
from archsim.functional.training.loop import run_training
from archsim.functional.training.optim import Schedule
from archsim.functional.training.software import HardwareAware, SoftwareSGD
from archsim.functional.training.strategy import TrainSettings, count_correct
from archsim.functional.weights_io import load_weights, save_weights
from archsim.io import checkpoint_dir, write_csv

MODEL_IDS = {"fp32_direct": 0, "hwa": 1}
TRAINING_COLUMNS = ["phase", "epoch", "lr", "train_loss", "train_acc", "test_acc", "images_per_s"]


@dataclass
class InferenceSummary:
    """What the estimator needs from the functional study (accuracies as fractions 0–1)."""

    accuracy_vs_time: pd.DataFrame
    fp32_test_acc: float
    programming: dict[str, ProgrammingStats]
    calibration_columns: dict[str, int]
    hwa_fp32_test_acc: float | None = None
    training: pd.DataFrame = field(default_factory=pd.DataFrame)
    out_dir: Path | None = None
    mean_conductance_us: dict[str, float] = field(default_factory=dict)  # per layer, programmed pairs at t0


def _imported_weights(model, path: Path, workload_path: Path) -> None:
    """inference.weights: trained weights instead of software training (no training history)."""
    if not path.is_file():
        raise ConfigError(workload_path, [Problem("inference.weights", f"file not found ({path})")])
    try:
        load_weights(model, path)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ConfigError(path, [Problem("inference.weights", f"not usable for this network: {exc}")]) from None
    bad = [k for k, v in model.state().items() if not np.isfinite(v).all()]
    if bad:
        raise ConfigError(path, [Problem("inference.weights", f"non-finite values in {', '.join(bad)}")])


def _device_model(cfg: InferenceStudyConfig, workload_path: Path) -> InferencePCM:
    path = default_model_path() if cfg.device_model == "builtin" else resolve(workload_path, cfg.device_model)
    return InferencePCM.from_yaml(path)


def read_io(cfg: InferenceStudyConfig, link) -> ReadIO:
    """The reads' converters in µS: bits from the design unless set, ranges and noise in units of g_max."""
    io = cfg.io
    if io.perfect:
        return ReadIO(0, 0, 1.0, 0.0, False)
    return ReadIO(link.dac_bits if io.dac_bits is None else io.dac_bits,
                  link.adc_bits if io.adc_bits is None else io.adc_bits,
                  io.out_bound * cfg.g_max_us, io.out_noise * cfg.g_max_us, io.bound_management == "iterative")


def _settings(t, epochs: int, eval_batch: int, step_epochs=10, gamma=0.1) -> TrainSettings:
    return TrainSettings(epochs, Schedule(t.lr, t.schedule, 1.0, step_epochs, gamma, epochs), t.batch_size,
                         t.momentum, t.weight_decay, eval_batch)


def _history(result, phase: str) -> pd.DataFrame:
    df = pd.DataFrame(result.epochs).assign(phase=phase)
    return df[TRAINING_COLUMNS]


def _study_fingerprint(base: dict, cfg: InferenceStudyConfig, kind: str, io: ReadIO, tiles, pcm) -> dict:
    keys = ("g_max_us", "program_verify", "times_s", "repeats", "calibration_images", "compensations",
            "gdc_readout", "test_images", "eval_batch_size", "seed")
    dump = cfg.model_dump(mode="json")
    return {**base, "model": kind, "study": {k: dump[k] for k in keys}, "io": dataclasses.asdict(io),
            "tiles": tiles, "device_model": pcm.p.model_dump(mode="json")}


def program_network(model, pcm: InferencePCM, cfg: InferenceStudyConfig, io: ReadIO, tiles,
                    rng: np.random.Generator) -> tuple[dict[str, ProgrammedLayer], dict[str, DriftingLayer]]:
    """Program every weighted layer's clean weights onto PCM and attach crossbar arrays reading them."""
    programmed, drifting = {}, {}
    noise = NoiseStream(int(rng.integers(2**63)))
    for name, layer in model.weighted.items():
        p = program_layer(layer.W, pcm, cfg.g_max_us, cfg.program_verify, rng)
        gp, gm, nup, num = p.pairs()
        array = AnalogArray(gp.copy(), gm.copy(), p.w_per_us, pcm, io, io, False, noise, fan_in=layer.fan_in,
                            tile_rows=tiles[0], tile_cols=tiles[1], dtype=layer.dtype)
        layer.array = array
        programmed[name] = p
        drifting[name] = DriftingLayer(array, gp, gm, nup, num)
    return programmed, drifting


def run_repeats(model, kind: str, pcm: InferencePCM, cfg: InferenceStudyConfig, io: ReadIO, tiles, x_test, y_test,
                x_calibration, progress: bool = True) -> tuple[pd.DataFrame, dict[str, ProgrammedLayer]]:
    """Per-repeat accuracies (model, compensation, t_s, repeat, test_acc, gdc_scale_mean) and the
    repeat-0 programming."""
    rows, first = [], None
    bar = tqdm(total=cfg.repeats, desc=f"{kind} accuracy vs time", disable=not progress, leave=False)
    try:
        for r in range(cfg.repeats):
            rng = np.random.default_rng([cfg.seed, MODEL_IDS[kind], r])
            programmed, drifting = program_network(model, pcm, cfg, io, tiles, rng)
            first = first or programmed
            evaluate = lambda k: count_correct(model, x_test, y_test, cfg.eval_batch_size) / len(x_test)  # noqa: E731
            recal = lambda: reestimate_batchnorm(model, x_calibration, cfg.eval_batch_size)  # noqa: E731
            for row in accuracy_over_time(drifting, pcm, cfg.times_s, list(cfg.compensations), cfg.gdc_readout,
                                          evaluate, rng, recal if model.batchnorms else None):
                rows.append({"model": kind, "repeat": r, **row})
            bar.update()
    finally:
        bar.close()
        model.clear_substitutions()
    return pd.DataFrame(rows), first


def summarise(per_repeat: pd.DataFrame) -> pd.DataFrame:
    """Mean and std (ddof=0) over repeats per (model, compensation, t_s)."""
    g = per_repeat.groupby(["model", "compensation", "t_s"], sort=False)["test_acc"]
    out = g.agg(test_acc_mean="mean", test_acc_std=lambda a: float(np.std(a)), repeats="size").reset_index()
    return out[["model", "compensation", "t_s", "test_acc_mean", "test_acc_std", "repeats"]]


def _programming_table(kind: str, programmed) -> pd.DataFrame:
    """Per layer: programming counts, and the mean device conductance of its pairs at t0 (µS)."""
    return pd.DataFrame([{"model": kind, "layer": name, **p.stats().as_dict(),
                          "mean_g_us": float((p.g_prog_us.mean() + p.g_reset_us.mean()) / 2)}
                         for name, p in programmed.items()])


def run_inference_study(workload, workload_path: Path, out_dir: Path, *, checkpoints: Path | None = None,
                        resume: bool = False, data_dir: Path | None = None, progress: bool = True,
                        designs=None) -> InferenceSummary:
    """Train FP32 and hardware-aware models, program them onto PCM and measure accuracy vs time."""
    workload_path, out_dir = Path(workload_path), Path(out_dir)
    cfg = workload.inference
    if cfg is None:
        raise ConfigError(workload_path, [Problem("inference", "an inference study needs an `inference:` section")])
    check_network(cfg.dataset, *expected(cfg.dataset), workload.network, workload_path)
    pcm = _device_model(cfg, workload_path)
    link = crossbar_link(workload, workload_path, cfg.design, designs, key="inference.design")
    if link.devices_per_sign > 1:
        raise ConfigError(workload_path, [Problem("inference.design", f"design '{link.design}' has "
                                                  f"{2 * link.devices_per_sign} devices per weight; the inference "
                                                  "study programs one differential pair per weight (allowed: "
                                                  "devices_per_weight 1 or 2)")])
    io = read_io(cfg, link)
    tiles = (cfg.array_rows, None) if cfg.array_rows else (link.tile_rows, link.tile_cols)
    if data_dir is None and cfg.data_dir is not None:
        data_dir = resolve(workload_path, cfg.data_dir)
    data = load_run_data(cfg.dataset, data_dir, cfg.training.train_images, cfg.test_images, workload.network,
                         workload_path, section="inference", progress=progress)
    ckpt = Path(checkpoints) if checkpoints is not None else checkpoint_dir(out_dir)
    t, h = cfg.training, cfg.hwa
    base = {"network": workload.network.model_dump(mode="json"), "seed": cfg.seed,
            "data": {"dataset": data.name, "train_images": len(data.x_train), "test_images": len(data.x_test)},
            "training": t.model_dump(mode="json"), "eval_batch_size": cfg.eval_batch_size}

    fp32 = FunctionalNetwork(workload.network, seed=cfg.seed)
    if cfg.weights is not None:
        weights = resolve(workload_path, cfg.weights)
        _imported_weights(fp32, weights, workload_path)
        base["weights"] = fp32.state()  # the imported arrays (hashed) determine everything downstream
        histories = []
    else:
        trainer = SoftwareSGD(fp32, _settings(t, t.epochs, cfg.eval_batch_size, t.step_epochs, t.gamma), "fp32")
        result = run_training(trainer, data.arrays(), seed=cfg.seed, epochs=t.epochs, resume=resume,
                              progress=progress, checkpoint=Checkpoint(ckpt / "fp32_state.npz", {**base, "phase": "fp32"}))
        save_weights(fp32, ckpt / "fp32_weights.npz")
        histories = [_history(result, "fp32")]
    models = {"fp32_direct": fp32}
    if "hwa" in cfg.models:
        hwa = FunctionalNetwork(workload.network, seed=cfg.seed)
        hwa.load_state(fp32.state())
        trainer = HardwareAware(hwa, _settings(h, h.epochs, cfg.eval_batch_size), h.eta_tr, h.alpha)
        result = run_training(trainer, data.arrays(), seed=cfg.seed + 1, epochs=h.epochs, resume=resume,
                              progress=progress, checkpoint=Checkpoint(
                                  ckpt / "hwa_state.npz", {**base, "phase": "hwa", "hwa": h.model_dump(mode="json")}))
        save_weights(hwa, ckpt / "hwa_weights.npz")
        models["hwa"] = hwa
        histories.append(_history(result, "hwa"))
    training = pd.concat(histories, ignore_index=True) if histories else pd.DataFrame(columns=TRAINING_COLUMNS)
    write_csv(training, out_dir / "training.csv")

    calib = data.x_train[np.random.default_rng([cfg.seed, 99]).permutation(len(data.x_train))[:cfg.calibration_images]]
    per_repeat, prog_tables, conductance = [], [], {}
    for kind in cfg.models:
        fp = _study_fingerprint({**base, "hwa": h.model_dump(mode="json")}, cfg, kind, io, tiles, pcm)
        cache = Checkpoint(ckpt / f"study_{kind}.npz", fp)
        if resume and cache.exists():
            _, meta = cache.load()
            acc, prog = pd.DataFrame(meta["accuracy"]), pd.DataFrame(meta["programming"])
        else:
            acc, programmed = run_repeats(models[kind], kind, pcm, cfg, io, tiles, data.x_test, data.y_test, calib,
                                          progress)
            prog = _programming_table(kind, programmed)
            cache.save({}, {"accuracy": acc.to_dict("records"), "programming": prog.to_dict("records")})
        if "mean_g_us" in prog.columns and kind == ("hwa" if "hwa" in cfg.models else cfg.models[0]):
            conductance = dict(zip(prog["layer"], prog["mean_g_us"]))
        per_repeat.append(acc)
        prog_tables.append(prog)
    accuracy = summarise(pd.concat(per_repeat, ignore_index=True))
    programming = pd.concat(prog_tables, ignore_index=True)
    fp32_acc = count_correct(fp32, data.x_test, data.y_test, cfg.eval_batch_size) / len(data.x_test)
    hwa_acc = (count_correct(models["hwa"], data.x_test, data.y_test, cfg.eval_batch_size) / len(data.x_test)
               if "hwa" in models else None)
    write_csv(accuracy, out_dir / "accuracy_vs_time.csv")
    write_csv(programming, out_dir / "programming.csv")
    plot_accuracy_vs_time(accuracy, out_dir / "accuracy_vs_time.png", fp32_acc)

    deployed = "hwa" if "hwa" in cfg.models else cfg.models[0]
    rows = programming[programming["model"] == deployed]
    stats = {r.layer: ProgrammingStats(int(r.devices_programmed), int(r.devices_reset), float(r.mean_iterations),
                                       int(r.max_iterations), float(r.converged_fraction)) for r in rows.itertuples()}
    # global drift compensation reads every column of a layer once (one all-ones MVM over all its rows;
    # row tiles add their partial sums digitally, as in any MVM)
    columns = {s.name: s.cols for s in weighted_layers(workload.network)}
    return InferenceSummary(accuracy, fp32_acc, stats, columns, hwa_acc, training, out_dir, conductance)
