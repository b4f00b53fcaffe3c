"""Direct update (or any crossbar algorithm) on the reference MLP: realised vs nominal ΔW of the pulses per
100-image window (bias fitted against w), refreshes per pair, what each refresh does to |w|. Slow
(~7 min per epoch: it copies the devices every 100 images).

    ARCHSIM_DATA=../shared/data/mnist python benchmarks/probes/direct_pulses.py epochs_probe=2
"""
import sys; sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent))
from common import *
args = dict(a.split('=', 1) for a in sys.argv[1:])
alg = args.pop('alg', 'direct'); nep = int(args.pop('epochs_probe', 2)); rnoise = args.pop('refresh_noise', '1') == '1'
wlp = args.pop('workload', 'workloads/mlp_mnist_mca.yaml')
upd = {'seeds': [0], 'update_bits': 0, 'learning_rate': 0.05}
upd.update(overrides(args))
tr, data, cfg = build(wlp, algorithm=alg, **upd)
print(alg, upd, 'eps', tr.eps, 'beta', tr.betas)
x, y = data.x_train, data.y_train
seed = 0
for epoch in range(nep):
    order = epoch_order(seed, epoch, len(x))
    FK.seed_numba(1000 + epoch)
    tr.stats[:] = 0
    st = tr.state_
    acc = {'nom': [[], []], 'real': [[], []], 'w': [[], []]}
    rf = {k: [0, 0.0, 0.0, 0] for k in range(2)}   # refreshed pairs, sum d|w|, sum dw^2, shrunk
    counts = [np.zeros(g.shape, np.int32) for g in st.gp]
    snap = {}
    def on_refresh(k, before, ds):
        gp0, gm0 = before
        gp1, gm1 = st.gp[k], st.gm[k]
        ch = (gp0 != gp1) | (gm0 != gm1)
        if not ch.any(): return
        counts[k][ch] += 1
        w0 = (gp0 - gm0)[ch] * tr.betas[k]; w1 = (gp1 - gm1)[ch] * tr.betas[k]
        r = rf[k]; r[0] += ch.sum(); r[1] += (np.abs(w1) - np.abs(w0)).sum(); r[2] += ((w1 - w0) ** 2).sum(); r[3] += (np.abs(w1) < np.abs(w0)).sum()
    RP = tr.device.params.copy()
    if not rnoise: RP[4] = 0; RP[5] = 0
    t = time.time(); c = 0
    for s in range(0, len(order), 100):
        b = [(st.gp[k].copy(), st.gm[k].copy(), st.np_[k].copy(), st.nm[k].copy()) for k in range(2)]
        # train 100 images without refresh, then measure realised vs nominal, then refresh
        hp = tr._hp(tr.settings.schedule.at(epoch)); acts, has_bias, ip, af, ab = tr.fused; ip = ip.copy(); ip[FK.I_REFRESH_INTERVAL] = 0
        c += FK.train_chunk(x, y, order, s, s + 100, tuple(st.gp), tuple(st.gm), tuple(st.np_), tuple(st.nm), tuple(st.chi),
                            acts, has_bias, *tr.device.arrays, hp, ip, af, ab, st.counter, tr.stats)[0]
        if s % 2000 == 0:
            for k in range(2):
                gp0, gm0, n0, m0 = b[k]
                dn = (st.np_[k] - n0).astype(float) - (st.nm[k] - m0)
                nom = tr.eps[k] * dn
                real = tr.betas[k] * ((st.gp[k] - gp0) - (st.gm[k] - gm0))
                acc['nom'][k].append(nom.ravel()); acc['real'][k].append(real.ravel()); acc['w'][k].append((tr.betas[k] * (gp0 - gm0)).ravel())
        for k in range(2):
            before = (st.gp[k].copy(), st.gm[k].copy()); s0 = tr.stats[k].copy()
            refresh_pairs(st.gp[k], st.gm[k], st.np_[k], st.nm[k], tr.cb.refresh_threshold_us, tr.cb.refresh_lower_threshold_us,
                          tr.cb.refresh_tolerance_us, tr.cb.refresh_max_pulses, tr.cb.refresh_read_averages, tr.cb.refresh_pulsed, tr.device.kind, RP,
                          *tr.device.arrays[2:], tr.stats[k])
            on_refresh(k, before, tr.stats[k] - s0)
    tr._changed()
    a = test_acc(tr, data, seed, epoch)
    print(f'epoch {epoch+1}: train {c/len(order):.4f} test {a:.4f} ({time.time()-t:.0f}s, lr {tr.settings.schedule.at(epoch):.4f})')
    for k in range(2):
        S_ = tr.stats[k]
        nom = np.concatenate(acc['nom'][k]); real = np.concatenate(acc['real'][k]); w = np.concatenate(acc['w'][k])
        m = nom != 0
        bias = real - nom
        # regress bias on w over pulsed weights: bias ≈ a + b*w
        bcoef = np.polyfit(w[m], bias[m], 1) if m.sum() > 10 else (0, 0)
        npul = np.abs(nom[m]).sum() / tr.eps[k]
        r = rf[k]
        cnt = counts[k]
        print(f'  layer {k}: SET {S_[S["set_pulses"]]:.3g} refreshes {S_[S["refreshes"]]:.3g} ({S_[S["refreshes"]]/cnt.size:.2f}/pair, max {cnt.max()}), '
              f'refresh SET {S_[S["refresh_set_pulses"]]:.3g}; realised/nominal sum|.| {np.abs(real[m]).sum()/max(np.abs(nom[m]).sum(),1e-12):.3f}; '
              f'bias per net pulse vs w: slope {bcoef[0]*tr.eps[k]/max(npul/m.sum(),1e-12):+.4f}·w? raw fit bias = {bcoef[1]:+.4f} {bcoef[0]:+.4f}·w (per 100-image window)')
        if r[0]:
            print(f'     refresh: mean d|w| {r[1]/r[0]:+.4f} (eps {tr.eps[k]}), rms dw {np.sqrt(r[2]/r[0]):.4f}, shrunk {r[3]/r[0]:.2f}')
        gp, gm = st.gp[k], st.gm[k]
        print(f'     mean G {gp.mean():.2f}/{gm.mean():.2f}, |w| p50/p90/p99 {np.percentile(np.abs(gp-gm)*tr.betas[k],[50,90,99]).round(3)}, '
              f'max G > 9: {(np.maximum(gp,gm)>9).mean():.3f}')
