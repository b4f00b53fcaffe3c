"""Device-model YAML (tech/pcm_*.yaml) schema and loader → DeviceModel, the numba-ready parameter pack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from archsim.config.base import Strict
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

    g_min_us: Sourced
    g_max_us: Sourced
    g_reset_us: Sourced
    g_reset_std_us: Sourced
    read_noise_slope: Sourced = Field(description="read-noise std per µS of conductance")
    read_noise_offset_us: Sourced
    drift_t0_s: Sourced
    drift_nu_mean: Sourced
    drift_nu_std: Sourced


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
    n_bins: int = Field(32, ge=1)
    step_us: Sourced = Field(description="mean SET step per pulse over the range g_min → g_max")
    step_std_fraction: Sourced
    linear_fraction: Sourced | None = None
    min_max_ratio: Sourced | None = None
    reset_asymmetry: Sourced | None = None


class JumpTableDevice(Common):
    kind: Literal["pcm_device"]
    model: Literal["jump_table"]
    table_file: str | None = Field(None, description="CSV/NPZ table relative to this YAML; else `synthetic`")
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
    checks = [("linear_fraction", val(s.linear_fraction, 1.0), 0.0, 1.0), ("min_max_ratio", val(s.min_max_ratio, 1.0),
              1e-6, 1.0), ("reset_asymmetry", val(s.reset_asymmetry, 1.0), 1e-6, 1e6),
              ("step_us", s.step_us.value, 1e-12, cfg.g_max_us.value - cfg.g_min_us.value),
              ("step_std_fraction", s.step_std_fraction.value, 0.0, 10.0)]
    bad = [Problem(f"synthetic.{k}", f"{v} is outside [{lo:g}, {hi:g}]") for k, v, lo, hi in checks if not lo <= v <= hi]
    if bad:
        raise ConfigError(path, bad)
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
    if model not in MODELS:
        raise ConfigError(path, f"model: allowed values {', '.join(MODELS)}; got {model!r}")
    cfg = validate(MODELS[model], data, path)
    return device_from_config(cfg, path.stem, path)
