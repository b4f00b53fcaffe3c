"""MNIST and Fashion-MNIST: parsing, content verification, search order and error messages (never downloads)."""

from __future__ import annotations

import gzip
import io
import shutil
import urllib.request

import numpy as np
import pytest

from archsim.config.errors import ConfigError
from archsim.functional.datasets import DATASETS, load_dataset, load_mnist
from archsim.functional.datasets import base
from archsim.functional.datasets.idx import STEMS

FILES = [f"{s}.gz" for s in STEMS]


def test_loaded_arrays(mnist):
    assert mnist.x_train.shape == (60000, 784) and mnist.x_train.dtype == np.float32
    assert mnist.x_test.shape == (10000, 784) and mnist.y_test.dtype == np.int64
    assert 0.0 == mnist.x_train.min() and mnist.x_train.max() == 1.0
    assert mnist.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # first labels of the canonical file
    assert np.bincount(mnist.y_test).sum() == 10000 and set(np.unique(mnist.y_train)) == set(range(10))
    assert mnist.name == "mnist" and mnist.input_shape == (1, 28, 28) and len(mnist.classes) == 10


def test_fashion_mnist_arrays(fashion_mnist):
    f = fashion_mnist
    assert f.x_train.shape == (60000, 784) and f.x_test.shape == (10000, 784) and f.x_train.dtype == np.float32
    assert f.y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # first labels of Zalando's file
    assert f.classes[f.y_train[0]] == "Ankle boot" and f.input_shape == (1, 28, 28) and f.name == "fashion_mnist"
    assert np.bincount(f.y_test).tolist() == [1000] * 10
    assert 0.0 <= f.x_test.min() and f.x_test.max() <= 1.0


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_missing_everywhere_names_places_and_fix(name, isolated, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHSIM_DATA", str(tmp_path / "env"))
    with pytest.raises(ConfigError) as err:
        load_dataset(name, tmp_path / "arg", download=False)
    text = str(err.value)
    for where in ("arg", "env", "cache", "system"):
        assert str(tmp_path / where) in text, where
    assert "ARCHSIM_DATA" in text and "data_dir" in text and "fix" in text
    assert DATASETS[name].title in text


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="known: mnist, fashion_mnist, cifar10"):
        load_dataset("imagenet", download=False)


def test_corrupt_file_detected_then_env_fallback(tmp_path, monkeypatch, mnist_dir, isolated):
    bad = tmp_path / "bad"
    shutil.copytree(mnist_dir, bad)
    target = bad / "t10k-labels-idx1-ubyte.gz"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="t10k-labels-idx1-ubyte.gz: corrupt"):
        load_mnist(bad, download=False)
    (bad / "SHA256SUMS").chmod(0o644)
    (bad / "SHA256SUMS").unlink()  # without the sums file the content check still catches it
    with pytest.raises(ConfigError, match="corrupt"):
        load_mnist(bad, download=False)
    monkeypatch.setenv("ARCHSIM_DATA", str(mnist_dir))  # a good env dir is used after the bad argument
    assert load_mnist(bad, download=False).source_dir == mnist_dir


def test_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHSIM_DATA", str(tmp_path / "e"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    found = base.search_locations(DATASETS["fashion_mnist"], tmp_path / "a")
    assert [f[0] for f in found] == ["data_dir argument", "env ARCHSIM_DATA", "user cache", "system data sets"]
    assert [f[2] for f in found][:3] == [tmp_path / "a", tmp_path / "e", tmp_path / "c" / "archsim" / "fashion-mnist"]
    assert found[3][1] == base.SYSTEM_ROOT


