"""numba crossbar kernels: differential-pair MVMs with DAC/ADC and read noise, χ update, refresh."""
