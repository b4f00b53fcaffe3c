"""MNIST loader: parsing, hash verification, search order and error messages (never downloads)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from archsim.config.errors import ConfigError
from archsim.functional.datasets import load_mnist
from archsim.functional.datasets.mnist import FILES, candidate_dirs


def test_loaded_arrays(mnist):
    assert mnist.x_train.shape == (60000, 784) and mnist.x_train.dtype == np.float32
    assert mnist.x_test.shape == (10000, 784) and mnist.y_test.dtype == np.int64
    assert 0.0 == mnist.x_train.min() and mnist.x_train.max() == 1.0
    assert mnist.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # first labels of the canonical file
    assert np.bincount(mnist.y_test).sum() == 10000 and set(np.unique(mnist.y_train)) == set(range(10))


def test_missing_everywhere_names_places_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ARCHSIM_DATA", str(tmp_path / "env"))
    with pytest.raises(ConfigError) as err:
        load_mnist(tmp_path / "arg", download=False)
    text = str(err.value)
    for where in ("arg", "env", "cache"):
        assert str(tmp_path / where) in text
    assert "ARCHSIM_DATA" in text and "data_dir" in text


def test_corrupt_file_detected_then_env_fallback(tmp_path, monkeypatch, mnist_dir):
    src = mnist_dir
    if not (src / FILES[0]).is_file():
        pytest.skip("MNIST not available")
    bad = tmp_path / "bad"
    shutil.copytree(src, bad)
    target = bad / "t10k-labels-idx1-ubyte.gz"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHSIM_DATA", raising=False)
    with pytest.raises(ConfigError, match="corrupt"):
        load_mnist(bad, download=False)
    monkeypatch.setenv("ARCHSIM_DATA", str(src))  # a good env dir is used after the bad argument
    assert load_mnist(bad, download=False).source_dir == src


def test_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHSIM_DATA", str(tmp_path / "e"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    labels = [label for label, _ in candidate_dirs(tmp_path / "a")]
    dirs = [d for _, d in candidate_dirs(tmp_path / "a")]
    assert labels[0].startswith("data_dir") and "ARCHSIM_DATA" in labels[1] and labels[2] == "user cache"
    assert dirs == [tmp_path / "a", tmp_path / "e", tmp_path / "c" / "archsim" / "mnist"]


def test_download_fills_cache_and_checks_hashes(tmp_path, monkeypatch, mnist_dir):
    """The mirror is faked with the local files (no network): downloads land verified in the cache."""
    if not (mnist_dir / FILES[0]).is_file():
        pytest.skip("MNIST not available")
    import io
    import urllib.request

    served = []

    def fake_urlopen(url, timeout=None):
        name = url.rsplit("/", 1)[-1]
        served.append(url)
        payload = (mnist_dir / name).read_bytes()
        if "ossci" in url and name.startswith("t10k-labels"):
            payload = payload[:-1] + bytes([payload[-1] ^ 1])  # first mirror serves a corrupt file
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ARCHSIM_DATA", raising=False)
    data = load_mnist(tmp_path / "nothing-here")
    assert data.source_dir == tmp_path / "archsim" / "mnist"
    assert len(data.y_test) == 10000
    assert sum("t10k-labels" in u for u in served) == 2  # corrupt copy rejected, second mirror used
