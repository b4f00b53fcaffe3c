"""Where archsim's built-in YAMLs live, for every kind of install (editable, `pip install .`, wheel).

The repository's `tech/` folder is shipped inside the package as `archsim.builtin_tech`
(pyproject.toml maps it with `package-dir`), and built-in designs live in
`archsim/hardware/designs/`. Code never builds paths from `__file__` to the repository.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

TECH_PACKAGE = "archsim.builtin_tech"
DESIGN_PACKAGE = "archsim.hardware.designs"


def tech_dir() -> Path:
    """Folder of the built-in technology and device YAMLs (the repository's tech/)."""
    return Path(str(files(TECH_PACKAGE)))


def tech_file(name: str) -> Path:
    """A built-in technology or device file, e.g. tech_file('pcm_gradual_set.yaml')."""
    return tech_dir() / name


def builtin_tech(name: str) -> Path | None:
    """The built-in technology file for a bare name such as '14lpp' (no folder, no .yaml), else None."""
    if not name or "/" in name or "\\" in name or name.endswith((".yaml", ".yml")):
        return None
    path = tech_dir() / f"{name}.yaml"
    return path if path.is_file() else None


def builtin_tech_names() -> list[str]:
    """Bare names a workload's `tech:` may use (technology files shipped in the package)."""
    return sorted(p.stem for p in tech_dir().glob("*.yaml") if not p.stem.startswith("pcm_"))


def design_dir() -> Path:
    """Folder of the built-in design YAMLs (mca, digital32, digital_mp)."""
    return Path(str(files(DESIGN_PACKAGE)))
