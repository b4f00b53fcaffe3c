"""The wheel works anywhere: build it, install it into a fresh venv outside the checkout, and from another
folder run the reference workload (built-in technology, designs and devices found inside the package),
import an ONNX model and use the Python API.

Marked `wheel` (not in the default run: it installs every dependency into a new venv); CI runs it with
`pytest -m wheel tests/packaging` (see .ci/run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.wheel


def _run(cmd: list, cwd: Path, env: dict, timeout: int = 900) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv bin folder, a clean environment, a work folder outside the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["NUMBA_CACHE_DIR"] = str(base / "numba_cache")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", ROOT], base, env)
    wheels = list((base / "dist").glob("archsim-*.whl"))
    assert len(wheels) == 1
    _run([sys.executable, "-m", "venv", base / "venv"], base, env)
    bin_dir = base / "venv" / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "-q", wheels[0]], base, env)
    work = base / "elsewhere"
    work.mkdir()
    return bin_dir, env, work


def test_installed_package_is_the_wheel_not_the_checkout(installed):
    bin_dir, env, work = installed
    out = _run([bin_dir / "python", "-c", "import archsim, archsim.resources as r; print(archsim.__file__); "
                "print(r.tech_dir()); print(r.design_dir())"], work, env)
    paths = [Path(line) for line in out.split()]
    assert all("site-packages" in str(p) and ROOT not in p.parents for p in paths), paths
    assert (paths[1] / "14lpp.yaml").is_file() and (paths[1] / "pcm_inference.yaml").is_file()
    assert (paths[2] / "mca.yaml").is_file()


def test_reference_workload_runs_from_another_folder(installed):
    bin_dir, env, work = installed
    data = yaml.safe_load((ROOT / "workloads" / "mlp_mnist_train.yaml").read_text())
    del data["tech"]                                            # the built-in 14lpp
    (work / "mlp.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    _run([bin_dir / "archsim", "check", "mlp.yaml"], work, env)
    printed = _run([bin_dir / "archsim", "run", "mlp.yaml", "--out", "rep"], work, env)
    assert "wrote" in printed and (work / "rep" / "summary.md").is_file()
    from archsim.api import estimate

    here = estimate(ROOT / "workloads" / "mlp_mnist_train.yaml").energy.reset_index(drop=True)
    there = pd.read_csv(work / "rep" / "energy.csv")
    pd.testing.assert_frame_equal(there, here, check_dtype=False, rtol=1e-5)
    _run([bin_dir / "archsim", "designs", "--show", "mca"], work, env)


def test_import_and_api_work_from_another_folder(installed, tmp_path):
    bin_dir, env, work = installed
    sys.path.insert(0, str(ROOT / "tests" / "importers"))
    try:
        import onnx
        from onnx_models import lenet
    finally:
        sys.path.pop(0)
    onnx.save(lenet(), str(work / "lenet.onnx"))
    _run([bin_dir / "archsim", "import", "lenet.onnx", "-o", "lenet.yaml", "--weights", "lenet.npz"], work, env)
    out = _run([bin_dir / "python", "-c", "import archsim; r = archsim.estimate('lenet.yaml'); "
                "print(r.totals.to_csv(index=False))"], work, env)
    rows = out.strip().splitlines()
    assert rows[0] == "design,energy_nJ,latency_us,images_per_s,power_mW" and len(rows) == 4
