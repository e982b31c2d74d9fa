"""The emulator process: the Telegram Bot API emulator (emulator/server.js) under Node."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, cast

import aiohttp

from tests.e2e.client.messages import BotMessage, EmulatorError, JsonDict
from tests.e2e.client.processes import terminate_process, track_process

EMULATOR_DIR = Path(__file__).resolve().parent.parent / "emulator"
SERVER_JS = EMULATOR_DIR / "server.js"
NODE_MODULES = EMULATOR_DIR / "node_modules"

_LISTENING_PREFIX = "LISTENING "


def node_executable() -> str | None:
    """Path of ``node`` (env ``NODE`` overrides), or None when it is not installed."""
    return os.environ.get("NODE") or shutil.which("node")


class Emulator:
    """Runs ``emulator/server.js`` on a loopback port; a context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Path | None = None,
        node: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.node = node or node_executable() or "node"
        self.startup_timeout = startup_timeout
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="e2e-emulator-")) / "emulator.log"
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise EmulatorError("emulator is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def log_text(self) -> str:
        """What the emulator wrote to stdout and stderr so far."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        """Starts the server and waits for its ``LISTENING <port>`` line."""
        if self.is_running:
            return
        if not (NODE_MODULES / "telegram-test-api").is_dir():
            raise EmulatorError(
                f"{NODE_MODULES} is missing: run `npm ci --prefix tests/e2e/emulator`"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._log = log
        command = [
            self.node,
            str(SERVER_JS),
            "--host",
            self.host,
            "--port",
            str(self.requested_port),
            "--watch-stdin",
        ]
        began = time.monotonic()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=EMULATOR_DIR,
        )
        self._process = process
        track_process(process)
        ready = threading.Event()
        found: list[int] = []

        def pump() -> None:
            # Copies stdout to the log (so the pipe never fills) and spots the LISTENING line.
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.decode("utf-8", errors="replace")
                if not found and line.startswith(_LISTENING_PREFIX):
                    found.append(int(line[len(_LISTENING_PREFIX) :].strip()))
                    ready.set()
                log.write(raw)
                log.flush()
            ready.set()

        self._reader = threading.Thread(target=pump, name="emulator-stdout", daemon=True)
        self._reader.start()
        if not ready.wait(self.startup_timeout) or not found:
            self.stop()
            raise EmulatorError(f"emulator did not start; log:\n{self.log_text()}")
        self.port = found[0]
        self.startup_seconds = time.monotonic() - began

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the server (SIGTERM, then SIGKILL after ``timeout`` s)."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            terminate_process(process, timeout)
        # The reader ends at EOF of stdout: join it before closing the pipe under its feet.
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.port = None

    # -- debug routes -------------------------------------------------------------------------

    async def _request(self, method: str, route: str, **kwargs: Any) -> Any:
        timeout = aiohttp.ClientTimeout(total=15)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(method, f"{self.base_url}{route}", **kwargs) as response,
        ):
            body = await response.json(content_type=None)
        if response.status != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise EmulatorError(f"{method} {route}: HTTP {response.status}: {body!r}")
        return body.get("result")

    async def stats(self) -> JsonDict:
        """Counters: ``get_updates_calls``, ``get_updates_by_token``, ``method_calls`` ..."""
        return cast(JsonDict, await self._request("GET", "/__stats"))

    async def get_updates_calls(self, token: str) -> int:
        """How many times bot ``token`` called getUpdates so far."""
        stats = await self.stats()
        return int(cast(JsonDict, stats["get_updates_by_token"]).get(token, 0))

    async def calls(self, method: str | None = None, token: str | None = None) -> list[JsonDict]:
        """Logged bot API calls (``{seq, time, token, method, params}``), getUpdates excluded."""
        query = {key: value for key, value in (("method", method), ("token", token)) if value}
        return cast(list[JsonDict], await self._request("GET", "/__calls", params=query))

    async def set_chat_member(
        self, chat_id: int, user_id: int, status: str, *, token: str | None = None, **fields: Any
    ) -> None:
        """Makes getChatMember answer ``status`` (member, administrator, creator, left ...).

        For bot ``token`` only, or for every bot without it. Once a chat has an entry, users
        without one have "left" it. :meth:`EmulatorUser.set_chat_member` passes its token.
        """
        payload: JsonDict = {"chatId": chat_id, "userId": user_id, "status": status}
        payload["fields"] = fields
        if token is not None:
            payload["token"] = token
        await self._request("POST", "/setChatMember", json=payload)

    async def set_chat(
        self,
        chat_id: int,
        *,
        token: str | None = None,
        is_forum: bool | None = None,
        title: str | None = None,
    ) -> None:
        """Sets a chat's ``is_forum``/``title`` for bot ``token`` (every bot without it)."""
        payload: JsonDict = {"chatId": chat_id}
        for key, value in (("token", token), ("isForum", is_forum), ("title", title)):
            if value is not None:
                payload[key] = value
        await self._request("POST", "/setChat", json=payload)

    async def delete_topic(
        self, chat_id: int, thread_id: int, *, token: str | None = None
    ) -> None:
        """Deletes a forum topic (for bot ``token``, or for every bot without it)."""
        payload: JsonDict = {"chatId": chat_id, "threadId": thread_id}
        if token is not None:
            payload["token"] = token
        await self._request("POST", "/deleteTopic", json=payload)

    async def topics(self, token: str, chat_id: int) -> list[JsonDict]:
        """Forum topics of a chat as bot ``token`` sees them."""
        payload = {"token": token, "chatId": chat_id}
        return cast(list[JsonDict], await self._request("POST", "/getTopics", json=payload))

    async def callback_answers(self, token: str) -> list[JsonDict]:
        """Bot ``token``'s answerCallbackQuery calls (text, show_alert, who pressed what)."""
        payload = {"token": token}
        return cast(
            list[JsonDict], await self._request("POST", "/getCallbackAnswers", json=payload)
        )

    async def get_message(self, token: str, chat_id: int, message_id: int) -> BotMessage | None:
        """The current version of a bot message (after edits), or None when there is none."""
        payload = {"token": token, "chatId": chat_id, "messageId": message_id}
        try:
            record = await self._request("POST", "/getMessage", json=payload)
        except EmulatorError:
            return None
        return BotMessage.from_record(cast(JsonDict, record))

    async def reset(self) -> None:
        """Forgets all stored messages, the call log and chat member overrides."""
        await self._request("POST", "/__reset")
