"""`archsim sweep` and `archsim check` on sweep YAMLs, including the shipped example sweeps."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_cases import ROOT, small_sweep

from archsim.cli import main


def test_sweep_command_writes_report_and_resumes(write_sweep, tmp_path, capsys):
    path = write_sweep()
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    first = capsys.readouterr().out
    assert "12 points (2 excluded by iso.require); 10 ok, 0 invalid, 0 failed" in first
    assert "10 points evaluated (0 reused" in first
    assert len(pd.read_csv(out / "results.csv")) == 12
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "0 points evaluated: all 10 were finished by earlier runs" in capsys.readouterr().out


def test_failed_points_give_exit_status_1(write_sweep, tmp_path, monkeypatch, capsys):
    from archsim.sweep import evaluate

    real = evaluate.estimate

    def crash_on_small_arrays(workload, path, *, designs, **kw):
        if designs[0].crossbar.rows == 64:
            raise RuntimeError("simulator crashed")
        return real(workload, path, designs=designs, **kw)

    monkeypatch.setattr(evaluate, "estimate", crash_on_small_arrays)
    assert main(["sweep", str(write_sweep()), "--out", str(tmp_path / "o"), "--workers", "1", "--quiet"]) == 1
    assert "8 ok, 0 invalid, 2 failed" in capsys.readouterr().out
    df = pd.read_csv(tmp_path / "o" / "results.csv")
    failed = df[df.status == "failed"]
    assert (failed["design.crossbar.rows"] == 64).all() and len(failed) == 2
    assert failed.error.str.contains("RuntimeError: simulator crashed").all()


def test_bad_sweep_exits_2_without_traceback(write_sweep, capsys):
    path = write_sweep(small_sweep(axes=[{"target": "design.tile.adc_bitz", "values": [4]}]))
    assert main(["sweep", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: axes.0.target: ") and "Traceback" not in err


def test_bad_options(write_sweep, capsys):
    assert main(["sweep", str(write_sweep()), "--workers", "0"]) == 2
    assert "--workers: must be >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["sweep_mlp_adc.yaml", "sweep_mca_epsilon.yaml"])
def test_example_sweeps_are_valid(name, capsys):
    assert main(["check", str(ROOT / "workloads" / name)]) == 0
    assert "ok (sweep)" in capsys.readouterr().out
