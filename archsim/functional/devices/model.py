"""Device-model YAML (tech/pcm_*.yaml) schema and loader → DeviceModel, the numba-ready parameter pack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from archsim.config.base import PathText, Strict, Version, require, within
from archsim.config.errors import ConfigError, Problem
from archsim.config.loader import read_yaml, validate
from archsim.functional.devices import kernels as K
from archsim.functional.devices.jump_table import JumpTable, load_table, synthetic_table
from archsim.resources import tech_file

BUILTIN = {"gradual_set": "pcm_gradual_set.yaml", "jump_table": "pcm_jump_table.yaml", "ideal": "pcm_ideal.yaml"}


class Sourced(Strict):
    """A number with where it came from."""

    value: float
    source: str = Field(min_length=3)


class Common(Strict):
    """Parameters every PCM model shares (conductances in µS)."""

    version: Version = 1
    g_min_us: Sourced
    g_max_us: Sourced
    g_reset_us: Sourced
    g_reset_std_us: Sourced
    read_noise_slope: Sourced = Field(description="read-noise std per µS of conductance")
    read_noise_offset_us: Sourced
    drift_t0_s: Sourced
    drift_nu_mean: Sourced
    drift_nu_std: Sourced

    @model_validator(mode="after")
    def _physical(self):
        """Conductances ordered and bounded, spreads and noise non-negative, drift exponents in [0, 1]."""
        v = {k: getattr(self, k).value for k, f in type(self).model_fields.items() if f.annotation is Sourced}
        require((v["g_min_us"] < v["g_max_us"], f"g_min_us ({v['g_min_us']:g}) must be below g_max_us ({v['g_max_us']:g})"),
                (v["g_min_us"] <= v["g_reset_us"] <= v["g_max_us"], "g_reset_us must lie in [g_min_us, g_max_us]"),
                *within(v, {"g_min_us": (0.0, 1e4), "g_max_us": (0.0, 1e4), "g_reset_std_us": (0.0, 1e4),
                            "read_noise_slope": (0.0, 10.0), "read_noise_offset_us": (0.0, 1e4),
                            "drift_t0_s": (1e-12, 1e10), "drift_nu_mean": (0.0, 1.0), "drift_nu_std": (0.0, 1.0),
                            "alpha": (1e-6, 1e6), "c2_us": (0.0, 1e4), "a2_us": (0.0, 1e4), "step_us": (1e-9, 1e4)}),
                *[(v["m2"] * g + v["c2_us"] >= 0, f"m2·G + c2_us must be >= 0 (a spread) at G = {g:g} µS")
                  for g in ((v["g_min_us"], v["g_max_us"]) if "m2" in v else ())])
        return self


class GradualSet(Common):
    kind: Literal["pcm_device"]
    model: Literal["gradual_set"]
    alpha: Sourced
    m1: Sourced
    c1_us: Sourced
    a1_us: Sourced
    m2: Sourced
    c2_us: Sourced
    a2_us: Sourced


class Synthetic(Strict):
    """Settings of a synthetic jump table (see jump_table.synthetic_table, after Sidler et al. 2016).

    shape linear: SET and RESET linear; asymmetric: RESET `reset_asymmetry` × the SET step;
    partly_nonlinear: initial non-linear SET region over 1 − linear_fraction of the range at strength
    min_max_ratio (min/max step), RESET linear; nonlinear: fully non-linear SET with min_max_ratio.
    reset_asymmetry may be combined with any shape (default 1 = RESET as steep as the mean SET step).
    """

    shape: Literal["linear", "asymmetric", "partly_nonlinear", "nonlinear"]
    n_bins: int = Field(32, ge=1, le=1024)
    step_us: Sourced = Field(description="mean SET step per pulse over the range g_min → g_max")
    step_std_fraction: Sourced
    linear_fraction: Sourced | None = None
    min_max_ratio: Sourced | None = None
    reset_asymmetry: Sourced | None = None

    @model_validator(mode="after")
    def _physical(self):
        v = {k: getattr(self, k).value for k in ("step_us", "step_std_fraction", "linear_fraction", "min_max_ratio",
                                                 "reset_asymmetry") if getattr(self, k) is not None}
        require(*within(v, {"step_us": (1e-9, 1e4), "step_std_fraction": (0.0, 10.0), "linear_fraction": (0.0, 1.0),
                            "min_max_ratio": (1e-6, 1.0), "reset_asymmetry": (1e-3, 1e3)}))
        return self


class JumpTableDevice(Common):
    kind: Literal["pcm_device"]
    model: Literal["jump_table"]
    table_file: PathText | None = Field(None, description="CSV/NPZ table relative to this YAML; else `synthetic`")
    synthetic: Synthetic | None = None


class Ideal(Common):
    kind: Literal["pcm_device"]
    model: Literal["ideal"]
    step_us: Sourced


MODELS = {"gradual_set": GradualSet, "jump_table": JumpTableDevice, "ideal": Ideal}


@dataclass(frozen=True)
class DeviceModel:
    """What the kernels need: kind id, params (K.N_PARAMS,), jump-table arrays (1-element dummies otherwise)."""

    name: str
    kind: int
    params: np.ndarray
    g_edges_us: np.ndarray
    dg_grid_us: np.ndarray
    set_cdf: np.ndarray
    reset_cdf: np.ndarray

    def p(self, index: int) -> float:
        return float(self.params[index])

    # --- the PCMDevice interface (devices/protocol.py)
    @property
    def t0_s(self) -> float:
        return self.p(K.P_T0_S)

    def read_noise_std_us(self, g_us):
        """σ = slope·G + offset per read (drawn afresh at every MVM)."""
        return self.p(K.P_NOISE_SLOPE) * np.asarray(g_us) + self.p(K.P_NOISE_OFFSET_US)

    def drift_exponents(self, g_us, rng: np.random.Generator):
        """ν ~ N(ν_mean, ν_std) per device, clipped at 0 (no conductance dependence in these models)."""
        return np.maximum(rng.normal(self.p(K.P_NU_MEAN), self.p(K.P_NU_STD), np.shape(g_us)), 0.0)

    def conductance_at(self, g_us, nu, t_s: float, rng: np.random.Generator):
        """G·(t/t0)^−ν for t > t0 (read noise is added per MVM, not here)."""
        g = np.asarray(g_us, dtype=np.float64)
        return g * (t_s / self.t0_s) ** (-np.asarray(nu)) if t_s > self.t0_s else g.copy()

    @property
    def arrays(self) -> tuple:
        """Arguments passed to kernels, in order: kind, params, g_edges, dg_grid, set_cdf, reset_cdf."""
        return self.kind, self.params, self.g_edges_us, self.dg_grid_us, self.set_cdf, self.reset_cdf


def _table_from(cfg: JumpTableDevice, path: Path) -> JumpTable:
    if cfg.table_file:
        tf = Path(cfg.table_file)
        return load_table(tf if tf.is_absolute() else path.parent / tf)
    s = cfg.synthetic
    if s is None:
        raise ConfigError(path, "jump_table device needs `table_file` (CSV/NPZ) or `synthetic` settings")
    need = {"partly_nonlinear": ("linear_fraction", "min_max_ratio"), "nonlinear": ("min_max_ratio",),
            "asymmetric": ("reset_asymmetry",), "linear": ()}[s.shape]
    missing = [k for k in need if getattr(s, k) is None]
    if missing:
        raise ConfigError(path, f"synthetic.shape {s.shape} needs {', '.join('synthetic.' + m for m in missing)}")
    val = lambda x, d: x.value if x is not None else d  # noqa: E731
    span = cfg.g_max_us.value - cfg.g_min_us.value
    if s.step_us.value > span:
        raise ConfigError(path, [Problem("synthetic.step_us", f"{s.step_us.value:g} µS exceeds the device range "
                                                              f"g_max_us − g_min_us = {span:g} µS")])
    return synthetic_table(
        cfg.g_min_us.value, cfg.g_max_us.value, n_bins=s.n_bins, step_us=s.step_us.value,
        step_std_fraction=s.step_std_fraction.value,
        linear_fraction={"partly_nonlinear": val(s.linear_fraction, 1.0), "nonlinear": 0.0}.get(s.shape, 1.0),
        min_max_ratio=val(s.min_max_ratio, 1.0) if s.shape in ("partly_nonlinear", "nonlinear") else 1.0,
        reset_asymmetry=val(s.reset_asymmetry, 1.0))


def device_from_config(cfg: Common, name: str, path: Path) -> DeviceModel:
    """Pack a validated device config into kernel arrays."""
    p = np.zeros(K.N_PARAMS)
    for idx, field in ((K.P_G_MIN, "g_min_us"), (K.P_G_MAX, "g_max_us"), (K.P_G_RESET, "g_reset_us"),
                       (K.P_G_RESET_STD, "g_reset_std_us"), (K.P_NOISE_SLOPE, "read_noise_slope"),
                       (K.P_NOISE_OFFSET_US, "read_noise_offset_us"), (K.P_T0_S, "drift_t0_s"),
                       (K.P_NU_MEAN, "drift_nu_mean"), (K.P_NU_STD, "drift_nu_std")):
        p[idx] = getattr(cfg, field).value
    dummy1, dummy2 = np.zeros(2), np.zeros((1, 2))
    table = JumpTable(np.array([0.0, 1.0]), dummy1, dummy2, dummy2)
    if isinstance(cfg, GradualSet):
        kind = K.KIND_GRADUAL_SET
        for idx, field in ((K.P_ALPHA, "alpha"), (K.P_M1, "m1"), (K.P_C1, "c1_us"), (K.P_A1, "a1_us"),
                           (K.P_M2, "m2"), (K.P_C2, "c2_us"), (K.P_A2, "a2_us")):
            p[idx] = getattr(cfg, field).value
    elif isinstance(cfg, JumpTableDevice):
        kind = K.KIND_JUMP_TABLE
        table = _table_from(cfg, path)
    else:
        kind = K.KIND_IDEAL
        p[K.P_STEP_US] = cfg.step_us.value
    return DeviceModel(name, kind, p, table.g_edges_us, table.dg_grid_us, table.set_cdf, table.reset_cdf)


def load_device(name_or_path: str, base_file: str | Path | None = None) -> DeviceModel:
    """Built-in name (gradual_set, jump_table, ideal) or a YAML path relative to `base_file`'s folder."""
    if name_or_path in BUILTIN:
        path = tech_file(BUILTIN[name_or_path])
    else:
        path = Path(name_or_path).expanduser()
        if not path.is_absolute() and base_file is not None:
            path = (Path(base_file).parent / path).resolve()
        if not path.is_file():
            raise ConfigError(base_file, f"functional.device: '{name_or_path}' is neither a built-in device "
                                         f"({', '.join(BUILTIN)}) nor an existing YAML file ({path})")
    data = read_yaml(path)
    model = data.get("model")
    if not isinstance(model, str) or model not in MODELS:
        raise ConfigError(path, f"model: allowed values {', '.join(MODELS)}; got {model!r}")
    cfg = validate(MODELS[model], data, path)
    return device_from_config(cfg, path.stem, path)
