"""Every action is booked to the layer whose op caused it, background refresh and pulses included."""

from __future__ import annotations

import pandas as pd
import pytest

from archsim.reports.tables import layer_table
from archsim.reports.writer import write_report
from archsim.estimate import load_tech
from tests.estimator.helpers import run, write_workload

HEAVY = {"trace.update.refresh_interval_images": 10, "trace.update.saturated_fraction_per_refresh": 0.01,
         "trace.update.set_pulses_per_image": 50.0}


@pytest.mark.parametrize("overlap", [True, False])
def test_refresh_and_programming_are_booked_to_their_layers(tmp_path, overlap):
    path = write_workload(tmp_path, [400, 300, 20], mode="train")
    from tests.estimator.helpers import design
    est = run(path, [design("mca", {"programming.overlap_with_digital": overlap}, "mca")], **HEAVY)
    stats = {op.layer: op.stats for op in est.trace.step("update").ops}
    acts = est.actions["mca"]
    for layer, s in stats.items():
        mine = acts[acts.layer == layer]
        assert mine.query("action == 'check_sense'")["count"].sum() == pytest.approx(s.refresh_reads)
        assert mine.query("action == 'refresh_reset'")["count"].sum() == pytest.approx(s.reset_pulses)
        assert mine.query("action == 'refresh_set'")["count"].sum() == pytest.approx(s.refresh_set_pulses)
        assert mine.query("action == 'set_pulse'")["count"].sum() == pytest.approx(s.set_pulses)
    # the big layer's refresh and programming energy lands on it in layers.csv, not on the next layer
    write_report(est, load_tech(est.workload, path), tmp_path / "rep")
    layers = pd.read_csv(tmp_path / "rep" / "layers.csv").query("stage == 'update'").set_index("layer")
    refresh = acts.query("component in ['refresh', 'programming']").groupby("layer").energy_pj.sum()
    assert refresh["dense1"] > 10 * refresh["dense2"]  # 401×300 vs 301×20 weights
    assert layers.loc["dense1", "energy_pj"] > refresh["dense1"]


def test_layer_table_macs_for_every_design(tmp_path):
    path = write_workload(tmp_path, [100, 50, 10], mode="train", designs=["mca", "digital32", "digital_mp"])
    t = layer_table(run(path))
    fwd = t[t.stage == "forward"].set_index(["design", "layer"]).macs
    for d in ("mca", "digital32", "digital_mp"):
        assert fwd[(d, "dense1")] == 101 * 50 and fwd[(d, "dense2")] == 51 * 10
