"""What every trainer shares: one pass over the data in mini-batches, test evaluation, per-layer
update statistics, and the arrays a checkpoint holds.

A trainer is a strategy over the same FunctionalNetwork: how a batch's gradient becomes new
weights (software SGD, hardware-aware SGD) or device pulses (MCA, direct, one-device). Epoch e
draws its randomness from (seed, e, purpose) only, so a run resumed from an epoch checkpoint is
bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numba import njit, uint64
from threadpoolctl import threadpool_limits

from archsim.functional.activations import softmax_cross_entropy
from archsim.functional.crossbar.update import N_STATS, S_D_NZ, S_NZ_UPDATES, S_X_NZ  # noqa: F401
from archsim.functional.training.optim import Schedule
from archsim.functional.training.progress import chunked

PURPOSE_INIT, PURPOSE_TRAIN, PURPOSE_TEST, PURPOSE_SHUFFLE, PURPOSE_DRIFT, PURPOSE_NOISE, PURPOSE_DROPOUT = range(7)


def derived_seed(*parts: int) -> int:
    """A 32-bit seed derived from (seed, epoch, purpose, ...) via SeedSequence."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """Training-image order of one epoch, a function of (seed, epoch) only."""
    return np.random.default_rng([seed, epoch, PURPOSE_SHUFFLE]).permutation(n)


@dataclass(frozen=True)
class TrainSettings:
    """Optimizer and schedule of one training run (mini-batch SGD with momentum)."""

    epochs: int
    schedule: Schedule
    batch_size: int = 1
    momentum: float = 0.0
    weight_decay: float = 0.0
    eval_batch_size: int = 1000


@njit(cache=True)
def count_nonzero_products(x2d, g2d, stats):
    """Per-layer statistics row: += Σ_r nnz(x_r), Σ_r nnz(g_r) and Σ_r nnz(x_r)·nnz(g_r) (the outer-product
    non-zeros of every row pair: one row per image and conv position). Flat unsigned indices: conv rows are
    short, and per-row views cost more than the counting."""
    rows, nxc = x2d.shape
    ndc = g2d.shape[1]
    xf = np.ascontiguousarray(x2d).ravel()
    gf = np.ascontiguousarray(g2d).ravel()
    sx = sd = sxd = 0
    for r in range(rows):
        nx = 0
        for i in range(r * nxc, (r + 1) * nxc):
            nx += xf[uint64(i)] != 0
        nd = 0
        for i in range(r * ndc, (r + 1) * ndc):
            nd += gf[uint64(i)] != 0
        sx += nx
        sd += nd
        sxd += nx * nd
    stats[S_X_NZ] += sx
    stats[S_D_NZ] += sd
    stats[S_NZ_UPDATES] += sxd


class Strategy:
    """Base trainer: the generic mini-batch loop over a FunctionalNetwork."""

    algorithm = "?"

    def __init__(self, network, settings: TrainSettings):
        self.network = network
        self.settings = settings
        self.layers = list(network.weighted.values())
        self.stats = np.zeros((len(self.layers), N_STATS))

    # --- to be provided by strategies
    def init(self, seed: int) -> None:
        """Initial state for `seed`."""

    def begin_epoch(self, seed: int, epoch: int) -> None:
        """Seed this epoch's random draws."""

    def before_forward(self) -> None:
        """Hook before each training forward pass (hardware-aware noise)."""

    def apply_update(self, lr: float, batch: int) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def begin_test(self, seed: int, epoch: int, purpose: int = PURPOSE_TEST) -> None:
        """Seed the random draws of an evaluation pass."""

    def layer_facts(self) -> list[dict]:
        """Per weighted layer, state facts recorded after every epoch (e.g. mean device conductance)."""
        return [{} for _ in self.layers]

    # --- shared
    def train_epoch(self, x, y, order, seed: int, epoch: int, progress: bool = True) -> tuple[int, float, float]:
        """One pass over `order` in mini-batches; returns (online-correct count, mean loss, images/s)."""
        self.stats[:] = 0.0
        self.begin_epoch(seed, epoch)
        self.network.reseed(seed, epoch, PURPOSE_DROPOUT)
        lr = self.settings.schedule.at(epoch)
        bs = self.settings.batch_size
        net = self.network
        correct, loss_sum = 0, 0.0
        t0 = time.perf_counter()
        with threadpool_limits(limits=1, user_api="blas"):
            for start, stop, bar in chunked(len(order), f"{self.algorithm} epoch {epoch + 1}", progress,
                                            chunk=max(bs, 2000 // bs * bs)):
                for i in range(start, stop, bs):
                    idx = order[i:min(i + bs, stop)]
                    self.before_forward()
                    logits = net.forward(x[idx], train=True)
                    loss, grad = softmax_cross_entropy(logits, y[idx])
                    net.backward(grad)
                    self.apply_update(lr, len(idx))
                    loss_sum += loss * len(idx)
                    correct += int((logits.argmax(axis=1) == y[idx]).sum())
                if bar is not None:
                    bar.set_postfix(acc=f"{correct / stop:.4f}")
        return correct, loss_sum / len(order), len(order) / (time.perf_counter() - t0)

    def test_correct(self, x, y, seed: int, epoch: int, purpose: int = PURPOSE_TEST) -> int:
        """Correct predictions on (x, y) in inference mode (reads seeded by seed, epoch, purpose)."""
        self.begin_test(seed, epoch, purpose)
        return count_correct(self.network, x, y, self.settings.eval_batch_size)


def count_correct(network, x, y, batch_size: int = 1000) -> int:
    """Correct predictions of `network` (inference mode) on (x, y), in batches."""
    correct = 0
    with threadpool_limits(limits=1, user_api="blas"):
        for i in range(0, len(x), batch_size):
            correct += int((network.forward(x[i:i + batch_size]).argmax(axis=1) == y[i:i + batch_size]).sum())
    return correct
