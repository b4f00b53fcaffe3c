"""Finding, verifying and downloading a data set: one search order and one error message for every data set.

Search order for `load_dataset(name, data_dir)`: the `data_dir` argument → `$ARCHSIM_DATA` → the user
cache (`$XDG_CACHE_HOME` or `~/.cache`, then `archsim/<folder>`) → system data sets (`/usr/share/datasets`,
where Debian's `dataset-*` packages install). `data_dir` and `$ARCHSIM_DATA` may name the data set's own
folder or a root holding `mnist/`, `fashion-mnist/`, `cifar-10-batches-bin/`. The first location whose
files verify is used; when none does and `download=True`, the files are fetched into the user cache and
verified there. Otherwise a ConfigError lists every place looked at, what was wrong there, and the fix.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.io import atomic_output

ENV_VAR = "ARCHSIM_DATA"
SYSTEM_ROOT = Path("/usr/share/datasets")
CHUNK = 1 << 20


@dataclass(frozen=True)
class Dataset:
    """A classification data set as arrays.

    x_train / x_test: float32 (n, C·H·W) in [0, 1], flattened in (C, H, W) order;
    y_train / y_test: int64 (n,) class indices into `classes`; `input_shape` = (C, H, W).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source_dir: Path
    name: str = "mnist"
    input_shape: tuple[int, int, int] = (1, 28, 28)
    classes: tuple[str, ...] = tuple(str(i) for i in range(10))


class Invalid(Exception):
    """A folder does not hold a usable copy of the data set; carries one Problem per file."""

    def __init__(self, problems: list[Problem], missing_all: bool = False):
        super().__init__("; ".join(f"{p.key}: {p.message}" if p.key else p.message for p in problems))
        self.problems = problems
        self.missing_all = missing_all


class DatasetFormat:
    """One data set on disk: its folder names, how to verify and read a folder, how to download it."""

    name: str                       # load_dataset() name, e.g. "fashion_mnist"
    title: str                      # how messages call it, e.g. "Fashion-MNIST"
    folders: tuple[str, ...]        # sub-folder names under a data root; [0] is the cache folder
    files: tuple[str, ...]          # what a folder must hold
    wanted: str                     # the fix hint: what to put where, and where to get it
    input_shape: tuple[int, int, int]
    classes: tuple[str, ...]

    def read(self, directory: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Verify and parse one folder → (x_train, y_train, x_test, y_test) as uint8 images, raw labels.

        Raises Invalid naming every missing or corrupt file."""
        raise NotImplementedError

    def download(self, directory: Path, searched: list[Path], progress: bool) -> list[str]:
        """Fetch the files into `directory` (the user cache); returns the errors met on the way."""
        raise NotImplementedError


def cache_root() -> Path:
    """User cache folder of archsim's data sets, honouring XDG_CACHE_HOME."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "archsim"


def cache_dir(fmt: DatasetFormat) -> Path:
    """Where `fmt` is cached (and downloaded to)."""
    return cache_root() / fmt.folders[0]


def search_locations(fmt: DatasetFormat, data_dir: str | Path | None) -> list[tuple[str, Path, Path]]:
    """(label, location, folder) searched in order: where each came from, what was named, what is read."""
    found = []
    if data_dir is not None:
        found.append(("data_dir argument", Path(data_dir).expanduser()))
    if os.environ.get(ENV_VAR):
        found.append((f"env {ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    found = [(label, loc, dataset_folder(fmt, loc)) for label, loc in found]
    found.append(("user cache", cache_dir(fmt), cache_dir(fmt)))
    found.append(("system data sets", SYSTEM_ROOT, dataset_folder(fmt, SYSTEM_ROOT)))
    return found


def dataset_folder(fmt: DatasetFormat, location: Path) -> Path:
    """The data set's folder at `location`: a sub-folder named after the data set if there is one, else itself."""
    for folder in fmt.folders:
        if (location / folder).is_dir():
            return location / folder
    return location


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def read_sums(directory: Path) -> dict[str, str]:
    """Parse a `SHA256SUMS` file (sha256sum format) if one sits next to the data."""
    sums_file = directory / "SHA256SUMS"
    if not sums_file.is_file():
        return {}
    sums = {}
    for line in sums_file.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


def check_sums(directory: Path, names: list[str]) -> list[Problem]:
    """Files listed in the folder's SHA256SUMS must match it (unlisted files are checked by their format)."""
    sums = read_sums(directory)
    problems = []
    for name in names:
        expected = sums.get(name)
        if expected is not None and (digest := file_digest(directory / name)) != expected:
            problems.append(Problem(name, f"corrupt: sha256 {digest} does not match SHA256SUMS {expected}"))
    return problems


def fetch(url: str, target: Path, *, md5: str | None = None, progress: bool = False) -> None:
    """Stream `url` into `target` (atomically), checking its MD5 when given; raises OSError or ValueError."""
    h = hashlib.md5()
    with urllib.request.urlopen(url, timeout=60) as resp, atomic_output(target) as tmp, open(tmp, "wb") as out:
        total = int(getattr(resp, "headers", {}).get("Content-Length") or 0) or None
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="B", unit_scale=True, desc=f"download {target.name}", leave=False)
        for block in iter(lambda: resp.read(CHUNK), b""):
            out.write(block)
            h.update(block)
            if bar is not None:
                bar.update(len(block))
        if bar is not None:
            bar.close()
        out.flush()
        if md5 is not None and h.hexdigest() != md5:
            raise ValueError(f"{url}: md5 {h.hexdigest()} does not match the published {md5}")


def locate_and_read(fmt: DatasetFormat, data_dir: str | Path | None, download: bool, progress: bool = True):
    """Search every location for `fmt`, then download; returns (folder, arrays) or raises ConfigError."""
    looked: list[Problem] = []
    searched: list[Path] = []
    for label, location, directory in search_locations(fmt, data_dir):
        searched.append(directory)
        try:
            return directory, fmt.read(directory)
        except Invalid as bad:
            summary = f"no {fmt.title} files there" if bad.missing_all else str(bad)
            if directory != location:
                summary += f" (looked in {directory})"
            looked.append(Problem(f"{label} ({location})", summary))
    if download:
        target = cache_dir(fmt)
        errors = fmt.download(target, searched, progress)
        try:
            return target, fmt.read(target)
        except Invalid as bad:
            looked.append(Problem(f"download into {target}", "; ".join(dict.fromkeys(errors)) or str(bad)))
    looked.append(Problem("fix", f"put {fmt.wanted} into a folder and pass it as "
                                 f"data_dir / --data-dir or set {ENV_VAR} (to that folder, or to a folder holding "
                                 f"{fmt.folders[0]}/); or allow download to {cache_dir(fmt)}"))
    raise ConfigError(fmt.title, looked)
