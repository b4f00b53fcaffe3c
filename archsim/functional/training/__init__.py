"""Trainers as strategies over one FunctionalNetwork: software SGD (FP32/FP64), hardware-aware SGD,
and the crossbar trainers (MCA, direct, one device), with the shared epoch loop and optimizer."""
