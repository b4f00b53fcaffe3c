"""MNIST loader: find the IDX .gz files, verify SHA-256, parse them into float32 arrays scaled 0-1.

Search order: the `data_dir` argument -> env var ARCHSIM_DATA -> user cache
($XDG_CACHE_HOME or ~/.cache)/archsim/mnist. When files are missing everywhere and
`download=True`, they are fetched into the cache from the canonical mirrors.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.io import atomic_write_bytes

ENV_VAR = "ARCHSIM_DATA"

#: canonical file name -> SHA-256 of the published .gz file
CANONICAL_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
FILES = tuple(CANONICAL_SHA256)

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


@dataclass(frozen=True)
class MnistData:
    """MNIST as arrays: images float32 (n, 784) in [0, 1], labels int64 (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source_dir: Path


def cache_dir() -> Path:
    """User cache directory for MNIST, honouring XDG_CACHE_HOME."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "archsim" / "mnist"


def candidate_dirs(data_dir: str | Path | None) -> list[tuple[str, Path]]:
    """Directories searched, in order, each with a label saying where it came from."""
    found = []
    if data_dir is not None:
        found.append(("data_dir argument", Path(data_dir).expanduser()))
    if os.environ.get(ENV_VAR):
        found.append((f"env {ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    found.append(("user cache", cache_dir()))
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_sums(directory: Path) -> dict[str, str]:
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


def verify_dir(directory: Path) -> list[Problem]:
    """Check the four files exist and match SHA256SUMS (if present) and the canonical hashes."""
    problems = []
    sums = _read_sums(directory)
    for name in FILES:
        path = directory / name
        if not path.is_file():
            problems.append(Problem(name, f"missing in {directory}"))
            continue
        digest = _sha256(path)
        for label, expected in (("SHA256SUMS", sums.get(name)), ("canonical MNIST hash", CANONICAL_SHA256[name])):
            if expected is not None and digest != expected:
                problems.append(Problem(name, f"corrupt: sha256 {digest} does not match {label} {expected}"))
                break
    return problems


def _parse_idx(path: Path) -> np.ndarray:
    """Parse one gzip'ed IDX file (big-endian header: magic, dims) into a uint8 array."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte data
        raise ConfigError(path, f"not an IDX uint8 file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ConfigError(path, f"truncated IDX file: header says {dims}, found {data.size} values")
    return data.reshape(dims)


def _download(directory: Path) -> list[str]:
    """Fetch missing files into `directory` (atomic per file); returns errors met on the way."""
    directory.mkdir(parents=True, exist_ok=True)
    errors = []
    for name in FILES:
        target = directory / name
        if target.is_file() and _sha256(target) == CANONICAL_SHA256[name]:
            continue
        for mirror in MIRRORS:
            try:
                with urllib.request.urlopen(mirror + name, timeout=60) as resp:
                    payload = resp.read()
            except OSError as exc:
                errors.append(f"{mirror}: {exc}")
                continue
            if hashlib.sha256(payload).hexdigest() != CANONICAL_SHA256[name]:
                errors.append(f"{mirror}{name}: hash mismatch")
                continue
            atomic_write_bytes(target, payload)
            break
    return errors


def _load_dir(directory: Path) -> MnistData:
    images = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = _parse_idx(directory / f"{prefix}-images-idx3-ubyte.gz")
        y = _parse_idx(directory / f"{prefix}-labels-idx1-ubyte.gz")
        images[split] = (np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32) / np.float32(255.0),
                         y.astype(np.int64))
    return MnistData(images["train"][0], images["train"][1], images["test"][0], images["test"][1], directory)


def load_mnist(data_dir: str | Path | None = None, *, download: bool = True) -> MnistData:
    """Load MNIST from the first searched directory holding all four verified files.

    Raises ConfigError naming every place looked at and how to fix it when none is usable.
    """
    looked: list[Problem] = []
    for label, directory in candidate_dirs(data_dir):
        problems = verify_dir(directory)
        if not problems:
            return _load_dir(directory)
        if all(p.message.startswith("missing") for p in problems) and len(problems) == len(FILES):
            summary = "no MNIST files there"
        else:
            summary = "; ".join(p.key + ": " + p.message for p in problems)
        looked.append(Problem(f"{label} ({directory})", summary))
    if download:
        target = cache_dir()
        errors = _download(target)
        if not verify_dir(target):
            return _load_dir(target)
        looked.append(Problem(f"download into {target}", "; ".join(dict.fromkeys(errors)) or "files still invalid"))
    looked.append(Problem("fix", f"put {', '.join(FILES)} (from {MIRRORS[0]}) into a directory and pass it "
                                 f"as data_dir / --data-dir or set {ENV_VAR}; or allow download to {cache_dir()}"))
    raise ConfigError("MNIST", looked)
