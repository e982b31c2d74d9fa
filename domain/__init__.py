"""The Telegram-free core: entities, value objects and rules. Standard library only."""
