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

setup_browser() {
    # The web desk's browser test (tests/e2e/test_web_desk_browser.py) drives Debian's
    # Chromium through Playwright; Playwright's own browser download is never used.
    local chromium="${CHROMIUM:-/usr/bin/chromium}"
    if [ -x "$chromium" ]; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium for the web desk's browser test" >&2
        if apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; then
            return 0
        fi
        echo "apt-get could not install chromium: the browser test will be skipped" >&2
        return 0
    fi
    echo "no $chromium and apt-get is not usable as root: the browser test will be skipped" >&2
}
