"""Real output faults (needs root, to mount small tmpfs file systems): a full disk, a read-only file
system and an --out that is a file, for `archsim run` and `archsim sweep`. Each must give exit
status 2, one `error:` line without a traceback, and leave the output folder byte for byte as it was,
with no staging folder, lock or temporary file beside it.

    sudo python benchmarks/io_faults.py [--out reports/robustness]

Results: <out>/io_faults.md (with this command).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_train.yaml"


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}


def archsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archsim.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, MPLBACKEND="Agg", NUMBA_NUM_THREADS="1"), timeout=600)


def sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


STATE = ("points.jsonl", "points/", "checkpoints/")   # live state: kept on purpose (resume), not a report


def judge(name: str, proc: subprocess.CompletedProcess, out: Path, before: dict) -> dict:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    left = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")] if out.parent.exists() else []
    after = snapshot(out)
    state = sorted(k for k in after if k.startswith(STATE) and k not in before)
    unchanged = {k: v for k, v in after.items() if k not in state} == before
    ok = (proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr
          and unchanged and not left)
    return {"case": name, "exit": proc.returncode, "stderr": lines[0] if lines else "", "lines": len(lines),
            "unchanged": unchanged, "state": " ".join(state) or "-", "leftovers": " ".join(left) or "-", "ok": ok}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "robustness")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("io_faults.py mounts tmpfs file systems: run it as root")
    work = Path(tempfile.mkdtemp(prefix="archsim-io-"))
    rows = []
    try:
        ref = work / "ref"
        assert archsim("run", str(WORKLOAD), "--out", str(ref), "--quiet", cwd=work).returncode == 0
        size_kb = sum(p.stat().st_size for p in ref.rglob("*") if p.is_file()) // 1024
        sweep = yaml.safe_load((ROOT / "workloads" / "sweep_mlp_adc.yaml").read_text())
        sweep["workload"] = str(WORKLOAD)
        (work / "sweep.yaml").write_text(yaml.safe_dump(sweep))

        def mounted(name: str, kb: int) -> Path:
            m = work / name
            m.mkdir()
            sh("mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", str(m))
            return m

        # full disk: room for the old report and a little more, not for a second copy
        full = mounted("full", size_kb + 64)
        out = full / "rep"
        shutil.copytree(ref, out)
        before = snapshot(out)
        rows.append(judge("run, disk full", archsim("run", str(WORKLOAD), "--out", str(out), "--quiet", cwd=work),
                          out, before))
        out2 = full / "sw"
        rows.append(judge("sweep, disk full", archsim("sweep", str(work / "sweep.yaml"), "--workers", "1", "--out",
                                                      str(out2), "--quiet", cwd=work), out2, {}))
        # read-only file system
        ro = mounted("ro", 4 * size_kb + 1024)
        out = ro / "rep"
        shutil.copytree(ref, out)
        sh("mount", "-o", "remount,ro", str(ro))
        before = snapshot(out)
        rows.append(judge("run, read-only", archsim("run", str(WORKLOAD), "--out", str(out), "--quiet", cwd=work),
                          out, before))
        rows.append(judge("sweep, read-only", archsim("sweep", str(work / "sweep.yaml"), "--workers", "1", "--out",
                                                      str(ro / "sw"), "--quiet", cwd=work), ro / "sw", {}))
        # --out is a file
        f = work / "a_file"
        f.write_text("not a folder\n")
        r = archsim("run", str(WORKLOAD), "--out", str(f), "--quiet", cwd=work)
        rows.append(judge("run, --out is a file", r, work / "no_such_folder", {}))
        rows[-1]["ok"] &= f.read_text() == "not a folder\n"
    finally:
        for m in ("full", "ro"):
            subprocess.run(["umount", str(work / m)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Output faults on real file systems", "", "Command: `sudo python benchmarks/io_faults.py`", "",
             f"{sum(r['ok'] for r in rows)}/{len(rows)} cases gave exit 2, one error line and an unchanged folder.", "",
             "Report files unchanged; live state written before the fault is kept on purpose (a sweep's "
             "points.jsonl holds the points it finished, for the next run).", "",
             "| case | exit | error lines | report unchanged | state kept | left beside it | stderr |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['exit']} | {r['lines']} | {r['unchanged']} | {r['state']} | {r['leftovers']} | "
              f"`{r['stderr'][:160]}` |" for r in rows]
    (args.out / "io_faults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
