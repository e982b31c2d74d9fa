"""The staff web desk (docs/web.md): the registry, each appeal and the reports in a browser,
on the same services, role rules and outbox as the staff chat. Server-rendered pages
(FastAPI + Jinja2, HTMX for partial updates), no JavaScript build step.

Telegram-free: what it needs of the bot (the staff-chat membership check) is handed in by the
composition root (bot/cli_web.py) as a plain callable."""
