"""Accuracy over time of a network programmed onto PCM: repeated programming + noise draws, each
evaluated at every time without compensation, with global drift compensation, and with global
compensation plus batch-norm re-estimation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from archsim.config.inference import InferenceStudyConfig
from archsim.functional.devices.inference_pcm import InferencePCM
from archsim.functional.inference.compensation import (
    batchnorm_state, calibration_readout, global_drift_scale, reestimate_batchnorm, restore_batchnorm)
from archsim.functional.inference.mapping import ProgrammedLayer, program_layer
from archsim.functional.software.trainer import evaluate


@dataclass
class StudyData:
    """Evaluation and calibration images for the study."""

    x_test: np.ndarray
    y_test: np.ndarray
    x_calibration: np.ndarray


def program_network(model, pcm: InferencePCM, cfg: InferenceStudyConfig,
                    rng: np.random.Generator) -> dict[str, ProgrammedLayer]:
    """Program every weighted layer's clean weights onto PCM."""
    return {name: program_layer(layer.W, pcm, cfg.g_max_us, cfg.program_verify, rng)
            for name, layer in model.weighted.items()}


def _evaluate_compensations(model, cfg: InferenceStudyConfig, data: StudyData, matrices, references):
    """Accuracy for each compensation with the given read-back matrices installed."""
    out = {}
    for name, layer in model.weighted.items():
        layer.forward_matrix = matrices[name]
    for comp in cfg.compensations:
        for name, layer in model.weighted.items():
            layer.output_scale = 1.0 if comp == "none" else global_drift_scale(
                references[name], matrices[name], layer.bias, cfg.array_rows)
        if comp == "bn_reestimate":
            saved = batchnorm_state(model)
            reestimate_batchnorm(model, data.x_calibration, cfg.eval_batch_size)
            out[comp] = evaluate(model, data.x_test, data.y_test, cfg.eval_batch_size)
            restore_batchnorm(model, saved)
        else:
            out[comp] = evaluate(model, data.x_test, data.y_test, cfg.eval_batch_size)
    model.clear_substitutions()
    return out


def run_repeats(model, kind: str, pcm: InferencePCM, cfg: InferenceStudyConfig, data: StudyData,
                progress: bool = True) -> tuple[pd.DataFrame, dict[str, ProgrammedLayer]]:
    """Per-repeat accuracies (model, compensation, t_s, repeat, test_acc) and the repeat-0 programming."""
    rows, first = [], None
    kind_id = ["fp32_direct", "hwa"].index(kind)
    saved_layers = {name: l.array_rows for name, l in model.weighted.items()}
    for layer in model.weighted.values():
        layer.array_rows = cfg.array_rows
    steps = tqdm(total=cfg.repeats * len(cfg.times_s), desc=f"{kind} accuracy vs time", disable=not progress)
    for r in range(cfg.repeats):
        rng = np.random.default_rng([cfg.seed, kind_id, r])
        programmed = program_network(model, pcm, cfg, rng)
        if first is None:
            first = programmed
        references = {name: calibration_readout(p.weights_at(pcm, pcm.t0_s, rng), model.weighted[name].bias,
                                                cfg.array_rows) for name, p in programmed.items()}
        for t in cfg.times_s:
            matrices = {name: p.weights_at(pcm, t, rng) for name, p in programmed.items()}
            for comp, acc in _evaluate_compensations(model, cfg, data, matrices, references).items():
                rows.append({"model": kind, "compensation": comp, "t_s": t, "repeat": r, "test_acc": acc})
            steps.update()
    steps.close()
    for name, layer in model.weighted.items():
        layer.array_rows = saved_layers[name]
    return pd.DataFrame(rows), first


def summarise(per_repeat: pd.DataFrame) -> pd.DataFrame:
    """Mean and std (ddof=0) over repeats per (model, compensation, t_s)."""
    g = per_repeat.groupby(["model", "compensation", "t_s"], sort=False)["test_acc"]
    out = g.agg(test_acc_mean="mean", test_acc_std=lambda a: float(np.std(a)), repeats="size").reset_index()
    return out[["model", "compensation", "t_s", "test_acc_mean", "test_acc_std", "repeats"]]
