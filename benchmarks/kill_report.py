"""Kill -9 trials across the report commit: does `--out` always hold the old report whole or the new one?

A folder is pre-filled with report A (the reference MLP workload); then `archsim run B --out` (the same
workload with a different tech file: same file names, different contents) is started and SIGKILLed
during its report commit: even trials at moments spread evenly across the whole commit, odd trials
spread across ±3 file operations around its first rename (where a non-atomic commit breaks). The commit's file operations are slowed in the child
(each rename/replace/exchange/link/fsync waits `--step-ms`) so that the kill times cover every step;
where each kill landed is read from the child's step log. After each kill the folder must equal
report A or report B exactly (every file, byte for byte), and the next `archsim run B` must repair
it (no staging folder, lock or temporary file left) and produce B.

    python benchmarks/kill_report.py [--trials 20] [--out reports/robustness]
    python benchmarks/kill_report.py --code /path/to/other/checkout --label before   # another version

Results: <out>/kill_trials_<label>.csv and <out>/kill_trials_<label>.md (with this command).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_train.yaml"

# Runs in the child: slow down and log the commit's file operations, then run the CLI.
CHILD = r"""
import os, shutil, sys, time
step = float(os.environ["KILL_STEP_S"])
log = os.open(os.environ["KILL_LOG"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
state = {"in": False}
def mark(text):
    os.write(log, f"{time.monotonic():.6f} {text}\n".encode())
def slowed(name, fn):
    def wrapped(*a, **k):
        if state["in"]:
            time.sleep(step); mark(f"{name} start")
        r = fn(*a, **k)
        if state["in"]:
            mark(f"{name} done")
        return r
    return wrapped
import archsim.reports.io as rio
for name in ("rename", "replace", "link", "fsync"):
    setattr(os, name, slowed(name, getattr(os, name)))
if hasattr(rio, "exchange"):
    rio.exchange = slowed("exchange", rio.exchange)
real_commit = rio.StagedReport.commit
def commit(self, *a, **k):
    state["in"] = True
    mark("commit start"); sys.stdout.write("COMMIT-START\n"); sys.stdout.flush()
    r = real_commit(self, *a, **k)
    mark("commit end"); state["in"] = False
    return r
rio.StagedReport.commit = commit
from archsim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under `folder` (the manifest included)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def leftovers(out: Path) -> list[str]:
    """Staging folders, locks and temporary files of `out` that should not be there."""
    names = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    names += [p.name for p in out.iterdir() if p.name.startswith(".staging-")] if out.is_dir() else []
    names += [str(p.relative_to(out)) for p in out.rglob(".archsim-tmp.*")] if out.is_dir() else []
    return sorted(names)


def child_env(code: Path, log: Path, step_s: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), KILL_LOG=str(log), KILL_STEP_S=str(step_s),
               NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    return env


def run_child(code: Path, workload: Path, out: Path, log: Path, step_s: float, kill_after: float | None):
    """Run `archsim run workload --out out`; SIGKILL it `kill_after` s after its commit starts (None: no kill).
    Returns (returncode, commit start → kill seconds or None)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "run", str(workload), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=out.parent,
                            env=child_env(code, log, step_s))
    for line in proc.stdout:
        if line.startswith("COMMIT-START"):
            break
    t0 = time.monotonic()
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return proc.returncode, (time.monotonic() - t0 if kill_after is not None else None)


def landed(log: Path) -> str:
    """The last commit step the child logged before it died."""
    lines = log.read_text().splitlines() if log.is_file() else []
    return lines[-1].split(" ", 1)[1] if lines else "before commit"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--step-ms", type=float, default=5.0, help="delay before each file operation of the commit")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose archsim is tested")
    ap.add_argument("--label", default="after")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "robustness")
    args = ap.parse_args()
    step_s = args.step_ms / 1e3
    work = Path(tempfile.mkdtemp(prefix="archsim-kill-"))
    try:
        tech = yaml.safe_load((ROOT / "tech" / "14lpp.yaml").read_text())
        tech["primitives"]["adc_conversion"]["energy_pj"] *= 2          # B: every ADC energy differs
        (work / "tech_b.yaml").write_text(yaml.safe_dump(tech, sort_keys=False))
        wl = yaml.safe_load(WORKLOAD.read_text())
        wl_a = dict(wl, tech=str(ROOT / "tech" / "14lpp.yaml"))
        wl_b = dict(wl, tech=str(work / "tech_b.yaml"))
        (work / "a.yaml").write_text(yaml.safe_dump(wl_a, sort_keys=False))
        (work / "b.yaml").write_text(yaml.safe_dump(wl_b, sort_keys=False))
        ref_a, ref_b = work / "ref_a", work / "ref_b"
        for wlf, ref in ((work / "a.yaml", ref_a), (work / "b.yaml", ref_b)):
            rc, _ = run_child(args.code, wlf, ref, work / "ref.log", 0.0, None)
            assert rc == 0, f"reference run failed ({rc})"
        snap_a, snap_b = snapshot(ref_a), snapshot(ref_b)
        differ = sum(snap_a.get(k) != snap_b.get(k) for k in set(snap_a) | set(snap_b))
        # calibration: how long the slowed commit takes
        cal = work / "cal"
        shutil.copytree(ref_a, cal)
        log = work / "cal.log"
        run_child(args.code, work / "b.yaml", cal, log, step_s, None)
        marks = [(float(t), what) for t, what in (line.split(" ", 1) for line in log.read_text().splitlines())]
        window = marks[-1][0] - marks[0][0]
        swap = next((t for t, what in marks if what.split()[0] in ("exchange", "rename", "replace")), marks[-1][0])
        swap -= marks[0][0]                # when the first rename of the commit starts
        rows = []
        for i in range(args.trials):
            out = work / f"trial{i}"
            shutil.copytree(ref_a, out)
            log = work / f"trial{i}.log"
            if i % 2 == 0:                                             # evenly across the whole commit
                delay = window * (i + 0.5) / args.trials
            else:                                                      # around its renames: ±3 steps
                delay = max(0.0, swap + step_s * (6 * (i + 0.5) / args.trials - 3))
            rc, _ = run_child(args.code, work / "b.yaml", out, log, step_s, delay)
            snap = snapshot(out)
            state = "old whole" if snap == snap_a else "new whole" if snap == snap_b else "MIXED"
            if not out.is_dir():
                state = "no folder"
            new_files = sum(snap.get(k) == snap_b.get(k) and snap_a.get(k) != snap_b.get(k) for k in snap)
            old_files = sum(snap.get(k) == snap_a.get(k) and snap_a.get(k) != snap_b.get(k) for k in snap)
            left = leftovers(out)
            rc2, _ = run_child(args.code, work / "b.yaml", out, work / "rerun.log", 0.0, None)
            repaired = rc2 == 0 and snapshot(out) == snap_b and not leftovers(out)
            rows.append({"trial": i, "kill_after_commit_start_ms": round(delay * 1e3, 2),
                         "last_step_logged": landed(log), "exit": rc, "state": state,
                         "new_files": new_files, "old_files": old_files, "leftovers": " ".join(left),
                         "rerun_repairs": repaired})
            print(f"trial {i:2d}: kill at {delay * 1e3:7.2f} ms ({rows[-1]['last_step_logged']:<18}) → {state:<10} "
                  f"new {new_files:2d} / old {old_files:2d}; leftovers {len(left)}; rerun repairs: {repaired}",
                  flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        table = args.out / f"kill_trials_{args.label}.csv"
        with open(table, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        whole = sum(r["state"] in ("old whole", "new whole") for r in rows)
        repaired = sum(r["rerun_repairs"] for r in rows)
        summary = (f"- `{args.label}` ({args.code}): {whole}/{len(rows)} kills left the old or the new report whole "
                   f"({sum(r['state'] == 'old whole' for r in rows)} old, {sum(r['state'] == 'new whole' for r in rows)} "
                   f"new, {sum(r['state'] == 'MIXED' for r in rows)} mixed, "
                   f"{sum(r['state'] == 'no folder' for r in rows)} without a folder); the next run repaired "
                   f"{repaired}/{len(rows)}; commit window {window * 1e3:.0f} ms with {args.step_ms:g} ms per file "
                   f"operation; {differ} of {len(snap_b)} files differ between A and B. Table: `{table.name}`.")
        print(summary)
        md = args.out / f"kill_trials_{args.label}.md"
        md.write_text(f"# Kill -9 across the report commit: `{args.label}`\n\nCommand: `python benchmarks/kill_report.py "
                      f"--trials {args.trials} --step-ms {args.step_ms:g} --label {args.label}"
                      + (f" --code {args.code}" if args.code != ROOT else "") + f"`\n\n{summary}\n\n"
                      + "| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]) + "\n"
                      + "".join("| " + " | ".join(str(v) for v in r.values()) + " |\n" for r in rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
