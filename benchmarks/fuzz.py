"""Benchmark-scale fuzzing: N inputs of every kind through `archsim check`, `run` and `sweep`.

The inputs are the hostile corpus of tests/fuzz/generate.py followed by seeded mutations of valid
workload, design, tech, sweep, PCM device, PCM inference and jump-table files (round-robin). Each
input runs in a worker process that is reused across inputs (imports are paid once), with a time
limit (default 10 s: a slower input is a hang and its worker is killed) and a memory limit (default
1 GiB of resident memory, polled every 20 ms, and the worker's peak VmHWM reset per input). Each
outcome is classified by tests/fuzz/oracle.py: clean error / accepted / traceback / hang / memory /
accepted nonsense. Results: <out>/README.md (tallies by kind, the command, every input that did
not end cleanly) and <out>/cases.csv (every input).

    python benchmarks/fuzz.py --inputs 2000 [--seed 0] [--out reports/fuzz]
    python benchmarks/fuzz.py --inputs 2000 --code /path/to/other/checkout --label before --out /tmp/f

Run it under `nice` with NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 (~20-30 min
for 2,000 inputs on one core).
"""

from __future__ import annotations

import argparse
import collections
import csv
import multiprocessing as mp
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.02


def _worker(conn, code: str, root: str) -> None:
    """Worker process: import archsim once, then run each case it is sent."""
    sys.path[:0] = [code, root] if code != root else [root]
    os.environ.setdefault("MPLBACKEND", "Agg")
    import warnings

    warnings.simplefilter("ignore")
    from tests.fuzz.oracle import run_case

    import archsim.cli  # noqa: F401 - pay the imports before the first case is timed

    conn.send("ready")
    while True:
        msg = conn.recv()
        if msg is None:
            return
        case, folder = msg
        try:
            outcome = run_case(case, Path(folder))
        except BaseException as exc:  # noqa: BLE001 - the oracle itself failed: report, keep going
            from tests.fuzz.oracle import TRACEBACK, Outcome

            outcome = Outcome(TRACEBACK, f"oracle failed: {type(exc).__name__}: {exc}"[:300])
        conn.send(outcome)


