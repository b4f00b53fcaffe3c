"""Training algorithms: FP SGD baselines (NumPy) and MCA / direct / one-device (numba crossbars)."""
