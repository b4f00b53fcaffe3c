"""PCM inference study: linear mapping, program-and-verify, drift, compensation, accuracy vs time."""
