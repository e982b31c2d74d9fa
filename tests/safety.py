"""What keeps a test run away from anything real (SPEC: "a test run touches anything but
loopback servers and throwaway databases"); installed for the whole session by
tests/conftest.py.

- The settings a developer's shell or `.env` holds never reach the tests: every variable
  the bot reads (bot/settings.py) is removed from the environment at start, and
  `RECEPTION_ENV_FILE` is emptied, so neither this process nor any `reception` subprocess
  reads a `.env` from its working directory. Subprocesses get `subprocess_env()`: a fake
  token, and a Bot API and a database on loopback where nothing listens (never the bot's
  default ./data/reception.db).
- The test database is `TEST_DATABASE_URL` (never `DATABASE_URL`), and only if it is clearly
  a throwaway one: SQLite in the temporary folder, or PostgreSQL on loopback whose database
  name contains "test" — the suite empties it.
- `NetworkGuard`: a connection (or a name lookup) to anything but loopback is refused in
  this process, and recorded, so that the test that tried fails even if the code under test
  swallowed the error.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings import ENV_FILE_VARIABLE, env_names

TEST_DATABASE_VARIABLE = "TEST_DATABASE_URL"
# A Bot API address on loopback where nothing listens (the discard port): a subprocess that
# tried to talk to Telegram anyway is refused at once, on this machine.
NOWHERE_API_URL = "http://127.0.0.1:9"
FAKE_TOKEN = "1000001:fake-token-for-tests"
# A database a subprocess cannot open (nothing listens there): one that forgot to name its
# own fails loudly instead of writing ./data/reception.db, the bot's default.
NOWHERE_DATABASE_URL = "postgresql+asyncpg://nobody@127.0.0.1:9/test_nowhere"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


# The environment ---------------------------------------------------------------------------


def settings_variables() -> frozenset[str]:
    """The environment variables the bot reads (pydantic-settings matches them in any case)."""
    return env_names()


# The key that seals personal data in tests (a server database refuses to start without one,
# storage/crypto.py): a fixed, public test key.
TEST_PD_KEY = "dGVzdC1vbmx5LXBkLWtleS0wMDAwMDAwMDAwMDAwMDA="


def scrub_environment(environ: MutableMapping[str, str]) -> list[str]:
    """Removes every setting of the bot from `environ` and switches the `.env` file off;
    returns the names removed."""
    names = settings_variables()
    removed = sorted(key for key in environ if key.lower() in names)
    for key in removed:
        del environ[key]
    environ[ENV_FILE_VARIABLE] = ""
    return removed


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a `reception` subprocess: this (scrubbed) one, no `.env`, a fake
    token, a loopback Bot API and a database that cannot be opened; `extra` on top (the
    test's own database; BOT_TOKEN="" for no token)."""
    env = dict(os.environ)
    scrub_environment(env)
    env.update(
        BOT_TOKEN=FAKE_TOKEN,
        TELEGRAM_API_URL=NOWHERE_API_URL,
        DATABASE_URL=NOWHERE_DATABASE_URL,
        PD_ENCRYPTION_KEY=TEST_PD_KEY,
    )
    env.update(extra)
    return env


# The test database -------------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def database_problem(url: str) -> str | None:
    """Why `url` is not a database the suite may empty, or None if it is one."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "not a database URL"
    if parsed.drivername == "sqlite+aiosqlite":
        if parsed.database in (None, "", ":memory:"):
            return None
        temporary = Path(tempfile.gettempdir()).resolve()
        # A relative path (the bot's own data/reception.db) is never a test database, even
        # when the checkout itself lies in the temporary folder.
        path = Path(parsed.database)
        if not path.is_absolute() or temporary not in path.resolve().parents:
            return f"a SQLite test database must be a file under {temporary}"
        return None
    if parsed.drivername == "postgresql+asyncpg":
        # No host: a Unix socket, on this machine.
        if parsed.host is not None and not is_loopback_host(parsed.host):
            return "a PostgreSQL test database must be on 127.0.0.1, ::1 or localhost"
        if "test" not in (parsed.database or "").lower():
            return "the PostgreSQL database's name must contain 'test' (e.g. reception_test)"
        return None
    return "use sqlite+aiosqlite:///<temporary folder>/x.db or postgresql+asyncpg://…/…test…"


# The network -------------------------------------------------------------------------------


class NonLoopbackRefused(ConnectionRefusedError):
    """A test tried to reach something other than this machine."""


def _loopback_address(address: Any) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket
        return True
    if isinstance(address, tuple) and address:
        return is_loopback_host(str(address[0]))
    return False


class NetworkGuard:
    """Refuses, and records, connections and name lookups that leave this machine."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self._originals: dict[str, Any] = {}

    def _refuse(self, what: str) -> NonLoopbackRefused:
        self.refused.append(what)
        return NonLoopbackRefused(f"tests may reach loopback only, not {what}")

    def install(self) -> None:
        if self._originals:
            return
        guard = self
        connect = socket.socket.connect
        connect_ex = socket.socket.connect_ex
        getaddrinfo = socket.getaddrinfo
        gethostbyname = socket.gethostbyname
        gethostbyname_ex = socket.gethostbyname_ex
        self._originals = {
            "connect": connect,
            "connect_ex": connect_ex,
            "getaddrinfo": getaddrinfo,
            "gethostbyname": gethostbyname,
            "gethostbyname_ex": gethostbyname_ex,
        }

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            if not _loopback_address(address):
                raise guard._refuse(f"connect {address!r}")
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            if not _loopback_address(address):
                raise guard._refuse(f"connect {address!r}")
            return connect_ex(sock, address)

        def lookup(original: Callable[..., Any]) -> Callable[..., Any]:
            def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
                name = host.decode() if isinstance(host, bytes) else host
                if name is not None and not is_loopback_host(str(name)):
                    raise guard._refuse(f"look up {name!r}")
                return original(host, *args, **kwargs)

            return guarded

        # Patching a method of the socket class is the point here; typeshed types the
        # originals against _socket.socket.
        socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = lookup(getaddrinfo)
        socket.gethostbyname = lookup(gethostbyname)
        socket.gethostbyname_ex = lookup(gethostbyname_ex)

    def uninstall(self) -> None:
        if not self._originals:
            return
        socket.socket.connect = self._originals["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = self._originals["connect_ex"]  # type: ignore[method-assign]
        socket.getaddrinfo = self._originals["getaddrinfo"]
        socket.gethostbyname = self._originals["gethostbyname"]
        socket.gethostbyname_ex = self._originals["gethostbyname_ex"]
        self._originals = {}

    def take(self) -> list[str]:
        """What was refused since the last call."""
        refused, self.refused = self.refused, []
        return refused
