"""`archsim run`: the report folder, its columns, and atomicity on failure."""

from __future__ import annotations

import errno

import pandas as pd

from archsim.cli import build_parser, main
from archsim.reports import plots
from tests.estimator.helpers import ROOT

REF = ROOT / "workloads" / "mlp_mnist_train.yaml"


def test_run_writes_the_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "mca" in printed and "digital32" in printed and "validation: 43 cells" in printed
    for f in ("energy.csv", "latency.csv", "summary.md", "energy_breakdown.png", "timeline_mca.png",
              "timeline_digital32.png", "timeline_digital_mp.png", "validation.csv", "validation.md",
              "actions.csv", "layers.csv", "stream.csv", "trace.csv"):
        assert (out / f).is_file(), f
    energy = pd.read_csv(out / "energy.csv")
    assert list(energy.columns) == ["design", "stage", "component", "energy_pj"]
    assert set(energy.design) == {"mca", "digital32", "digital_mp"}
    assert {"ADC", "DAC", "crossbar array", "χ SRAM", "activation SRAM", "leakage", "refresh",
            "programming", "digital unit"} <= set(energy.query("design == 'mca'").component)
    stream = pd.read_csv(out / "stream.csv")
    assert list(stream.columns) == ["design", "batch_size", "batches", "image_latency_ns", "batch_latency_ns",
                                    "interval_ns", "images_per_s", "bottleneck"]
    assert list(pd.read_csv(out / "latency.csv").columns) == ["design", "stage", "latency_ns"]
    val = pd.read_csv(out / "validation.csv")
    assert list(val.columns) == ["case", "design", "stage", "metric", "reference", "model", "rel_error", "label",
                                 "calibrated_share", "factors"]
    assert set(val.label) == {"calibrated", "dependent", "predicted"} and set(val.case) == {"table1", "text"}
    md = (out / "validation.md").read_text()
    assert "table1 digital_mp.forward.energy" in md  # each factor says what it was fitted to
    summary = (out / "summary.md").read_text()
    assert "column_readout" in summary and "model value" in summary  # model value × factor, shown
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_failed_report_leaves_the_previous_one_untouched(tmp_path, monkeypatch):
    out = tmp_path / "rep"
    assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(plots, "timeline", boom)
    assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 2      # a clear error, no traceback
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".rep.")]   # no staging folder, no lock


def test_every_option_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.description, name
        for action in p._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest}"
