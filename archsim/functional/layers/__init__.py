"""Functional NumPy/numba layers (forward + backward) and the network builder; weighted layers
are crossbar-mapped matrices (im2col for convolutions), read digitally or from PCM crossbar tiles."""

from archsim.functional.layers.network import FunctionalNetwork

__all__ = ["FunctionalNetwork"]
