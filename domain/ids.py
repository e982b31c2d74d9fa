"""Identifier types, so that a user id is never passed where an account number belongs."""

from typing import NewType

UserId = NewType("UserId", int)
"""A Telegram user id."""

AccountNumber = NewType("AccountNumber", str)
"""A personal account number (лицевой счёт) as the billing system writes it, normalised."""
