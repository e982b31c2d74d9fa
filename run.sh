#!/usr/bin/env bash
# Set everything up (a virtual environment with the project installed) and run the bot on
# the embedded default: SQLite under ./data, long polling. Settings come from .env.
#   ./run.sh            the bot (needs BOT_TOKEN in .env or the environment)
#   ./run.sh console    the same bot in this terminal, without Telegram or a token
#   ./run.sh <command>  any other `reception` command (migrate, import, content check ...)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_python ""
exec .venv/bin/reception "${@:-run}"
