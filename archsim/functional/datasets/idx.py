"""MNIST and Fashion-MNIST: four IDX files (gzip'ed or not), checked against the published content hashes.

A file is accepted when it matches the folder's SHA256SUMS (if it lists it) and the MD5 of its
*decompressed* content equals the published one, so re-compressed copies (Debian's
`dataset-fashion-mnist` re-gzips the files) and gunzip'ed copies verify too, while a copy of the
other data set (both use the same file names) is named as such.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

from archsim.config.errors import Problem
from archsim.functional.datasets.base import DatasetFormat, Invalid, check_sums, fetch

STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


class IdxFormat(DatasetFormat):
    """A data set in MNIST's layout: train/t10k images (n, 28, 28) and labels, IDX uint8 files."""

    def __init__(self, name: str, title: str, folders: tuple[str, ...], content_md5: dict[str, str],
                 mirrors: tuple[str, ...], classes: tuple[str, ...]):
        self.name, self.title, self.folders = name, title, folders
        self.content_md5 = content_md5
        self.mirrors = mirrors
        self.files = tuple(f"{s}.gz" for s in STEMS)
        self.wanted = f"{', '.join(self.files)} (from {mirrors[0]})"
        self.input_shape = (1, 28, 28)
        self.classes = classes

    def read(self, directory: Path):
        arrays, problems = {}, []
        present = [s for s in STEMS if _file_of(directory, s) is not None]
        if not present:
            raise Invalid([Problem(f, f"missing in {directory}") for f in self.files], missing_all=True)
        for stem in STEMS:
            path = _file_of(directory, stem)
            if path is None:
                problems.append(Problem(f"{stem}.gz", f"missing in {directory}"))
                continue
            problems += check_sums(directory, [path.name])
            try:
                raw = _content(path)
                self._check_content(stem, raw)
                arrays[stem] = parse_idx(raw)
            except ValueError as exc:
                problems.append(Problem(path.name, str(exc)))
        if len(problems) == len(STEMS) and len({p.message for p in problems}) == 1 and "holds" in problems[0].message:
            raise Invalid([Problem("", problems[0].message + " (all four files)")])
        if problems:
            raise Invalid(problems)
        return (arrays[STEMS[0]], arrays[STEMS[1]], arrays[STEMS[2]], arrays[STEMS[3]])

    def _check_content(self, stem: str, raw: bytes) -> None:
        digest = hashlib.md5(raw).hexdigest()
        if digest == self.content_md5[stem]:
            return
        other = next((f.title for f in FORMATS if f is not self and f.content_md5.get(stem) == digest), None)
        if other is not None:
            raise ValueError(f"holds {other}, not {self.title}")
        raise ValueError(f"corrupt: md5 of the content {digest} does not match the published {self.content_md5[stem]}")

    def download(self, directory: Path, searched: list[Path], progress: bool) -> list[str]:
        errors = []
        for stem in STEMS:
            target = directory / f"{stem}.gz"
            try:
                self._check_content(stem, _content(target))
                continue  # already fine
            except (OSError, ValueError):
                pass
            for mirror in self.mirrors:
                try:
                    fetch(mirror + target.name, target, progress=progress)
                    self._check_content(stem, _content(target))
                    break
                except (OSError, ValueError) as exc:
                    errors.append(f"{mirror}{target.name}: {exc}")
                    target.unlink(missing_ok=True)
        return errors


def _file_of(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"corrupt: not a readable gzip file ({exc})") from None


def parse_idx(raw: bytes) -> np.ndarray:
    """Parse an IDX uint8 payload (big-endian header: magic 0x0000 08 <ndim>, then the dims)."""
    if len(raw) < 4:
        raise ValueError("not an IDX file (too short)")
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte data
        raise ValueError(f"not an IDX uint8 file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"truncated IDX file: header says {dims}, found {data.size} values")
    return data.reshape(dims)


#: MD5 of the decompressed canonical files (the published .gz files' SHA-256: 440fcabf…, 3552534a…,
#: 8d422c7b…, f7ae60f9…; these md5s are also what several dataset libraries check).
MNIST = IdxFormat(
    "mnist", "MNIST", ("mnist", "MNIST"),
    {"train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
     "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
     "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
     "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"},
    ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    tuple(str(i) for i in range(10)))

#: Zalando's published files (github.com/zalandoresearch/fashion-mnist, data/fashion); content md5s as
#: checked by torchvision's FashionMNIST; Debian's dataset-fashion-mnist holds the same content re-gzipped.
FASHION_MNIST = IdxFormat(
    "fashion_mnist", "Fashion-MNIST", ("fashion-mnist", "fashion_mnist", "FashionMNIST"),
    {"train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
     "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
     "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
     "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965"},
    ("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
     "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"))

FORMATS = (MNIST, FASHION_MNIST)