def test_env_may_name_a_root_or_a_dataset_folder(tmp_path, monkeypatch, mnist_dir, fashion_mnist, isolated):
    root = tmp_path / "data"
    root.mkdir()
    (root / "mnist").symlink_to(mnist_dir)
    (root / "fashion-mnist").symlink_to(fashion_mnist.source_dir.resolve())
    monkeypatch.setenv("ARCHSIM_DATA", str(root))
    assert load_dataset("mnist", download=False).source_dir == root / "mnist"
    assert load_dataset("fashion_mnist", download=False).source_dir == root / "fashion-mnist"
    monkeypatch.setenv("ARCHSIM_DATA", str(mnist_dir))   # today's CI setting keeps working for MNIST
    assert load_dataset("mnist", download=False).source_dir == mnist_dir
    with pytest.raises(ConfigError) as err:               # … and says what it found when asked for Fashion
        load_dataset("fashion_mnist", download=False)
    assert f"env ARCHSIM_DATA ({mnist_dir}): holds MNIST, not Fashion-MNIST (all four files)" in str(err.value)


def test_debian_package_layout_is_found(tmp_path, monkeypatch, fashion_mnist, isolated):
    """Debian's dataset-fashion-mnist installs the four .gz files (re-gzipped, no SHA256SUMS) here."""
    system = tmp_path / "usr" / "share" / "datasets"
    (system / "fashion-mnist").mkdir(parents=True)
    for name in FILES:
        shutil.copy(fashion_mnist.source_dir / name, system / "fashion-mnist" / name)
    monkeypatch.setattr(base, "SYSTEM_ROOT", system)
    got = load_dataset("fashion_mnist", download=False)
    assert got.source_dir == system / "fashion-mnist"
    np.testing.assert_array_equal(got.x_test, fashion_mnist.x_test)


def test_uncompressed_and_recompressed_copies_verify(tmp_path, mnist, mnist_dir, isolated):
    d = tmp_path / "plain"
    d.mkdir()
    for stem in STEMS:
        raw = gzip.decompress((mnist_dir / f"{stem}.gz").read_bytes())
        if stem.startswith("train"):
            (d / stem).write_bytes(raw)                               # gunzip'ed
        else:
            (d / f"{stem}.gz").write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))  # re-gzipped
    got = load_mnist(d, download=False)
    np.testing.assert_array_equal(got.x_train, mnist.x_train)
    np.testing.assert_array_equal(got.y_test, mnist.y_test)
    raw = bytearray((d / "train-labels-idx1-ubyte").read_bytes())
    raw[100] = (raw[100] + 1) % 10
    (d / "train-labels-idx1-ubyte").write_bytes(bytes(raw))
    with pytest.raises(ConfigError, match="train-labels-idx1-ubyte: corrupt: md5 of the content"):
        load_mnist(d, download=False)


def test_truncated_idx_file_is_reported(tmp_path, mnist_dir, isolated):
    d = tmp_path / "t"
    shutil.copytree(mnist_dir, d)
    for f in d.iterdir():
        f.chmod(0o644)
    (d / "SHA256SUMS").unlink()
    (d / "t10k-images-idx3-ubyte.gz").write_bytes((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes()[:5000])
    with pytest.raises(ConfigError, match="t10k-images-idx3-ubyte.gz: corrupt: not a readable gzip file"):
        load_mnist(d, download=False)


def test_download_fills_cache_and_checks_hashes(tmp_path, monkeypatch, mnist_dir, isolated):
    """The mirror is faked with the local files (no network): downloads land verified in the cache."""
    served = []

    def fake_urlopen(url, timeout=None):
        name = url.rsplit("/", 1)[-1]
        served.append(url)
        payload = (mnist_dir / name).read_bytes()
        if "ossci" in url and name.startswith("t10k-labels"):
            payload = payload[:-1] + bytes([payload[-1] ^ 1])  # first mirror serves a corrupt file
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    data = load_mnist(tmp_path / "nothing-here")
    assert data.source_dir == isolated / "archsim" / "mnist"
    assert len(data.y_test) == 10000
    assert sum("t10k-labels" in u for u in served) == 2  # corrupt copy rejected, second mirror used
    assert sorted(p.name for p in data.source_dir.iterdir()) == sorted(FILES)  # no temporary files left


def test_failed_download_is_reported(tmp_path, monkeypatch, isolated):
    def offline(url, timeout=None):
        raise OSError("network unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ConfigError) as err:
        load_dataset("fashion_mnist", tmp_path / "none")
    text = str(err.value)
    assert "download into" in text and "network unreachable" in text and "raw.githubusercontent.com" in text
