"""Device models: gradual-SET step statistics vs the formula, drift exponent recovery, jump tables."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.config.errors import ConfigError
from archsim.functional.devices import load_device
from archsim.functional.devices import kernels as K
from archsim.functional.devices.jump_table import load_table, mean_step_us, synthetic_table
from archsim.functional.devices.model import DeviceModel


def steps(dev: DeviceModel, g: float, n: int, count: int = 200_000, reset: bool = False, seed: int = 1):
    return K.sample_steps(*dev.arrays, g, n, count, reset, seed)


def unclipped(dev: DeviceModel) -> DeviceModel:
    """Copy of a device with the conductance bounds moved far away (samples follow the raw law)."""
    p = dev.params.copy()
    p[K.P_G_MIN], p[K.P_G_MAX] = -1e3, 1e3
    return DeviceModel(dev.name, dev.kind, p, dev.g_edges_us, dev.dg_grid_us, dev.set_cdf, dev.reset_cdf)


@pytest.mark.parametrize("g, n", [(0.1, 0), (1.6, 3), (4.0, 10), (9.0, 50)])
def test_gradual_set_mean_and_std_follow_formula(g, n):
    dev = unclipped(load_device("gradual_set"))
    p = dev.params
    decay = np.exp(-n / p[K.P_ALPHA])
    mean = p[K.P_M1] * g + p[K.P_C1] + p[K.P_A1] * decay
    std = p[K.P_M2] * g + p[K.P_C2] + p[K.P_A2] * decay
    dg = steps(dev, g, n)
    assert abs(dg.mean() - mean) < 5 * std / np.sqrt(dg.size)
    assert dg.std() == pytest.approx(std, rel=0.01)


def test_conductance_stays_within_bounds():
    dev = load_device("gradual_set")
    g = 11.5 + steps(dev, 11.5, 0, count=20_000)
    assert g.min() >= dev.p(K.P_G_MIN) and g.max() <= dev.p(K.P_G_MAX)


def test_reset_goes_to_reset_level():
    dev = load_device("gradual_set")
    dg = steps(dev, 8.0, 20, count=50_000, reset=True)
    assert (8.0 + dg).mean() == pytest.approx(dev.p(K.P_G_RESET), abs=0.01)


def test_drift_exponent_recovered_from_noisy_reads():
    """Reads of many devices at log-spaced times: slope of log(mean read) vs log t = −mean ν."""
    dev = load_device("gradual_set")
    p = dev.params
    rng = np.random.default_rng(3)
    g0 = rng.uniform(2, 10, 20_000)
    nu = np.maximum(rng.normal(p[K.P_NU_MEAN], p[K.P_NU_STD], g0.size), 0)
    times = np.logspace(2, 6.5, 8)
    means = []
    for t in times:
        g = g0 * (t / p[K.P_T0_S]) ** (-nu)
        reads = g + (p[K.P_NOISE_SLOPE] * g + p[K.P_NOISE_OFFSET_US]) * rng.standard_normal(g.size)
        means.append(np.median(np.log(reads / g0)))
    slope = np.polyfit(np.log(times / p[K.P_T0_S]), means, 1)[0]
    assert -slope == pytest.approx(p[K.P_NU_MEAN], abs=0.003)
    # the kernel's drift law agrees with the closed form
    assert K.drifted(5.0, 0.05, 1e4, p) == pytest.approx(5.0 * (1e4 / p[K.P_T0_S]) ** -0.05)
    assert K.drifted(5.0, 0.05, 10.0, p) == 5.0  # before t0 there is no drift


@pytest.mark.parametrize("shape_kw", [dict(), dict(linear_fraction=0.4, min_max_ratio=0.1),
                                      dict(linear_fraction=0.0, min_max_ratio=0.05)])
def test_jump_table_sampling_reproduces_cdf(shape_kw):
    table = synthetic_table(0.0, 10.0, n_bins=16, step_us=0.8, step_std_fraction=0.5, **shape_kw)
    dev = unclipped(DeviceModel("t", K.KIND_JUMP_TABLE, load_device("jump_table").params, table.g_edges_us,
                                table.dg_grid_us, table.set_cdf, table.reset_cdf))
    for g in (0.3, 5.1, 9.7):
        b = int(np.searchsorted(table.g_edges_us, g, side="right") - 1)
        for pulse, cdf in ((False, table.set_cdf[b]), (True, table.reset_cdf[b])):
            dg = np.sort(steps(dev, g, 0, count=100_000, reset=pulse, seed=7))
            empirical = np.searchsorted(dg, table.dg_grid_us, side="right") / dg.size
            assert np.max(np.abs(empirical - cdf)) < 0.01  # Kolmogorov-Smirnov distance


def test_synthetic_shapes():
    g = np.array([0.0, 10.0])
    full = mean_step_us(g, 0, 10, 1.0, 0.0, 0.1)
    assert full[1] / full[0] == pytest.approx(0.1)  # fully non-linear: min/max step ratio, largest at g_min
    part = mean_step_us(np.array([0.0, 3.0, 5.0, 9.0]), 0, 10, 1.0, 0.5, 0.1)
    assert part[0] > part[1] > part[2] == pytest.approx(part[3])  # initial non-linear region, then linear
    assert part[2] / part[0] == pytest.approx(0.1)
    mid = (np.arange(10000) + 0.5) * 1e-3  # midpoints of 1e-3 µS slices of [0, 10] µS
    for lf, ratio in ((1.0, 1.0), (0.5, 0.1), (0.0, 0.05)):  # every shape: range/step_us pulses per sweep
        pulses = np.sum(1e-3 / mean_step_us(mid, 0, 10, 0.5, lf, ratio))
        assert pulses == pytest.approx(10 / 0.5, rel=1e-3)
    t = synthetic_table(0, 10, n_bins=4, step_us=1.0, step_std_fraction=0.1, reset_asymmetry=2.0)
    mean = lambda cdf: float(np.sum(np.diff(cdf) * 0.5 * (t.dg_grid_us[1:] + t.dg_grid_us[:-1])))  # noqa: E731
    assert mean(t.set_cdf[1]) == pytest.approx(1.0, abs=0.01)
    assert mean(t.reset_cdf[1]) == pytest.approx(-2.0, abs=0.02)


def test_user_tables_csv_and_npz_round_trip(tmp_path):
    t = synthetic_table(0, 10, n_bins=3, step_us=1.0, step_std_fraction=0.3)
    np.savez(tmp_path / "t.npz", g_edges_us=t.g_edges_us, dg_grid_us=t.dg_grid_us, set_cdf=t.set_cdf,
             reset_cdf=t.reset_cdf)
    assert np.allclose(load_table(tmp_path / "t.npz").set_cdf, t.set_cdf)
    rows = [(pulse, t.g_edges_us[b], t.g_edges_us[b + 1], dg, cdf[b, k])
            for pulse, cdf in (("set", t.set_cdf), ("reset", t.reset_cdf))
            for b in range(3) for k, dg in enumerate(t.dg_grid_us)]
    import pandas as pd
    pd.DataFrame(rows, columns=["pulse", "g_lo_us", "g_hi_us", "dg_us", "cdf"]).to_csv(tmp_path / "t.csv", index=False)
    loaded = load_table(tmp_path / "t.csv")
    assert np.allclose(loaded.reset_cdf, t.reset_cdf) and np.allclose(loaded.g_edges_us, t.g_edges_us)
    np.savez(tmp_path / "bad.npz", g_edges_us=t.g_edges_us)
    with pytest.raises(ConfigError, match="missing arrays"):
        load_table(tmp_path / "bad.npz")


def test_device_yaml_errors_are_config_errors(tmp_path):
    bad = tmp_path / "d.yaml"
    bad.write_text("kind: pcm_device\nmodel: gradual_set\nalpha: {value: 2.6}\n")
    with pytest.raises(ConfigError) as err:
        load_device(str(bad))
    assert "alpha.source" in str(err.value) and "m1" in str(err.value)
    with pytest.raises(ConfigError, match="neither a built-in"):
        load_device("nope.yaml", tmp_path / "w.yaml")


def test_every_tech_number_has_a_source():
    import yaml
    from archsim.resources import tech_dir
    for name in ("pcm_gradual_set.yaml", "pcm_jump_table.yaml", "pcm_ideal.yaml"):
        def walk(node):
            if isinstance(node, dict):
                if "value" in node:
                    assert isinstance(node["value"], (int, float)) and len(node.get("source", "")) > 3, node
                    return
                for v in node.values():
                    walk(v)
            else:
                assert not isinstance(node, float), (name, node)
        walk(yaml.safe_load((tech_dir() / name).read_text()))
