"""Component-model tests: the real hwcomponents packages (Python >= 3.12, `.[components]`), skipped cleanly
where they are not importable (the main 3.11 test run); `.ci/run` runs this folder with a 3.12 venv."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.components.helpers import HAVE_COMPONENTS, SKIP_REASON


@pytest.fixture(scope="session")
def components():
    """The component models, with CACTI/NeuroSim runnable (rebuilt from source once if needed)."""
    if not HAVE_COMPONENTS:
        pytest.skip(SKIP_REASON)
    from archsim.techbuild.binaries import ensure_binaries

    ensure_binaries()
    return True


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec dict (defaults: kind/version/name/node_nm) to a YAML file and return its path."""

    def write(body: dict, name: str = "probe.spec.yaml") -> Path:
        doc = {"kind": "tech_spec", "version": 1, "name": "probe", "node_nm": 14, **body}
        path = tmp_path / name
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    return write

