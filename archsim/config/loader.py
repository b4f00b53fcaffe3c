"""Read YAML files and validate them against pydantic schemas, turning every failure into ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from archsim.config.errors import ConfigError, Problem

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a YAML mapping; missing file, syntax errors and non-mappings become ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(path, [Problem(where, f"invalid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a YAML mapping (key: value pairs) at the top level")
    return data


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """Field names allowed at the parent of `loc` (for 'unknown key' messages), if resolvable."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None:
            # a discriminated-union tag (e.g. 'dense') names the member model
            return None
        if part not in fields:
            return None
        current = _unwrap(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else None


def _unwrap(annotation: Any) -> Any:
    """Find the first BaseModel class inside Optional[...], list[...], dict[str, ...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def format_validation_error(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> list[Problem]:
    """Turn pydantic's errors into Problems with dotted key paths and allowed values."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        if prefix:
            key = f"{prefix}.{key}" if key else prefix
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc)
            msg = f"unknown key '{loc[-1]}'"
            if allowed:
                msg += f"; allowed keys here: {', '.join(allowed)}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"]
            if "input" in err and err["type"] not in ("model_type", "dict_type"):
                msg += f" (got {err['input']!r})"
        problems.append(Problem(key, msg))
    return problems


def validate(model: type[M], data: Any, file: str | Path | None, prefix: str = "") -> M:
    """Validate `data` against `model`; raise ConfigError listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(file, format_validation_error(exc, model, prefix)) from None


def load(model: type[M], path: str | Path) -> M:
    """Read and validate one YAML file."""
    return validate(model, read_yaml(path), path)
