"""Network descriptions the functional simulator trains (MLPs built from a workload's network)."""

from archsim.functional.networks.mlp import MlpSpec, mlp_from_network

__all__ = ["MlpSpec", "mlp_from_network"]
