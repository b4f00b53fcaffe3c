"""MCA on the jump-table study's linear device with every refresh inspected: pulses and reads per refresh,
re-written difference vs the read one, pairs refreshed repeatedly (reports/jump_table_study/README.md).

    ARCHSIM_DATA=../shared/data/mnist python benchmarks/probes/refresh_training.py refresh_read_averages=1 [refresh_noise=0] [epochs_probe=2]

refresh_noise=0: refresh reads without noise (the diagnosis' control); other key=value pairs override functional keys.
"""
import sys; sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent))
from common import *
import collections
dev = str(ROOT / 'reports/jump_table_study/devices/lf1_mm1_r1.yaml')
extra = dict(a.split('=') for a in sys.argv[1:])
rnoise = extra.pop('refresh_noise', '1') == '1'
nep = int(extra.pop('epochs_probe', 2))
upd = {'device': dev, 'seeds': [0]}
upd.update(overrides(extra))
tr, data, cfg = build('workloads/jump_table_mca.yaml', **upd)
print('cb', tr.cb.refresh_threshold_us, tr.cb.refresh_lower_threshold_us, tr.cb.refresh_tolerance_us, tr.cb.refresh_max_pulses, tr.cb.refresh_pulsed, tr.eps, tr.betas)
x, y, seed = data.x_train, data.y_train, 0
for epoch in range(nep):
    order = epoch_order(seed, epoch, len(x))
    FK.seed_numba(1000 + epoch)
    tr.stats[:] = 0
    rec = collections.defaultdict(list)
    counts = [np.zeros(g.shape, np.int32) for g in tr.state_.gp]
    def on_refresh(k, before, ds):
        gp0, gm0 = before
        gp1, gm1 = tr.state_.gp[k], tr.state_.gm[k]
        ch = (gp0 != gp1) | (gm0 != gm1)
        n = int(ds[S['refreshes']])
        if n == 0: return
        counts[k][ch] += 1
        d0 = np.abs(gp0 - gm0)[ch]; d1 = np.abs(gp1 - gm1)[ch]
        cap = tr.cb.refresh_threshold_us - 0.1 - 2 * tr.cb.refresh_tolerance_us
        rec[k].append((n, ds[S['reset_pulses']], ds[S['refresh_set_pulses']], ds[S['refresh_reads']] - 2 * gp0.size,
                       np.mean(np.abs(d1 - np.minimum(d0, cap))), np.sqrt(np.mean(((gp1-gm1)-(gp0-gm0))[ch]**2)),
                       np.mean(np.maximum(gp1, gm1)[ch]), np.mean(np.minimum(gp1, gm1)[ch]), np.mean(d0)))
    t = time.time()
    RP = tr.device.params.copy()
    if not rnoise: RP[5] = 0; RP[4] = 0
    c = train_images(tr, x, y, order, seed, epoch, 0, len(order), on_refresh, refresh_P=RP)
    acc = test_acc(tr, data, seed, epoch)
    print(f'epoch {epoch+1}: train {c/len(order):.4f} test {acc:.4f} ({time.time()-t:.0f}s)')
    for k in range(2):
        st = tr.stats[k]
        if not rec[k]:
            print(f'  layer {k}: upd SET {st[S["set_pulses"]]:.0f}, no refreshes')
            continue
        a = np.array(rec[k])
        n = a[:, 0].sum()
        print(f'  layer {k}: upd SET {st[S["set_pulses"]]:.0f}, refreshes {n:.0f}, per refresh: RESET {a[:,1].sum()/max(n,1):.1f} '
              f'SET {a[:,2].sum()/max(n,1):.2f} verify reads {a[:,3].sum()/max(n,1):.1f}; '
              f'mean | |d1|-min(|d0|,cap) | {np.average(a[:,4], weights=a[:,0]):.3f} uS, rms signed change {np.average(a[:,5], weights=a[:,0]):.3f} uS, '
              f'after: hi {np.average(a[:,6], weights=a[:,0]):.2f} lo {np.average(a[:,7], weights=a[:,0]):.2f}; before |d| {np.average(a[:,8], weights=a[:,0]):.2f}')
        cnt = counts[k]
        print('   pairs refreshed 0/1/2/3-5/6-10/>10 times:', [(cnt == 0).sum(), (cnt == 1).sum(), (cnt == 2).sum(), ((cnt >= 3) & (cnt <= 5)).sum(), ((cnt >= 6) & (cnt <= 10)).sum(), (cnt > 10).sum()])
        gp, gm = tr.state_.gp[k], tr.state_.gm[k]
        print('   mean G', gp.mean(), gm.mean(), ' |W| pct', np.percentile(np.abs(gp-gm)*tr.betas[k], [50, 90, 99]))
