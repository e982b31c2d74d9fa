"""End-to-end tests: the bot talks real HTTP to a Telegram Bot API emulator."""
