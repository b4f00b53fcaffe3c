"""CIFAR-10 binary version on fabricated files in the same format: layout, verification, archive download."""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from archsim.config.errors import ConfigError
from archsim.functional.datasets import cifar, load_dataset
from archsim.functional.datasets.cifar import FOLDER, META, RECORD, TEST, TRAIN, fake_cifar10


def records(path: Path) -> np.ndarray:
    return np.frombuffer(path.read_bytes(), dtype=np.uint8).reshape(-1, RECORD)


def test_layout_labels_and_channel_order(tmp_path, isolated):
    folder = fake_cifar10(tmp_path / FOLDER, per_file=3)
    d = load_dataset("cifar10", tmp_path, download=False)      # a root holding cifar-10-batches-bin/
    assert d.source_dir == folder and d.name == "cifar10" and d.input_shape == (3, 32, 32)
    assert d.x_train.shape == (15, 3072) and d.x_test.shape == (3, 3072) and d.x_train.dtype == np.float32
    assert d.y_train.dtype == np.int64 and d.classes[0] == "airplane" and d.classes[9] == "truck"
    first = records(folder / "data_batch_1.bin")
    assert d.y_train[:3].tolist() == first[:, 0].tolist()
    red = first[0, 1:1025].reshape(32, 32)                       # the record's first 1,024 bytes: red, rows first
    np.testing.assert_array_equal(d.x_train[0].reshape(3, 32, 32)[0], red.astype(np.float32) / 255)
    last = records(folder / "data_batch_5.bin")
    np.testing.assert_array_equal(d.x_train[-1], last[-1, 1:].astype(np.float32) / 255)
    np.testing.assert_array_equal(d.y_test, records(folder / TEST[0])[:, 0])
    assert load_dataset("cifar-10", folder, download=False).source_dir == folder   # the folder itself, alias


@pytest.mark.parametrize("damage, message", [
    (lambda f: f.write_bytes(f.read_bytes()[:-1]), "not a whole number of 3073-byte records"),
    (lambda f: f.write_bytes(b"\x0b" + f.read_bytes()[1:]), "label 11 outside 0-9"),
    (lambda f: f.unlink(), "data_batch_2.bin: missing"),
])
def test_damaged_folder_is_named(tmp_path, isolated, damage, message):
    folder = fake_cifar10(tmp_path / FOLDER)
    damage(folder / "data_batch_2.bin")
    with pytest.raises(ConfigError, match=message):
        load_dataset("cifar10", folder, download=False)


def test_sha256sums_beside_the_files_are_checked(tmp_path, isolated):
    folder = fake_cifar10(tmp_path / FOLDER)
    (folder / "SHA256SUMS").write_text(f"{'0' * 64}  test_batch.bin\n")
    with pytest.raises(ConfigError, match="test_batch.bin: corrupt: sha256"):
        load_dataset("cifar10", folder, download=False)


def _archive(tmp_path: Path, *, symlink: bool = False) -> bytes:
    src = fake_cifar10(tmp_path / "src" / FOLDER, per_file=2, seed=3)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in TRAIN + TEST + (META,):
            if symlink and name == TEST[0]:
                info = tarfile.TarInfo(f"{FOLDER}/{name}")
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tar.addfile(info)
            else:
                tar.add(src / name, arcname=f"{FOLDER}/{name}")
        tar.add(src / META, arcname="../outside.txt")     # never extracted: only the expected names are
    return buf.getvalue()


def test_download_checks_the_published_md5_and_unpacks_into_the_cache(tmp_path, monkeypatch, isolated):
    payload = _archive(tmp_path)
    monkeypatch.setattr(cifar, "ARCHIVE_MD5", hashlib.md5(payload).hexdigest())
    served = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: served.append(url) or io.BytesIO(payload))
    d = load_dataset("cifar10", tmp_path / "nothing", progress=False)
    cache = isolated / "archsim" / FOLDER
    assert served == ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]
    assert d.source_dir == cache and d.x_train.shape == (10, 3072)
    assert sorted(p.name for p in cache.iterdir()) == sorted(TRAIN + TEST + (META, "SHA256SUMS"))
    assert not (isolated / "archsim" / cifar.ARCHIVE).exists() and not (tmp_path / "outside.txt").exists()
    (cache / "test_batch.bin").write_bytes(b"\x01" * RECORD)     # later corruption: caught by the written sums
    monkeypatch.setattr(urllib.request, "urlopen", _offline)
    with pytest.raises(ConfigError, match="test_batch.bin: corrupt: sha256"):
        load_dataset("cifar10", download=False)


def _offline(url, timeout=None):
    raise OSError("network unreachable")


def test_wrong_md5_is_rejected(tmp_path, monkeypatch, isolated):
    payload = _archive(tmp_path)
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(payload))
    with pytest.raises(ConfigError) as err:
        load_dataset("cifar10", tmp_path / "nothing", progress=False)
    assert f"does not match the published {cifar.ARCHIVE_MD5}" in str(err.value)
    assert not list((isolated / "archsim").glob("*.tar.gz")) and not list((isolated / "archsim").glob(".*"))


def test_a_local_archive_is_verified_and_used_offline(tmp_path, monkeypatch, isolated):
    payload = _archive(tmp_path)
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / cifar.ARCHIVE).write_bytes(payload)
    monkeypatch.setattr(cifar, "ARCHIVE_MD5", hashlib.md5(payload).hexdigest())
    monkeypatch.setattr(urllib.request, "urlopen", _offline)
    monkeypatch.setenv("ARCHSIM_DATA", str(tmp_path / "downloads"))
    d = load_dataset("cifar10", progress=False)
    assert d.source_dir == isolated / "archsim" / FOLDER and len(d.y_test) == 2
    assert (tmp_path / "downloads" / cifar.ARCHIVE).is_file()     # the user's own copy is kept


def test_archive_with_a_link_member_is_refused(tmp_path, monkeypatch, isolated):
    payload = _archive(tmp_path, symlink=True)
    monkeypatch.setattr(cifar, "ARCHIVE_MD5", hashlib.md5(payload).hexdigest())
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(payload))
    with pytest.raises(ConfigError, match="test_batch.bin is not a regular file"):
        load_dataset("cifar10", tmp_path / "nothing", progress=False)