def _status(pid: int, field: str) -> float:
    """VmRSS / VmHWM of a process in MB (0 if gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Worker:
    def __init__(self, code: Path):
        self.code = code
        self.start()

    def start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, str(self.code), str(ROOT)), daemon=True)
        self.proc.start()
        if not self.conn.poll(300) or self.conn.recv() != "ready":
            raise RuntimeError("fuzz worker did not start")
        self.cases = 0

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()

    def run(self, case, folder: Path, time_limit: float, memory_mb: float):
        """(outcome or None, category if killed, seconds, peak MB)."""
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as fh:
                fh.write("5")                              # reset the peak resident size (VmHWM)
        except OSError:
            pass
        t0 = time.perf_counter()
        self.conn.send((case, str(folder)))
        peak = 0.0
        while True:
            if self.conn.poll(POLL_S):
                outcome = self.conn.recv()
                peak = max(peak, _status(self.proc.pid, "VmHWM"))
                self.cases += 1
                return outcome, None, time.perf_counter() - t0, peak
            rss = _status(self.proc.pid, "VmRSS")
            peak = max(peak, rss)
            elapsed = time.perf_counter() - t0
            killed = "memory" if rss > memory_mb else "hang" if elapsed > time_limit else None
            if killed or not self.proc.is_alive():
                self.kill()
                self.start()
                return None, killed or "traceback", elapsed, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per input")
    ap.add_argument("--memory-mb", type=float, default=1024.0, help="resident memory per input, MB")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose archsim is tested")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "fuzz")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.fuzz.generate import KINDS, cases
    from tests.fuzz.oracle import CATEGORIES, Outcome

    inputs = cases(args.inputs, args.seed)
    work = Path(tempfile.mkdtemp(prefix="archsim-fuzz-"))
    worker = Worker(args.code)
    rows, t_start = [], time.perf_counter()
    try:
        for i, case in enumerate(inputs):
            folder = work / f"{i:05d}"
            outcome, killed, seconds, peak = worker.run(case, folder, args.time_limit, args.memory_mb)
            if outcome is None:
                outcome = Outcome(killed, {"hang": f"still running after {args.time_limit:g} s",
                                           "memory": f"above {args.memory_mb:g} MB"}.get(killed, "worker died"))
            elif outcome.category == "accepted" and peak > args.memory_mb:
                outcome = Outcome("memory", f"peak {peak:.0f} MB")
            rows.append({"input": i, "name": case.name, "kind": case.kind, "origin": case.origin[:200],
                         "category": outcome.category, "step": outcome.step, "seconds": round(seconds, 3),
                         "peak_mb": round(peak), "detail": outcome.detail.replace("\n", " ")[:300]})
            shutil.rmtree(folder, ignore_errors=True)
            if (i + 1) % 100 == 0:
                tally = collections.Counter(r["category"] for r in rows)
                print(f"{i + 1}/{len(inputs)} in {time.perf_counter() - t_start:.0f} s: {dict(tally)}", flush=True)
    finally:
        try:
            worker.conn.send(None)
            worker.proc.join(5)
        except OSError:
            pass
        if worker.proc.is_alive():
            worker.kill()
        shutil.rmtree(work, ignore_errors=True)
    write_results(args, rows, KINDS, CATEGORIES, time.perf_counter() - t_start)


def write_results(args, rows: list[dict], kinds, categories, seconds: float) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = f"_{args.label}" if args.label else ""
    with open(args.out / f"cases{suffix}.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    table = ["| kind | inputs | " + " | ".join(categories) + " |", "|---|---:|" + "---:|" * len(categories)]
    for kind in (*kinds, "all"):
        sub = [r for r in rows if kind == "all" or r["kind"] == kind]
        c = collections.Counter(r["category"] for r in sub)
        name = f"**{kind}**" if kind == "all" else kind
        table.append(f"| {name} | {len(sub)} | " + " | ".join(str(c.get(k, 0)) for k in categories) + " |")
    by_step = collections.Counter((r["step"] or "-") for r in rows)
    slow = sorted(rows, key=lambda r: -r["seconds"])[:5]
    bad = [r for r in rows if r["category"] not in ("clean error", "accepted")]
    command = (f"NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 10 python benchmarks/fuzz.py "
               f"--inputs {args.inputs} --seed {args.seed} --time-limit {args.time_limit:g} --memory-mb "
               f"{args.memory_mb:g}" + (f" --code {args.code} --label {args.label}" if args.label else "")
               + (f" --out {args.out}" if args.out != ROOT / "reports" / "fuzz" else ""))
    lines = [f"# Fuzzing archsim{': ' + args.label if args.label else ''}", "",
             f"Command: `{command}`", "",
             f"{len(rows)} inputs ({sum(r['origin'].startswith('corpus') for r in rows)} from the hostile corpus, "
             f"the rest seeded mutations), {seconds / 60:.1f} min on {platform.machine()} "
             f"({time.strftime('%Y-%m-%d', time.gmtime())}); per input at most {args.time_limit:g} s and "
             f"{args.memory_mb:g} MB resident. Last step reached: "
             + ", ".join(f"{k} {v}" for k, v in sorted(by_step.items())) + ".", "",
             *table, "",
             f"Peak resident memory of the worker over all inputs: {max(r['peak_mb'] for r in rows)} MB; slowest "
             "inputs: " + ", ".join(f"{r['name']} {r['seconds']:.1f} s" for r in slow) + ".", "",
             f"## Inputs that did not end cleanly ({len(bad)})", ""]
    lines += [f"- `{r['name']}` ({r['kind']}, {r['step']}): **{r['category']}**: {r['detail']} "
              f"[{r['origin']}]" for r in bad[:200]] or ["(none)"]
    (args.out / f"README{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:len(table) + 8]))


if __name__ == "__main__":
    main()
