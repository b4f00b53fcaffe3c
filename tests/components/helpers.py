"""Shared values of the component-model tests."""

from __future__ import annotations

import importlib.util

import pytest

HAVE_COMPONENTS = all(importlib.util.find_spec(m) is not None for m in (
    "hwcomponents", "hwcomponents_cacti", "hwcomponents_adc", "hwcomponents_neurosim", "hwcomponents_library"))
SKIP_REASON = "hwcomponents not importable (needs Python >= 3.12 and .[components])"
needs_components = pytest.mark.skipif(not HAVE_COMPONENTS, reason=SKIP_REASON)

PCM_CELL = {"area_f2": 25, "aspect_ratio": 1, "r_on_ohm": 40000, "r_off_ohm": 1e7, "read_voltage_v": 0.2,
            "access_width_f": 4, "access_r_ohm": 5000, "set_current_ua": 90, "set_pulse_ns": 50,
            "reset_current_ua": 450, "reset_pulse_ns": 50, "source": "test cell"}
