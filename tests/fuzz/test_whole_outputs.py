"""Report folders appear whole or not at all (archsim.reports.io.StagedReport): one writer at a time,
a crash at any step of a commit leaves the old or the new version whole, state and user files are
carried over, stale staging folders and orphan temporary files are removed, and a full disk, a
read-only location or an --out that is a file give one clear error."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.config.errors import ConfigError
from archsim.io import TEMP_PREFIX, checkpoint_dir
from archsim.reports import io as rio
from archsim.reports.io import MANIFEST, OutputError, StagedReport, recover

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "workloads" / "mlp_mnist_train.yaml"


def _version(out: Path, tag: str, names=("a.csv", "b.csv", "summary.md")) -> list[Path]:
    with StagedReport(out, "test") as rep:
        for n in names:
            rep.text(n, f"{tag} {n}\n")
        return rep.commit()


def _snapshot(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text() for p in sorted(out.rglob("*")) if p.is_file()}


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_new_version_replaces_exactly_the_files_of_the_old_one(tmp_path):
    out = tmp_path / "rep"
    _version(out, "v1", ("a.csv", "b.csv", "old_only.png"))
    (out / "notes.txt").write_text("mine\n")                       # a user's file
    checkpoint_dir(out).mkdir()
    (checkpoint_dir(out) / "mca_seed0.npz").write_text("state\n")   # live state
    files = _version(out, "v2", ("a.csv", "b.csv"))
    assert [f.name for f in files] == ["a.csv", "b.csv"]
    assert _snapshot(out) == {"a.csv": "v2 a.csv\n", "b.csv": "v2 b.csv\n", "notes.txt": "mine\n",
                              "checkpoints/mca_seed0.npz": "state\n",
                              MANIFEST: json.dumps({"writer": "test", "files": ["a.csv", "b.csv"]}, indent=1) + "\n"}
    assert _siblings(out) == []                                      # no staging folder, no lock left


def test_failure_before_commit_leaves_the_folder_untouched(tmp_path):
    out = tmp_path / "rep"
    _version(out, "v1")
    before = _snapshot(out)
    with pytest.raises(RuntimeError), StagedReport(out) as rep:
        rep.text("a.csv", "half\n")
        raise RuntimeError("simulator crashed")
    assert _snapshot(out) == before and _siblings(out) == []


def test_a_second_writer_is_refused(tmp_path, capsys):
    out = tmp_path / "rep"
    with StagedReport(out) as first:
        with pytest.raises(OutputError, match="another archsim process .* is writing this folder"):
            StagedReport(out)
        assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 2
        assert "another archsim process" in capsys.readouterr().err
        first.text("a.csv", "x\n")
        first.commit()
    _version(out, "again")                                           # released after the commit


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("crash_at", [1, 2, 3, 4])
def test_a_crash_at_any_rename_leaves_old_or_new_whole_and_is_recovered(tmp_path, monkeypatch, fallback, crash_at):
    out = tmp_path / "rep"
    _version(out, "old")
    old, calls = _snapshot(out), []
    if fallback:
        monkeypatch.setattr(rio, "exchange", lambda a, b: False)
    real_rename, real_exchange = os.rename, rio.exchange

    class Killed(BaseException):
        """Stands for kill -9: nothing after it runs (no cleanup handler catches a BaseException here)."""

    def counting(fn):
        def wrapped(*a):
            calls.append(a)
            if len(calls) == crash_at:
                raise Killed
            return fn(*a)
        return wrapped

    monkeypatch.setattr(rio.os, "rename", counting(real_rename))
    monkeypatch.setattr(rio, "exchange", counting(real_exchange))
    rep = StagedReport(out, "test")
    for n in ("a.csv", "b.csv", "summary.md"):
        rep.text(n, f"new {n}\n")
    try:
        rep.commit()
    except Killed:
        pass
    rep._lock.release()                                  # the dead process's lock goes with it
    monkeypatch.undo()
    state = _snapshot(out) if out.is_dir() else None
    names = {k: v for k, v in (state or {}).items() if k != MANIFEST}
    assert state is None or names in ({k: v for k, v in old.items() if k != MANIFEST},
                                      {n: f"new {n}\n" for n in ("a.csv", "b.csv", "summary.md")})
    if fallback and crash_at == 4:
        assert state is None                             # between the renames: no folder, both versions kept
    recovered = StagedReport(out, "test")                # the next writer repairs first
    recovered.abort()
    assert out.is_dir() and _siblings(out) == []
    after = {k: v for k, v in _snapshot(out).items() if k != MANIFEST}
    new = {n: f"new {n}\n" for n in ("a.csv", "b.csv", "summary.md")}
    assert after in ({k: v for k, v in old.items() if k != MANIFEST}, new)
    assert (after == new) == (crash_at > (3 if fallback else 1))   # past the last step that can fail: new


def test_stale_staging_folders_and_orphan_temporary_files_are_removed(tmp_path):
    out = tmp_path / "rep"
    _version(out, "v1")
    stale = tmp_path / ".rep.staging-deadbeef"
    stale.mkdir()
    (stale / "a.csv").write_text("half")
    ckpt = checkpoint_dir(out)
    ckpt.mkdir()
    orphan = ckpt / f"{TEMP_PREFIX}mca_seed0.x1y2.npz"
    orphan.write_text("torn")
    (ckpt / "mca_seed0.npz").write_text("good")
    removed = recover(out)
    assert stale in removed and orphan in removed
    assert not stale.exists() and not orphan.exists() and (ckpt / "mca_seed0.npz").read_text() == "good"


def test_out_that_is_a_file_or_the_current_folder(tmp_path, monkeypatch, capsys):
    f = tmp_path / "report.txt"
    f.write_text("not a folder")
    assert main(["run", str(REF), "--out", str(f), "--quiet"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err and f.read_text() == "not a folder"
    monkeypatch.chdir(tmp_path)
    for out in (".", str(tmp_path.parent)):
        with pytest.raises(ConfigError, match="current folder or one above it"):
            StagedReport(out)


def test_a_folder_of_somebody_elses_is_not_taken_over(tmp_path):
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.c").write_text("int main;")
    with pytest.raises(OutputError, match="folders archsim did not write \\(src\\)"):
        StagedReport(project)
    assert (project / "src" / "main.c").read_text() == "int main;"


def test_full_disk_during_the_report_is_one_clear_error(tmp_path, monkeypatch, capsys):
    out = tmp_path / "rep"
    assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = StagedReport.csv

    def full(self, name, df):
        if name == "layers.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, name, df)

    monkeypatch.setattr(StagedReport, "csv", full)
    capsys.readouterr()
    assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "previous report is unchanged" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and _siblings(out) == []


def test_read_only_location_is_one_clear_error(tmp_path, monkeypatch, capsys):
    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".rep.lock"))

    monkeypatch.setattr(rio.os, "open", read_only)
    assert main(["run", str(REF), "--out", str(tmp_path / "rep"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "Traceback" not in err
    assert not (tmp_path / "rep").exists()


def test_file_size_limit_in_a_real_process_writes_nothing_partial(tmp_path):
    """RLIMIT_FSIZE makes every write beyond 64 kB fail (EFBIG), as a full disk would, in a real run."""
    out = tmp_path / "rep"
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536)); "
            "from archsim.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code, "run", str(REF), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert "File too large" in proc.stderr
    assert not out.exists() and _siblings(out) == []


def test_a_plot_that_fails_costs_no_table(tmp_path, monkeypatch, capsys):
    from archsim.reports import plots

    def broken(*a, **k):
        raise ValueError("Axis limits cannot be NaN or Inf")

    monkeypatch.setattr(plots, "energy_breakdown", broken)
    out = tmp_path / "rep"
    assert main(["run", str(REF), "--out", str(out), "--quiet"]) == 0
    assert "energy_breakdown.png: not drawn" in capsys.readouterr().err
    assert {"energy.csv", "latency.csv", "summary.md", "timeline_mca.png"} <= {p.name for p in out.iterdir()}
    assert not (out / "energy_breakdown.png").exists()
    assert "energy_breakdown.png was not drawn: ValueError" in (out / "summary.md").read_text()


def test_checkpoints_survive_a_failed_run_and_the_report_appears_once_whole(tmp_path, mnist_dir, monkeypatch):
    """A functional run that fails after training leaves no report but keeps its checkpoints; --resume
    reuses them (no epoch is trained again) and commits training outputs and the estimate together."""
    import yaml

    from archsim import runner
    from archsim.functional.training import crossbar as training

    data = yaml.safe_load((ROOT / "workloads" / "mlp_mnist_mca_quick.yaml").read_text())
    data["tech"] = str(ROOT / "tech" / "14lpp.yaml")
    data["functional"].update(train_images=300, test_images=200, epochs=2, algorithms=["mca"],
                              device="gradual_set", drift_times_s=[1.0, 60.0])
    wl = tmp_path / "w.yaml"
    wl.write_text(yaml.safe_dump(data))
    out = tmp_path / "rep"

    def crash(*a, **k):
        raise RuntimeError("estimator crashed after training")

    monkeypatch.setattr(runner, "estimate", crash)
    with pytest.raises(RuntimeError):
        runner.run_workload(wl, out, data_dir=mnist_dir, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints"]          # no report, checkpoints kept
    assert (out / "checkpoints" / "mca_seed0.npz").is_file() and _siblings(out) == []
    monkeypatch.undo()
    epochs_trained = []
    real = training.CrossbarTrainer.train_epoch
    monkeypatch.setattr(training.CrossbarTrainer, "train_epoch",
                        lambda self, *a, **k: epochs_trained.append(1) or real(self, *a, **k))
    result = runner.run_workload(wl, out, resume=True, data_dir=mnist_dir, progress=False)
    assert epochs_trained == []                                                # everything came from checkpoints
    names = {p.name for p in out.iterdir()}
    assert {"accuracy.csv", "updates.csv", "drift.csv", "accuracy.png", "energy.csv", "summary.md",
            "checkpoints", MANIFEST} <= names
    assert set(json.loads((out / MANIFEST).read_text())["files"]) == names - {"checkpoints", MANIFEST}
    assert {f.name for f in result.files} == names - {"checkpoints", MANIFEST}


def test_a_report_folder_of_an_older_archsim_is_updated_in_place(tmp_path):
    """No manifest yet (e.g. the committed reference reports): same-named files are replaced, others kept."""
    out = tmp_path / "rep"
    out.mkdir()
    (out / "a.csv").write_text("old a\n")
    (out / "README.md").write_text("how this report was made\n")
    (out / "points").mkdir()
    (out / "points" / "k.csv").write_text("state\n")
    _version(out, "v2", ("a.csv", "summary.md"))
    snap = _snapshot(out)
    assert snap["a.csv"] == "v2 a.csv\n" and snap["README.md"] == "how this report was made\n"
    assert snap["points/k.csv"] == "state\n" and snap["summary.md"] == "v2 summary.md\n"


def test_only_our_own_staging_folders_are_removed(tmp_path):
    out = tmp_path / "rep"
    _version(out, "v1")
    other = tmp_path / ".rep.staging-notours-keep"      # not a name archsim makes
    other.mkdir()
    assert other not in recover(out) and other.is_dir()
