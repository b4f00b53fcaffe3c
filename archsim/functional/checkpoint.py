"""The one checkpoint mechanism of the functional engine: arrays + metadata in an .npz, written
atomically, carrying a fingerprint of the configuration that determines its contents.

A fingerprint is a flat {dotted key: value} map of everything that changes the checkpointed results
(network, training settings, resolved device parameters, converters, seed, data subset ...).
Resuming from a checkpoint whose fingerprint differs from the current one is refused with a
ConfigError (exit 2) naming every changed key, so a stale state is never continued silently;
`archsim run --fresh` discards the checkpoints and starts over.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archsim.config.errors import ConfigError, Problem
from archsim.io import write_npz

FINGERPRINT = "__fingerprint__"
META = "__meta__"


def _plain(value: Any) -> Any:
    """JSON-comparable form: arrays become a short hash, tuples lists, numpy scalars Python ones."""
    if isinstance(value, np.ndarray):
        return "sha256:" + hashlib.sha256(np.ascontiguousarray(value).tobytes() + str(value.dtype).encode()
                                          + str(value.shape).encode()).hexdigest()[:16]
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts (and lists of dicts) → {dotted key: leaf value}; lists of scalars stay one value."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in obj):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}.{i}"))
        out[f"{prefix}.length"] = len(obj)
    else:
        out[prefix] = _plain(obj)
    return out


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(key, value in the checkpoint, value now) for every key that differs or exists on one side only."""
    missing = object()
    rows = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, missing), new.get(key, missing)
        if json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str):
            rows.append((key, "(absent)" if a is missing else a, "(absent)" if b is missing else b))
    return rows


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint file and the fingerprint its contents must match."""

    path: Path
    fingerprint: dict[str, Any]
    #: dotted fingerprint keys recorded but left out of the comparison (keys that do not determine the
    #: results, e.g. a file's location when its content is fingerprinted)
    ignored: frozenset[str] = frozenset()

    def exists(self) -> bool:
        return self.path.is_file()

    def flat(self) -> dict[str, Any]:
        """The fingerprint as {dotted key: JSON value}."""
        return json.loads(json.dumps(flatten(self.fingerprint), sort_keys=True, default=str))

    def save(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        payload = dict(arrays)
        payload[FINGERPRINT] = np.array(json.dumps(self.flat(), sort_keys=True))
        payload[META] = np.array(json.dumps(meta, default=str))
        write_npz(self.path, payload)

    def load(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays and metadata; ConfigError when the file is unreadable or was written for another config."""
        try:
            with np.load(self.path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise ConfigError(self.path, f"checkpoint unreadable ({exc}); run with --fresh to start over") from None
        if FINGERPRINT not in arrays or META not in arrays:
            raise ConfigError(self.path, "checkpoint has no configuration fingerprint (written by an older "
                                         "archsim?); run with --fresh to start over")
        old = json.loads(str(arrays.pop(FINGERPRINT)))
        meta = json.loads(str(arrays.pop(META)))
        diff = changed_keys(*({k: v for k, v in f.items() if k not in self.ignored} for f in (old, self.flat())))
        if diff:
            problems = [Problem(key, f"changed since the checkpoint was written: {_short(a)} -> {_short(b)}")
                        for key, a, b in diff]
            problems.append(Problem("resume", "refused: these checkpointed results belong to another "
                                              "configuration; run without --resume, or with --fresh, to start over"))
            raise ConfigError(self.path, problems)
        return arrays, meta


def clear(directory: Path) -> None:
    """Remove a checkpoint folder (archsim run --fresh)."""
    if directory.is_dir():
        shutil.rmtree(directory)
