"""Inference PCM device model (Joshi et al., Nat. Commun. 11, 2473, 2020 — statistical model of
programming noise, drift and 1/f read noise), plus the per-pulse physics that the simulated
program-and-verify loop needs. Every number comes from tech/pcm_inference.yaml with its source.

Conductances in µS; fits are in g = G / g_ref_us (the 25 µS of the measured devices).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import Field, model_validator

from archsim.config.base import Strict, Version, require, within
from archsim.config.loader import load
from archsim.resources import tech_file


class Sourced(Strict):
    """A number (or coefficient list) with where it came from."""

    value: float | list[float]
    source: str = Field(min_length=3)


class Clipped(Strict):
    """y = clip(a·ln(g) + b, lo, hi) — the drift-exponent fits of Joshi et al. 2020."""

    a: Sourced
    b: Sourced
    lo: Sourced
    hi: Sourced

    @model_validator(mode="after")
    def _ordered(self):
        require(*[(isinstance(getattr(self, k).value, float), f"{k}.value must be one number") for k in "ab"],
                (isinstance(self.lo.value, float) and isinstance(self.hi.value, float) and 0 <= self.lo.value
                 <= self.hi.value <= 1, "0 <= lo.value <= hi.value <= 1 (a drift exponent and its spread)"))
        return self


class PCMInferenceParams(Strict):
    """Contents of tech/pcm_inference.yaml."""

    kind: str = Field(pattern="^pcm_inference$")
    version: Version = 1
    name: str
    g_ref_us: Sourced
    prog_noise_poly_us: Sourced = Field(description="[c0, c1, c2]: σ_prog = max(c0 + c1·g + c2·g², 0) µS")
    t0_s: Sourced
    drift_mu: Clipped
    drift_sigma: Clipped
    read_q_coeff: Sourced
    read_q_exponent: Sourced
    read_q_max: Sourced
    t_read_s: Sourced
    t_verify_s: Sourced
    pulse_slope_us_per_ua: Sourced
    pulse_threshold_ua: Sourced
    pulse_slope_spread: Sourced
    pulse_threshold_spread_ua: Sourced
    pulse_write_noise_us: Sourced
    g_saturation_us: Sourced

    @model_validator(mode="after")
    def _physical(self):
        """One number per parameter (three coefficients for the noise polynomial), positive times and
        conductances, non-negative noise and spreads."""
        scalars = {k: getattr(self, k).value for k, f in type(self).model_fields.items()
                   if f.annotation is Sourced and k != "prog_noise_poly_us"}
        lists = [k for k, v in scalars.items() if not isinstance(v, float)]
        poly = self.prog_noise_poly_us.value
        require((not lists, f"{', '.join(k + '.value' for k in lists)}: one number each, not a list"),
                (isinstance(poly, list) and len(poly) == 3, "prog_noise_poly_us.value: three coefficients [c0, c1, c2]"))
        require(*within(scalars, {"g_ref_us": (1e-3, 1e4), "t0_s": (1e-9, 1e10), "t_read_s": (1e-12, 1e3),
                                  "t_verify_s": (1e-12, 1e3), "read_q_coeff": (0.0, 10.0), "read_q_exponent": (0.0, 10.0),
                                  "read_q_max": (0.0, 10.0), "pulse_slope_us_per_ua": (1e-9, 1e3),
                                  "pulse_threshold_ua": (0.0, 1e4), "pulse_slope_spread": (0.0, 10.0),
                                  "pulse_threshold_spread_ua": (0.0, 1e4), "pulse_write_noise_us": (0.0, 1e4),
                                  "g_saturation_us": (1e-3, 1e4)}))
        return self


def _v(s: Sourced) -> float:
    return s.value  # type: ignore[return-value]


class InferencePCM:
    """Statistical PCM model for inference: programming noise, drift ν(G_T), 1/f read noise."""

    def __init__(self, params: PCMInferenceParams):
        self.p = params
        self.name = params.name
        self.g_ref_us = _v(params.g_ref_us)
        self.t0_s = _v(params.t0_s)

    def read_noise_std_us(self, g_us) -> np.ndarray:
        """0: this model's 1/f read noise is drawn with the conductance at each time (conductance_at)."""
        return np.zeros(np.shape(g_us))

    @classmethod
    def from_yaml(cls, path: str | Path) -> "InferencePCM":
        return cls(load(PCMInferenceParams, path))

    def _g(self, g_us):
        return np.abs(np.asarray(g_us, dtype=np.float64)) / self.g_ref_us

    def prog_noise_std_us(self, g_target_us) -> np.ndarray:
        """σ_prog(G_T): spread of the programmed conductance around its target at t0."""
        c0, c1, c2 = self.p.prog_noise_poly_us.value  # type: ignore[misc]
        g = self._g(g_target_us)
        return np.maximum(c0 + c1 * g + c2 * g * g, 0.0)

    def _clipped_log(self, fit: Clipped, g_us):
        g = np.maximum(self._g(g_us), 1e-6)
        return np.clip(_v(fit.a) * np.log(g) + _v(fit.b), _v(fit.lo), _v(fit.hi))

    def drift_exponents(self, g_target_us, rng: np.random.Generator) -> np.ndarray:
        """ν per device ~ |N(μ_ν(G_T), σ_ν(G_T))|, clipped to [0, 1]."""
        mu = self._clipped_log(self.p.drift_mu, g_target_us)
        sigma = self._clipped_log(self.p.drift_sigma, g_target_us)
        return np.clip(np.abs(mu + sigma * rng.standard_normal(np.shape(mu))), 0.0, 1.0)

    def read_q(self, g_prog_us) -> np.ndarray:
        """Relative 1/f noise amplitude Q_s(G) = min(c / g^exponent, max)."""
        g = np.maximum(self._g(g_prog_us), 1e-3)
        return np.minimum(_v(self.p.read_q_coeff) / g ** _v(self.p.read_q_exponent), _v(self.p.read_q_max))

    def read_noise_factor(self, t_s: float) -> float:
        """√ln((t + t_read)/(2·t_read)): growth of accumulated 1/f noise with time since programming."""
        t_read = _v(self.p.t_read_s)
        return float(np.sqrt(np.log((t_s + t_read) / (2 * t_read))))

    def conductance_at(self, g_prog_us: np.ndarray, nu: np.ndarray, t_s: float,
                       rng: np.random.Generator) -> np.ndarray:
        """G(t) = G(t0)·(t/t0)^(−ν) plus 1/f read noise σ = |G(t)|·Q_s(G(t0))·√ln((t+t_r)/(2t_r))."""
        g = g_prog_us * (t_s / self.t0_s) ** (-nu) if t_s > self.t0_s else np.array(g_prog_us, dtype=np.float64)
        sigma = np.abs(g) * self.read_q(g_prog_us) * self.read_noise_factor(t_s)
        return g + sigma * rng.standard_normal(g.shape)


def default_model_path() -> Path:
    """The built-in inference PCM model (tech/pcm_inference.yaml, shipped in the package)."""
    return tech_file("pcm_inference.yaml")
