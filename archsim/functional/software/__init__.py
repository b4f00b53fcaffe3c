"""Software training (NumPy): SGD with momentum, LR schedules, hardware-aware noise, .npz weights."""

from archsim.functional.software.trainer import TrainSettings, evaluate, train
from archsim.functional.software.weights_io import load_weights, save_weights

__all__ = ["TrainSettings", "evaluate", "train", "load_weights", "save_weights"]
