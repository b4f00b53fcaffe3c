"""Read YAML files and validate them against pydantic schemas, turning every failure into ConfigError.

`read_yaml` is the one YAML reader of archsim (workloads, designs, tech, sweeps, device models).
It is bounded: at most YAML_MAX_BYTES, UTF-8 only (a byte-order mark, UTF-16/32 or invalid bytes
are a clear error), at most YAML_MAX_DEPTH levels of nesting and YAML_MAX_NODES nodes after
alias expansion (no "billion laughs"), no recursive aliases, no duplicate keys and no integers
beyond 64 bits (non-finite numbers are read, and rejected by the schemas with their key path).
Parsing stays safe: only plain YAML types are built.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import MarkedYAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode
from yaml.resolver import Resolver

from archsim.config.errors import ConfigError, Problem, clip, short_repr
from archsim.config.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES

try:  # libyaml's scanner and parser (C); composing and constructing stay in Python, with the checks below
    from yaml._yaml import CParser as _Parser

    def _init_parser(loader, text: str) -> None:
        _Parser.__init__(loader, text)
except ImportError:  # pragma: no cover - PyYAML built without libyaml: the pure-Python scanner and parser
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        pass

    def _init_parser(loader, text: str) -> None:
        Reader.__init__(loader, text)
        Scanner.__init__(loader)
        Parser.__init__(loader)

M = TypeVar("M", bound=BaseModel)
MAX_NUMBER_CHARS = 80   # a 64-bit integer has at most 20 digits (66 characters in binary)
INT_LIMIT = 2 ** 63

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF8, "UTF-8 with a byte-order mark"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


class _LimitError(MarkedYAMLError):
    """A bound of read_yaml was exceeded (reported like a YAML syntax error, with its position)."""


class _BoundedComposer(Composer):
    """PyYAML's composer with a depth limit, an expanded-size limit and no recursive aliases."""

    def __init__(self):
        super().__init__()
        self._depth = 0
        self._nodes = 0
        self._sizes: dict[int, int] = {}     # id(anchored node) → its size with aliases expanded
        self._open: set[str] = set()         # anchors whose node is still being composed

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open:
                raise _LimitError(None, None, f"recursive alias *{short_repr(event.anchor)} (a node that contains "
                                              "itself)", event.start_mark)
            node = super().compose_node(parent, index)
            self._count(self._sizes.get(id(node), 1), event.start_mark)
            return node
        event = self.peek_event()
        self._depth += 1
        if self._depth > YAML_MAX_DEPTH:
            raise _LimitError(None, None, f"nested deeper than {YAML_MAX_DEPTH} levels", event.start_mark)
        before, anchor = self._nodes, event.anchor
        if anchor is not None:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        self._open.discard(anchor)
        self._depth -= 1
        self._count(1, event.start_mark)
        if anchor is not None:
            self._sizes[id(node)] = self._nodes - before
        return node

    def _count(self, n: int, mark) -> None:
        self._nodes += n
        if self._nodes > YAML_MAX_NODES:
            raise _LimitError(None, None, f"more than {YAML_MAX_NODES:,} values once aliases (*name) are expanded",
                              mark)


