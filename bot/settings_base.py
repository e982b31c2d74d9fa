"""The base of the settings sections (bot/settings.py)."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    ConfigDict,
)

# Settings come from the environment and from a file: `.env` in the working directory unless
# this variable names another one; empty, no file is read (the tests run so).


class Section(BaseModel):
    """A group of settings; each field reads the (lower-cased) variable named by its alias
    and ignores the others."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def empty_is_none(value: object) -> object:
    return None if value in (None, "") else value
