"""Shared pydantic base: unknown keys are errors, models are immutable after validation."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictInt

FORMAT_VERSION = 1


class Strict(BaseModel):
    """Base for every config section: rejects unknown keys, NaN and infinities, and validates defaults."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True, allow_inf_nan=False)


def version_of(expected: int):
    """The `version:` key of an archsim YAML format: exactly the integer `expected` (not true, not 1.0, not "1")."""

    def known(v: int) -> int:
        if v != expected:
            raise ValueError(f"version {v} is unknown; this archsim reads version {expected}")
        return v

    return Annotated[StrictInt, AfterValidator(known)]


#: the `version:` key of every archsim YAML at format version 1
Version = version_of(FORMAT_VERSION)


def require(*rules: tuple[bool, str]) -> None:
    """For validators across fields: raise one ValueError naming every rule (ok, what is allowed) that fails."""
    failed = [msg for ok, msg in rules if not ok]
    if failed:
        raise ValueError("; ".join(failed))


def within(values: dict[str, float], bounds: dict[str, tuple[float, float]]) -> list[tuple[bool, str]]:
    """Rules `lo <= values[name] <= hi` for require(), with messages naming the key and the range."""
    return [(lo <= values[k] <= hi, f"{k} must be in [{lo:g}, {hi:g}] (got {values[k]:g})")
            for k, (lo, hi) in bounds.items() if k in values]


def _path_text(v: str) -> str:
    if "\x00" in v:
        raise ValueError("a file path cannot contain a NUL character")
    if len(v) > 4096 or any(len(part.encode()) > 255 for part in v.replace("\\", "/").split("/")):
        raise ValueError("a file path of at most 4,096 characters, 255 per folder or file name")
    return v


#: a file path written in a YAML (checked before the file system sees it)
PathText = Annotated[str, AfterValidator(_path_text)]
