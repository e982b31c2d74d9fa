# Shared by run.sh and test.sh: idempotent set-up of what the project needs.

setup_python() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
    fi
    # Reinstall only when pyproject.toml changed since the last install with these extras.
    local stamp=".venv/.installed${extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".${extras}"
        touch "$stamp"
    fi
}

setup_emulator() {
    local dir=tests/e2e/emulator
    if ! command -v npm >/dev/null 2>&1; then
        echo "npm is not installed: the end-to-end tests will be skipped" >&2
        return 0
    fi
    if [ ! -d "$dir/node_modules/telegram-test-api" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
}
