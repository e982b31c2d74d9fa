"""The text of a refusal (a `DomainError`), shared by the staff chat (handlers/render.py) and
the web desk (web/), so a refusal reads the same wherever it is told."""

from __future__ import annotations

from typing import Any

from core.texts import Texts
from domain.errors import DomainError


def error_text(texts: Texts, error: DomainError, **args: Any) -> str:
    """The text of `error`: `args` are the values a caller passes to every error text (some
    texts ignore them); what the error itself carries (a field and its limit) wins."""
    return texts.get(error.text_key, **{**args, **error.text_args})


def refusal_text(texts: Texts, error: DomainError) -> str:
    """The text of `error` where nothing but the error is known (the staff chat's one
    renderer, handlers/errors.py `DomainErrors`): a missing role is named, a too long
    extension gives its most days; a text that takes a date gets none."""
    value = getattr(error, "role", None) or getattr(error, "max_days", None) or ""
    return error_text(texts, error, value=str(value), date="")
