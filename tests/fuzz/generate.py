"""Inputs of the fuzz suite: a valid base file for every input kind archsim reads (workload, design,
tech, sweep, pcm_device, pcm_inference, jump-table CSV/NPZ), seeded mutations of them, and a corpus
of hostile files (alias bombs, deep nesting, encodings, huge and non-finite numbers, duplicate keys,
expression injections, huge grids, impossible shapes, truncated tables).

Mutations draw every choice from `rng`, anything with `choice`, `randint` and `random` (a
random.Random, or HypothesisRandom for property tests, so hypothesis can shrink). A Case is a small
folder of files plus the archsim commands to run on it; tests run it in-process, benchmarks/fuzz.py
in a worker process with time and memory limits.
"""

from __future__ import annotations

import codecs
import copy
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
TECH = ROOT / "tech"
KINDS = ("workload", "design", "tech", "sweep", "pcm_device", "pcm_inference", "jump_table")
PWNED = "PWNED"            # a file no input may ever create (code execution) — checked after every case


@dataclass
class Case:
    """One fuzz input: files of a folder, the file `archsim check` gets, the run/sweep command (if any)."""

    name: str
    kind: str
    files: dict[str, bytes]
    main: str
    run: list[str] | None = None          # argv after `archsim`, relative to the case folder
    origin: str = ""
    extra_check: list[str] = field(default_factory=list)

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            p = folder / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)


class HypothesisRandom:
    """The rng interface over hypothesis' `data.draw`, so that mutations shrink."""

    def __init__(self, data):
        from hypothesis import strategies as st

        self._data, self._st = data, st

    def choice(self, seq):
        return self._data.draw(self._st.sampled_from(list(seq)))

    def randint(self, a: int, b: int) -> int:
        return self._data.draw(self._st.integers(a, b))

    def random(self) -> float:
        return self._data.draw(self._st.floats(0, 1, exclude_max=True))


def dump(doc: Any) -> bytes:
    """YAML text of a document (JSON, which is YAML too, where it is too deep for PyYAML's dumper)."""
    try:
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()
    except RecursionError:
        return json.dumps(doc).encode()


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


