#!/usr/bin/env bash
# Set everything up (Python dev dependencies, the npm Bot API emulator) and run the whole
# test suite: unit, handler, storage and end-to-end tests.
#   ./test.sh                                                        on SQLite
#   DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/test ./test.sh   on PostgreSQL
# Extra arguments go to pytest (./test.sh -k linking).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_python "[dev]"
setup_emulator
exec .venv/bin/python -m pytest "$@"
