"""PCM device models (gradual-SET statistical, jump table, ideal linear) as numba-ready parameter packs."""

from archsim.functional.devices.model import DeviceModel, load_device

__all__ = ["DeviceModel", "load_device"]
