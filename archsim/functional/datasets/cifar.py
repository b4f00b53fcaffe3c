"""CIFAR-10, binary version (cs.toronto.edu/~kriz/cifar.html, "suitable for C programs").

Folder `cifar-10-batches-bin/`: data_batch_1..5.bin (training) and test_batch.bin, each a sequence of
3,073-byte records: one label byte (0-9), then 1,024 red, 1,024 green and 1,024 blue pixel bytes of a
32×32 image, rows first, which is already the (C, H, W) order archsim flattens images in.

The authors publish one checksum, the MD5 of the archive `cifar-10-binary.tar.gz`. The loader checks
it before it unpacks the archive (a copy found in a searched folder, else one downloaded into the user
cache), and writes a SHA256SUMS beside the unpacked files so later loads detect corruption. A folder
unpacked by the user is checked against its SHA256SUMS if it has one, and by its format otherwise
(whole records, labels 0-9).
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np

from archsim.config.errors import Problem
from archsim.functional.datasets.base import DatasetFormat, Invalid, cache_root, check_sums, fetch, file_digest
from archsim.io import atomic_write_bytes, atomic_write_text

ARCHIVE = "cifar-10-binary.tar.gz"
ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"   # published on cs.toronto.edu/~kriz/cifar.html
MIRRORS = ("https://www.cs.toronto.edu/~kriz/",)
FOLDER = "cifar-10-batches-bin"
TRAIN = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST = ("test_batch.bin",)
META = "batches.meta.txt"
RECORD = 1 + 3 * 32 * 32


class Cifar10Binary(DatasetFormat):
    """CIFAR-10 in its binary version: 50,000 training and 10,000 test images, 3×32×32, 10 classes."""

    name = "cifar10"
    title = "CIFAR-10"
    folders = (FOLDER, "cifar10", "cifar-10")
    files = TRAIN + TEST
    wanted = f"{ARCHIVE} (from {MIRRORS[0]}{ARCHIVE}) or the {FOLDER}/ unpacked from it"
    input_shape = (3, 32, 32)
    classes = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

    def read(self, directory: Path):
        missing = [f for f in self.files if not (directory / f).is_file()]
        if len(missing) == len(self.files):
            raise Invalid([Problem(f, f"missing in {directory}") for f in missing], missing_all=True)
        problems = [Problem(f, f"missing in {directory}") for f in missing]
        problems += check_sums(directory, [f for f in self.files if f not in missing])
        parts = {}
        for f in self.files:
            if f in missing:
                continue
            size = (directory / f).stat().st_size
            if size == 0 or size % RECORD:
                problems.append(Problem(f, f"corrupt: {size} bytes is not a whole number of {RECORD}-byte records"))
                continue
            records = np.fromfile(directory / f, dtype=np.uint8).reshape(-1, RECORD)
            if records[:, 0].max() >= len(self.classes):
                problems.append(Problem(f, f"corrupt: label {int(records[:, 0].max())} outside 0-9"))
                continue
            parts[f] = records
        if problems:
            raise Invalid(problems)
        train = np.concatenate([parts[f] for f in TRAIN])
        test = parts[TEST[0]]
        return (train[:, 1:].reshape(-1, *self.input_shape), train[:, 0],
                test[:, 1:].reshape(-1, *self.input_shape), test[:, 0])

    def download(self, directory: Path, searched: list[Path], progress: bool) -> list[str]:
        errors = []
        local = [p / ARCHIVE for p in dict.fromkeys(searched) if (p / ARCHIVE).is_file()]
        for archive in local:
            digest = file_digest(archive, "md5")
            if digest == ARCHIVE_MD5:
                return errors + _unpack(archive, directory)
            errors.append(f"{archive}: md5 {digest} does not match the published {ARCHIVE_MD5}")
        archive = cache_root() / ARCHIVE
        for mirror in MIRRORS:
            try:
                fetch(mirror + ARCHIVE, archive, md5=ARCHIVE_MD5, progress=progress)
            except (OSError, ValueError) as exc:
                errors.append(f"{mirror}{ARCHIVE}: {exc}")
                continue
            try:
                return errors + _unpack(archive, directory)
            finally:
                archive.unlink(missing_ok=True)
        return errors


def write_batch(path: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write images (n, 3, 32, 32) uint8 and labels (n,) 0-9 as one CIFAR-10 binary batch file (tests, own data)."""
    images, labels = np.asarray(images, dtype=np.uint8), np.asarray(labels, dtype=np.uint8)
    if images.shape[1:] != Cifar10Binary.input_shape or labels.shape != images.shape[:1]:
        raise ValueError(f"expected images (n, 3, 32, 32) and labels (n,), got {images.shape}, {labels.shape}")
    atomic_write_bytes(path, np.concatenate([labels[:, None], images.reshape(len(images), -1)], axis=1).tobytes())


def fake_cifar10(folder: str | Path, per_file: int = 4, seed: int = 0) -> Path:
    """A tiny CIFAR-10 in the binary format (random pixels, labels i % 10): `per_file` records per batch file."""
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    for i, name in enumerate(TRAIN + TEST):
        labels = (np.arange(per_file) + i) % 10
        write_batch(folder / name, rng.integers(0, 256, (per_file, *Cifar10Binary.input_shape)), labels)
    atomic_write_text(folder / META, "\n".join(Cifar10Binary.classes) + "\n")
    return folder


def _unpack(archive: Path, directory: Path) -> list[str]:
    """Extract the expected regular files only (never arbitrary paths), then write their SHA256SUMS."""
    names = TRAIN + TEST + (META,)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [tar.getmember(f"{FOLDER}/{name}") for name in names]
            links = [m.name for m in members if not m.isfile()]
            if links:
                return [f"{archive}: {', '.join(links)} is not a regular file"]
            for name, member in zip(names, members):
                atomic_write_bytes(directory / name, tar.extractfile(member).read())
    except (OSError, KeyError, tarfile.TarError, EOFError) as exc:
        return [f"{archive}: cannot unpack ({exc})"]
    atomic_write_text(directory / "SHA256SUMS",
                      "".join(f"{file_digest(directory / n)}  {n}\n" for n in names))
    return []


CIFAR10 = Cifar10Binary()
