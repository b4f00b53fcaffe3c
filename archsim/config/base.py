"""Shared pydantic base: unknown keys are errors, models are immutable after validation."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base for every config section: rejects unknown keys, NaN and infinities, and validates defaults."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True, allow_inf_nan=False)