class _StrictConstructor(SafeConstructor):
    """SafeConstructor that rejects duplicate keys, over-long numbers and integers beyond 64 bits."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue  # unhashable: SafeConstructor reports it
                if first is not key_node.start_mark:
                    raise ConstructorError(None, None, f"duplicate key {short_repr(key)} (first given at line "
                                                       f"{first.line + 1})", key_node.start_mark)
        return super().construct_mapping(node, deep)

    def _number_text(self, node: ScalarNode, what: str) -> None:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise ConstructorError(None, None, f"{what} of {len(node.value)} characters: too long",
                                   node.start_mark)

    def construct_yaml_int(self, node):
        self._number_text(node, "an integer")
        value = super().construct_yaml_int(node)
        if abs(value) >= INT_LIMIT:
            raise ConstructorError(None, None, f"integer {short_repr(value)} does not fit in 64 bits",
                                   node.start_mark)
        return value

    def construct_yaml_float(self, node):
        # .nan and .inf are read as such: every schema rejects them with the key path (Strict)
        self._number_text(node, "a number")
        return super().construct_yaml_float(node)


_StrictConstructor.add_constructor("tag:yaml.org,2002:int", _StrictConstructor.construct_yaml_int)
_StrictConstructor.add_constructor("tag:yaml.org,2002:float", _StrictConstructor.construct_yaml_float)


class _BoundedLoader(_BoundedComposer, _StrictConstructor, Resolver, _Parser):
    def __init__(self, text: str):
        _init_parser(self, text)
        _BoundedComposer.__init__(self)
        _StrictConstructor.__init__(self)
        Resolver.__init__(self)


def _decode(raw: bytes, path: Path) -> str:
    """UTF-8 text of a file; other encodings are a clear error with the position of the first bad byte."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise ConfigError(path, f"the file is {name}; save it as UTF-8 (without a byte-order mark)")
    if b"\x00" in raw:
        line = raw[:raw.index(b"\x00")].count(b"\n") + 1
        raise ConfigError(path, [Problem(f"line {line}", "NUL byte: the file is binary or UTF-16/32; "
                                                         "save it as UTF-8 text")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(path, [Problem(f"line {line}, column {column}",
                                         f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")]) from None


def read_text(path: str | Path, what: str = "file", max_bytes: int = YAML_MAX_BYTES) -> str:
    """A small UTF-8 text file; missing, too large, a folder or not UTF-8 → ConfigError."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ConfigError(path, f"is a folder, not a {what}")
        if not path.is_file():
            raise ConfigError(path, "file not found")
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except (OSError, ValueError) as exc:   # unreadable, a name too long, a NUL in the name
        raise ConfigError(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if len(raw) > max_bytes:
        raise ConfigError(path, f"larger than {max_bytes // 1024} KiB; a {what} is a small text file")
    return _decode(raw, path)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a YAML mapping within the bounds above; every failure becomes ConfigError."""
    path = Path(path)
    text = read_text(path, "YAML file")
    loader = _BoundedLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError(path, [_yaml_problem(exc)]) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise ConfigError(path, f"invalid YAML: {type(exc).__name__}: {exc}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a YAML mapping (key: value pairs) at the top level")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, _LimitError):
        return Problem(where, str(what))
    if isinstance(exc, ConstructorError) and "duplicate key" in str(what):
        return Problem(where, f"{what}; each key may appear once")
    return Problem(where, f"invalid YAML: {what}")


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every BaseModel class inside an annotation (Optional, list, dict, Annotated unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    return found


def _tag_model(candidates: list[type[BaseModel]], tag: str) -> type[BaseModel] | None:
    """The member of a discriminated union whose `type` literal is `tag`."""
    for m in candidates:
        f = m.model_fields.get("type")
        if f is not None and tag in (getattr(f.annotation, "__args__", ()) or ()):
            return m
    return None


def _walk(model: type[BaseModel], loc: tuple) -> tuple[list[str], list[str] | None]:
    """Display path of `loc` (union tags dropped) and the keys allowed where it ends."""
    shown: list[str] = []
    candidates: list[type[BaseModel]] = [model, *model.__subclasses__()]  # a base's subclasses: its union
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            shown.append(str(part))
            continue
        if part not in current.model_fields:
            tagged = _tag_model(candidates, str(part))
            if tagged is not None:
                current = tagged  # pydantic puts the union tag in the path; users never wrote it
                continue
            shown.append(str(part))
            current = None
            continue
        shown.append(str(part))
        candidates = _models_in(current.model_fields[part].annotation)
        current = candidates[0] if candidates else None
    if loc:
        shown.append(str(loc[-1]))
    allowed = sorted(current.model_fields) if current is not None and loc and isinstance(loc[-1], str) else None
    return shown, allowed


def format_validation_error(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> list[Problem]:
    """Turn pydantic's errors into Problems with dotted key paths and allowed values (several
    missing keys of one mapping become one line)."""
    problems: list[Problem] = []
    missing: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        shown, allowed = _walk(model, loc)
        key = ".".join(shown)
        if prefix:
            key = f"{prefix}.{key}" if key else prefix
        if err["type"] == "missing":
            parent = clip(key.rpartition(".")[0])
            if parent not in missing:
                problems.append(Problem(parent, ""))      # placeholder, filled below (keeps the order)
            missing.setdefault(parent, []).append(key)
            continue
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {short_repr(loc[-1])}"
            if allowed:
                msg += f"; allowed keys here: {', '.join(allowed)}"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if "input" in err and err["type"] not in ("model_type", "dict_type") and not isinstance(err["input"], dict):
                msg += f" (got {short_repr(err['input'])})"   # (a whole mapping is not worth quoting)
        problems.append(Problem(key, msg))
    out = []
    for p in problems:
        if p.message or p.key not in missing:
            out.append(p)
            continue
        keys = missing.pop(p.key)
        if len(keys) == 1:
            out.append(Problem(keys[0], "required key is missing"))
        else:
            names = ", ".join(k.rpartition(".")[2] for k in keys)
            out.append(Problem(p.key, f"required keys are missing: {names}"))
    return out


def validate(model: type[M], data: Any, file: str | Path | None, prefix: str = "") -> M:
    """Validate `data` against `model`; raise ConfigError listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(file, format_validation_error(exc, model, prefix)) from None
    except (RecursionError, OverflowError) as exc:
        raise ConfigError(file, [Problem(prefix, f"cannot be validated: {type(exc).__name__}: {exc}")]) from None


def load(model: type[M], path: str | Path) -> M:
    """Read and validate one YAML file."""
    return validate(model, read_yaml(path), path)
