"""Shared pydantic base: unknown keys are errors, models are immutable after validation."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictInt

FORMAT_VERSION = 1


class Strict(BaseModel):
    """Base for every config section: rejects unknown keys, NaN and infinities, and validates defaults."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True, allow_inf_nan=False)


def _known_version(v: int) -> int:
    if v != FORMAT_VERSION:
        raise ValueError(f"version {v} is unknown; this archsim reads version {FORMAT_VERSION}")
    return v


#: the `version:` key of every archsim YAML: the integer 1 (not true, not 1.0, not "1")
Version = Annotated[StrictInt, AfterValidator(_known_version)]
