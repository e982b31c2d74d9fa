#!/usr/bin/env bash
# Set everything up (Python dev dependencies, the npm Bot API emulator) and run the whole
# test suite: unit, handler, storage and end-to-end tests (the web desk's browser test
# with Debian's chromium, installed here when missing and apt-get is usable as root).
#   ./test.sh                                                              on SQLite
#   TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/test ./test.sh   on PostgreSQL
# The suite empties its database: TEST_DATABASE_URL must be a loopback PostgreSQL whose name
# contains "test" (or SQLite in the temporary folder). DATABASE_URL, BOT_TOKEN and the other
# settings of the bot, exported or in .env, are ignored (tests/safety.py).
# Extra arguments go to pytest (./test.sh -k linking).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_python "[dev]"
setup_emulator
setup_browser
exec .venv/bin/python -m pytest "$@"