# --- valid bases ---------------------------------------------------------------------------------
def small_workload(variant: int = 0, tech: str | None = None) -> dict:
    """A small workload (ms to estimate): MLP, CNN or residual CNN; training or inference."""
    nets = [
        {"name": "mlp", "input_shape": [64], "layers": [{"type": "dense", "out": 16, "activation": "sigmoid"},
                                                        {"type": "dense", "out": 10, "activation": "softmax"}]},
        {"name": "cnn", "input_shape": [1, 12, 12], "layers": [
            {"type": "conv2d", "out_channels": 4, "kernel": 3, "activation": "relu"}, {"type": "maxpool", "kernel": 2},
            {"type": "flatten"}, {"type": "dense", "out": 10}]},
        {"name": "res", "input_shape": [2, 8, 8], "layers": [
            {"type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
            {"type": "residual", "body": [{"type": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
                                          {"type": "batchnorm", "activation": "relu"}]},
            {"type": "global_avgpool"}, {"type": "dense", "out": 10}]},
    ]
    doc = {"kind": "workload", "version": 1, "name": "fuzz", "tech": tech or str(TECH / "14lpp.yaml"),
           "network": nets[variant % 3], "mode": "train" if variant % 2 == 0 else "infer", "batch_size": 1,
           "designs": ["mca", "digital32", {"name": "mca_small", "base": "mca",
                                            "overrides": {"tile": {"adcs_per_array": 16, "adc_bits": 6}}}],
           "trace": {"source": "analytical", "update": {"x_nonzero_fraction": 0.5, "d_nonzero_fraction": 0.02,
                                                        "set_pulses_per_image": 0.5, "refresh_interval_images": 100}}}
    if variant % 5 == 3:
        doc["functional"] = {"epochs": 1, "train_images": 100, "test_images": 100, "algorithms": ["mca"],
                             "device": "gradual_set", "learning_rate": 0.1}
        doc["network"] = nets[0] | {"input_shape": [784]}
    if variant % 5 == 4:
        doc["inference"] = {"training": {"epochs": 1, "train_images": 100}, "hwa": {"epochs": 1}, "repeats": 1,
                            "times_s": [25, 3600], "device_model": str(TECH / "pcm_inference.yaml")}
        doc["network"] = nets[1] | {"input_shape": [1, 28, 28]}
    return doc


def small_sweep(workload: str = "w.yaml") -> dict:
    return {"kind": "sweep", "version": 1, "name": "fuzz_sweep", "workload": workload, "design": "mca",
            "fixed": {"design.crossbar.mapping": "tiled", "design.tile.adcs_per_array": 32},
            "axes": [{"target": "design.tile.adc_bits", "values": [4, 8]},
                     {"target": ["design.crossbar.rows", "design.crossbar.cols"], "values": [64, 128]}],
            "iso": {"require": ["design.tile.adcs_per_array <= design.crossbar.cols"]},
            "derived": {"adcs": "metrics.arrays * design.tile.adcs_per_array"},
            "objectives": [{"metric": "total_energy_nJ"}, {"metric": "total_latency_us"}]}


def jump_table_arrays() -> dict[str, np.ndarray]:
    from archsim.functional.devices.jump_table import synthetic_table

    t = synthetic_table(0.0, 12.0, n_bins=4, step_us=0.77, step_std_fraction=0.5)
    return {"g_edges_us": t.g_edges_us, "dg_grid_us": t.dg_grid_us, "set_cdf": t.set_cdf, "reset_cdf": t.reset_cdf}


def jump_table_csv(arrays: dict[str, np.ndarray]) -> str:
    e, g = arrays["g_edges_us"], arrays["dg_grid_us"]
    rows = ["pulse,g_lo_us,g_hi_us,dg_us,cdf"]
    for pulse in ("set", "reset"):
        cdf = arrays[f"{pulse}_cdf"]
        rows += [f"{pulse},{e[b]:.6g},{e[b + 1]:.6g},{g[j]:.6g},{cdf[b, j]:.6g}"
                 for b in range(len(e) - 1) for j in range(len(g))]
    return "\n".join(rows) + "\n"


def npz_bytes(arrays: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def jump_table_device(table_file: str) -> dict:
    doc = _raw(TECH / "pcm_jump_table.yaml")
    doc.pop("synthetic", None)
    doc["table_file"] = table_file
    return doc


def wrapper_workload(**changes) -> bytes:
    """A workload that runs a design or tech file under test (files of the same case)."""
    return dump(small_workload(0) | changes)


def base_case(kind: str, variant: int = 0) -> Case:
    """The valid starting point of each kind (accepted by `archsim check`, finite results)."""
    run_out = ["--no-functional", "--out", "out", "--quiet"]
    if kind == "workload":
        return Case(f"base-{kind}", kind, {"w.yaml": dump(small_workload(variant))}, "w.yaml",
                    ["run", "w.yaml", *run_out])
    if kind == "design":
        doc = _raw(ROOT / "archsim" / "hardware" / "designs" / "mca.yaml")
        return Case(f"base-{kind}", kind, {"design.yaml": dump(doc), "w.yaml": wrapper_workload(
            designs=[{"name": "d", "base": "design.yaml"}])}, "design.yaml", ["run", "w.yaml", *run_out])
    if kind == "tech":
        return Case(f"base-{kind}", kind, {"tech.yaml": dump(_raw(TECH / "14lpp.yaml")),
                                           "w.yaml": wrapper_workload(tech="tech.yaml")},
                    "tech.yaml", ["run", "w.yaml", *run_out])
    if kind == "sweep":
        return Case(f"base-{kind}", kind, {"sweep.yaml": dump(small_sweep()), "w.yaml": dump(small_workload(0))},
                    "sweep.yaml", ["sweep", "sweep.yaml", "--workers", "1", "--out", "out", "--quiet"])
    if kind == "pcm_device":
        name = ("pcm_gradual_set.yaml", "pcm_jump_table.yaml", "pcm_ideal.yaml")[variant % 3]
        return Case(f"base-{kind}", kind, {"device.yaml": dump(_raw(TECH / name))}, "device.yaml")
    if kind == "pcm_inference":
        return Case(f"base-{kind}", kind, {"model.yaml": dump(_raw(TECH / "pcm_inference.yaml"))}, "model.yaml")
    if kind == "jump_table":
        arrays = jump_table_arrays()
        if variant % 2:
            return Case(f"base-{kind}", kind, {"device.yaml": dump(jump_table_device("table.npz")),
                                               "table.npz": npz_bytes(arrays)}, "device.yaml")
        return Case(f"base-{kind}", kind, {"device.yaml": dump(jump_table_device("table.csv")),
                                           "table.csv": jump_table_csv(arrays).encode()}, "device.yaml")
    raise ValueError(kind)


# --- hostile values ------------------------------------------------------------------------------
def _nested(depth: int) -> Any:
    v: Any = 0
    for _ in range(depth):
        v = [v]
    return v


HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 0.5, -0.5, 1e-300, 1e300, -1e300, 2 ** 63 - 1, -(2 ** 63), 10 ** 18,
    1e9, 1e12, 1e15, 3.0e38, 255, 65537, 1048577, "", " ", "x" * 5000, "nan", "inf", "-inf", "1e400", "1e9",
    "10", "true", "tiled", "mca", "sett", [], {}, [1, 2, 3], [0.5], {"a": 1}, [None], [[1, 2], [3]],
    _nested(60), list(range(2000)), {"value": 1}, {"value": -1, "source": "fuzz"}, "a\x00b", "é∂ü",
]
HOSTILE_PATHS = ["/dev/zero", "/dev/urandom", "/etc/passwd", "/proc/self/mem", "missing.yaml", ".", "/",
                 "../../../../etc/shadow", "x" * 5000, "a\x00b.yaml", "w.yaml", "sweep.yaml", "design.yaml",
                 "table.csv", "~nobody/x.yaml", "mca", "gradual_set", "builtin"]
HOSTILE_EXPRESSIONS = [
    "9 ** 9 ** 9 > 0", "10 ** 10 ** 8", "'a' * 10 ** 10 == 'a'", "2.0 ** 10000 > 0", "1 / 0", "log2(0)",
    "sqrt(-1) > 0", "(-8) ** 0.5 > 0", "__import__('os').system('touch PWNED')", "open('/etc/passwd').read()",
    "design.__class__.__bases__", "(lambda: 1)()", "[x for x in (1, 2)]", "exec('1')", "eval('1')",
    "f'{1}'", "design.tile.adc_bits if 1 else 2", "(y := 1)", "design.tile", "design.crossbar.mapping < 3",
    "design.crossbar.mapping * 10 ** 9", "max()", "min(*[1])", "1e999 > 0", "-" * 300 + "1",
    "(" * 300 + "1" + ")" * 300, "1 + " * 2000 + "1", "metrics.arrays", "design.tile.adc_bits ** 1e6",
    "10 ** 300 * 10 ** 300", "design.nope > 1", "workload.network.layers > 1", "True + 1e308 * 10",
    "design.tile.adcs_per_array <= design.crossbar.cols", "design.tile.adc_bits * 2 > 7",
]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _set(doc, path, value):
    if not path:
        return value
    parent = _get(doc, path[:-1])
    parent[path[-1]] = value
    return doc


def _hostile_for(path: tuple, current: Any, rng) -> Any:
    last = str(path[-1]) if path else ""
    if any(k in ("require", "same") for k in map(str, path)) or (len(path) >= 2 and path[0] == "derived"):
        return rng.choice(HOSTILE_EXPRESSIONS)
    if last in ("tech", "workload", "base", "device", "device_model", "table_file", "data_dir", "design"):
        return rng.choice(HOSTILE_PATHS)
    if isinstance(current, (int, float)) and not isinstance(current, bool) and rng.random() < 0.6:
        return rng.choice([-1, -1e-9, 0, 1e-300, 1e6, 1e12, 1e300, -1e300]) * (current or 1)
    return copy.deepcopy(rng.choice(HOSTILE_VALUES))


def _jitter(v: Any, rng) -> Any:
    """A plausible change of a value: numbers scaled by 0.1–10, booleans flipped."""
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return max(1, round(v * rng.choice([0.5, 2, 3, 0.25, 4]))) if v >= 1 else v + rng.choice([0, 1])
    if isinstance(v, float):
        return v * rng.choice([0.1, 0.5, 0.9, 1.1, 2.0, 10.0])
    return v


def mutate_doc(doc: Any, rng, n: int | None = None, gentle: bool = False) -> tuple[Any, list[str]]:
    """1–3 mutations of a YAML document (`gentle`: plausible numeric changes only, so that most inputs
    stay valid and reach `run` / `sweep`); returns the new document and what was done."""
    doc = copy.deepcopy(doc)
    done = []
    for _ in range(n or rng.randint(1, 3)):
        paths = _paths(doc)
        if gentle:
            leaves = [p for p in paths if p and isinstance(_get(doc, p), (int, float)) and p[-1] != "version"]
            if not leaves:
                break
            path = rng.choice(leaves)
            doc = _set(doc, path, _jitter(_get(doc, path), rng))
            done.append(f"jitter {'.'.join(map(str, path))[:80]}")
            continue
        path = rng.choice(paths[1:] or paths)
        op = rng.choice(["replace", "replace", "replace", "delete", "unknown_key", "wrap", "scale"])
        try:
            current = _get(doc, path)
        except (KeyError, IndexError, TypeError):
            continue
        if op == "delete" and path:
            parent = _get(doc, path[:-1])
            del parent[path[-1]]
        elif op == "unknown_key" and isinstance(current, dict):
            key = rng.choice([k + "x" for k in current] + ["extra", "__class__", "x" * 300]) if current else "extra"
            current[key] = rng.choice([1, "a", None, [1]])
        elif op == "wrap":
            doc = _set(doc, path, [current] if rng.random() < 0.5 else {"value": current})
        elif op == "scale" and isinstance(current, (int, float)) and not isinstance(current, bool):
            doc = _set(doc, path, current * rng.choice([-1, 1e-12, 1e6, 1e15, 1e300]))
        else:
            op = "replace"
            doc = _set(doc, path, _hostile_for(path, current, rng))
        done.append(f"{op} {'.'.join(map(str, path))[:80]}")
    return doc, done


def mutate_text(text: bytes, rng) -> tuple[bytes, str]:
    """A text-level mutation of a YAML file: encodings, truncation, bombs, duplicates, YAML tags."""
    op = rng.choice(["bom8", "utf16", "latin1", "truncate", "nul", "duplicate_key", "alias_bomb", "deep", "tag",
                     "control", "tab_indent", "nonfinite", "bigint", "multidoc", "empty"])
    lines = text.decode().splitlines(keepends=True)
    if op == "bom8":
        return codecs.BOM_UTF8 + text, op
    if op == "utf16":
        return text.decode().encode(rng.choice(["utf-16", "utf-16-le", "utf-32"])), op
    if op == "latin1":
        return text + "description: caf\xe9\n".encode("latin-1"), op
    if op == "truncate":
        return text[: rng.randint(0, max(len(text) - 1, 0))], op
    if op == "nul":
        i = rng.randint(0, len(text))
        return text[:i] + b"\x00" + text[i:], op
    if op == "duplicate_key" and lines:
        top = [ln for ln in lines if ln[:1].isalpha() and ":" in ln]
        return text + (rng.choice(top) if top else b"kind: x\n".decode()).encode(), op
    if op == "alias_bomb":
        levels = rng.randint(3, 12)
        bomb = ['  - &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
        bomb += [f"  - &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, levels)]
        key = rng.choice(["description", "fuzz_bomb", "name"])
        body = "".join(ln for ln in text.decode().splitlines(keepends=True) if not ln.startswith(key + ":"))
        return (body + f"{key}:\n" + "".join(bomb)).encode(), f"{op}{levels}"
    if op == "deep":
        d = rng.choice([150, 5000, 50000])
        return text + f"deep: {'[' * d}{']' * d}\n".encode(), f"{op}{d}"
    if op == "tag":
        return text + rng.choice([b"x: !!python/object/apply:os.system ['touch PWNED']\n",
                                  b"x: !!python/name:os.system\n", b"x: !!binary aGVsbG8=\n", b"x: !!set {a, b}\n",
                                  b"x: !custom 1\n"]), op
    if op == "control":
        return text + b"description: \x07\x1b[31m\n", op
    if op == "tab_indent":
        return text.replace(b"  ", b"\t", 1), op
    if op == "nonfinite" and lines:
        i = rng.randint(0, len(lines) - 1)
        lines[i] = lines[i].replace(": ", ": " + rng.choice([".nan", ".inf", "-.inf", "1e400", "-1.0e+999"]) + " #", 1)
        return "".join(lines).encode(), op
    if op == "bigint" and lines:
        i = rng.randint(0, len(lines) - 1)
        lines[i] = lines[i].replace(": ", ": " + rng.choice(["9" * 30, "9" * 5000, "0x" + "f" * 200,
                                                             ":".join(["1"] * 3000)]) + " #", 1)
        return "".join(lines).encode(), op
    if op == "multidoc":
        return text + b"---\nkind: tech\n", op
    return b"", "empty"


def mutate_table(case: Case, rng) -> str:
    """Mutate the jump-table file of a jump_table case (CSV text or NPZ arrays)."""
    if "table.csv" in case.files:
        text = case.files["table.csv"].decode()
        rows = text.splitlines()
        op = rng.choice(["cell", "truncate", "header", "empty", "pulse", "latin1", "utf16", "rows"])
        if op == "cell":
            i, j = rng.randint(1, len(rows) - 1), rng.randint(0, 4)
            cells = rows[i].split(",")
            cells[j] = rng.choice(["nan", "inf", "-1", "1e300", "x", "", "sett", "2", "-0.5"])
            rows[i] = ",".join(cells)
        elif op == "truncate":
            case.files["table.csv"] = text[: rng.randint(0, len(text) - 1)].encode()
            return "csv truncate"
        elif op == "header":
            rows[0] = rng.choice(["pulse,g_lo_us,g_hi_us,dg_us", "a,b,c,d,e", "", "pulse;g_lo_us;g_hi_us;dg_us;cdf"])
        elif op == "empty":
            rows = []
        elif op == "pulse":
            rows = [rows[0]] + [r.replace("reset", rng.choice(["RESET", "sett", ""])) for r in rows[1:]]
        elif op == "latin1":
            case.files["table.csv"] = (text + "set,0,1,0,caf\xe9\n").encode("latin-1")
            return "csv latin1"
        elif op == "utf16":
            case.files["table.csv"] = text.encode("utf-16")
            return "csv utf16"
        elif op == "rows":
            rows = rows[: rng.randint(1, len(rows))]
        case.files["table.csv"] = ("\n".join(rows) + "\n").encode()
        return f"csv {op}"
    arrays = jump_table_arrays()
    op = rng.choice(["drop", "nan", "shape", "truncate", "object", "decreasing", "huge", "empty", "dtype"])
    if op == "truncate":
        data = case.files["table.npz"]
        case.files["table.npz"] = data[: rng.randint(0, len(data) - 1)]
        return "npz truncate"
    name = rng.choice(sorted(arrays))
    if op == "drop":
        del arrays[name]
    elif op == "nan":
        arrays[name] = arrays[name].copy()
        arrays[name].flat[rng.randint(0, arrays[name].size - 1)] = rng.choice([np.nan, np.inf, -np.inf])
    elif op == "shape":
        arrays[name] = arrays[name].reshape(-1)[: max(1, arrays[name].size // 2)]
    elif op == "object":
        arrays[name] = np.array([{"a": 1}], dtype=object)
    elif op == "decreasing":
        arrays[name] = arrays[name][..., ::-1].copy()
    elif op == "huge":
        arrays[name] = arrays[name] * 1e300
    elif op == "empty":
        arrays[name] = np.zeros((0,))
    elif op == "dtype":
        arrays[name] = np.array(["a", "b"])
    try:
        case.files["table.npz"] = npz_bytes(arrays)
    except ValueError:
        return "npz unchanged"
    return f"npz {op} {name}"


def mutated_case(kind: str, seed: int, rng, tables: bool = True) -> Case:
    """One mutated input of `kind` (structural mutations of the YAML, sometimes text-level ones;
    for jump tables, mostly of the CSV/NPZ table unless `tables` is False)."""
    case = base_case(kind, rng.randint(0, 9))
    case.name, case.origin = f"{kind}-{seed}", f"mutation seed {seed}"
    target = case.main
    what = []
    if kind == "jump_table" and tables and rng.random() < 0.7:
        what.append(mutate_table(case, rng))
    else:
        doc = yaml.safe_load(case.files[target])
        if kind == "sweep" and rng.random() < 0.3:          # mutate the sweep's workload instead
            target = "w.yaml"
            doc = yaml.safe_load(case.files[target])
        doc, done = mutate_doc(doc, rng, gentle=rng.random() < 0.35)
        what += done
        try:
            case.files[target] = dump(doc)
        except (yaml.YAMLError, ValueError, TypeError):
            case.files[target] = json.dumps(doc, default=str).encode()
        if rng.random() < 0.25:
            case.files[target], op = mutate_text(case.files[target], rng)
            what.append(f"text {op}")
    case.origin += ": " + "; ".join(what)
    return case


# --- the hostile corpus --------------------------------------------------------------------------
def corpus() -> list[Case]:
    """Hand-aimed hostile inputs (the issue's list), each a fixed case."""
    cases: list[Case] = []

    def add(name: str, kind: str, main_text: bytes, base: Case | None = None, **files: bytes):
        c = copy.deepcopy(base or base_case(kind))
        c.files[c.main] = main_text
        c.files.update({k.replace("__", "."): v for k, v in files.items()})
        c.name, c.origin = f"corpus-{name}", f"corpus: {name}"
        cases.append(c)

    w = small_workload(0)
    wtext = dump(w)
    for levels in (5, 9, 12):
        bomb = ['  - &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
        bomb += [f"  - &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, levels)]
        add(f"alias-bomb-description-{levels}", "workload", wtext + b"description:\n" + "".join(bomb).encode())
        add(f"alias-bomb-sweep-values-{levels}", "sweep", dump(small_sweep()).replace(
            b"values:\n  - 4\n  - 8", b"values: *a" + str(levels - 1).encode(), 1).replace(
            b"fixed:", ("bomb:\n" + "".join(bomb) + "fixed:").encode(), 1))
    add("alias-recursive", "workload", wtext + b"description: &r [1, *r]\n")
    add("alias-layers", "workload", dump(w).replace(b"layers:", b"layers: &l", 1) + b"more: [*l, *l, *l]\n")
    for d in (120, 5000, 50000):
        add(f"deep-list-{d}", "workload", wtext + f"description: {'[' * d}{']' * d}\n".encode())
        add(f"deep-map-{d}", "tech", dump(_raw(TECH / "14lpp.yaml")) + ("x:\n" + "".join(
            " " * i + "a:\n" for i in range(1, min(d, 1000)))).encode() + b" " * min(d, 1000) + b"b: 1\n")
    for depth in (20, 200):
        net = copy.deepcopy(w)
        layer: dict = {"type": "dense", "out": 16}
        for _ in range(depth):
            layer = {"type": "residual", "body": [layer]}
        net["network"]["layers"] = [layer, {"type": "dense", "out": 10}]
        add(f"residual-depth-{depth}", "workload", dump(net))
    for kind in ("workload", "tech", "sweep", "pcm_device", "pcm_inference"):
        base = base_case(kind)
        text = base.files[base.main]
        add(f"{kind}-bom-utf8", kind, codecs.BOM_UTF8 + text)
        add(f"{kind}-utf16", kind, text.decode().encode("utf-16"))
        add(f"{kind}-utf16le-no-bom", kind, text.decode().encode("utf-16-le"))
        add(f"{kind}-utf32", kind, text.decode().encode("utf-32"))
        add(f"{kind}-latin1", kind, text + "description: caf\xe9 na\xefve\n".encode("latin-1"))
        add(f"{kind}-binary", kind, bytes(range(256)) * 4)
        add(f"{kind}-empty", kind, b"")
        add(f"{kind}-comments-only", kind, b"# nothing here\n")
        add(f"{kind}-list-top", kind, b"- kind: tech\n- version: 1\n")
        add(f"{kind}-scalar-top", kind, b"42\n")
        add(f"{kind}-multidoc", kind, text + b"---\n" + text)
        add(f"{kind}-huge-file", kind, text + b"# " + b"x" * (3 * 1024 * 1024) + b"\n")
        add(f"{kind}-many-keys", kind, text + "".join(f"k{i}: {i}\n" for i in range(150000)).encode())
        add(f"{kind}-duplicate-top-key", kind, text + text.splitlines(keepends=True)[0])
        add(f"{kind}-version-true", kind, text.replace(b"version: 1\n", b"version: true\n") if b"version: 1" in text
            else b"version: true\n" + text)
        add(f"{kind}-version-float", kind, text.replace(b"version: 1\n", b"version: 1.0\n") if b"version: 1" in text
            else b"version: 1.0\n" + text)
        add(f"{kind}-version-2", kind, text.replace(b"version: 1\n", b"version: 2\n") if b"version: 1" in text
            else b"version: 2\n" + text)
        add(f"{kind}-python-tag", kind, text + b"x: !!python/object/apply:os.system ['touch PWNED']\n")
        add(f"{kind}-nan-everywhere", kind, text.replace(b": 0.", b": .nan #0.").replace(b": 1", b": .inf #1"))
        add(f"{kind}-control-chars", kind, text + b"description: \x1b[2J\x07\n")
    add("duplicate-nested-key", "workload", wtext.replace(b"  update:\n", b"  update:\n    x_nonzero_fraction: 0.1\n", 1))
    for value in (".nan", ".inf", "-.inf", "1e400", "1.0e+400", "9" * 30, "9" * 5000, "0x" + "f" * 200,
                  ":".join(["1"] * 3000), "-1", "0", "1e300", "1.8e23"):
        add(f"batch-size-{value[:12]}", "workload", wtext.replace(b"batch_size: 1", f"batch_size: {value}".encode()))
        add(f"pulses-{value[:12]}", "workload", wtext.replace(b"set_pulses_per_image: 0.5",
                                                              f"set_pulses_per_image: {value}".encode()))
        add(f"dense-out-{value[:12]}", "workload", wtext.replace(b"out: 16", f"out: {value}".encode(), 1))
    for value in (10 ** 12, 2 ** 21, 10 ** 6, 0, -3):
        d = copy.deepcopy(w)
        d["network"]["layers"][0]["out"] = value
        add(f"dense-out-{value}", "workload", dump(d))
    for shape in ([], [0], [-1], [1, 2], [1, 1, 1, 1], [3, 10 ** 6, 10 ** 6], [10 ** 9]):
        d = copy.deepcopy(w)
        d["network"]["input_shape"] = shape
        add(f"input-shape-{shape}", "workload", dump(d))
    d = small_workload(1)
    d["network"]["layers"][0]["kernel"] = 40
    add("conv-kernel-too-big", "workload", dump(d))
    d["network"]["layers"][0]["stride"] = 0
    add("conv-stride-0", "workload", dump(d))
    tech = _raw(TECH / "14lpp.yaml")
    for path, value in ((("calibration", "column_readout", "value"), -1), (("calibration", "column_readout", "value"), 1e30),
                        (("calibration", "sram_static", "value"), 0.0),
                        (("primitives", "pcm_set_pulse", "actions", "pulse", "energy_pj"), -1),
                        (("primitives", "pcm_set_pulse", "actions", "pulse", "energy_pj"), 1e30),
                        (("primitives", "dram_access", "actions", "read", "energy_pj_per_bit"), 1e300),
                        (("primitives", "pcm_reset_pulse", "leakage_mw"), 1e300), (("node_nm",), 1e-300),
                        (("grids", "sram", "axes", "size_kb"), [16, 4, 1]), (("grids", "sram", "axes", "banks"), [])):
        t = copy.deepcopy(tech)
        _set(t, path, value)
        add(f"tech-{'.'.join(path)}={value}", "tech", dump(t))
    for model in ("pcm_gradual_set.yaml", "pcm_ideal.yaml", "pcm_jump_table.yaml"):
        dev = _raw(TECH / model)
        for key, value in (("g_max_us", 0.0), ("g_max_us", -5), ("g_min_us", 50), ("g_reset_us", 100),
                           ("drift_nu_mean", 5), ("drift_nu_std", -1), ("drift_t0_s", 0), ("read_noise_slope", -0.1),
                           ("g_reset_std_us", -1)):
            dd = copy.deepcopy(dev)
            dd[key]["value"] = value
            add(f"{model}-{key}={value}", "pcm_device", dump(dd))
    model = _raw(TECH / "pcm_inference.yaml")
    for key, value in (("t0_s", 0), ("t_read_s", -1), ("g_ref_us", 0), ("prog_noise_poly_us", [1.0]),
                       ("read_q_max", -1), ("drift_mu", None)):
        mm = copy.deepcopy(model)
        if value is None:
            mm[key]["lo"]["value"], mm[key]["hi"]["value"] = 0.5, 0.1
        else:
            mm[key]["value"] = value
        add(f"inference-{key}={value}", "pcm_inference", dump(mm))
    sweep = small_sweep()
    for i, expr in enumerate(HOSTILE_EXPRESSIONS):
        for where in ("require", "derived", "same"):
            s = copy.deepcopy(sweep)
            if where == "derived":
                s["derived"] = {"bad": expr}
            else:
                s["iso"][where] = [expr]
            add(f"sweep-expr-{where}-{i}", "sweep", dump(s))
    for axes in ([{"target": "design.tile.adc_bits", "range": {"start": 1, "stop": 1000, "num": 1000}}] * 3,
                 [{"target": "design.tile.adc_bits", "range": {"start": 1, "stop": 8, "num": 10 ** 9}}],
                 [{"target": "design.tile.adc_bits", "range": {"start": 1, "stop": 8, "step": 1e-300}}],
                 [{"target": "design.tile.adc_bits", "range": {"start": 8, "stop": 1, "step": 1}}],
                 [{"target": "design.tile.adc_bits", "random": {"low": 1, "high": 8, "samples": 10 ** 9}}],
                 [{"target": "design.tile.adc_bits", "values": list(range(1, 2001))},
                  {"target": "design.tile.dac_bits", "values": list(range(1, 2001))}],
                 [{"target": "tech.calibration.column_readout.value", "values": [float("nan"), 1.0]}],
                 [{"target": "design.tile.adc_bits", "values": [4, 8]},
                  {"target": "tech.calibration.column_readout.value", "values": [0.0, 1e30]}],
                 [{"target": "workload.trace.update.set_pulses_per_image", "values": [0.5, 1e300]}],
                 [{"target": "design.crossbar.rows", "values": [10 ** 30, 2 ** 62]}]):
        s = copy.deepcopy(sweep)
        s["axes"], s["iso"], s["derived"] = axes, {}, {}
        add(f"sweep-axes-{len(cases)}", "sweep", dump(s).replace(b".nan", b"nan") if "nan" in str(axes) else dump(s))
    s = copy.deepcopy(sweep)
    s.update(mode="random", samples=10 ** 9)
    add("sweep-random-samples-1e9", "sweep", dump(s))
    s = copy.deepcopy(sweep)
    s["seed"] = -1
    add("sweep-seed-negative", "sweep", dump(s))
    for path in HOSTILE_PATHS:
        s = copy.deepcopy(sweep)
        s["workload"] = path
        add(f"sweep-workload-path-{path[:20]}", "sweep", dump(s))
        d = copy.deepcopy(w)
        d["tech"] = path
        add(f"workload-tech-path-{path[:20]}", "workload", dump(d))
    arrays = jump_table_arrays()
    csv = jump_table_csv(arrays)
    jt = base_case("jump_table", 0)
    for name, table in (("empty", ""), ("header-only", "pulse,g_lo_us,g_hi_us,dg_us,cdf\n"),
                        ("truncated", csv[: len(csv) // 2]), ("sett", csv.replace("reset", "sett")),
                        ("text-cell", csv.replace(",1\n", ",one\n", 1)), ("nan-cdf", csv.replace(",1\n", ",nan\n")),
                        ("inf-edge", csv.replace("set,0,", "set,-inf,", 1)), ("binary", "\x00\x01\x02" * 100),
                        ("semicolons", csv.replace(",", ";"))):
        add(f"jump-csv-{name}", "jump_table", jt.files["device.yaml"], jt, table__csv=table.encode())
    jt2 = base_case("jump_table", 1)
    npz = jt2.files["table.npz"]
    add("jump-npz-truncated", "jump_table", jt2.files["device.yaml"], jt2, table__npz=npz[: len(npz) // 2])
    add("jump-npz-empty", "jump_table", jt2.files["device.yaml"], jt2, table__npz=b"")
    add("jump-npz-not-zip", "jump_table", jt2.files["device.yaml"], jt2, table__npz=b"PK\x03\x04" + b"\x00" * 100)
    add("jump-npz-object", "jump_table", jt2.files["device.yaml"], jt2,
        table__npz=npz_bytes(arrays | {"set_cdf": np.array([{"a": 1}], dtype=object)}))
    add("jump-npz-nan", "jump_table", jt2.files["device.yaml"], jt2,
        table__npz=npz_bytes(arrays | {"g_edges_us": np.array([0.0, np.nan, 6.0, 9.0, 12.0])}))
    return cases


def cases(n: int, seed: int = 0) -> list[Case]:
    """The benchmark's inputs: the whole corpus, then seeded mutations round-robin over the kinds."""
    import random

    out = corpus()
    i = 0
    while len(out) < n:
        kind = KINDS[i % len(KINDS)]
        s = seed * 1_000_003 + i
        out.append(mutated_case(kind, s, random.Random(s)))
        i += 1
    return out[:n] if n >= len(corpus()) else out
