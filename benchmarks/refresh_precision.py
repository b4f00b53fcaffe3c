"""How precisely a refresh re-writes a pair's difference, vs reads averaged per refresh read.

    python benchmarks/refresh_precision.py [--device reports/jump_table_study/devices/lf1_mm1_r1.yaml]

Pairs at (G⁺, G⁻) both high (G⁺ 9.3 µS above the 9 µS threshold, G⁻ 7.4 / 5.0 / 2.5 µS) are refreshed
once by crossbar/refresh.py (tolerance 0.06 µS = half a step of the jump-table study device, at most
200 pulses per step); printed: the error of the re-written difference (mean and rms, µS), pulses and
reads per refresh, for RESET-pulse and full-RESET refresh and 1, 4, 16, 64 reads per read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from archsim.functional.crossbar.refresh import refresh_pairs
from archsim.functional.crossbar.update import N_STATS, S_REFRESH_READS, S_REFRESH_SET, S_RESET
from archsim.functional.devices import load_device
from archsim.functional.training.fused_dense import seed_numba

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default=str(ROOT / "reports/jump_table_study/devices/lf1_mm1_r1.yaml"))
    ap.add_argument("--tolerance-us", type=float, default=0.06)
    args = ap.parse_args()
    dev = load_device(args.device)
    print("refresh      G+/G- (uS)  reads  refreshed  error mean (uS)  error rms (uS)  RESET  SET  reads/refresh")
    for pulsed in (True, False):
        for hi, lo in ((9.3, 7.4), (9.3, 5.0), (9.3, 2.5)):
            for reads in (1, 4, 16, 64):
                gp, gm = np.full((60, 60), hi), np.full((60, 60), lo)
                n = np.zeros(gp.shape, np.int32)
                stats = np.zeros(N_STATS)
                seed_numba(4)
                refresh_pairs(gp, gm, n, n.copy(), 9.0, 2.0, args.tolerance_us, 200, reads, pulsed, *dev.arrays, stats)
                done = np.minimum(gp, gm) < 1.0
                k = max(int(done.sum()), 1)
                err = (gp - gm)[done] - (hi - lo)
                print(f"{'pulses' if pulsed else 'full'}       {hi:4.1f}/{lo:3.1f}  {reads:6d}  {done.mean():9.2f}  "
                      f"{err.mean():+15.3f}  {np.sqrt(np.mean(err ** 2)):14.3f}  {stats[S_RESET] / k:5.1f}  "
                      f"{stats[S_REFRESH_SET] / k:4.1f}  {(stats[S_REFRESH_READS] - 2 * gp.size) / k:13.0f}")


if __name__ == "__main__":
    main()
