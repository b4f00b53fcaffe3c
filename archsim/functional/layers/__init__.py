"""Functional NumPy/numba layers (forward + backward) and the network builder; weighted layers
are crossbar-mapped matrices (im2col for convolutions) tiled over arrays."""

from archsim.functional.layers.crossbar import TileGrid, crossbar_mvm
from archsim.functional.layers.im2col import col2im, conv2d_direct, im2col
from archsim.functional.layers.network import FunctionalNetwork

__all__ = ["FunctionalNetwork", "TileGrid", "crossbar_mvm", "im2col", "col2im", "conv2d_direct"]
