"""Jump tables after Sidler et al. (2016): the generators reproduce their median responses, the ΔG grid
holds any table, and bad user files get one clear message naming the file and the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archsim.config.errors import ConfigError
from archsim.functional.datasets.transforms import centre_crop
from archsim.functional.devices import kernels as K
from archsim.functional.devices import load_device
from archsim.functional.devices.jump_table import load_table, mean_step_us, synthetic_table
from archsim.functional.devices.model import DeviceModel

G_MIN, G_MAX, STEP = 0.0, 12.0, 0.12
SHAPES = {
    "linear": dict(),
    "asymmetric": dict(reset_asymmetry=3.0),
    "initial_nonlinear": dict(linear_fraction=0.75, min_max_ratio=0.1),
    "extent": dict(linear_fraction=0.25, min_max_ratio=0.1),
    "fully_nonlinear": dict(linear_fraction=0.0, min_max_ratio=0.05),
}


def _device(table) -> DeviceModel:
    p = load_device("jump_table").params.copy()
    p[K.P_G_MIN], p[K.P_G_MAX] = G_MIN, G_MAX
    return DeviceModel("t", K.KIND_JUMP_TABLE, p, table.g_edges_us, table.dg_grid_us, table.set_cdf, table.reset_cdf)


@pytest.mark.parametrize("name", list(SHAPES))
def test_generated_tables_reproduce_their_median_steps(name):
    kw = SHAPES[name]
    t = synthetic_table(G_MIN, G_MAX, n_bins=24, step_us=STEP, step_std_fraction=0.3, **kw)
    dev = _device(t)
    centres = 0.5 * (t.g_edges_us[:-1] + t.g_edges_us[1:])
    want_set = mean_step_us(centres, G_MIN, G_MAX, STEP, kw.get("linear_fraction", 1.0), kw.get("min_max_ratio", 1.0))
    for b in range(1, 23, 3):  # away from the clipped ends
        g = centres[b]
        dset = K.sample_steps(*dev.arrays, g, 0, 20000, False, b)
        dres = K.sample_steps(*dev.arrays, g, 0, 20000, True, 100 + b)
        assert np.median(dset) == pytest.approx(want_set[b], rel=0.02)
        assert np.median(dres) == pytest.approx(-kw.get("reset_asymmetry", 1.0) * STEP, rel=0.02)  # RESET linear
    if "min_max_ratio" in kw:
        ends = mean_step_us(np.array([G_MIN, G_MAX]), G_MIN, G_MAX, STEP, kw["linear_fraction"], kw["min_max_ratio"])
        assert ends[1] / ends[0] == pytest.approx(kw["min_max_ratio"])


@pytest.mark.parametrize("name", ["linear", "initial_nonlinear", "fully_nonlinear"])
def test_median_response_crosses_the_range_in_range_over_step_pulses(name):
    """Median device trajectory from g_min: a full sweep takes (g_max − g_min)/step_us SET pulses."""
    kw = SHAPES[name]
    t = synthetic_table(G_MIN, G_MAX, n_bins=128, step_us=0.05, step_std_fraction=0.0, **kw)
    dev = _device(t)
    g, pulses = G_MIN, 0
    while g < G_MAX - 1e-9 and pulses < 1000:
        g = K.set_pulse(*dev.arrays[:5], g, pulses)
        pulses += 1
    assert pulses == pytest.approx((G_MAX - G_MIN) / 0.05, rel=0.03)


def test_grid_holds_every_row_whatever_the_step_ratio():
    t = synthetic_table(G_MIN, G_MAX, n_bins=32, step_us=STEP, step_std_fraction=0.5, linear_fraction=0.0,
                        min_max_ratio=0.01, reset_asymmetry=10.0)
    raw_lo = t.set_cdf[:, 1]  # second grid point: the CDF must still be ~0 there for every row
    assert np.all(raw_lo < 1e-6) and np.all(t.reset_cdf[:, -2] > 1 - 1e-6)
    for cdf in (t.set_cdf, t.reset_cdf):  # every row resolved by ≥ 20 grid points between its 1 % and 99 %
        inside = ((cdf > 0.01) & (cdf < 0.99)).sum(axis=1)
        assert inside.min() >= 20


def _write_csv(path, t, drop=None, edit=None):
    rows = [(pulse, t.g_edges_us[b], t.g_edges_us[b + 1], dg, cdf[b, k])
            for pulse, cdf in (("set", t.set_cdf), ("reset", t.reset_cdf))
            for b in range(t.set_cdf.shape[0]) for k, dg in enumerate(t.dg_grid_us)]
    df = pd.DataFrame(rows, columns=["pulse", "g_lo_us", "g_hi_us", "dg_us", "cdf"])
    if edit is not None:
        df = edit(df)
    if drop is not None:
        df = df.drop(columns=drop)
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def table():
    return synthetic_table(0, 10, n_bins=3, step_us=1.0, step_std_fraction=0.3)


def _flip(df):
    df.loc[5, "cdf"], df.loc[6, "cdf"] = df.loc[6, "cdf"], df.loc[5, "cdf"] + 0.3
    return df


@pytest.mark.parametrize("case, match", [
    ("wrong_columns", r"CSV needs columns .*missing \['cdf'\]"),
    ("nan", r"column 'cdf' has non-numeric, NaN or inf values in data row\(s\) \[3\]"),
    ("text", r"column 'dg_us' has non-numeric"),
    ("non_monotone", r"set_cdf: CDF decreases along ΔG in bin\(s\) \[0\]"),
    ("not_ending_at_1", r"reset_cdf: CDF must reach 1"),
    ("missing_bin", r"set and reset tables have different conductance bins"),
    ("short_bin", r"reset table: bin\(s\) starting at g_lo_us .* ΔG points, expected"),
    ("gap", r"contiguous"),
    ("bad_pulse", r"allowed values set, reset; got \['potentiate'\]"),
    ("missing_pulse", r"allowed values set, reset; got \['nan'\]"),     # fuzz: empty cell mixed with text
    ("numeric_pulse", r"allowed values set, reset; got \['1.5'\]"),
    ("empty", r"the file is empty"),
    ("header_only", r"header but no rows"),
    ("latin1", r"not UTF-8 text"),
])
def test_bad_csv_tables_get_one_clear_message(tmp_path, table, case, match):
    p = tmp_path / f"{case}.csv"
    n = table.dg_grid_us.size
    edits = {
        "nan": lambda df: df.assign(cdf=df["cdf"].where(df.index != 2, np.nan)),
        "text": lambda df: df.astype({"dg_us": object}).assign(dg_us=lambda d: d["dg_us"].where(d.index != 0, "abc")),
        "non_monotone": _flip,
        "not_ending_at_1": lambda df: df.assign(cdf=df["cdf"].where(df.index != len(df) - 1, 0.5)),
        "missing_bin": lambda df: df[~((df.pulse == "reset") & (df.g_lo_us == df.g_lo_us.max()))],
        "short_bin": lambda df: df.drop(index=[len(df) - n]),
        "gap": lambda df: df.assign(g_lo_us=df["g_lo_us"].where(df["g_lo_us"] == 0, df["g_lo_us"] + 0.5)),
        "bad_pulse": lambda df: df.assign(pulse=df["pulse"].where(df.index != 0, "potentiate")),
        "missing_pulse": lambda df: df.assign(pulse=df["pulse"].where(df.index != 0, np.nan)),
        "numeric_pulse": lambda df: df.astype({"pulse": object}).assign(pulse=lambda d: d["pulse"].where(d.index != 0, 1.5)),
    }
    if case == "wrong_columns":
        _write_csv(p, table, drop=["cdf"])
    elif case == "empty":
        p.write_text("")
    elif case == "header_only":
        p.write_text("pulse,g_lo_us,g_hi_us,dg_us,cdf\n")
    elif case == "latin1":
        p.write_bytes("pulse,g_lo_us,g_hi_us,dg_us,cdf\nsét,0,1,0.1,1\n".encode("latin-1"))
    else:
        _write_csv(p, table, edit=edits[case])
    with pytest.raises(ConfigError) as err:
        load_table(p)
    text = str(err.value)
    assert str(p) in text and len(text.splitlines()) == 1
    import re
    assert re.search(match, text), text


@pytest.mark.parametrize("case, match", [
    ("unsorted_edges", "g_edges_us must be ≥ 2 strictly increasing"),
    ("unsorted_grid", "dg_grid_us must be ≥ 2 strictly increasing"),
    ("wrong_bins", r"set_cdf has shape \(2, \d+\), expected \(bins=3"),
    ("nan", "reset_cdf has 1 NaN/inf values"),
    ("not_npz", "not a readable NPZ archive"),
    ("empty", "the file is empty"),
    ("object", "array set_cdf holds Python objects"),
    ("non_monotone", "set_cdf: CDF decreases along ΔG"),
    ("text_grid", r"dg_grid_us is not numeric \(dtype <U1\)"),                  # fuzz: strings in an array
])
def test_bad_npz_tables_get_one_clear_message(tmp_path, table, case, match):
    p = tmp_path / f"{case}.npz"
    arrays = dict(g_edges_us=table.g_edges_us, dg_grid_us=table.dg_grid_us, set_cdf=table.set_cdf,
                  reset_cdf=table.reset_cdf.copy())
    if case == "unsorted_edges":
        arrays["g_edges_us"] = table.g_edges_us[::-1]
    elif case == "unsorted_grid":
        arrays["dg_grid_us"] = np.roll(table.dg_grid_us, 1)
    elif case == "wrong_bins":
        arrays["set_cdf"] = table.set_cdf[:2]
    elif case == "nan":
        arrays["reset_cdf"][1, 2] = np.nan
    elif case == "object":
        arrays["set_cdf"] = np.array([{"a": 1}], dtype=object)
    elif case == "non_monotone":
        arrays["set_cdf"] = table.set_cdf[:, ::-1].copy()
    elif case == "text_grid":
        arrays["dg_grid_us"] = np.array(["a"] * table.dg_grid_us.size)
    if case == "not_npz":
        p.write_text("hello")
    elif case == "empty":
        p.write_bytes(b"")
    else:
        np.savez(p, **arrays)
    with pytest.raises(ConfigError, match=match) as err:
        load_table(p)
    assert str(p) in str(err.value)


def test_good_tables_still_load(tmp_path, table):
    loaded = load_table(_write_csv(tmp_path / "ok.csv", table))
    assert np.allclose(loaded.set_cdf, table.set_cdf) and np.allclose(loaded.g_edges_us, table.g_edges_us)


def test_synthetic_settings_out_of_range_name_the_key(tmp_path):
    bad = tmp_path / "d.yaml"
    text = (load_device.__globals__["tech_file"]("pcm_jump_table.yaml")).read_text()
    bad.write_text(text.replace("value: 0.33,", "value: 1.7,"))
    with pytest.raises(ConfigError, match=r"synthetic: min_max_ratio must be in \[1e-06, 1\] \(got 1.7\)"):
        load_device(str(bad))


def test_centre_crop_22x24():
    x = np.arange(2 * 784, dtype=np.float32).reshape(2, 784)
    c = centre_crop(x, 28, 28, 22, 24)
    assert c.shape == (2, 528)
    img = x[1].reshape(28, 28)
    assert np.array_equal(c[1].reshape(22, 24), img[3:25, 2:26])
    with pytest.raises(ValueError, match="does not fit"):
        centre_crop(x, 28, 28, 30, 24)
