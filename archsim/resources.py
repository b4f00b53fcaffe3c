"""Where archsim's built-in YAMLs live, for every kind of install (editable, `pip install .`, wheel).

The repository's `tech/` folder is shipped inside the package as `archsim.builtin_tech`
(pyproject.toml maps it with `package-dir`), and built-in designs live in
`archsim/hardware/designs/`. Code never builds paths from `__file__` to the repository.
"""

from __future__ import annotations

import re
from functools import lru_cache
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
    return tech_dir() / f"{name}.yaml" if name in builtin_tech_names() else None


@lru_cache(maxsize=1)
def builtin_tech_names() -> list[str]:
    """Bare names a workload's `tech:` may use: the shipped files with `kind: tech` (not device models, specs)."""
    kind = re.compile(r"^kind:\s*['\"]?tech['\"]?\s*(#.*)?$", re.M)
    return [p.stem for p in sorted(tech_dir().glob("*.yaml")) if kind.search(p.read_text())]


def design_dir() -> Path:
    """Folder of the built-in design YAMLs (mca, digital32, digital_mp)."""
    return Path(str(files(DESIGN_PACKAGE)))
