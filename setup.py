"""Package list for setuptools (everything else is in pyproject.toml).

The repository's tech/ folder (built-in technology and device YAMLs) ships inside the package as
`archsim.builtin_tech`, so non-editable installs and wheels find it (archsim.resources).
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["archsim", "archsim.*"]) + ["archsim.builtin_tech"],
      package_dir={"archsim.builtin_tech": "tech"})
