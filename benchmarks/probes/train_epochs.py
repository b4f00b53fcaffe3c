"""Train a few epochs with the engine's own loop; print accuracy and pulse/refresh counts per epoch.

    ARCHSIM_DATA=../shared/data/mnist python benchmarks/probes/train_epochs.py alg=direct device=ideal epochs_probe=3

Defaults: workloads/mlp_mnist_mca.yaml at full precision, η 0.05 (the direct ablation's settings); key=value
pairs override functional keys (workload=..., alg=...).
"""
import sys; sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent))
from common import *
args = dict(a.split('=', 1) for a in sys.argv[1:])
alg = args.pop('alg', 'direct'); nep = int(args.pop('epochs_probe', 2))
wlp = args.pop('workload', 'workloads/mlp_mnist_mca.yaml')
upd = {'seeds': [0]}
if 'mnist_mca' in wlp: upd.update({'update_bits': 0, 'learning_rate': 0.05})
upd.update(overrides(args))
tr, data, cfg = build(wlp, algorithm=alg, **upd)
print(alg, upd, flush=True)
for epoch in range(nep):
    order = epoch_order(0, epoch, len(data.x_train))
    c, loss, ips = tr.train_epoch(data.x_train, data.y_train, order, 0, epoch, progress=False)
    a = test_acc(tr, data, 0, epoch)
    s = tr.stats
    print(f"G checksum {sum(float(g.sum()) for g in tr.state_.gp):.10f}"); print(f'epoch {epoch+1}: train {c/len(order):.4f} test {a:.4f} {ips:.0f} img/s; SET/layer {s[:, S["set_pulses"]].round(-3)} '
          f'refreshes {s[:, S["refreshes"]]} refresh SET {s[:, S["refresh_set_pulses"]].sum():.3g} RESET {s[:, S["reset_pulses"]].sum():.3g}', flush=True)
