"""archsim: accuracy, energy and latency of deep learning on PCM computational memory.

Pipeline: config (YAML schemas) → functional (PCM devices, crossbar kernels, training)
→ trace (what each unit must do per step) → hardware (SimPy discrete-event model)
→ accounting (energy = Σ counts × per-action energy) → reports / CLI.
"""

__version__ = "0.1.0"
