"""Entry point of the functional inference study (issue 4), called by `archsim run` when a
workload has an `inference:` section: FP32 training → hardware-aware retraining → programming
onto PCM → accuracy vs time (none / global / BN re-estimation), with per-layer programming counts.

Writes to out_dir (atomically): accuracy_vs_time.csv/.png, training.csv, programming.csv, and
checkpoints/ (weights .npz, per-epoch training state, per-model study results) for `resume`.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from archsim.config.errors import ConfigError, Problem
from archsim.config.inference import InferenceStudyConfig
from archsim.config.shapes import weighted_layers
from archsim.config.workload import resolve
from archsim.functional.datasets.mnist import load_mnist
from archsim.functional.devices.inference_pcm import InferencePCM, default_model_path
from archsim.functional.inference.outputs import plot_accuracy_vs_time, write_csv
from archsim.functional.inference.stats import ProgrammingStats
from archsim.functional.inference.study import StudyData, run_repeats, summarise
from archsim.functional.layers.network import FunctionalNetwork
from archsim.functional.software.trainer import TrainSettings, evaluate, train
from archsim.functional.software.weights_io import load_weights, save_weights
from archsim.io import checkpoint_dir


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


def _check_network(workload, path: Path) -> None:
    net = workload.network
    problems = []
    if math.prod(net.input_shape) != 784:
        problems.append(Problem("network.input_shape", f"MNIST needs 784 inputs (e.g. [1, 28, 28]); got {net.input_shape}"))
    if weighted_layers(net)[-1].cols != 10:
        problems.append(Problem("network.layers", "the last weighted layer must have 10 outputs (MNIST classes)"))
    if problems:
        raise ConfigError(path, problems)


def _device_model(cfg: InferenceStudyConfig, workload_path: Path) -> InferencePCM:
    path = default_model_path() if cfg.device_model == "builtin" else resolve(workload_path, cfg.device_model)
    return InferencePCM.from_yaml(path)


def _train_phase(model, data, settings: TrainSettings, phase: str, ckpt: Path, resume: bool, progress: bool):
    """Train (or, on resume, reload finished) weights; returns the epoch history."""
    weights, history = ckpt / f"{phase}_weights.npz", ckpt / f"{phase}_history.csv"
    if resume and weights.is_file() and history.is_file():
        load_weights(model, weights)
        return pd.read_csv(history)
    hist = train(model, data.x_train, data.y_train, data.x_test, data.y_test, settings, phase=phase,
                 checkpoint=ckpt / f"{phase}_state.npz", resume=resume, progress=progress)
    save_weights(model, weights)
    write_csv(hist, history)
    return hist


@dataclass
class _Data:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _load_data(cfg: InferenceStudyConfig, workload_path: Path, data_dir: Path | None) -> _Data:
    if data_dir is None and cfg.data_dir is not None:
        data_dir = resolve(workload_path, cfg.data_dir)
    d = load_mnist(data_dir)
    n_train = cfg.training.train_images or len(d.x_train)
    n_test = cfg.test_images or len(d.x_test)
    return _Data(d.x_train[:n_train], d.y_train[:n_train], d.x_test[:n_test], d.y_test[:n_test])


def _imported_weights(model, path: Path, workload_path: Path) -> pd.DataFrame:
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
    return pd.DataFrame()


def _programming_table(kind: str, programmed) -> pd.DataFrame:
    return pd.DataFrame([{"model": kind, "layer": name, **p.stats().as_dict()} for name, p in programmed.items()])


def _study_model(model, kind, pcm, cfg, study_data, ckpt: Path, resume: bool, progress: bool):
    """Per-repeat accuracies and programming table of one model (cached in checkpoints/)."""
    acc_file, prog_file = ckpt / f"accuracy_{kind}.csv", ckpt / f"programming_{kind}.csv"
    if resume and acc_file.is_file() and prog_file.is_file():
        return pd.read_csv(acc_file), pd.read_csv(prog_file)
    per_repeat, programmed = run_repeats(model, kind, pcm, cfg, study_data, progress)
    prog = _programming_table(kind, programmed)
    write_csv(per_repeat, acc_file)
    write_csv(prog, prog_file)
    return per_repeat, prog


def run_inference_study(workload, workload_path: Path, out_dir: Path, *, resume: bool = False,
                        data_dir: Path | None = None, progress: bool = True) -> InferenceSummary:
    """Train FP32 and hardware-aware models, program them onto PCM and measure accuracy vs time."""
    workload_path, out_dir = Path(workload_path), Path(out_dir)
    cfg = workload.inference
    if cfg is None:
        raise ConfigError(workload_path, [Problem("inference", "an inference study needs an `inference:` section")])
    _check_network(workload, workload_path)
    pcm = _device_model(cfg, workload_path)
    data = _load_data(cfg, workload_path, data_dir)
    ckpt = checkpoint_dir(out_dir)
    t = cfg.training
    fp32 = FunctionalNetwork(workload.network, seed=cfg.seed)
    if cfg.weights is not None:
        fp32_hist = _imported_weights(fp32, resolve(workload_path, cfg.weights), workload_path)
    else:
        fp32_hist = _train_phase(fp32, data, TrainSettings(
            t.epochs, t.batch_size, t.lr, t.momentum, t.weight_decay, t.schedule, t.step_epochs, t.gamma,
            seed=cfg.seed), "fp32", ckpt, resume, progress)
    models, histories = {"fp32_direct": fp32}, [fp32_hist]
    if "hwa" in cfg.models:
        h = cfg.hwa
        hwa = FunctionalNetwork(workload.network, seed=cfg.seed)
        hwa.load_state(fp32.state())
        histories.append(_train_phase(hwa, data, TrainSettings(
            h.epochs, h.batch_size, h.lr, h.momentum, h.weight_decay, h.schedule, seed=cfg.seed + 1,
            eta_tr=h.eta_tr, clip_alpha=h.alpha), "hwa", ckpt, resume, progress))
        models["hwa"] = hwa
    training = pd.concat(histories, ignore_index=True)
    write_csv(training, out_dir / "training.csv")

    calib = np.random.default_rng([cfg.seed, 99]).permutation(len(data.x_train))[:cfg.calibration_images]
    study_data = StudyData(data.x_test, data.y_test, data.x_train[calib])
    per_repeat, prog_tables = [], []
    for kind in cfg.models:
        acc, prog = _study_model(models[kind], kind, pcm, cfg, study_data, ckpt, resume, progress)
        per_repeat.append(acc)
        prog_tables.append(prog)
    accuracy = summarise(pd.concat(per_repeat, ignore_index=True))
    programming = pd.concat(prog_tables, ignore_index=True)
    fp32_acc = evaluate(fp32, data.x_test, data.y_test, cfg.eval_batch_size)
    hwa_acc = evaluate(models["hwa"], data.x_test, data.y_test, cfg.eval_batch_size) if "hwa" in models else None
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
    return InferenceSummary(accuracy, fp32_acc, stats, columns, hwa_acc, training, out_dir)
