"""Sweep dicts shared by the sweep tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = ROOT / "workloads" / "mlp_mnist_train.yaml"


def small_sweep(**changes) -> dict:
    """12 candidate points: ADC bits × ADCs per array × crossbar size, 2 excluded by iso.require."""
    data = {
        "kind": "sweep", "version": 1, "name": "small", "workload": str(WORKLOAD), "design": "mca",
        "fixed": {"design.crossbar.mapping": "tiled"},
        "axes": [{"target": "design.tile.adc_bits", "values": [4, 8]},
                 {"target": "design.tile.adcs_per_array", "values": [32, 128]},
                 {"target": ["design.crossbar.rows", "design.crossbar.cols"], "values": [64, 128, 256]}],
        "iso": {"require": ["design.tile.adcs_per_array <= design.crossbar.cols"]},
        "derived": {"adcs": "metrics.arrays * design.tile.adcs_per_array"},
        "objectives": [{"metric": "total_energy_nJ"}, {"metric": "total_latency_us"}, {"metric": "adcs"}],
    }
    data.update(changes)
    return data
