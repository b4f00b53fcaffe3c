"""Probe helpers (benchmarks/probes/*.py): build a crossbar trainer for a workload with functional overrides
(key=value arguments), train with the refresh called from Python so that each refresh can be inspected."""
import sys, time
from pathlib import Path
import numpy as np
import os
ROOT = Path(os.environ.get('PROBE_ROOT', Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(ROOT))
from archsim.config.functional import FunctionalConfig
from archsim.config.loader import load, validate
from archsim.config.workload import Workload
from archsim.functional import run as R
from archsim.functional.devices.model import load_device
from archsim.functional.training import fused_dense as FK
from archsim.functional.training.strategy import epoch_order
from archsim.functional.crossbar.refresh import refresh_pairs
from archsim.functional.crossbar.update import STAT_NAMES, N_STATS

def build(workload, algorithm='mca', seed=0, **upd):
    path = ROOT / workload
    wl = load(Workload, path)
    cfg = validate(FunctionalConfig, {**wl.functional.model_dump(), **upd}, path, 'functional')
    wl = wl.model_copy(update={'functional': cfg})
    link = R.crossbar_link(wl, path, cfg.design, None)
    cb = R.crossbar_settings(cfg, link, wl.network, path)
    data = R.load_run_data(cfg.dataset, None, cfg.train_images, cfg.test_images, wl.network, path, progress=False,
                           crop=cfg.input_crop)
    dev = load_device(cfg.device, path)
    tr = R.make_trainer(wl, algorithm, seed, cb, dev)
    tr.init(seed)
    return tr, data, cfg

def train_images(tr, x, y, order, seed, epoch, lo, hi, on_refresh=None, interval=100, refresh_P=None):
    """Train order[lo:hi] in 100-image chunks; refresh from Python (so the caller can inspect each)."""
    hp = tr._hp(tr.settings.schedule.at(epoch))
    st, (acts, has_bias, ip, adc_fwd, adc_bwd) = tr.state_, tr.fused
    ip = ip.copy(); ip[FK.I_REFRESH_INTERVAL] = 0
    cb = tr.cb
    correct = 0
    for s in range(lo, hi, interval):
        c, _ = FK.train_chunk(x, y, order, s, min(s + interval, hi), tuple(st.gp), tuple(st.gm), tuple(st.np_),
                              tuple(st.nm), tuple(st.chi), acts, has_bias, *tr.device.arrays, hp, ip, adc_fwd,
                              adc_bwd, st.counter, tr.stats)
        correct += c
        if cb.refresh_interval_images and st.counter[0] % cb.refresh_interval_images == 0:
            for k in range(len(st.gp)):
                before = (st.gp[k].copy(), st.gm[k].copy())
                s0 = tr.stats[k].copy()
                refresh_pairs(st.gp[k], st.gm[k], st.np_[k], st.nm[k], cb.refresh_threshold_us,
                              cb.refresh_lower_threshold_us, cb.refresh_tolerance_us, cb.refresh_max_pulses,
                              cb.refresh_read_averages, cb.refresh_pulsed, tr.device.kind, tr.device.params if refresh_P is None else refresh_P, *tr.device.arrays[2:], tr.stats[k])
                if on_refresh:
                    on_refresh(k, before, tr.stats[k] - s0)
    tr._changed()
    return correct

def test_acc(tr, data, seed, epoch):
    return tr.test_correct(data.x_test, data.y_test, seed, epoch) / len(data.x_test)

S = {n: i for i, n in enumerate(STAT_NAMES)}


def overrides(args: dict) -> dict:
    """Functional overrides from key=value strings, typed by the FunctionalConfig field's default."""
    out = {}
    for k, v in args.items():
        d = FunctionalConfig.model_fields[k].default
        out[k] = v if isinstance(d, str) or k == 'device' else (float(v) if d is None or isinstance(d, float) else int(v))
    return out
