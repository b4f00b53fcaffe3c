"""Batches and the optimizer: weight reuse across a batch, one programming per batch, momentum."""

from __future__ import annotations

import pytest

from archsim.reports.tables import batch_table, totals
from tests.estimator.helpers import CNN_LAYERS, design, run, write_workload


@pytest.fixture
def cnn_train(tmp_path):
    return write_workload(tmp_path, CNN_LAYERS, mode="train", input_shape=[4, 12, 12])


def test_mca_programs_once_per_batch(cnn_train):
    """Per image the χ work and the pulses are the same at any batch size; the write heads take one
    job per layer per batch."""
    one, four = run(cnn_train, [design("mca")]), run(cnn_train, [design("mca")], batch_size=4)
    for action in ("accumulate", "set_pulse"):
        q = f"stage == 'update' and action == '{action}'"
        assert four.actions["x"].query(q)["count"].sum() == pytest.approx(one.actions["x"].query(q)["count"].sum())
    jobs = [b for b in four.sims["x"].ledger.busy if b.unit == "write_heads" and b.ctx.batch == 0
            and b.category == "programming"]
    assert len(jobs) == len(four.trace.weighted())
    assert batch_table(four).energy_per_batch_nJ.iloc[0] == pytest.approx(4 * totals(four).energy_nJ.iloc[0])


def test_digital_dense_sgd_writes_each_weight_once_per_batch(cnn_train):
    one, eight = run(cnn_train, [design("digital32")]), run(cnn_train, [design("digital32")], batch_size=8)
    q = "stage == 'update' and unit == 'weight_sram' and action == 'write'"
    assert eight.actions["x"].query(q)["count"].sum() == pytest.approx(one.actions["x"].query(q)["count"].sum() / 8)
    # the batch's gradient still costs every product of every image
    q = "stage == 'update' and action == 'mac'"
    assert eight.actions["x"].query(q)["count"].sum() == pytest.approx(one.actions["x"].query(q)["count"].sum())


@pytest.mark.parametrize("base,memory,bits", [("mca", "χ SRAM", 32), ("digital_mp", "χ SRAM", 32),
                                              ("digital32", "weight SRAM", 32)])
def test_momentum_adds_a_dense_velocity_pass_per_batch(cnn_train, base, memory, bits):
    b = 4
    sgd = run(cnn_train, [design(base)], batch_size=b)
    mom = run(cnn_train, [design(base)], batch_size=b, **{"trace.optimizer": "momentum"})
    weights = sum(r * c for r, c in sgd.trace.weighted().values())

    def moved(est):
        a = est.actions["x"]
        return a[(a.stage == "update") & (a.component == memory)].bits_moved.sum()

    # per image: (velocity + χ) or (weight + velocity) read and written once per batch of b
    extra = 4 * weights * bits / b if base != "digital32" else 2 * weights * bits / b
    assert moved(mom) - moved(sgd) == pytest.approx(extra, rel=1e-6)
    assert mom.sims["x"].facts[("chi_sram" if base != "digital32" else "weight_sram") + "_need_kb"] == \
        pytest.approx(2 * sgd.sims["x"].facts[("chi_sram" if base != "digital32" else "weight_sram") + "_need_kb"])
