"""Mini-batch training of a FunctionalNetwork: SGD + momentum, LR schedule, optional hardware-aware
noise/clipping, checkpoint every epoch and bit-identical resume (epoch e draws from seed [seed, e])."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from archsim.functional.software.hwa import clip_weights, inject_weight_noise
from archsim.functional.software.loss import softmax_cross_entropy
from archsim.functional.software.optim import SGD, learning_rate
from archsim.functional.software.weights_io import load_npz
from archsim.io import write_npz


@dataclass(frozen=True)
class TrainSettings:
    """One training phase. eta_tr > 0 turns on forward weight noise; clip_alpha clips to ±α·σ_W."""

    epochs: int
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    step_epochs: int = 10
    gamma: float = 0.1
    seed: int = 0
    eta_tr: float = 0.0
    clip_alpha: float | None = None


def evaluate(model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> float:
    """Fraction of correctly classified samples (inference mode)."""
    correct = 0
    for i in range(0, len(x), batch_size):
        correct += int((model.forward(x[i:i + batch_size]).argmax(axis=1) == y[i:i + batch_size]).sum())
    return correct / len(x)


def _train_epoch(model, opt, x, y, s: TrainSettings, epoch: int, progress: bool, desc: str):
    rng = np.random.default_rng([s.seed, epoch])
    order = rng.permutation(len(x))
    lr = learning_rate(epoch, s.epochs, s.lr, s.schedule, s.step_epochs, s.gamma)
    loss_sum = correct = 0.0
    batches = range(0, len(x), s.batch_size)
    for i in tqdm(batches, desc=f"{desc} epoch {epoch + 1}/{s.epochs}", disable=not progress, leave=False):
        idx = order[i:i + s.batch_size]
        if s.eta_tr > 0:
            inject_weight_noise(model, s.eta_tr, rng)
        logits = model.forward(x[idx], train=True)
        loss, grad = softmax_cross_entropy(logits, y[idx])
        model.backward(grad)
        model.clear_substitutions()
        opt.step(lr)
        if s.clip_alpha is not None:
            clip_weights(model, s.clip_alpha)
        loss_sum += loss * len(idx)
        correct += int((logits.argmax(axis=1) == y[idx]).sum())
    return lr, loss_sum / len(x), correct / len(x)


def _save_checkpoint(path: Path, model, opt: SGD, epoch: int, history: list[dict]) -> None:
    arrays = {f"model/{k}": v for k, v in model.state().items()}
    arrays.update({f"velocity/{k}": v for k, v in opt.velocity.items()})
    arrays["epoch"] = np.array(epoch)
    arrays["history"] = np.array(json.dumps(history))
    write_npz(path, arrays)


def _load_checkpoint(path: Path, model, opt: SGD) -> tuple[int, list[dict]]:
    arrays = load_npz(path)
    model.load_state({k[6:]: v for k, v in arrays.items() if k.startswith("model/")})
    for k, v in opt.velocity.items():
        v[...] = arrays[f"velocity/{k}"]
    return int(arrays["epoch"]), json.loads(str(arrays["history"]))


def train(model, x_train, y_train, x_test, y_test, settings: TrainSettings, *, phase: str = "fp32",
          checkpoint: Path | None = None, resume: bool = False, progress: bool = True) -> pd.DataFrame:
    """Train in place; return per-epoch history (epoch, lr, train_loss, train_acc, test_acc, time_s).

    With `checkpoint`, the full state (weights, momentum, history) is saved after every epoch;
    `resume=True` continues from it and yields the same result as an uninterrupted run.
    BLAS runs single-threaded here: these small matmuls ran ~4x slower with 2 OpenBLAS threads on
    the 2-core machine (reports/lenet_mnist_infer/README.md); parallelism comes from processes.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(model, x_train, y_train, x_test, y_test, settings, phase, checkpoint, resume, progress)


def _train(model, x_train, y_train, x_test, y_test, settings, phase, checkpoint, resume, progress) -> pd.DataFrame:
    opt = SGD(model.all_params(), settings.momentum, settings.weight_decay)
    start, history = 0, []
    if resume and checkpoint is not None and Path(checkpoint).is_file():
        start, history = _load_checkpoint(Path(checkpoint), model, opt)
    for epoch in range(start, settings.epochs):
        t0 = time.perf_counter()
        lr, loss, acc = _train_epoch(model, opt, x_train, y_train, settings, epoch, progress, phase)
        history.append({"phase": phase, "epoch": epoch + 1, "lr": lr, "train_loss": loss, "train_acc": acc,
                        "test_acc": evaluate(model, x_test, y_test), "time_s": time.perf_counter() - t0})
        if progress:
            tqdm.write(f"{phase} epoch {epoch + 1}: loss {loss:.4f} train {acc:.4f} "
                       f"test {history[-1]['test_acc']:.4f} ({history[-1]['time_s']:.1f} s)")
        if checkpoint is not None:
            _save_checkpoint(Path(checkpoint), model, opt, epoch + 1, history)
    return pd.DataFrame(history)


