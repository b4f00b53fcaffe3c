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
    """Turn pydantic's errors into Problems with dotted key paths and allowed values."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        shown, allowed = _walk(model, loc)
        key = ".".join(shown)
        if prefix:
            key = f"{prefix}.{key}" if key else prefix
        if err["type"] == "extra_forbidden":
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
