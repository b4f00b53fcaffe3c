"""Python API: load_workload (file or dict), estimate → Result DataFrames with the CLI's totals, to_report,
sweep → results table; built-in technology by name from any folder."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

import archsim
from archsim.api import LoadedWorkload, Result, load_workload
from archsim.cli import main
from archsim.config.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "workloads" / "mlp_mnist_train.yaml"


@pytest.fixture(scope="module")
def result() -> Result:
    return archsim.estimate(REF)


def test_result_tables_equal_what_archsim_run_writes(result, tmp_path, capsys):
    assert main(["run", str(REF), "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    for name in ("energy", "latency", "layers", "actions"):
        written = pd.read_csv(tmp_path / "cli" / f"{name}.csv")
        ours = getattr(result, name)
        assert list(ours.columns) == list(written.columns), name
        pd.testing.assert_frame_equal(ours.reset_index(drop=True), written, check_dtype=False, rtol=1e-5)
    totals = result.totals.set_index("design")
    assert list(totals.columns) == ["energy_nJ", "latency_us", "images_per_s", "power_mW"]
    for design, row in totals.iterrows():          # the CLI's one-screen table prints the same totals
        line = next(l for l in printed.splitlines() if l.startswith(design + " "))
        assert f"{row.energy_nJ:.4g}" in line and f"{row.latency_us:.4g}" in line
    assert result.summary() in printed
    assert totals.loc["mca", "energy_nJ"] == pytest.approx(result.energy.query("design == 'mca'").energy_pj.sum() / 1e3)


def test_to_report_writes_the_cli_report(result, tmp_path):
    files = result.to_report(tmp_path / "api")
    assert {f.name for f in files} >= {"energy.csv", "latency.csv", "actions.csv", "layers.csv", "trace.csv",
                                       "summary.md", "energy_breakdown.png", "validation.csv"}
    assert all(f.is_file() and f.parent == tmp_path / "api" for f in files)


def test_dict_workloads_resolve_paths_against_base_dir(tmp_path, monkeypatch):
    data = yaml.safe_load(REF.read_text())          # tech: ../tech/14lpp.yaml, relative to workloads/
    w = load_workload(data, base_dir=ROOT / "workloads")
    assert isinstance(w, LoadedWorkload) and w.source.parent == ROOT / "workloads"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"tech: file '../tech/14lpp.yaml' not found .*built-in technologies: 14lpp"):
        archsim.estimate(data)
    data["tech"] = "14lpp"                          # a built-in by name works from any folder
    by_name = archsim.estimate(data).totals
    del data["tech"]                                # and so does no tech at all
    pd.testing.assert_frame_equal(archsim.estimate(data).totals, by_name)
    pd.testing.assert_frame_equal(by_name, archsim.estimate(w).totals)


def test_bad_input_names_the_key(tmp_path):
    data = yaml.safe_load(REF.read_text())
    data["batch_size"] = 0
    with pytest.raises(ConfigError, match="batch_size"):
        load_workload(data, base_dir=ROOT / "workloads")
    with pytest.raises(ConfigError, match="file not found"):
        load_workload(tmp_path / "none.yaml")


def test_functional_trace_falls_back_with_a_warning():
    with pytest.warns(UserWarning, match="analytical update statistics"):
        r = archsim.estimate(ROOT / "workloads" / "mlp_mnist_mca_quick.yaml")
    assert r.raw.trace.source == "analytical"


def test_estimate_is_also_the_estimator_module():
    import archsim.estimate as module

    assert module is archsim.estimate and callable(archsim.estimate) and callable(archsim.sweep)
    assert module.load_tech.__module__ == "archsim.estimate"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert isinstance(archsim.estimate(REF), Result)


def test_sweep_returns_the_results_table(tmp_path):
    sys_path = ROOT / "tests" / "sweep"
    import sys

    sys.path.insert(0, str(sys_path))
    try:
        from sweep_cases import small_sweep
    finally:
        sys.path.remove(str(sys_path))
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(small_sweep()))
    df = archsim.sweep(tmp_path / "s.yaml", tmp_path / "out", workers=1)
    assert len(df) == 12 and set(df.status) == {"ok", "excluded"} and (df.status == "ok").sum() == 10
    written = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(written.columns) == list(df.columns)
    again = archsim.sweep(tmp_path / "s.yaml", tmp_path / "out", workers=1, report=False)   # reused points
    pd.testing.assert_frame_equal(again, df)
